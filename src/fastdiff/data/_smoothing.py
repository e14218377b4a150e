"""Least-squares (Savitzky-Golay) smoothing on grids: the node tables, their
separable application through the grid kernel, and the automatic window.

At the nodes, the smoothed k-th derivative along an axis is a banded matrix:
row i reads the ``w`` nodes of its window (centred, shifted inside at the
edges, the same windows the query kernel uses) with the derivative at x_i
of the least-squares polynomial of ``degree`` through them.  These are grid
tables (``fastdiff.grid._tables.AxisTable``), so they run on the grid
kernel, one axis per pass (the tensor-product fit is separable).
"""
from __future__ import annotations

import math

import numpy as np

from ..grid import _execute
from ..grid._plan import TableOp, table_plan
from ..grid._tables import _finish

#: the widest window the grid kernel applies at the nodes (wider windows are
#: evaluated by the query kernel there)
MAX_TABLE_WIDTH = _execute.LIMITS["max_op_width"]


def lsq_weights(z, degree, k):
    """Weights (R, w) of the k-th derivative at 0 of the least-squares
    polynomial of ``degree`` through the nodes z (R, w) (scaled Vandermonde,
    pseudo-inverse)."""
    z = np.atleast_2d(np.asarray(z, dtype=np.float64))
    s = np.max(np.abs(z), axis=1)
    s = np.where(s > 0, s, 1.0)
    Vm = (z / s[:, None])[:, :, None] ** np.arange(degree + 1)[None, None, :]
    Q, R = np.linalg.qr(Vm)                     # (R, w, p+1), (R, p+1, p+1)
    e = np.zeros((len(z), degree + 1, 1))
    e[:, k, 0] = 1.0
    y = np.linalg.solve(np.swapaxes(R, 1, 2), e)  # row k of R^-1
    return math.factorial(k) * np.einsum("rpw,rp->rw", np.swapaxes(Q, 1, 2), y[:, :, 0]) \
        / s[:, None] ** k


def _offset(w):
    """Window start relative to the node it serves (before shifting inside)."""
    return (w - 1) // 2 if w % 2 else w // 2 - 1


class _Tables:
    __slots__ = ("n", "table")

    def __init__(self, n, table):
        self.n, self.table = n, table


def sg_table(x, spec, w, degree, k):
    """The grid table of the smoothed k-th derivative along an axis."""
    N = len(x)
    c = _offset(w)
    rows_all = np.arange(N)
    starts = np.clip(rows_all - c, 0, N - w)
    if spec[0] == "uniform":
        h = spec[1]
        i0, i1 = c, N - w + c + 1
        offs = np.arange(w) - c
        co = np.ascontiguousarray(offs, dtype=np.int64)
        cw = np.ascontiguousarray(lsq_weights(offs * h, degree, k)[0])
        rows = np.concatenate([np.arange(0, i0), np.arange(i1, N)]).astype(np.int64)
    else:
        i0 = i1 = 0
        co = np.zeros(0, dtype=np.int64)
        cw = np.zeros(0)
        rows = rows_all.astype(np.int64)
    tidx = starts[rows][:, None] + np.arange(w)[None, :]
    twt = lsq_weights(x[tidx] - x[rows][:, None], degree, k) if len(rows) else \
        np.zeros((0, w))
    return _finish(co, cw, i0, i1, N, rows, tidx, twt, np.zeros(len(rows)))


def cached_table(engine, cache, d, w, degree, k):
    key = ("table", d, w, degree, k)
    if key not in cache:
        cache[key] = sg_table(engine.coords[d], engine.specs[d], w, degree, k)
    return cache[key]


def at_nodes(engine, alphas, window, degree, nthreads, cache, outs=None):
    """Smoothed derivatives D^alpha at every node, for each alpha: a list of
    arrays of the values' shape (lens + (m,)), computed axis by axis from the
    last, sharing the passes common to several alphas.  ``outs`` (optional,
    one array or None per alpha) receive the last pass of their alpha."""
    n = engine.n
    u = engine.values
    shape = u.shape

    def op_plan(d, k):
        key = ("plan", d, window[d], degree, k)
        if key not in cache:
            t = cached_table(engine, cache, d, window[d], degree, k)
            cache[key] = table_plan(shape, np.float64,
                                    TableOp(d, k, _Tables(len(engine.coords[d]), t), window[d]))
        return cache[key]

    done = {(): u}
    final = {}
    for a, o in zip(alphas, outs or [None] * len(alphas)):
        if o is not None:
            final.setdefault(tuple(a), o)
    # the intermediate passes (levels d >= 1) use work arrays kept in the
    # cache between calls: a repeated call then writes to memory already
    # mapped (a fresh array of a large grid costs a page fault per 4 KiB)
    pool = cache.setdefault(("work", shape), [])
    used = []
    try:
        for d in range(n - 1, -1, -1):
            for a in alphas:
                suf = tuple(a[d:])
                if suf not in done:
                    src = done[suf[1:]]
                    plan = op_plan(d, suf[0])
                    dst = final.get(suf) if d == 0 else None
                    if dst is None and d > 0:
                        dst = pool.pop() if pool else np.empty(shape)
                        used.append(dst)
                    elif dst is None:
                        dst = np.empty(shape)
                    done[suf] = _execute.execute(plan, src, dst, nthreads)
        return [done[tuple(a)] for a in alphas]
    finally:
        pool.extend(used)


def noise_sigma(u, n):
    """Standard deviation of the noise in samples u (lens + (m,)): from the
    4th differences along each axis (a smooth signal cancels there, Gaussian
    noise gives variance 70 sigma^2), median-based, the smallest over the
    axes (the one the signal disturbs least).  None if no axis has 5 samples."""
    best = None
    for d in range(n):
        if u.shape[d] < 5:
            continue
        diff = np.diff(u, 4, axis=d)
        diff = diff[np.isfinite(diff)]
        if diff.size == 0:
            continue
        est = float(np.median(np.abs(diff))) / 0.6745 / math.sqrt(70.0)
        best = est if best is None else min(best, est)
    return best


def engine_sigma(engine):
    """`noise_sigma` of the central block (`_AUTO_NODES` per axis) of an
    engine's samples."""
    sl = []
    for d in range(engine.n):
        N = engine.values.shape[d]
        k = min(N, _AUTO_NODES)
        sl.append(slice((N - k) // 2, (N - k) // 2 + k))
    return noise_sigma(np.ascontiguousarray(engine.values[tuple(sl)]), engine.n)


def max_sq_norm(t):
    """The largest squared norm of a table's rows (interior and edge)."""
    inner = float(np.dot(t.cw, t.cw)) if len(t.cw) and t.i1 > t.i0 else 0.0
    edge = float(np.max(np.sum(t.twt * t.twt, axis=1))) if len(t.twt) else 0.0
    return max(inner, edge)


#: nodes per axis of the region the automatic window is chosen on (the
#: estimate is a mean over nodes: a central block of this size is plenty)
_AUTO_NODES = 256


def _mean_dot(ta, tb, N):
    """Mean over the N rows of <row_a, row_b> (both tables have the same windows)."""
    inner = (ta.i1 - ta.i0) * float(np.dot(ta.cw, tb.cw)) if len(ta.cw) else 0.0
    edge = float(np.sum(ta.twt * tb.twt))
    return (inner + edge) / N


def auto_window(engine, degree, max_window, nthreads):
    """The window per axis that minimises an estimate of the mean squared
    error of the smoothed gradient at the nodes.

    For each candidate (odd windows from ``degree + 3`` up), per gradient
    component d: the variance is sigma^2 times the mean squared weight norm
    (exact, separable); the squared bias is estimated from the difference
    with the fit of degree + 2 over the same windows, whose own noise
    (sigma^2 times the mean squared norm of the weight difference) is
    subtracted.  sigma comes from ``noise_sigma``.  One common window first,
    then one sweep over the axes, each re-chosen with the others fixed.
    Returns (window list, sigma)."""
    n = engine.n
    u = engine.values
    # a central block of at most _AUTO_NODES per axis
    sl, coords, specs = [], [], []
    for d in range(n):
        N = u.shape[d]
        k = min(N, _AUTO_NODES)
        a = (N - k) // 2
        sl.append(slice(a, a + k))
        x = engine.coords[d][a:a + k]
        coords.append(x)
        specs.append(engine.specs[d] if engine.specs[d][0] == "uniform" else ("coords", x))
    block = np.ascontiguousarray(u[tuple(sl)])
    sigma = noise_sigma(block, n)
    lens = block.shape[:n]
    top = min(min(lens), max_window)
    # odd windows from degree + 3 up, about 12 % apart
    cands, w = [], degree + 3 + (degree + 3 + 1) % 2
    while w <= top:
        cands.append(w)
        w = max(w + 2, int(w * 1.12) | 1)
    if sigma is None or not cands:
        return None, sigma
    s2 = sigma * sigma
    sub = _Sub(coords, specs, block)
    cache, grads = {}, {}

    def table(d, w, p, k):
        return cached_table(sub, cache, d, w, p, k)

    def grad(ws, p):
        key = (tuple(ws), p)
        if key not in grads:
            alphas = [tuple(int(d == e) for e in range(n)) for d in range(n)]
            grads[key] = at_nodes(sub, alphas, ws, p, nthreads, cache)
        return grads[key]

    def mse(ws):
        total = 0.0
        g_p, g_q = grad(ws, degree), grad(ws, degree + 2)
        for d in range(n):
            aa = bb = ab = 1.0
            for e in range(n):
                k = int(e == d)
                ta, tb = table(e, ws[e], degree, k), table(e, ws[e], degree + 2, k)
                N = lens[e]
                aa *= _mean_dot(ta, ta, N)
                bb *= _mean_dot(tb, tb, N)
                ab *= _mean_dot(ta, tb, N)
            var = aa
            dvar = aa + bb - 2 * ab
            diff = g_p[d] - g_q[d]
            b2 = float(np.nanmean(diff * diff)) - s2 * dvar
            total += max(b2, 0.0) + s2 * var
        return total

    scores = {w: mse([w] * n) for w in cands}
    best = min(scores, key=scores.get)
    ws = [best] * n
    if n > 1:
        for d in range(n):
            trial = {}
            for w in cands:
                t = list(ws)
                t[d] = w
                trial[w] = mse(t)
            ws[d] = min(trial, key=trial.get)
    return ws, sigma


class _Sub:
    """The fields of a GridEngine that ``at_nodes`` reads, for a sub-block."""

    def __init__(self, coords, specs, values):
        self.n = len(coords)
        self.coords, self.specs, self.values = coords, specs, values
