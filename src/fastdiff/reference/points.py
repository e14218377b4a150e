"""Pure-NumPy twin of :mod:`fastdiff.points` (the tests' oracle).

Written from the documented rules, not from ``fastdiff.points``' code: a
Python loop over the points, and for each point f evaluated at that point's
stencil points only, with :func:`fastdiff.stencil` weights.

* Steps: ``h = c * max(|x_i|, 1)`` per coordinate (directional derivatives:
  ``c * max(max_i |x_i|, 1)``), ``c = eps**(1/(p + k))`` for derivative order
  k and final accuracy order ``p = acc + s*(L - 1)`` after L Richardson
  levels (s = 2 for central stencils, 1 for one-sided ones; L = 3 for first
  derivatives and Laplacians, 2 for Hessians, 1 without ``adaptive`` or with
  ``method="complex"``, whose step is ``1e-20 * max(|x_i|, 1)``); central
  adaptive Hessians take twice that c.
* Levels h, h/2, h/4: level k's estimate is the stencil sum at h/2^k; the
  Richardson tableau gains s orders per column; per element the diagonal
  entry whose difference with the previous one is smallest is kept, that
  difference being its error estimate, to which the rounding error
  ``eps * sum|w| * |f(x)| / h_min^k`` is added, the sum times 4.
* ``bounds``: a stencil that would leave the box becomes one-sided towards
  the side with more room, its step shrunk so that it fits.
* Adaptive derivatives of order k >= 3 (central) or k >= 5 (forward,
  backward): base step ``0.125 * max(|x|, 1)``; 6 levels by halves
  (central) or 13 by sqrt(2) (one-sided: levels 1-12 made exact next to x
  along the axes, ``(x + h) - x``, below a user's step too); stencils of accuracy
  ``acc + 2*max(0, k - 5)`` (central) or ``acc + 2``; Neville's table over
  every window of up to 4 consecutive levels (each step eliminating 2
  orders, 1 for one-sided stencils; the step ratio r = 2 or sqrt(2)), and
  per element the window (levels i..j) with the smallest ``trunc +
  rounding``: trunc is the larger difference with the two windows one level
  shorter inside it, over sqrt(r^q) (q: the order its last step
  eliminated; with r = sqrt(2) at least half its difference with each
  window of the same width one level over, less both windows' rounding),
  rounding ``eps * sum|w| * max|f| / h_j^k`` over its levels'
  stencils times the sum of |extrapolation weights|; times 4.  A window
  starting at a smaller step whose value differs from the chosen one by
  more than 8 times the sum of both (raw) estimates, if there are two such
  windows or more, overrules it: only the
  windows starting at or below the largest-step such window remain, and
  the choice is made again.
  Where max |x| > 16 the search runs again from the base step 0.125 (not
  scaled by |x|), where 0 < max |x| < 1/16 from 0.25 max |x|, and that
  result is kept where it differs from the first by more than 8 times the
  sum of their estimates, or has an estimate 4 times smaller.
"""
from __future__ import annotations

import numpy as np

from .. import _validation as _V
from .._stencil import stencil

__all__ = ["derivative", "gradient", "jacobian", "hessian", "laplacian", "directional",
           "Result"]

_EPS = np.finfo(np.float64).eps


class Result:
    """Values, error estimates, steps, evaluations per point and success."""

    def __init__(self, value, error, step, nfev, success):
        self.value, self.error, self.step = value, error, step
        self.nfev, self.success = int(nfev), success


def _weights(kind, order, acc):
    """(offsets, weights) of the central (0), forward (1) or backward (2) stencil."""
    if kind == 0:
        st = stencil(order, acc)
    elif kind == 1:
        st = stencil(order, offsets=list(range(acc + order)))
    else:
        st = stencil(order, offsets=[-k for k in range(acc + order - 1, -1, -1)])
    return st.offsets.astype(np.float64), st.weights


def _tableau(levels, acc, one_sided):
    """Richardson over the levels: (value, error estimate, level index)."""
    if len(levels) == 1:
        return levels[0], np.zeros_like(levels[0]), np.zeros(levels[0].shape, dtype=int)
    s = 1 if one_sided else 2
    rows = [[levels[0]]]
    for k in range(1, len(levels)):
        row = [levels[k]]
        for m in range(1, k + 1):
            q = acc + s * (m - 1)
            row.append(row[m - 1] + (row[m - 1] - rows[k - 1][m - 1]) / (2.0 ** q - 1.0))
        rows.append(row)
    diag = [rows[k][k] for k in range(len(levels))]
    cands = np.stack(diag[1:])
    errs = np.stack([np.abs(diag[k] - diag[k - 1]) for k in range(1, len(levels))])
    pick = np.argmin(np.where(np.isnan(errs), np.inf, errs), axis=0)
    value = np.take_along_axis(cands, pick[None], 0)[0]
    err = np.take_along_axis(errs, pick[None], 0)[0]
    return value, err, pick + 1


class _Fn:
    def __init__(self, f, args, kwargs, vectorized):
        self.f, self.args = f, args if isinstance(args, tuple) else (args,)
        self.kwargs, self.vectorized = kwargs or {}, vectorized

    box = None      # bounds (lower, upper): stencil points clipped into them

    def __call__(self, P):
        if self.box is not None and np.asarray(P).dtype.kind == "f":
            P = np.clip(P, self.box[0], self.box[1])
        if self.vectorized:
            out = np.asarray(self.f(P, *self.args, **self.kwargs))
        else:
            out = np.asarray([np.asarray(self.f(p, *self.args, **self.kwargs)) for p in P])
        return out

    def precision(self, X):
        """The relative rounding of f's values (float64's, or float32's/
        float16's when f returns those), probed at the first point."""
        self.eps = _EPS
        if len(X):
            out = self(X[:1])
            full = 8 if out.dtype.kind == "f" else 16
            if out.dtype.kind in "fc" and out.dtype.itemsize < full:
                self.eps = max(_EPS, float(np.finfo(out.dtype).eps))


def _windows(levels, fmaxes, wsum, h, acc, order, eps, s, r):
    """The high-order window search (module docstring): (value, error, step)."""
    L = len(levels)
    T = {(i, i): (levels[i], 1.0) for i in range(L)}
    best = (np.full(np.shape(levels[0]), np.nan), np.full(np.shape(levels[0]), np.inf),
            np.full(np.shape(levels[0]), h))
    cands = []              # (value, estimate, step, first level) of every window

    def rounding(i, j):
        return T[i, j][1] * eps * wsum * np.max(fmaxes[i:j + 1], axis=0) / (h / r ** j) ** order
    for m in range(1, min(4, L)):
        g = r ** (acc + s * (m - 1))
        for i in range(L - m):
            j = i + m
            (a, wa), (b, wb) = T[i + 1, j], T[i, j - 1]
            T[i, j] = (a + (a - b) / (g - 1), wa * g / (g - 1) + wb / (g - 1))
    for m in range(1, min(4, L)):
        g = r ** (acc + s * (m - 1))
        for i in range(L - m):
            j = i + m
            t, a, b = T[i, j][0], T[i + 1, j][0], T[i, j - 1][0]
            trunc = np.maximum(np.abs(t - b), np.abs(t - a)) / np.sqrt(g)
            hj = h / r ** j
            rnd = rounding(i, j)
            if r != 2.0:        # (levels by sqrt(2): the windows one level over)
                for nb in ((i - 1, j - 1), (i + 1, j + 1)):
                    if nb in T:
                        over = np.abs(t - T[nb][0]) - rnd - rounding(*nb)
                        trunc = np.fmax(trunc, 0.5 * over)     # (NaN: passed over)
            e = trunc + rnd
            with np.errstate(invalid="ignore"):
                e = np.where(np.isfinite(t) & np.isfinite(e), e, np.inf)
            cands.append((t, e, hj, i))
    lowest = np.zeros(np.shape(levels[0]), dtype=int)     # windows allowed: i >= lowest
    for _ in range(L):
        best = (np.full(np.shape(levels[0]), np.nan), np.full(np.shape(levels[0]), np.inf),
                np.full(np.shape(levels[0]), h), np.zeros(np.shape(levels[0]), dtype=int))
        for t, e, hj, i in cands:
            with np.errstate(invalid="ignore"):
                take = (i >= lowest) & (e < best[1])
            best = (np.where(take, t, best[0]), np.where(take, e, best[1]),
                    np.where(take, hj, best[2]), np.where(take, i, best[3]))
        new = lowest.copy()
        count = np.zeros(np.shape(levels[0]), dtype=int)
        for t, e, hj, i in cands:    # (the largest-step disagreeing window wins)
            with np.errstate(invalid="ignore"):
                dis = (i > best[3]) & np.isfinite(e) & (np.abs(t - best[0]) > 8 * (e + best[1]))
            count += dis
            new = np.where(dis & ((new == lowest) | (i < new)), i, new)
        new = np.where(count >= 2, new, lowest)     # (two disagreeing windows needed)
        if np.array_equal(new, lowest):
            break
        lowest = new
    return np.where(np.isfinite(best[1]), best[0], np.nan), 4 * best[1], best[2]


def _along(fn, x, d, h, kind, order, acc, L, method, f0, search=False, axes=False):
    """The derivative of ``order`` along d at x (values of f's shape):
    (value, error, step).  ``axes``: d is a coordinate axis."""
    if method == "complex":
        v = np.imag(fn((x + 1j * h * d)[None])[0]) / h
        err = 2 * fn.eps * np.abs(v)
        if h > 1e-12 * max(np.abs(x).max(initial=0.0), 1.0):   # (a user's step: truncation)
            half = np.imag(fn((x + 0.5j * h * d)[None])[0]) / (h / 2)
            err = err + 4 * 4.0 / 3.0 * np.abs(half - v)
        return v, err, h
    o, w = _weights(kind, order, acc)
    keep = (o != 0) & (w != 0)
    w0 = float(np.sum(w[o == 0]))
    wsum = float(np.sum(np.abs(w[keep])) + abs(w0))
    levels, fmaxes = [], []
    r = 2.0 ** 0.5 if search and method != "central" else 2.0
    for k in range(L):
        hk = h / r ** k
        if r != 2.0 and axes and k:
            j = int(np.argmax(d))
            hk = (x[j] + hk) - x[j]
        F = fn(x[None] + (o[keep] * hk)[:, None] * d[None])
        levels.append((np.tensordot(w[keep], F, axes=(0, 0)) + w0 * f0) / hk ** order)
        fmaxes.append(np.maximum(np.abs(f0), np.abs(F).max(axis=0)))
    if search:
        s = 2 if kind == 0 else 1
        return _windows(levels, fmaxes, wsum, h, acc, order, fn.eps, s, r)
    one_sided = kind != 0
    value, err, lev = _tableau(levels, acc, one_sided)
    # rounding scales with |f| over the finest stencil (and at x)
    fmax = np.maximum(np.abs(f0), np.abs(F).max(axis=0)) if len(F) else np.abs(f0)
    if L == 1:
        # truncation: the difference with the acc + 2 stencil (its points)
        o2, w2 = _weights(kind, order, acc + 2)
        k2 = (o2 != 0) & (w2 != 0)
        F2 = fn(x[None] + (o2[k2] * h)[:, None] * d[None])
        hi = (np.tensordot(w2[k2], F2, axes=(0, 0))
              + float(np.sum(w2[o2 == 0])) * f0) / h ** order
        fmax = np.maximum(np.abs(f0), np.abs(F2).max(axis=0))
        rounding = fn.eps * wsum * fmax / h ** order
        return value, 4 * (rounding + np.abs(hi - value)), np.full(np.shape(value), h)
    rounding = fn.eps * wsum * fmax / (h / 2.0 ** (L - 1)) ** order
    return value, 4 * (err + rounding), h / 2.0 ** lev


def _fit_box(x, d, h, kind, order, acc, bounds):
    """The stencil kind and step along d that keep the stencil in the box."""
    if bounds is None:
        return kind, h
    lo, hi = bounds
    with np.errstate(divide="ignore", invalid="ignore"):
        up = np.min(np.where(d > 0, (hi - x) / d, np.where(d < 0, (x - lo) / -d, np.inf)))
        dn = np.min(np.where(d > 0, (x - lo) / d, np.where(d < 0, (hi - x) / -d, np.inf)))
    o, w = _weights(kind, order, acc)
    o = o[(o != 0) & (w != 0)]
    if max(o.max(), 0) * h <= up and max(-o.min(), 0) * h <= dn:
        return kind, h
    room = up if up >= dn else dn
    return (1 if up >= dn else 2), min(h, room / (acc + order - 1))


def _first(f, x, method, acc, step, adaptive, bounds, order, dirs, scale, axes=False):
    """Derivatives along the rows of ``dirs`` at every point: value
    (N, k[, m]), error, step.  ``axes``: the directions are the coordinate
    axes, and automatic steps are made exact next to x ((x + h) - x)."""
    fn = f
    # levels h, h/2, h/4, and one more per two orders above the first
    L = 1 if method == "complex" or not adaptive else 3 + (order - 1) // 2
    s = 1 if method in ("forward", "backward") else 2
    c = 1e-20 if method == "complex" else fn.eps ** (1.0 / (acc + s * (L - 1) + order))
    search = adaptive and method != "complex" and order >= (3 if method == "central" else 5)
    if search and method == "central":
        L, c, acc = 6, 0.125, acc + 2 * max(0, order - 5)
    elif search:
        L, c, acc = 13, 0.125, acc + 2
    base = {"central": 0, "forward": 1, "backward": 2, "complex": 0}[method]
    vals, errs, steps = [], [], []
    for i, xi in enumerate(x):
        f0 = fn(xi[None])[0].astype(float) if method != "complex" else None
        vrow, erow, srow = [], [], []
        for j, d in enumerate(dirs[i]):
            h = step[i, j] if step is not None else c * scale[i, j]
            if step is None and axes and method != "complex":
                h = (xi[j] + h) - xi[j]
            # (one level: the box must hold the acc + 2 stencil of the estimate)
            kind, h = (base, h) if method == "complex" else _fit_box(
                xi, d, h, base, order, acc + 2 if L == 1 else acc, bounds)
            v, e, st = _along(fn, xi, d, h, kind, order, acc, L, method, f0, search, axes)
            mx = float(np.max(np.abs(xi)))
            if search and step is None and (mx > 16 or 0 < mx < 1 / 16):
                # the second search: from the steps of |x| <= 1 far from 0,
                # from 0.25 |x| near it
                h2 = c * scale[i, j] * (1 / mx if mx > 1 else 2 * mx)
                if axes:
                    h2 = (xi[j] + h2) - xi[j]
                kind2, h2 = _fit_box(xi, d, h2, base, order, acc, bounds)
                v2, e2, st2 = _along(fn, xi, d, h2, kind2, order, acc, L, method, f0,
                                     search, axes)
                with np.errstate(invalid="ignore"):
                    take = ((np.abs(v2 - v) > 8 * (e2 + e)) | (4 * e2 < e)) & np.isfinite(v2) \
                        & np.isfinite(e2)
                v, e, st = np.where(take, v2, v), np.where(take, e2, e), np.where(take, st2, st)
            vrow.append(v)
            erow.append(e)
            srow.append(np.broadcast_to(st, np.shape(v)))
        vals.append(vrow)
        errs.append(erow)
        steps.append(srow)
    return np.array(vals, dtype=float), np.array(errs, dtype=float), np.array(steps, dtype=float)


def _finish(value, err, step, full_output, single):
    if full_output:
        ok = np.isfinite(value) & np.isfinite(err)
        r = Result(value, err, step, 0, ok)
        return Result(value[0], err[0], step[0], 0, ok[0]) if single else r
    return value[0] if single else value


def _prepare(f, x, args, kwargs, vectorized, bounds, method, acc):
    _V.points_f(f)
    X, single = _V.points_x(x)
    _V.points_method(method)
    _V.check_acc(acc)
    fn = _Fn(f, args, kwargs, vectorized)
    fn.precision(X)
    fn.box = _V.points_bounds(bounds, X)
    return fn, X, single, fn.box


def _partials(f, x, args, kwargs, vectorized, bounds, method, acc, step, adaptive):
    """First partials along every coordinate: (value (N, n[, m]), error, step,
    single)."""
    fn, X, single, bnd = _prepare(f, x, args, kwargs, vectorized, bounds, method, acc)
    N, n = X.shape
    dirs = np.broadcast_to(np.eye(n), (N, n, n))
    hs = _V.points_step(step, X)
    v, e, s = _first(fn, X, method, acc, hs, adaptive, bnd, 1, dirs, np.maximum(np.abs(X), 1),
                     axes=True)
    return v, e, s, single


def gradient(f, x, *, args=(), kwargs=None, method="central", acc=2, step=None,
             adaptive=True, bounds=None, full_output=False, max_memory=None,
             vectorized=True, num_threads=None):
    """Twin of :func:`fastdiff.points.gradient`."""
    v, e, s, single = _partials(f, x, args, kwargs, vectorized, bounds, method, acc, step,
                                adaptive)
    return _finish(v, e, s, full_output, single)


def jacobian(f, x, *, args=(), kwargs=None, method="central", acc=2, step=None,
             adaptive=True, bounds=None, full_output=False, max_memory=None,
             vectorized=True, num_threads=None):
    """Twin of :func:`fastdiff.points.jacobian`."""
    v, e, s, single = _partials(f, x, args, kwargs, vectorized, bounds, method, acc, step,
                                adaptive)
    if v.ndim == 2:
        v, e, s = v[:, None], e[:, None], s[:, None]
    else:
        v, e, s = (np.swapaxes(a, 1, 2) for a in (v, e, s))
    return _finish(v, e, s, full_output, single)


def directional(f, x, v, *, normalize=True, args=(), kwargs=None, method="central", acc=2,
                step=None, adaptive=True, bounds=None, full_output=False, max_memory=None,
                vectorized=True, num_threads=None):
    """Twin of :func:`fastdiff.points.directional`."""
    fn, X, single, bnd = _prepare(f, x, args, kwargs, vectorized, bounds, method, acc)
    N, n = X.shape
    d, norm = _V.points_direction(v, N, n)
    unit = np.broadcast_to(d / norm[:, None], (N, n))
    norm = np.broadcast_to(norm, (N,))
    # max(|x_j|, 1) over the coordinates v moves (v_j != 0)
    scale = np.maximum(np.max(np.abs(X) * (unit != 0), axis=1), 1.0)[:, None]
    hs = None if step is None else _V.points_step(step, X).max(axis=1)[:, None]
    val, e, s = _first(fn, X, method, acc, hs, adaptive, bnd, 1, unit[:, None, :], scale)
    val, e, s = val[:, 0], e[:, 0], s[:, 0]
    if not normalize:
        fac = norm if val.ndim == 1 else norm[:, None]
        val, e = val * fac, e * fac
    return _finish(val, e, s, full_output, single)


def derivative(f, x, order=1, *, args=(), kwargs=None, method="central", acc=2, step=None,
               adaptive=True, bounds=None, full_output=False, max_memory=None,
               vectorized=True, num_threads=None):
    """Twin of :func:`fastdiff.points.derivative` (elementwise)."""
    xa = np.asarray(x, dtype=np.float64)
    inner = _Fn(f, args, kwargs, vectorized)

    def g(P):
        return inner(P[:, 0]) if vectorized else np.array([inner.f(p[0], *inner.args,
                                                                   **inner.kwargs) for p in P])
    X = xa.reshape(-1, 1)
    bnd = _V.points_bounds(bounds, X)
    hs = _V.points_step(step, X)
    fn = _Fn(g, (), None, True)
    fn.precision(X)
    fn.box = bnd
    v, e, s = _first(fn, X, method, acc, hs, adaptive, bnd, order, np.ones((len(X), 1, 1)),
                     np.maximum(np.abs(X), 1), axes=True)
    res = [a[:, 0].reshape(xa.shape) for a in (v, e, s)]
    return _finish(*res, full_output, False)


def _second(fn, xi, h, types, acc, L, mixed):
    """Levels of the Hessian (mixed) or of its diagonal at one point, and |f|
    over the finest level's stencil."""
    n = len(xi)
    f0 = fn(xi[None])[0].astype(float)
    fmax = np.abs(f0)       # |f| over the finest level's stencil (and at x)

    def at(p, last):
        nonlocal fmax
        v = fn(p[None])[0]
        if last:
            fmax = np.maximum(fmax, np.abs(v))
        return v
    levels = []
    for k in range(L):
        hk = h / 2.0 ** k
        H = np.zeros((n, n) + f0.shape)
        for i in range(n):
            o, w = _weights(types[i], 2, acc)
            for oj, wj in zip(o, w):
                if wj != 0:
                    p = xi.copy()
                    p[i] += oj * hk[i]
                    H[i, i] += wj * (f0 if oj == 0 else at(p, k == L - 1))
            H[i, i] /= hk[i] ** 2
        for i in range(n) if mixed else ():
            for j in range(i + 1, n):
                (oi, wi), (oj, wj) = _weights(types[i], 1, acc), _weights(types[j], 1, acc)
                acc_ij = 0.0
                for a, wa in zip(oi, wi):
                    for b, wb in zip(oj, wj):
                        if wa != 0 and wb != 0:
                            p = xi.copy()
                            p[i] += a * hk[i]
                            p[j] += b * hk[j]
                            acc_ij = acc_ij + wa * wb * (f0 if a == 0 and b == 0
                                                         else at(p, k == L - 1))
                H[i, j] = H[j, i] = acc_ij / (hk[i] * hk[j])
        levels.append(H if mixed else np.trace(H, axis1=0, axis2=1))
    return levels, fmax


def _second_steps(X, method, acc, L, step, bounds, eps, mixed):
    s = 1 if method != "central" else 2
    c = eps ** (1.0 / (acc + s * (L - 1) + 2))
    if mixed and method == "central" and L == 2:
        c *= 2.0            # central adaptive Hessians: twice the balanced step
    h = c * np.maximum(np.abs(X), 1.0)
    h = (X + h) - X if step is None else np.array(step, dtype=float)   # exact steps
    base = {"central": 0, "forward": 1, "backward": 2}[method]
    types = np.full(X.shape, base)
    if bounds is not None:
        lo, hi = bounds
        up, dn = hi - X, X - lo
        half, span = acc // 2, acc + 1
        if base == 0:
            types = np.where(np.minimum(up, dn) >= h * half / 4, 0, np.where(up >= dn, 1, 2))
        else:
            fits = np.where(types == 1, up, dn) >= h * span / 4
            types = np.where(fits, types, np.where(up >= dn, 1, 2))
        reach = np.where(types == 0, np.minimum(up, dn) / half,
                         np.where(types == 1, up, dn) / span)
        h = np.minimum(h, reach)
    return h, types


def _second_all(f, x, args, kwargs, vectorized, method, acc, step, adaptive, bounds, mixed,
                full_output):
    if method not in ("central", "forward", "backward"):
        _V.points_method(method, ("central", "forward", "backward"))
    fn, X, single, bnd = _prepare(f, x, args, kwargs, vectorized, bounds, method, acc)
    L = (3 if not mixed else 2 if method == "central" else 4) if adaptive else 1
    h, types = _second_steps(X, method, acc, L, _V.points_step(step, X), bnd, fn.eps, mixed)
    vals, errs, steps = [], [], []
    n = X.shape[1]
    for i, xi in enumerate(X):
        levels, f0 = _second(fn, xi, h[i], types[i], acc, max(L, 2), mixed)
        if L == 1:      # the first level; its error from the second (h/2)
            value, lev = levels[0], np.zeros(np.shape(levels[0]), dtype=int)
            err = np.abs(levels[0] - levels[1]) / (1.0 - 2.0 ** -acc)
        else:
            value, err, lev = _tableau(levels, acc, bool(np.any(types[i] != 0)))
        hmin = np.min(h[i]) / 2.0 ** (L - 1)
        rounding = (4 if mixed else 4 * n) * fn.eps * np.abs(f0) / hmin ** 2
        vals.append(value)
        errs.append(4 * (err + rounding))
        steps.append(np.min(h[i]) / 2.0 ** lev)
    v, e, s = (np.array(a, dtype=float) for a in (vals, errs, steps))
    if mixed and v.ndim == 4:   # (N, n, n, m) -> (N, m, n, n)
        v, e, s = (np.moveaxis(a, -1, 1) for a in (v, e, s))
    return _finish(v, e, s, full_output, single)


def hessian(f, x, *, args=(), kwargs=None, method="central", acc=2, step=None,
            adaptive=True, bounds=None, full_output=False, max_memory=None,
            vectorized=True, num_threads=None):
    """Twin of :func:`fastdiff.points.hessian`."""
    return _second_all(f, x, args, kwargs, vectorized, method, acc, step, adaptive, bounds,
                       True, full_output)


def laplacian(f, x, *, args=(), kwargs=None, method="central", acc=2, step=None,
              adaptive=True, bounds=None, full_output=False, max_memory=None,
              vectorized=True, num_threads=None):
    """Twin of :func:`fastdiff.points.laplacian`."""
    return _second_all(f, x, args, kwargs, vectorized, method, acc, step, adaptive, bounds,
                       False, full_output)
