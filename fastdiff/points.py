"""Derivatives of black-box functions at batches of points.

Points are rows: ``x`` has shape (n,) for one point or (N, n) for N points.
Every stencil point of every input point in a chunk is laid out in one
(M, n) array, f is called once per chunk, and the returned values are
combined with the stencil weights (the array f receives is reused for the
next chunk: f must not keep it after returning).  With ``adaptive=True`` (default) the
derivative is computed at a short geometric sequence of steps (h, h/2, h/4
for first derivatives) and Richardson-extrapolated; per element the estimate
with the smallest estimated error is kept.

The layout and combination of first-derivative stencils (gradient,
jacobian, directional, derivative) run in Cython/OpenMP kernels
(``_kernels/_points.pyx``), as does the layout of second-derivative stencils
(hessian, laplacian), whose values are then combined with NumPy.
"""
from __future__ import annotations

import numbers

import numpy as np

from . import _validation as V
import contextlib
import contextvars

from ._kernels import _points as _compiled
from ._stencil import stencil

__all__ = ["Result", "derivative", "gradient", "jacobian", "hessian", "laplacian",
           "directional"]

_EPS = np.finfo(np.float64).eps
_METHODS = ("central", "forward", "backward", "complex")
_SAFETY = 4.0          # multiplies the raw error estimates (coverage)

# the layout/combine kernels: compiled, or the NumPy twins for
# fastdiff.reference.points (a context variable: safe across threads)
_KERNELS = contextvars.ContextVar("fastdiff_points_kernels", default=_compiled)


@contextlib.contextmanager
def _using_kernels(kernels):
    token = _KERNELS.set(kernels)
    try:
        yield
    finally:
        _KERNELS.reset(token)


class Result:
    """Derivative values with error estimates (``full_output=True``).

    Attributes
    ----------
    value : ndarray
        The derivatives.
    error : ndarray
        Estimated absolute error of each value (same shape).
    step : ndarray
        The step used for each value's chosen estimate (same shape).
    nfev : int
        Evaluations of f per input point.
    success : ndarray of bool
        False where the value or its error estimate is not finite.
    """

    __slots__ = ("value", "error", "step", "nfev", "success")

    def __init__(self, value, error, step, nfev, success):
        self.value, self.error, self.step = value, error, step
        self.nfev, self.success = int(nfev), success

    def __repr__(self):
        return (f"Result(value={self.value!r}, error={self.error!r}, nfev={self.nfev}, "
                f"success={self.success!r})")


# ---------------------------------------------------------------------------
# argument handling
# ---------------------------------------------------------------------------

def _check_f(f):
    if not callable(f):
        raise TypeError(f"f must be callable, got {type(f).__name__}")


def _points(x, name="x"):
    """(X (N, n) float64, single) from x of shape (n,) or (N, n)."""
    try:
        arr = np.asarray(x)
    except Exception as exc:
        raise TypeError(f"{name} must be an array of real numbers") from exc
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold real numbers, got dtype {arr.dtype}")
    if arr.ndim not in (1, 2):
        raise ValueError(f"{name} must have shape (n,) or (N, n), got shape {arr.shape}")
    if arr.shape[-1] == 0:
        raise ValueError(f"{name} must have at least one coordinate, got shape {arr.shape}")
    single = arr.ndim == 1
    return np.atleast_2d(arr.astype(np.float64)), single


def _method(method, allowed=_METHODS):
    if not isinstance(method, str) or method not in allowed:
        raise ValueError(f"method must be one of {', '.join(repr(m) for m in allowed)}, "
                         f"got {method!r}")
    return method


def _max_memory(m):
    if isinstance(m, (bool, np.bool_)) or not isinstance(m, numbers.Real):
        raise TypeError(f"max_memory must be a positive number of bytes, got {m!r}")
    if not m > 0:
        raise ValueError(f"max_memory must be a positive number of bytes, got {m!r}")
    return float(m)


def _bounds(bounds, X):
    if bounds is None:
        return None
    try:
        lo, hi = bounds
    except (TypeError, ValueError):
        raise TypeError("bounds must be a pair (lower, upper)") from None
    n = X.shape[1]
    try:
        lo = np.broadcast_to(np.asarray(lo, dtype=np.float64), (n,)).copy()
        hi = np.broadcast_to(np.asarray(hi, dtype=np.float64), (n,)).copy()
    except (ValueError, TypeError):
        raise ValueError(f"bounds must be scalars or arrays of length {n} (one per "
                         f"coordinate), got {bounds!r}") from None
    if np.any(~(lo < hi)):
        raise ValueError("bounds must have lower < upper in every coordinate")
    if np.any(X < lo) or np.any(X > hi):
        raise ValueError("x must lie inside bounds")
    return lo, hi


def _user_step(step, X):
    if step is None:
        return None
    h = np.asarray(step, dtype=np.float64)
    try:
        h = np.broadcast_to(h, X.shape)
    except ValueError:
        raise ValueError(f"step must be a scalar, shape (n,) or shape {X.shape}, "
                         f"got shape {h.shape}") from None
    if np.any(~np.isfinite(h)) or np.any(h <= 0):
        raise ValueError("step must be positive and finite")
    return h


class _Evaluator:
    """Calls f on batches of points, checking what it returns."""

    def __init__(self, f, args, kwargs, vectorized, complex_ok=False):
        self.f, self.args = f, tuple(args)
        self.kwargs = {} if kwargs is None else dict(kwargs)
        self.vectorized = bool(vectorized)
        self.complex_ok = complex_ok
        self.m = None            # output length (None: scalar f)

    def __call__(self, P):
        """Values at the rows of P: (M,) or (M, m)."""
        if self.vectorized:
            out = np.asarray(self.f(P, *self.args, **self.kwargs))
        else:
            out = np.asarray([np.asarray(self.f(p, *self.args, **self.kwargs)) for p in P])
        M = P.shape[0]
        if out.dtype.kind not in ("biufc" if self.complex_ok else "biuf"):
            raise ValueError(f"f must return real numbers, got dtype {out.dtype}")
        if out.ndim == 0 or out.shape[0] != M or out.ndim > 2:
            raise ValueError(f"f returned shape {out.shape} for {M} points; expected ({M},) "
                             f"for a scalar function or ({M}, m) for a vector function")
        m = None if out.ndim == 1 else out.shape[1]
        if self.m is None:
            self.m = m if m is not None else 0
        elif (m or 0) != self.m:
            raise ValueError(f"f returned shape {out.shape}, but earlier calls returned "
                             f"{'(M,)' if self.m == 0 else f'(M, {self.m})'}")
        return out


# ---------------------------------------------------------------------------
# the engine: 1-D stencils along directions, Richardson over levels
# ---------------------------------------------------------------------------

def _levels(method, adaptive):
    """Step levels of a derivative along directions (h, h/2, h/4 adaptive)."""
    return 1 if method == "complex" or not adaptive else 3


def _base_c(order, acc, levels, one_sided):
    """Relative base step: rounding/truncation balance for the final order."""
    s = 1 if one_sided else 2
    p_final = acc + s * (levels - 1)
    return _EPS ** (1.0 / (p_final + order))


def _richardson(D, order_acc, one_sided):
    """Tableau over levels (axis 0 of D, steps h/2^k): values and error estimates.

    Returns (value, error, level index) choosing, per element, the diagonal
    entry with the smallest estimated error.
    """
    L = D.shape[0]
    if L == 1:
        return D[0], np.zeros_like(D[0]), np.zeros(D[0].shape, dtype=np.int64)
    s = 1 if one_sided else 2
    R = [D[0]]
    diag = [D[0]]
    prev_row = [D[0]]
    for k in range(1, L):
        row = [D[k]]
        for mm in range(1, k + 1):
            q = order_acc + s * (mm - 1)
            row.append(row[mm - 1] + (row[mm - 1] - prev_row[mm - 1]) / (2.0 ** q - 1.0))
        diag.append(row[k])
        prev_row = row
        R.append(row)
    vals = np.stack(diag[1:])
    errs = np.stack([np.abs(diag[k] - diag[k - 1]) for k in range(1, L)])
    with np.errstate(invalid="ignore"):
        pick = np.argmin(np.where(np.isnan(errs), np.inf, errs), axis=0)
    value = np.take_along_axis(vals, pick[None], 0)[0]
    err = np.take_along_axis(errs, pick[None], 0)[0]
    return value, err, pick + 1


# stencil points laid out per call of f, at most (bytes): chunks this size
# stay below glibc's mmap threshold, so their memory (and f's temporaries) is
# reused from call to call instead of being faulted in afresh each time
_CHUNK_BYTES = 8 << 20


class _Buffer:
    """One layout buffer for all the chunks of a call (faulted in once)."""

    def __init__(self, chunks, rows, n):
        size = max((b - a for a, b in chunks), default=0)
        self.data = np.empty((size, rows, n))

    def take(self, Nc):
        return self.data[:Nc]


def _chunks(N, per_point_rows, n, max_memory):
    per_point = max(1, per_point_rows) * max(1, n) * 8
    size = max(1, int(min(max_memory, _CHUNK_BYTES) // per_point))
    return [(a, min(N, a + size)) for a in range(0, N, size)]


def _variant(st):
    """(nonzero offsets, their weights, weight of offset 0) of a stencil."""
    offs = st.offsets.astype(np.float64)
    w = st.weights
    nz = offs != 0
    keep = nz & (w != 0)
    return offs[keep], w[keep], float(np.sum(w[~nz]))


def _first_derivatives(ev, X, dirs, method, acc, h, levels, bounds, max_memory, nthreads,
                       order=1):
    """Derivatives of ``order`` of f along ``dirs`` at every point.

    X (N, n); dirs (N, k, n) directions; h (N, k) base steps along each
    direction.  f(x) is evaluated once per point and serves every offset 0;
    each (point, direction, level) then needs K evaluations.  Returns value
    (N, k[, m]), error, step and the evaluations per point.
    """
    N, k, n = dirs.shape
    if method == "complex":
        return _complex_step(ev, X, dirs, h, max_memory)
    one_sided = method in ("forward", "backward")
    fwd = _variant(stencil(order, offsets=np.arange(0, acc + order)))
    bwd = _variant(stencil(order, offsets=-np.arange(0, acc + order)[::-1]))
    base = {"central": _variant(stencil(order, acc)), "forward": fwd, "backward": bwd}[method]
    variants = [base, fwd, bwd]
    kinds = np.zeros((N, k), dtype=np.int8)        # 0 base, 1 forward, 2 backward
    if bounds is not None:
        kinds, h = _fit_bounds(X, dirs, h, bounds, base[0], acc + order - 1)
    K = max(len(v[0]) for v in variants if v is not None)
    OFF = np.zeros((N, k, K))
    W = np.zeros((N, k, K))
    W0 = np.zeros((N, k))
    for t, (o, w, w0) in enumerate(variants):
        sel = kinds == t
        OFF[sel, :len(o)] = o
        W[sel, :len(o)] = w
        W0[sel] = w0
    L = levels
    hl = np.ascontiguousarray(h[None] / (2.0 ** np.arange(L))[:, None, None])  # (L, N, k)
    rows = 1 + L * k * K
    axes = k == n and np.array_equal(dirs[0], np.eye(n)) and dirs.strides[0] == 0
    D3 = np.zeros((0, 0, 0)) if axes else np.ascontiguousarray(dirs)
    vals = f0_all = None
    chunks = _chunks(N, rows, n, max_memory)
    buf = _Buffer(chunks, rows, n)
    for a, b in chunks:
        Nc = b - a
        P = buf.take(Nc)
        _KERNELS.get().layout(np.ascontiguousarray(X[a:b]), D3 if axes else D3[a:b], OFF[a:b],
                   np.ascontiguousarray(hl[:, a:b]), P, nthreads)
        Fv = ev(P.reshape(-1, n))
        tail = Fv.shape[1:]
        Fm = np.ascontiguousarray(Fv.reshape(Nc, rows, -1), dtype=np.float64)
        D = np.empty((L, Nc, k, Fm.shape[2]))
        with np.errstate(invalid="ignore", over="ignore"):
            _KERNELS.get().combine(Fm, W[a:b], W0[a:b], np.ascontiguousarray(hl[:, a:b]), order, D,
                        nthreads)
        if vals is None:
            vals = np.empty((L, N, k) + tail)
            f0_all = np.empty((N,) + tail)
        vals[:, a:b] = D.reshape((L, Nc, k) + tail)
        f0_all[a:b] = Fm[:, 0].reshape((Nc,) + tail)
    ex = (1,) * (vals.ndim - 3)
    wsum = (np.sum(np.abs(W), axis=2) + np.abs(W0)).reshape((N, k) + ex)
    f0s = np.abs(f0_all).reshape((N, 1) + f0_all.shape[1:])
    hh = h.reshape((N, k) + ex)
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        if L == 1:
            value = vals[0]
            err = _SAFETY * _EPS * wsum * f0s / hh ** order
            step = np.broadcast_to(hh, value.shape).copy()
            return value, err, step, rows
        value = np.empty(vals.shape[1:])
        err = np.empty(vals.shape[1:])
        lev = np.zeros(vals.shape[1:], dtype=np.int64)
        for t in np.unique(kinds):
            sel = kinds == t
            v_, e_, l_ = _richardson(vals[:, sel], acc, one_sided or t != 0)
            value[sel], err[sel], lev[sel] = v_, e_, l_
        rounding = _EPS * wsum * f0s / (hh / 2.0 ** (L - 1)) ** order
        err = _SAFETY * (err + rounding)
        step = hh / 2.0 ** lev
    return value, err, step, rows


def _complex_step(ev, X, dirs, h, max_memory):
    """Im f(x + i h d) / h: first derivatives to rounding, one evaluation each."""
    N, k, n = dirs.shape
    vals = None
    for a, b in _chunks(N, k, n, max_memory):
        Nc = b - a
        P = X[a:b, None, :] + 1j * (h[a:b, :, None] * dirs[a:b])
        Fv = ev(P.reshape(-1, n))
        Fv = Fv.reshape((Nc, k) + Fv.shape[1:])
        ex = (1,) * (Fv.ndim - 2)
        D = np.imag(Fv) / h[a:b].reshape((Nc, k) + ex)
        if vals is None:
            vals = np.empty((N, k) + Fv.shape[2:])
        vals[a:b] = D
    ex = (1,) * (vals.ndim - 2)
    with np.errstate(invalid="ignore"):
        err = 2 * _EPS * np.abs(vals)
    return vals, err, np.broadcast_to(h.reshape((N, k) + ex), vals.shape).copy(), k


def _fit_bounds(X, dirs, h, bounds, base_offs, span):
    """Per (point, direction): keep the base stencil if it stays in the box,
    else a one-sided one towards the side with more room, with the step
    shrunk so that its ``span`` steps fit."""
    lo, hi = bounds
    N, k, n = dirs.shape
    Xb = X[:, None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        up = np.where(dirs > 0, (hi - Xb) / dirs, np.where(dirs < 0, (Xb - lo) / -dirs, np.inf))
        dn = np.where(dirs > 0, (Xb - lo) / dirs, np.where(dirs < 0, (hi - Xb) / -dirs, np.inf))
    room_up = np.min(up, axis=2)
    room_dn = np.min(dn, axis=2)
    reach_up = max(float(np.max(base_offs)), 0.0) * h
    reach_dn = max(-float(np.min(base_offs)), 0.0) * h
    bad = (reach_up > room_up) | (reach_dn > room_dn)
    use_fwd = bad & (room_up >= room_dn)
    use_bwd = bad & ~use_fwd
    kinds = np.where(use_fwd, 1, np.where(use_bwd, 2, 0)).astype(np.int8)
    room = np.where(use_fwd, room_up, room_dn)
    h = np.where(bad, np.minimum(h, room / span), h)
    return kinds, h


def _empty(ev, n, kind, full_output, single=False):
    """Results for a batch of no points: f is called once on an empty batch
    to learn whether it is vector-valued."""
    ev(np.empty((0, n)))
    mshape = (ev.m,) if ev.m else ()
    shape = {"gradient": (0, n), "jacobian": (0, max(ev.m, 1), n),
             "hessian": (0,) + mshape + (n, n), "laplacian": (0,) + mshape,
             "directional": (0,) + mshape}[kind]
    z = np.empty(shape)
    return Result(z, z.copy(), z.copy(), 0, np.empty(shape, dtype=bool)) if full_output else z


def _finish(value, err, step, nfev, full_output):
    if not full_output:
        return value
    with np.errstate(invalid="ignore"):
        success = np.isfinite(value) & np.isfinite(err)
    return Result(value, err, step, nfev, success)


def _setup(f, x, method, acc, max_memory, num_threads, args, kwargs, vectorized,
           allowed=_METHODS):
    _check_f(f)
    X, single = _points(x)
    method = _method(method, allowed)
    acc = V.check_acc(acc)
    mm = _max_memory(max_memory)
    ev = _Evaluator(f, args, kwargs, vectorized, complex_ok=method == "complex")
    ev.nthreads = V.num_threads(num_threads)
    return X, single, method, acc, mm, ev


def _default_step(X, c, step):
    s = np.maximum(np.abs(X), 1.0)
    return c * s if step is None else step


# ---------------------------------------------------------------------------
# public functions
# ---------------------------------------------------------------------------

def _partials(f, x, method, acc, step, adaptive, bounds, max_memory, num_threads, args,
              kwargs, vectorized, kind, full_output):
    """First partial derivatives along every coordinate: (value (N, n[, m]),
    error, step, nfev, single, evaluator), or the result for an empty batch."""
    X, single, method, acc, mm, ev = _setup(f, x, method, acc, max_memory, num_threads,
                                            args, kwargs, vectorized)
    N, n = X.shape
    if N == 0:
        return _empty(ev, n, kind, full_output)
    L = _levels(method, adaptive)
    bnd = _bounds(bounds, X)
    if method == "complex":
        h = _default_step(X, 1e-20, _user_step(step, X))
    else:
        h = _default_step(X, _base_c(1, acc, L, method != "central"), _user_step(step, X))
    dirs = np.broadcast_to(np.eye(n), (N, n, n))
    value, err, st, nfev = _first_derivatives(ev, X, dirs, method, acc, h, L, bnd, mm,
                                              ev.nthreads)
    return value, err, st, nfev, single, ev


def gradient(f, x, *, args=(), kwargs=None, method="central", acc=2, step=None,
             adaptive=True, bounds=None, full_output=False, max_memory=256 * 2**20,
             vectorized=True, num_threads=None):
    """Gradient of a scalar function at one point (n,) or at N points (N, n).

    f is called with an (M, n) array of evaluation points and returns (M,)
    (``vectorized=False``: one (n,) point at a time, returning a scalar).

    Returns
    -------
    ndarray or Result
        Shape (n,) or (N, n); a `Result` with ``full_output=True``.

    Examples
    --------
    >>> import numpy as np, fastdiff as fd
    >>> f = lambda p: p[:, 0] ** 2 * p[:, 1] + 3 * np.log(p[:, 0] * p[:, 1])
    >>> np.round(fd.points.gradient(f, [1.0, 2.0]), 10)     # (2xy + 3/x, x^2 + 3/y)
    array([7. , 2.5])
    """
    out = _partials(f, x, method, acc, step, adaptive, bounds, max_memory, num_threads,
                    args, kwargs, vectorized, "gradient", full_output)
    if isinstance(out, (np.ndarray, Result)):
        return out                       # an empty batch
    value, err, st, nfev, single, ev = out
    if ev.m:
        raise ValueError(f"f returned shape (M, {ev.m}); gradient needs a scalar function "
                         f"returning (M,) — use jacobian for vector functions")
    res = _finish(value, err, st, nfev, full_output)
    return _squeeze(res, single)


def jacobian(f, x, *, args=(), kwargs=None, method="central", acc=2, step=None,
             adaptive=True, bounds=None, full_output=False, max_memory=256 * 2**20,
             vectorized=True, num_threads=None):
    """Jacobian J[i, j] = df_i/dx_j of a vector function: (N, m, n) (or (m, n)).

    f returns (M, m) for an (M, n) array of points ((M,) counts as m = 1).

    Examples
    --------
    >>> import numpy as np, fastdiff as fd
    >>> f = lambda p: np.stack([p[:, 0] ** 2 * p[:, 1], 5 * p[:, 0] + np.sin(p[:, 1])], axis=1)
    >>> np.round(fd.points.jacobian(f, [1.0, 0.0]), 10)     # [[2xy, x^2], [5, cos y]]
    array([[0., 1.],
           [5., 1.]])
    """
    out = _partials(f, x, method, acc, step, adaptive, bounds, max_memory, num_threads,
                    args, kwargs, vectorized, "jacobian", full_output)
    if isinstance(out, (np.ndarray, Result)):
        return out                       # an empty batch
    value, err, st, nfev, single, ev = out
    if value.ndim == 2:          # scalar f: one row
        value, err, st = value[:, None], err[:, None], st[:, None]
    else:                        # (N, n, m) -> (N, m, n)
        value, err, st = (np.swapaxes(a, 1, 2) for a in (value, err, st))
    res = _finish(value, err, st, nfev, full_output)
    return _squeeze(res, single)


def directional(f, x, v, *, normalize=True, args=(), kwargs=None, method="central", acc=2,
                step=None, adaptive=True, bounds=None, full_output=False,
                max_memory=256 * 2**20, vectorized=True, num_threads=None):
    """Directional derivative along v ((n,) or (N, n)), unit-normalised by default.

    Returns (N,) for scalar f, (N, m) for vector f (drop N for one point).

    Examples
    --------
    >>> import numpy as np, fastdiff as fd
    >>> f = lambda p: p[:, 0] ** 2 + p[:, 1] ** 2
    >>> round(float(fd.points.directional(f, [1.0, 2.0], [1.0, 1.0])), 10)   # (2x + 2y)/sqrt(2)
    4.2426406871
    """
    X, single, method, acc, mm, ev = _setup(f, x, method, acc, max_memory, num_threads,
                                            args, kwargs, vectorized)
    N, n = X.shape
    if N == 0:
        return _empty(ev, n, "directional", full_output)
    d = np.asarray(v, dtype=np.float64)
    if d.shape not in ((n,), (N, n)):
        raise ValueError(f"v has shape {d.shape}, but needs shape ({n},) or ({N}, {n})")
    d = np.broadcast_to(d, (N, n))
    norm = np.sqrt(np.sum(d * d, axis=1))
    if np.any(norm == 0):
        raise ValueError("v must not be the zero vector")
    unit = d / norm[:, None]
    L = _levels(method, adaptive)
    bnd = _bounds(bounds, X)
    scale = np.maximum(np.max(np.abs(X), axis=1), 1.0)[:, None]
    if step is not None:
        h = np.broadcast_to(np.asarray(_user_step(np.asarray(step).max(), X[:, :1])), (N, 1))
    elif method == "complex":
        h = 1e-20 * scale
    else:
        h = _base_c(1, acc, L, method != "central") * scale
    value, err, st, nfev = _first_derivatives(ev, X, unit[:, None, :], method, acc, h, L, bnd,
                                              mm, ev.nthreads)
    value, err, st = value[:, 0], err[:, 0], st[:, 0]
    if not normalize:
        fac = norm if value.ndim == 1 else norm[:, None]
        value, err = value * fac, err * fac
    res = _finish(value, err, st, nfev, full_output)
    return _squeeze(res, single)


def derivative(f, x, order=1, *, args=(), kwargs=None, method="central", acc=2, step=None,
               adaptive=True, bounds=None, full_output=False, max_memory=256 * 2**20,
               vectorized=True, num_threads=None):
    """Derivative of ``order`` of a univariate function applied elementwise.

    ``x`` may have any shape; f maps arrays elementwise (it is called with a
    1-D array of evaluation points).  The result has x's shape.

    Examples
    --------
    >>> import numpy as np, fastdiff as fd
    >>> np.round(fd.points.derivative(np.sin, np.array([0.0, np.pi / 2])), 12)
    array([1., 0.])
    """
    _check_f(f)
    order = V.check_order(order)
    xa = np.asarray(x, dtype=np.float64)
    shape = xa.shape
    flat = xa.reshape(-1, 1)
    if method == "complex" and order != 1:
        raise ValueError("method='complex' gives first derivatives only")

    def g(P, *a, **k):
        return f(P[:, 0], *a, **k) if vectorized else f(P[0], *a, **k)

    X, _, method, acc, mm, ev = _setup(g, flat, method, acc, max_memory, num_threads, args,
                                       kwargs, vectorized)
    if X.shape[0] == 0:
        z = np.empty(shape)
        return Result(z, z.copy(), z.copy(), 0, np.empty(shape, dtype=bool)) \
            if full_output else z
    L = _levels(method, adaptive)
    bnd = _bounds(bounds, X)
    if method == "complex":
        h = _default_step(X, 1e-20, _user_step(step, X))
    else:
        h = _default_step(X, _base_c(order, acc, L, method != "central"), _user_step(step, X))
    value, err, st, nfev = _first_derivatives(ev, X, np.ones((X.shape[0], 1, 1)), method,
                                              acc, h, L, bnd, mm, ev.nthreads, order=order)
    if ev.m:
        raise ValueError(f"f returned shape (M, {ev.m}); derivative needs an elementwise "
                         f"function returning (M,)")
    res = _finish(value[:, 0].reshape(shape), err[:, 0].reshape(shape),
                  st[:, 0].reshape(shape), nfev, full_output)
    return res


def _squeeze(res, single):
    if not single:
        return res
    if isinstance(res, Result):
        return Result(res.value[0], res.error[0], res.step[0], res.nfev, res.success[0])
    return res[0]


def _second_levels_all(ev, X, h, L, mm, pairs):
    """f at x, x ± h_i e_i and x ± h_i e_i ± h_j e_j for every level.

    Returns (f0 (N[, m]), Fd (L, N, n, 2[, m]) for -,+ along each axis,
    Fm (L, N, npairs, 4[, m]) for (++, +-, -+, --)).
    """
    N, n = X.shape
    npairs = len(pairs)
    rows = 1 + L * (2 * n + 4 * npairs)
    I = np.array([p[0] for p in pairs], dtype=np.intp)
    J = np.array([p[1] for p in pairs], dtype=np.intp)
    f0_all = Fd_all = Fm_all = None
    chunks = _chunks(N, rows, n, mm)
    buf = _Buffer(chunks, rows, n)
    for a, b in chunks:
        Nc = b - a
        P = buf.take(Nc)
        _KERNELS.get().layout2(np.ascontiguousarray(X[a:b]), np.ascontiguousarray(h[a:b]), L, I, J, P,
                    ev.nthreads)
        Fv = ev(P.reshape(-1, n))
        Fv = Fv.reshape((Nc, rows) + Fv.shape[1:])
        tail = Fv.shape[2:]
        per = 2 * n + 4 * npairs
        body = Fv[:, 1:].reshape((Nc, L, per) + tail)
        Fd = np.stack([body[:, :, :n], body[:, :, n:2 * n]], axis=3)       # (Nc, L, n, 2)
        Fm = body[:, :, 2 * n:].reshape((Nc, L, 4, npairs) + tail)
        Fm = np.moveaxis(Fm, 2, 3)                                         # (Nc, L, np, 4)
        if f0_all is None:
            f0_all = np.empty((N,) + tail)
            Fd_all = np.empty((L, N, n, 2) + tail)
            Fm_all = np.empty((L, N, npairs, 4) + tail)
        f0_all[a:b] = Fv[:, 0]
        Fd_all[:, a:b] = np.moveaxis(Fd, 1, 0)
        Fm_all[:, a:b] = np.moveaxis(Fm, 1, 0)
    return f0_all, Fd_all, Fm_all, rows


def _second_setup(f, x, method, acc, max_memory, num_threads, args, kwargs, vectorized,
                  step, adaptive, bounds, what):
    X, single, method, acc, mm, ev = _setup(f, x, method, acc, max_memory, num_threads,
                                            args, kwargs, vectorized,
                                            allowed=("central", "forward", "backward"))
    bnd = _bounds(bounds, X)
    L = (2 if what == "hessian" else 3) if adaptive else 1
    one_sided = method != "central"
    s_ = 1 if one_sided else 2
    c = _EPS ** (1.0 / (acc + s_ * (L - 1) + 2))
    h = _default_step(X, c, _user_step(step, X))
    # per coordinate: 0 central, 1 forward, 2 backward
    base = {"central": 0, "forward": 1, "backward": 2}[method]
    types = np.full(X.shape, base, dtype=np.int8)
    if bnd is not None:
        lo, hi = bnd
        up, dn = hi - X, X - lo
        half = acc // 2            # central reach of a second derivative, in steps
        span = acc + 1             # one-sided reach
        if base == 0:
            central = np.minimum(up, dn) >= h * half / 4    # shrink a little, not a lot
            types = np.where(central, 0, np.where(up >= dn, 1, 2)).astype(np.int8)
        else:
            fits = np.where(types == 1, up, dn) >= h * span / 4
            types = np.where(fits, types, np.where(up >= dn, 1, 2)).astype(np.int8)
        reach = np.where(types == 0, np.minimum(up, dn) / half,
                         np.where(types == 1, up, dn) / span)
        h = np.minimum(h, reach)
    return X, single, ev, mm, L, h, types, acc, one_sided


def _variants(order, acc):
    """(offsets, weights) of the central, forward and backward stencils."""
    c = stencil(order, acc)
    fw = stencil(order, offsets=np.arange(0, acc + order))
    bw = stencil(order, offsets=-np.arange(0, acc + order)[::-1])
    return [(st.offsets.astype(np.int64), st.weights) for st in (c, fw, bw)]


def _second_plan(types, acc, mixed):
    """Stencil plan for second derivatives with per-coordinate stencil types.

    Returns (M, C): M (R, n) integer offsets (in steps of each coordinate) of
    the R evaluation points besides x itself; C (n, n, R + 1) weights, column
    0 for f(x), so that d2f/dx_i dx_j = C[i, j] . [f(x), f(x + M h)] / (h_i h_j).
    """
    n = len(types)
    d2 = _variants(2, acc)
    d1 = _variants(1, acc)
    rows = {}

    def row(vec):
        key = tuple(int(v) for v in vec)
        if not any(key):
            return 0
        if key not in rows:
            rows[key] = len(rows) + 1
        return rows[key]

    entries = []
    for i in range(n):
        offs, wts = d2[types[i]]
        for o, w in zip(offs, wts):
            if w != 0:
                v = np.zeros(n, dtype=np.int64)
                v[i] = o
                entries.append((i, i, row(v), w))
    if mixed:
        for i in range(n):
            for j in range(i + 1, n):
                oi, wi = d1[types[i]]
                oj, wj = d1[types[j]]
                for a, wa in zip(oi, wi):
                    for b, wb in zip(oj, wj):
                        if wa != 0 and wb != 0:
                            v = np.zeros(n, dtype=np.int64)
                            v[i], v[j] = a, b
                            entries.append((i, j, row(v), wa * wb))
    M = np.zeros((len(rows), n))
    for key, r in rows.items():
        M[r - 1] = key
    C = np.zeros((n, n, len(rows) + 1))
    for i, j, r, w in entries:
        C[i, j, r] += w
        if i != j:
            C[j, i, r] += w
    return M, C


def _second_generic(ev, X, h, types, acc, L, mixed, mm):
    """Hessian levels (L, N, n, n[, m]) and f(x) for points that share one
    row of stencil types (one plan, laid out for all of them at once)."""
    N, n = X.shape
    M, C = _second_plan(types, acc, mixed)
    R = M.shape[0]
    Hs = f0s = None
    for a, b in _chunks(N, 1 + L * R, n, mm):
        Xc, hc = X[a:b], h[a:b]
        Nc = b - a
        P = [Xc[:, None, :]]
        for lev in range(L):
            P.append(Xc[:, None, :] + M[None] * (hc / 2.0 ** lev)[:, None, :])
        P = np.concatenate(P, axis=1)
        F = ev(P.reshape(-1, n))
        F = F.reshape((Nc, 1 + L * R) + F.shape[1:])
        tail = F.shape[2:]
        if Hs is None:
            Hs = np.empty((L, N, n, n) + tail)
            f0s = np.empty((N,) + tail)
        f0s[a:b] = F[:, 0]
        for lev in range(L):
            Fl = np.concatenate([F[:, :1], F[:, 1 + lev * R:1 + (lev + 1) * R]], axis=1)
            hl = hc / 2.0 ** lev
            with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
                num = np.einsum("ijr,nr...->nij...", C, Fl)
                den = (hl[:, :, None] * hl[:, None, :]).reshape((Nc, n, n) + (1,) * len(tail))
                Hs[lev, a:b] = num / den
    return Hs, f0s, 1 + L * R


def hessian(f, x, *, args=(), kwargs=None, method="central", acc=2, step=None,
            adaptive=True, bounds=None, full_output=False, max_memory=256 * 2**20,
            vectorized=True, num_threads=None):
    """Hessian of f at one point or N points: (N, n, n), or (N, m, n, n) for vector f.

    Central second differences (diagonal) and four-point mixed differences,
    2n^2 + 1 evaluations per level; with ``adaptive=True`` two levels and one
    Richardson step.

    Examples
    --------
    >>> import numpy as np, fastdiff as fd
    >>> f = lambda p: p[:, 0] ** 3 - 2 * p[:, 0] * p[:, 1] - p[:, 1] ** 6
    >>> np.round(fd.points.hessian(f, [1.0, 2.0]), 5)
    array([[   6.,   -2.],
           [  -2., -480.]])
    """
    X, single, ev, mm, L, h, types, acc, one_sided = _second_setup(
        f, x, method, acc, max_memory, num_threads, args, kwargs, vectorized, step, adaptive,
        bounds, "hessian")
    if X.shape[0] == 0:
        return _empty(ev, X.shape[1], "hessian", full_output)
    value, err, step_arr, nfev, f0 = _second_all(ev, X, h, types, acc, L, mm, True)
    N, n = X.shape
    tail = value.shape[3:]
    ex = (1,) * len(tail)
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        hmin = (np.min(h, axis=1) / 2.0 ** (L - 1)).reshape((N, 1, 1) + ex)
        rounding = 4 * _EPS * np.abs(f0).reshape((N, 1, 1) + tail) / hmin ** 2
        err = _SAFETY * (err + rounding)
    if tail:  # (N, n, n, m) -> (N, m, n, n)
        value, err, step_arr = (np.moveaxis(a, -1, 1) for a in (value, err, step_arr))
    res = _finish(value, err, np.ascontiguousarray(step_arr), nfev, full_output)
    return _squeeze(res, single)


def _generic_groups(ev, X, h, types, acc, L, mixed, mm, rest):
    """The points ``rest`` grouped by their row of stencil types, each group
    laid out from its own plan: yields (indices, levels, f(x), one-sided,
    evaluations per point)."""
    if not len(rest):
        return
    kinds, inv = np.unique(types[rest], axis=0, return_inverse=True)
    for g, row in enumerate(kinds):
        gi = rest[np.asarray(inv).ravel() == g]
        Hg, f0g, cnt = _second_generic(ev, X[gi], h[gi], row, acc, L, mixed, mm)
        yield gi, Hg, f0g, bool(np.any(row != 0)), cnt


def _laplacian_levels(ev, X, h, types, acc, L, mm):
    """Laplacian levels summed before extrapolation: (value, raw error, step,
    nfev, f(x))."""
    N, n = X.shape
    fast = np.all(types == 0, axis=1) if acc == 2 else np.zeros(N, dtype=bool)
    parts = []
    nfev = 0
    if np.any(fast):
        fi = np.flatnonzero(fast)
        f0, Fd, _, rows = _second_levels_all(ev, X[fi], h[fi], L, mm, [])
        tail = f0.shape[1:]
        ex = (1,) * len(tail)
        hl = h[fi][None] / (2.0 ** np.arange(L))[:, None, None]
        with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
            lap = np.sum((Fd[:, :, :, 0] - 2 * f0[None, :, None] + Fd[:, :, :, 1])
                         / hl.reshape(hl.shape + ex) ** 2, axis=2)
        parts.append((fi, lap, f0, False))
        nfev = max(nfev, rows)
    for gi, Hg, f0g, one_sided, cnt in _generic_groups(ev, X, h, types, acc, L, False, mm,
                                                       np.flatnonzero(~fast)):
        parts.append((gi, np.trace(Hg, axis1=2, axis2=3), f0g, one_sided))
        nfev = max(nfev, cnt)
    tail = parts[0][2].shape[1:]
    value = np.empty((N,) + tail)
    err = np.empty((N,) + tail)
    lev = np.zeros((N,) + tail, dtype=np.int64)
    f0 = np.empty((N,) + tail)
    for gi, lap, f0g, one_sided in parts:
        value[gi], err[gi], lev[gi] = _richardson(lap, acc, one_sided)
        f0[gi] = f0g
    step_arr = np.broadcast_to(np.min(h, axis=1).reshape((N,) + (1,) * len(tail)),
                               value.shape) / 2.0 ** lev
    return value, err, step_arr, nfev, f0


def _second_all(ev, X, h, types, acc, L, mm, mixed):
    """Hessian (mixed=True) or its diagonal (False) at every point, Richardson
    extrapolated: (value (N, n, n[, m]), raw error, step, nfev, f(x)).

    Points whose coordinates all take central acc=2 stencils use the Cython
    layout (2n^2 + 1 evaluations per level); the others are grouped by their
    row of stencil types and laid out from a plan (``_second_plan``)."""
    N, n = X.shape
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n)] if mixed else []
    fast = np.all(types == 0, axis=1) if acc == 2 else np.zeros(N, dtype=bool)
    groups = []
    nfev = 0
    if np.any(fast):
        fi = np.flatnonzero(fast)
        f0, Fd, Fm, rows = _second_levels_all(ev, X[fi], h[fi], L, mm, pairs)
        tail = f0.shape[1:]
        ex = (1,) * len(tail)
        hl = h[fi][None] / (2.0 ** np.arange(L))[:, None, None]
        Hf = np.full((L, len(fi), n, n) + tail, np.nan)
        with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
            Hf[:, :, np.arange(n), np.arange(n)] = (
                Fd[:, :, :, 0] - 2 * f0[None, :, None] + Fd[:, :, :, 1]) / (
                hl.reshape(hl.shape + ex) ** 2)
            for t, (i, j) in enumerate(pairs):
                mixed_ij = (Fm[:, :, t, 0] - Fm[:, :, t, 1] - Fm[:, :, t, 2]
                            + Fm[:, :, t, 3]) / (4 * (hl[:, :, i] * hl[:, :, j]).reshape(
                                (L, len(fi)) + ex))
                Hf[:, :, i, j] = mixed_ij
                Hf[:, :, j, i] = mixed_ij
        groups.append((fi, Hf, f0, False))
        nfev = max(nfev, rows)
    for gi, Hg, f0g, one_sided, cnt in _generic_groups(ev, X, h, types, acc, L, mixed, mm,
                                                       np.flatnonzero(~fast)):
        groups.append((gi, Hg, f0g, one_sided))
        nfev = max(nfev, cnt)
    tail = groups[0][2].shape[1:]
    value = np.empty((N, n, n) + tail)
    err = np.empty((N, n, n) + tail)
    lev = np.zeros((N, n, n) + tail, dtype=np.int64)
    f0 = np.empty((N,) + tail)
    for gi, Hg, f0g, one_sided in groups:
        value[gi], err[gi], lev[gi] = _richardson(Hg, acc, one_sided)
        f0[gi] = f0g
    ex = (1,) * len(tail)
    step_arr = np.broadcast_to(np.min(h, axis=1).reshape((N, 1, 1) + ex),
                               value.shape) / 2.0 ** lev
    return value, err, step_arr, nfev, f0


def laplacian(f, x, *, args=(), kwargs=None, method="central", acc=2, step=None,
              adaptive=True, bounds=None, full_output=False, max_memory=256 * 2**20,
              vectorized=True, num_threads=None):
    """Laplacian (trace of the Hessian) with 2n + 1 evaluations per level.

    Returns (N,) for scalar f, (N, m) for vector f (drop N for one point).

    Examples
    --------
    >>> import numpy as np, fastdiff as fd
    >>> f = lambda p: np.sum(p ** 2, axis=1)
    >>> round(float(fd.points.laplacian(f, [1.0, 2.0, 3.0])), 8)
    6.0
    """
    X, single, ev, mm, L, h, types, acc, one_sided = _second_setup(
        f, x, method, acc, max_memory, num_threads, args, kwargs, vectorized, step, adaptive,
        bounds, "laplacian")
    if X.shape[0] == 0:
        return _empty(ev, X.shape[1], "laplacian", full_output)
    N, n = X.shape
    # the diagonal of each Richardson level, summed, then extrapolated
    value, err, step_arr, nfev, f0 = _laplacian_levels(ev, X, h, types, acc, L, mm)
    tail = value.shape[1:]
    ex = (1,) * len(tail)
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        hmin = (np.min(h, axis=1) / 2.0 ** (L - 1)).reshape((N,) + ex)
        err = _SAFETY * (err + 4 * n * _EPS * np.abs(f0) / hmin ** 2)
    res = _finish(value, err, np.ascontiguousarray(step_arr), nfev, full_output)
    return _squeeze(res, single)
