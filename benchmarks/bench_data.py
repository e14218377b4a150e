"""fd.data grid engine (pytest-benchmark).

    pytest benchmarks/bench_data.py --benchmark-only

Groups (each with ``np.copyto`` of the output-sized array as its copy row):

* ``data 192^3, 1e6 queries``: values and gradient in one pass
  (``value_and_gradient``, acc=4) on 1 and 2 threads, against
  ``scipy.interpolate.RegularGridInterpolator(method="linear")`` values
  alone (target: no slower) and its ``method="cubic"`` gradient, three
  ``nu`` calls with the build included (target: >= 50 x slower; run once,
  it takes tens of seconds);
* ``data smoothing 4096^2``: the smoothed d/dx at the nodes (window 11 per
  axis: 2 x 11 taps in two passes) against ``fd.grid.derivative`` with 21
  taps (acc=20) in one pass (target <= 1.5 x).

* ``data scattered 3-D, 1e5 samples x 1e5 queries``: sin(3x)cos(2y)exp(z)
  on [0, 1]^3, gradient and Hessian in one call (``evaluate``), k-d tree
  build included, 1 and 2 threads, against
  ``scipy.interpolate.RBFInterpolator(neighbors=30)`` for values alone
  (target: <= 0.5 x its time) and the NumPy twin ``fastdiff.reference.data``
  (timed on 1,000 queries: multiply by 100; target >= 5 x slower).

``test_memory_10M_queries`` prints the working memory (traced NumPy
allocations beyond the inputs and outputs) of 10^7 queries (target
<= 64 MiB).
"""
import tracemalloc

import numpy as np
import pytest

import fastdiff as fd

try:
    from scipy.interpolate import RegularGridInterpolator
except ImportError:  # optional peer
    RegularGridInterpolator = None

N = 192
M = 1_000_000


@pytest.fixture(scope="module")
def cube():
    x = np.linspace(0, 1, N)
    V = np.random.default_rng(0).random((N, N, N))
    q = np.random.default_rng(1).random((M, 3)) * 0.98 + 0.01
    return x, V, q


@pytest.mark.parametrize("how", ["copy", "fastdiff value+gradient 1 thread",
                                 "fastdiff value+gradient 2 threads",
                                 "scipy RegularGridInterpolator linear (values)",
                                 "scipy RegularGridInterpolator cubic gradient (with build)"])
def test_grid_engine(benchmark, cube, how):
    x, V, q = cube
    benchmark.group = "data 192^3, 1e6 queries"
    benchmark.name = how
    if how == "copy":
        out, src = np.empty((M, 4)), np.random.default_rng(2).random((M, 4))
        benchmark(np.copyto, out, src)
    elif how.startswith("fastdiff"):
        f = fd.data.fit((x, x, x), V, acc=4)
        nt = 1 if "1 thread" in how else 2
        benchmark.pedantic(f.value_and_gradient, args=(q,), kwargs={"num_threads": nt},
                           rounds=3, iterations=1)
    else:
        if RegularGridInterpolator is None:
            pytest.skip("scipy not installed")
        if "linear" in how:
            r = RegularGridInterpolator((x, x, x), V, method="linear")
            benchmark.pedantic(r, args=(q,), rounds=3, iterations=1)
        else:
            def cubic():
                r = RegularGridInterpolator((x, x, x), V, method="cubic")
                return [r(q, nu=nu) for nu in [(1, 0, 0), (0, 1, 0), (0, 0, 1)]]
            benchmark.pedantic(cubic, rounds=1, iterations=1)


@pytest.fixture(scope="module")
def noisy():
    n = 4096
    x = np.linspace(0, 1, n)
    return x, np.random.default_rng(3).random((n, n))


@pytest.mark.parametrize("how", ["copy", "fastdiff smoothed d/dx, window 11",
                                 "fastdiff grid.derivative, 21 taps"])
def test_smoothing_at_nodes(benchmark, noisy, how):
    x, u = noisy
    benchmark.group = "data smoothing 4096^2"
    benchmark.name = how
    if how == "copy":
        benchmark(np.copyto, np.empty_like(u), u)
    elif "smoothed" in how:
        f = fd.data.fit((x, x), u, smoothing=11, degree=3)
        benchmark.pedantic(f.derivative, args=(None, (1, 0)), rounds=5, iterations=1,
                           warmup_rounds=1)
    else:
        benchmark.pedantic(fd.grid.derivative, args=(u, 0), kwargs=dict(acc=20, spacing=x[1]),
                           rounds=5, iterations=1, warmup_rounds=1)


def test_memory_10M_queries(cube):
    """Working memory of 10^7 queries beyond the inputs and outputs."""
    x, V, _ = cube
    f = fd.data.fit((x, x, x), V, acc=4)
    q = np.random.default_rng(4).random((10_000_000, 3)) * 0.98 + 0.01
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    v, g = f.value_and_gradient(q)
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    outputs = v.nbytes + g.nbytes
    extra = peak - outputs
    print(f"\n10^7 queries: outputs {outputs / 2**20:.0f} MiB, working memory beyond them "
          f"{extra / 2**20:.1f} MiB (target <= 64 MiB)")
    assert extra <= 64 * 2**20


@pytest.fixture(scope="module")
def cloud():
    rng = np.random.default_rng(6)
    P = rng.uniform(0, 1, (100_000, 3))
    v = np.sin(3 * P[:, 0]) * np.cos(2 * P[:, 1]) * np.exp(P[:, 2])
    Q = rng.uniform(0.1, 0.9, (100_000, 3))
    return P, v, Q


@pytest.mark.parametrize("how", ["copy", "fastdiff gradient+hessian 1 thread",
                                 "fastdiff gradient+hessian 2 threads",
                                 "scipy RBFInterpolator neighbors=30 (values)",
                                 "fastdiff.reference.data gradient+hessian, 1,000 queries"])
def test_scattered(benchmark, cloud, how):
    P, v, Q = cloud
    benchmark.group = "data scattered 3-D, 1e5 samples x 1e5 queries"
    benchmark.name = how
    if how == "copy":
        out, src = np.empty((len(Q), 12)), np.random.default_rng(2).random((len(Q), 12))
        benchmark(np.copyto, out, src)
    elif how.startswith("fastdiff gradient"):
        nt = 1 if "1 thread" in how else 2

        def run():
            return fd.data.fit(P, v).evaluate(Q, ("gradient", "hessian"), num_threads=nt)
        benchmark.pedantic(run, rounds=3, iterations=1)
    elif how.startswith("scipy"):
        try:
            from scipy.interpolate import RBFInterpolator
        except ImportError:
            pytest.skip("scipy not installed")
        benchmark.pedantic(lambda: RBFInterpolator(P, v, neighbors=30)(Q), rounds=2,
                           iterations=1)
    else:
        from fastdiff import reference as ref

        def slow():     # 1,000 of the 10^5 queries: multiply its time by 100
            r = ref.data.fit(P, v)
            return r.gradient(Q[:1000]), r.hessian(Q[:1000])
        benchmark.pedantic(slow, rounds=1, iterations=1)
