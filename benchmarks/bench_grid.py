"""Grid derivative/gradient benchmarks on 256^3 arrays (pytest-benchmark).

    pytest benchmarks/bench_grid.py --benchmark-only

Every group times fastdiff against ``np.copyto`` of the same array (the
memory-bandwidth limit), ``fastdiff.reference`` and ``numpy.gradient``; the
summary at the end prints each time as a ratio to the copy.  Targets (SPEC):
gradient acc=2 float64 with ``out=`` <= 2.5 x copy and >= 5 x faster than
numpy.gradient; float32 <= 0.6 x the float64 time.
"""
import numpy as np
import pytest

import fastdiff as fd
from fastdiff import reference as ref

N = 256
DTYPES = ["float64", "float32"]


@pytest.fixture(scope="module", params=DTYPES)
def field(request):
    rng = np.random.default_rng(0)
    u = rng.random((N, N, N)).astype(request.param)
    return u


def _copy(benchmark, u):
    dst = np.empty_like(u)
    benchmark(np.copyto, dst, u)


# ---- gradient ---------------------------------------------------------------

@pytest.mark.benchmark(group="gradient")
def test_gradient_copy(benchmark, field):
    benchmark.group = f"gradient {field.dtype} {N}^3"
    _copy(benchmark, field)


@pytest.mark.benchmark(group="gradient")
@pytest.mark.parametrize("acc", [2, 4])
def test_gradient_fastdiff(benchmark, field, acc):
    benchmark.group = f"gradient {field.dtype} {N}^3"
    benchmark.name = f"fastdiff gradient acc={acc} out= ({field.dtype})"
    out = np.empty((3,) + field.shape, dtype=field.dtype)
    res = benchmark(fd.grid.gradient, field, acc=acc, out=out)
    assert res is out


@pytest.mark.benchmark(group="gradient")
def test_gradient_fastdiff_1thread(benchmark, field):
    benchmark.group = f"gradient {field.dtype} {N}^3"
    out = np.empty((3,) + field.shape, dtype=field.dtype)
    benchmark(fd.grid.gradient, field, out=out, num_threads=1)


@pytest.mark.benchmark(group="gradient")
def test_gradient_numpy(benchmark, field):
    benchmark.group = f"gradient {field.dtype} {N}^3"
    benchmark.pedantic(np.gradient, args=(field,), kwargs={"edge_order": 2}, rounds=3, iterations=1)


@pytest.mark.benchmark(group="gradient")
def test_gradient_reference(benchmark, field):
    benchmark.group = f"gradient {field.dtype} {N}^3"
    benchmark.pedantic(ref.gradient, args=(field,), rounds=2, iterations=1)


# ---- single derivative ------------------------------------------------------

@pytest.mark.parametrize("axis", [0, 2])
def test_derivative_copy(benchmark, field, axis):
    benchmark.group = f"derivative axis={axis} {field.dtype} {N}^3"
    _copy(benchmark, field)


@pytest.mark.parametrize("axis", [0, 2])
@pytest.mark.parametrize("order,acc", [(1, 2), (2, 4)])
def test_derivative_fastdiff(benchmark, field, axis, order, acc):
    benchmark.group = f"derivative axis={axis} {field.dtype} {N}^3"
    benchmark.name = f"fastdiff derivative order={order} acc={acc}"
    out = np.empty_like(field)
    benchmark(fd.grid.derivative, field, axis, order, acc=acc, out=out)


@pytest.mark.parametrize("axis", [0, 2])
def test_derivative_numpy(benchmark, field, axis):
    benchmark.group = f"derivative axis={axis} {field.dtype} {N}^3"
    benchmark.pedantic(np.gradient, args=(field,), kwargs={"axis": axis, "edge_order": 2},
                       rounds=3, iterations=1)


@pytest.mark.parametrize("axis", [0, 2])
def test_derivative_reference(benchmark, field, axis):
    benchmark.group = f"derivative axis={axis} {field.dtype} {N}^3"
    benchmark.pedantic(ref.derivative, args=(field, axis), rounds=2, iterations=1)
