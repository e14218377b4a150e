"""Reused plans and operator expressions (pytest-benchmark).

    pytest benchmarks/bench_plans.py --benchmark-only

Groups (each with ``np.copyto`` of the same array, so the summary prints
ratios to the copy):

* ``overhead 16x16``: a reused Laplacian plan, the plain function and the
  NumPy slicing Laplacian, all with ``out=`` (issue target: plan <= 3 us,
  function <= 8 us);
* ``laplacian plan <size>``: a reused plan against NumPy slicing from 1-D
  1,000 points and 32x32 up to 256^3 (target: faster than NumPy slicing at
  every size; <= 1.5 x copy from 256^2 and 64^3 up);
* ``euler step 256^3``: ``plan(u, out, alpha=dt, beta=1)`` (target <= 1.3 x
  copy) and the variable-coefficient operator
  ``kappa*(D0^2 + D1^2 + D2^2) + c*D0`` (target <= 1.8 x the plain plan);
* ``heat 1000 steps 256^2``: the README's time-stepping loop against NumPy
  slicing and findiff (targets: >= 10 x and >= 30 x faster).
"""
import numpy as np
import pytest

import fastdiff as fd
from fastdiff.bench import heat_fastdiff, heat_numpy, heat_setup, numpy_laplacian

try:
    import findiff
except ImportError:  # optional peer
    findiff = None

D = fd.grid.D


def _laplace_op(ndim):
    return sum((D(a)**2 for a in range(1, ndim)), D(0)**2)


def test_overhead_copy(benchmark):
    benchmark.group = "overhead 16x16"
    u = np.random.default_rng(0).random((16, 16))
    benchmark(np.copyto, np.empty_like(u), u)


@pytest.mark.parametrize("how", ["plan", "function", "numpy slicing"])
def test_overhead(benchmark, how):
    benchmark.group = "overhead 16x16"
    benchmark.name = f"fastdiff {how}" if how != "numpy slicing" else how
    u = np.random.default_rng(0).random((16, 16))
    out = np.empty_like(u)
    if how == "plan":
        p = _laplace_op(2).plan(u.shape)
        benchmark(p, u, out)
    elif how == "function":
        benchmark(fd.grid.laplacian, u, out=out)
    else:
        benchmark(numpy_laplacian, u, out)


SIZES = [(1000,), (100_000,), (32, 32), (64, 64), (128, 128), (256, 256), (512, 512),
         (1024, 1024), (4096, 4096), (32, 32, 32), (64, 64, 64), (128, 128, 128),
         (256, 256, 256)]


@pytest.fixture(scope="module", params=SIZES, ids=lambda s: "x".join(map(str, s)))
def sized(request):
    return np.random.default_rng(1).random(request.param)


@pytest.mark.parametrize("how", ["copy", "fastdiff plan", "numpy slicing"])
def test_laplacian_plan_sizes(benchmark, sized, how):
    u = sized
    benchmark.group = "laplacian plan " + "x".join(map(str, u.shape))
    benchmark.name = how
    out = np.empty_like(u)
    if how == "copy":
        benchmark(np.copyto, out, u)
    elif how == "fastdiff plan":
        benchmark(_laplace_op(u.ndim).plan(u.shape), u, out)
    else:
        benchmark(numpy_laplacian, u, out)


@pytest.fixture(scope="module")
def big():
    rng = np.random.default_rng(2)
    shape = (256, 256, 256)
    return rng.random(shape), rng.random(shape), 1.0 + rng.random(shape)


@pytest.mark.parametrize("how", ["copy", "fastdiff laplacian plan", "fastdiff euler step",
                                 "fastdiff variable coefficients"])
def test_euler_and_coefficients(benchmark, big, how):
    u, out, kappa = big
    benchmark.group = "euler step 256^3"
    benchmark.name = how
    L = _laplace_op(3)
    if how == "copy":
        benchmark(np.copyto, out, u)
    elif how == "fastdiff laplacian plan":
        benchmark(L.plan(u.shape), u, out)
    elif how == "fastdiff euler step":
        p = L.plan(u.shape)
        benchmark(lambda: p(u, out, alpha=1e-4, beta=1.0))
    else:
        benchmark((kappa * L + 0.5 * D(0)).plan(u.shape), u, out)


def heat_findiff(steps=1000):
    u0, h, dt, kappa = heat_setup()
    lap = findiff.Diff(0, h, periodic=True) ** 2 + findiff.Diff(1, h, periodic=True) ** 2
    u = u0.copy()
    for _ in range(steps):
        u = u + dt * kappa * lap(u)
    return u


def test_heat_answers_agree():
    want = heat_fastdiff(50)
    np.testing.assert_allclose(heat_numpy(50), want, rtol=1e-12, atol=1e-13)
    if findiff is not None:
        np.testing.assert_allclose(heat_findiff(50), want, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("how", ["copy", "fastdiff", "numpy slicing", "findiff"])
def test_heat_1000_steps(benchmark, how):
    benchmark.group = "heat 1000 steps 256^2"
    benchmark.name = how
    if how == "copy":     # 1000 copies of the grid: the bandwidth floor
        u0 = heat_setup()[0]
        v = np.empty_like(u0)
        benchmark(lambda: [np.copyto(v, u0) for _ in range(1000)])
    elif how == "fastdiff":
        benchmark.pedantic(heat_fastdiff, rounds=5, iterations=1)
    elif how == "numpy slicing":
        benchmark.pedantic(heat_numpy, rounds=3, iterations=1)
    else:
        if findiff is None:
            pytest.skip("findiff not installed")
        benchmark.pedantic(heat_findiff, rounds=2, iterations=1)
