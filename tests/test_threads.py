"""Thread-count invariance, one test for every public function: results are
bitwise identical with 1, 2 and all-but-none (-1) threads, on inputs large
enough to use a team, in several dtypes, memory layouts and boundary modes."""
import numpy as np
import pytest

import fastdiff as fd
from _helpers import make_array, random_values

GRID_CASES = [
    ((40, 36, 30), "float64", "C", "one-sided", 4),
    ((40, 36, 30), "float32", "F", "periodic", 2),
    ((70, 33, 20), "complex128", "negative", "constant", 6),
    ((257, 181), "float64", "strided", "mirror", 2),
    ((20, 2100), "float32", "interleaved", "nearest", 4),
    ((12, 10, 20, 21), "float64", "C", "reflect", 2),
]
GRID_FUNCTIONS = ["derivative", "gradient", "laplacian", "hessian", "divergence", "curl",
                  "jacobian", "directional", "operator"]


def _field(shape, dtype, layout, seed):
    """Seeded values in ``layout``; "interleaved" stores axis 0 innermost."""
    if layout == "interleaved":
        vals = random_values(shape, dtype, seed)
        return np.moveaxis(np.ascontiguousarray(np.moveaxis(vals, 0, -1)), -1, 0)
    return make_array(shape, dtype, layout, seed)


def _grid_call(fn, shape, dtype, layout, mode, acc):
    cval = 0.75 - 0.5j if np.dtype(dtype).kind == "c" else 0.75
    kw = dict(acc=acc, boundary=mode, cval=cval)
    if fn == "curl" and len(shape) == 4:
        kw["axes"] = (3, 1, 0)
    k = len(kw.get("axes", shape))
    if fn in ("divergence", "curl", "jacobian"):
        args = (_field((k,) + shape, dtype, layout, seed=7),)
    elif fn == "directional":
        args = (_field(shape, dtype, layout, seed=7),
                np.random.default_rng(3).standard_normal((k,) + shape))
    elif fn == "derivative":
        args = (_field(shape, dtype, layout, seed=7), len(shape) - 1, 2)
    else:
        args = (_field(shape, dtype, layout, seed=7),)
    if fn == "operator":
        D = fd.grid.D
        op = D(0) * D(1) + 2.0 * D(len(shape) - 1, 2) - D(0)
        return lambda nt: op(args[0], num_threads=nt, **kw)
    return lambda nt: getattr(fd.grid, fn)(*args, num_threads=nt, **kw)


@pytest.mark.parametrize("fn", GRID_FUNCTIONS)
@pytest.mark.parametrize("shape, dtype, layout, mode, acc", GRID_CASES)
def test_grid(fn, shape, dtype, layout, mode, acc):
    call = _grid_call(fn, shape, dtype, layout, mode, acc)
    r1 = call(1)
    np.testing.assert_array_equal(call(2), r1)
    np.testing.assert_array_equal(call(-1), r1)


@pytest.mark.parametrize("fn", ["gradient", "hessian", "laplacian"])
def test_grid_nonuniform(fn):
    t = np.linspace(0.0, 1.0, 50)
    u = make_array((50, 60, 40), "float64", "F", seed=8)
    spacing = [t + 0.2 * np.sin(np.pi * t) / np.pi, 0.1, np.linspace(0, 1, 40) ** 1.5 + 0.01 *
               np.arange(40)]
    call = lambda nt: getattr(fd.grid, fn)(u, spacing=spacing, acc=4, num_threads=nt)  # noqa: E731
    np.testing.assert_array_equal(call(2), call(1))


def _f(p):
    return np.sum(np.sin(p) * np.exp(0.1 * p), axis=-1)


def _fv(p):
    return np.stack([_f(p), np.prod(np.cos(p), axis=-1)], axis=-1)


POINTS = {
    "gradient": lambda X, nt: fd.points.gradient(_f, X, num_threads=nt),
    "jacobian": lambda X, nt: fd.points.jacobian(_fv, X, num_threads=nt),
    "hessian": lambda X, nt: fd.points.hessian(_fv, X, num_threads=nt),
    "laplacian": lambda X, nt: fd.points.laplacian(_f, X, acc=4, num_threads=nt),
    "directional": lambda X, nt: fd.points.directional(_fv, X, X[::-1], num_threads=nt),
    "derivative": lambda X, nt: fd.points.derivative(np.sin, X, 2, num_threads=nt),
    "bounded gradient": lambda X, nt: fd.points.gradient(_f, X, bounds=(-2, 2),
                                                         num_threads=nt),
}


@pytest.mark.parametrize("fn", sorted(POINTS))
def test_points(fn):
    X = np.random.default_rng(0).uniform(-2, 2, (300, 5))
    r1 = POINTS[fn](X, 1)
    np.testing.assert_array_equal(POINTS[fn](X, 2), r1)
    np.testing.assert_array_equal(POINTS[fn](X, -1), r1)


DATA = ["__call__", "gradient", "jacobian", "hessian", "laplacian", "evaluate"]


@pytest.mark.parametrize("engine", ["grid", "smoothing", "scattered"])
@pytest.mark.parametrize("fn", DATA)
def test_data(engine, fn):
    rng = np.random.default_rng(1)
    if engine == "scattered":
        pytest.importorskip("scipy")
        P = rng.uniform(0, 1, (3000, 3))
        f = fd.data.fit(P, np.stack([np.sin(P.sum(1)), P[:, 0] * P[:, 1]], 1))
    else:
        x = np.linspace(0, 1, 40)
        vals = rng.standard_normal((40, 40, 40, 2))
        f = fd.data.fit((x, x, x), vals, smoothing=7 if engine == "smoothing" else None)
    q = rng.uniform(0.05, 0.95, (5000, 3))
    call = (lambda nt: f.evaluate(q, ("value", "hessian"), num_threads=nt)[1]) \
        if fn == "evaluate" else (lambda nt: getattr(f, fn)(q, num_threads=nt))
    r1 = call(1)
    np.testing.assert_array_equal(call(2), r1)
    np.testing.assert_array_equal(call(-1), r1)


def test_omp_set_num_threads_is_honoured_over_the_environment(tmp_path):
    # (threadpoolctl's way: OMP_NUM_THREADS overrode omp_set_num_threads)
    if not fd.openmp_enabled():
        pytest.skip("a serial build has no OpenMP runtime")
    import subprocess
    import sys
    script = ("import ctypes, ctypes.util, fastdiff as fd\n"
              "from fastdiff import _config\n"
              "before = _config.max_threads()\n"
              "lib = [l for l in open('/proc/self/maps').read().split() if 'libgomp' in l][0]\n"
              "ctypes.CDLL(lib).omp_set_num_threads(1)\n"
              "print(before, _config.max_threads())\n")
    env = dict(__import__("os").environ, OMP_NUM_THREADS="2")
    res = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         env=env, timeout=120)
    assert res.returncode == 0, res.stderr
    assert res.stdout.split() == ["2", "1"]


def test_omp_num_threads_is_capped_like_num_threads(monkeypatch):
    # (review: OMP_NUM_THREADS=32768 bypassed the cap, and libgomp killed the process)
    import os
    from fastdiff import _config
    monkeypatch.setenv("OMP_NUM_THREADS", "32768")
    if _config._grid.max_threads() == _config._startup_threads:
        assert _config.max_threads() == max(64, 16 * (os.cpu_count() or 1))
