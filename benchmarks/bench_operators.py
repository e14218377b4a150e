"""Grid operator benchmarks (pytest-benchmark): Laplacian, Hessian, divergence,
curl, Jacobian, directional on 256^3 (and the Laplacian on 4096^2).

    pytest benchmarks/bench_operators.py --benchmark-only

Every group times fastdiff against ``np.copyto`` of the same array (the
memory-bandwidth limit) and the peers that are installed
(``scipy.ndimage.laplace``, findiff, ``fastdiff.reference``); the summary
prints each time as a ratio to the copy.  SPEC targets (2 threads, float64):
laplacian acc=2 <= 1.25 x copy, acc=4 <= 1.6 x; hessian acc=2 <= 5 x;
float32 laplacian <= 0.6 x the float64 time; 1 -> 2 threads >= 1.6 x faster;
laplacian >= 10 x faster than the reference and >= 20 x than ndimage/findiff.
"""
import numpy as np
import pytest

import fastdiff as fd
from fastdiff import reference as ref

ndimage = pytest.importorskip("scipy.ndimage")
try:
    import findiff
except ImportError:  # optional peer
    findiff = None

SHAPES = {"256^3": (256, 256, 256), "4096^2": (4096, 4096)}


@pytest.fixture(scope="module", params=[("256^3", "float64"), ("256^3", "float32"),
                                        ("4096^2", "float64")], ids=lambda p: f"{p[0]}-{p[1]}")
def field(request):
    name, dtype = request.param
    u = np.random.default_rng(0).random(SHAPES[name]).astype(dtype)
    return name, u


def _group(benchmark, what, name, u):
    benchmark.group = f"{what} {u.dtype} {name}"


def test_laplacian_copy(benchmark, field):
    name, u = field
    _group(benchmark, "laplacian", name, u)
    dst = np.empty_like(u)
    benchmark(np.copyto, dst, u)


@pytest.mark.parametrize("acc", [2, 4, 8])
@pytest.mark.parametrize("threads", [1, 2])
def test_laplacian_fastdiff(benchmark, field, acc, threads):
    name, u = field
    _group(benchmark, "laplacian", name, u)
    benchmark.name = f"fastdiff laplacian acc={acc} threads={threads}"
    out = np.empty_like(u)
    res = benchmark(fd.grid.laplacian, u, acc=acc, out=out, num_threads=threads)
    assert res is out


def test_laplacian_ndimage(benchmark, field):
    name, u = field
    _group(benchmark, "laplacian", name, u)
    out = np.empty_like(u)
    benchmark.pedantic(ndimage.laplace, args=(u,), kwargs={"output": out, "mode": "reflect"},
                       rounds=3, iterations=1)


@pytest.mark.skipif(findiff is None, reason="findiff not installed")
def test_laplacian_findiff(benchmark, field):
    name, u = field
    _group(benchmark, "laplacian", name, u)
    op = sum(findiff.Diff(ax, 1.0) ** 2 for ax in range(u.ndim))
    benchmark.pedantic(op, args=(u,), rounds=2, iterations=1)


def test_laplacian_reference(benchmark, field):
    name, u = field
    _group(benchmark, "laplacian", name, u)
    benchmark.pedantic(ref.laplacian, args=(u,), rounds=2, iterations=1)


# ---- the other operators, 256^3 float64 -------------------------------------

@pytest.fixture(scope="module")
def cube():
    return np.random.default_rng(1).random((256, 256, 256))


@pytest.fixture(scope="module")
def vec():
    return np.random.default_rng(2).random((3, 256, 256, 256))


def test_ops_copy(benchmark, cube):
    benchmark.group = "operators float64 256^3"
    dst = np.empty_like(cube)
    benchmark(np.copyto, dst, cube)


@pytest.mark.parametrize("acc", [2, 4])
def test_hessian_fastdiff(benchmark, cube, acc):
    benchmark.group = "operators float64 256^3"
    benchmark.name = f"fastdiff hessian acc={acc} (9 outputs)"
    out = np.empty((3, 3) + cube.shape)
    benchmark.pedantic(fd.grid.hessian, args=(cube,), kwargs={"acc": acc, "out": out},
                       rounds=5, iterations=1, warmup_rounds=1)


def test_divergence_fastdiff(benchmark, vec):
    benchmark.group = "operators float64 256^3"
    benchmark.name = "fastdiff divergence (3 inputs)"
    out = np.empty(vec.shape[1:])
    benchmark(fd.grid.divergence, vec, out=out)


def test_curl_fastdiff(benchmark, vec):
    benchmark.group = "operators float64 256^3"
    benchmark.name = "fastdiff curl (3 in, 3 out)"
    out = np.empty_like(vec)
    benchmark(fd.grid.curl, vec, out=out)


def test_directional_fastdiff(benchmark, cube):
    benchmark.group = "operators float64 256^3"
    benchmark.name = "fastdiff directional (constant direction)"
    out = np.empty_like(cube)
    benchmark(fd.grid.directional, cube, [1.0, 2.0, 2.0], out=out)


def test_jacobian_fastdiff(benchmark, vec):
    benchmark.group = "operators float64 256^3"
    benchmark.name = "fastdiff jacobian (3 in, 9 out)"
    out = np.empty((3, 3) + vec.shape[1:])
    benchmark.pedantic(fd.grid.jacobian, args=(vec,), kwargs={"out": out},
                       rounds=5, iterations=1, warmup_rounds=1)
