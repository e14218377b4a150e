"""fd.points' chunk loop and argument handling (the package layout)."""
import numpy as np
import pytest

import fastdiff as fd
from fastdiff.points import _engine


def _counting(f):
    calls = []

    def g(P, *a, **k):
        calls.append(P.shape[0])
        return f(P, *a, **k)
    return g, calls


def test_max_memory_bounds_every_call_of_f():
    X = np.random.default_rng(0).uniform(-1, 1, (500, 4))
    g, calls = _counting(lambda p: np.sum(p ** 2, axis=1))
    rows = 1 + 3 * 4 * 2            # f(x), 3 levels x 4 coordinates x 2 offsets
    fd.points.gradient(g, X, max_memory=rows * 4 * 8 * 50)
    assert max(calls) == 50 * rows and sum(calls) == 500 * rows
    calls.clear()
    fd.points.gradient(g, X)        # the default (8 MiB) holds all 500 points at once
    assert calls == [500 * rows]
    calls.clear()
    # complex points count 16 bytes per coordinate
    fd.points.gradient(g, X, method="complex", max_memory=4 * 4 * 16 * 25)
    assert max(calls) == 25 * 4
    with pytest.raises(ValueError, match="max_memory must be None or a positive number"):
        fd.points.gradient(g, X, max_memory=0)


def test_one_chunk_loop_serves_every_derivative(monkeypatch):
    seen = []
    real = _engine.chunk_loop

    def spy(ev, N, rows, n, mm, layout, consume, dtype=np.float64):
        seen.append(rows)
        return real(ev, N, rows, n, mm, layout, consume, dtype)

    monkeypatch.setattr(_engine, "chunk_loop", spy)
    from fastdiff.points import _second
    monkeypatch.setattr(_second, "chunk_loop", spy)
    f = lambda p: np.sum(np.sin(p), axis=1)      # noqa: E731
    x = [0.3, 0.7]
    fd.points.gradient(f, x)
    fd.points.hessian(f, x)
    fd.points.laplacian(f, x)
    fd.points.hessian(f, x, acc=4)               # the planned layout
    fd.points.gradient(f, x, method="complex")
    assert len(seen) == 5


def test_args_and_complex_x():
    f = lambda p, c: c * np.sum(p ** 2, axis=1)  # noqa: E731
    np.testing.assert_allclose(fd.points.gradient(f, [1.0, 2.0], args=3), [6.0, 12.0],
                               rtol=1e-8)
    with pytest.raises(TypeError, match="x must be real"):
        fd.points.derivative(np.sin, np.array([1.0 + 1j]))
