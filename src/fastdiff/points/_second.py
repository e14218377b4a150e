"""Second derivatives: Hessians and Laplacians, level by level.

Points whose coordinates all take central acc=2 stencils use the Cython
layout (``layout2``: f(x), x +- h_i e_i, and x +- h_i e_i +- h_j e_j; 2n^2 + 1
evaluations per level for a Hessian, 2n + 1 for a Laplacian).  The others
(other acc, one-sided stencils near ``bounds``) are grouped by their row of
stencil types, each group laid out from a plan of offsets and weights
(``plan``).  Levels are then Richardson-extrapolated per group.
"""
from __future__ import annotations

import functools

import numpy as np

from .._stencil import stencil
from .._kernels import _points as _kernels
from ._engine import chunk_loop, threads
from ._richardson import richardson

__all__ = ["hessian_levels", "laplacian_levels", "second_point_bytes"]

#: temporaries per (level, Hessian entry, output) of a point in a block: the
#: levels, the Richardson tableau and its stacks, value, error, level and
#: step (counted in float64 words; measured with tracemalloc, rounded up)
_TEMPS_PER_ENTRY = 12


def second_point_bytes(n, nlevels, acc, fast, mixed, m):
    """Working bytes per input point of `hessian_levels` (``mixed``) or
    `laplacian_levels` in n dimensions, f with m outputs; ``fast`` when every
    stencil is central at acc=2 (the kernel's layout)."""
    m = max(1, m)
    npairs = n * (n - 1) // 2 if mixed else 0
    if fast:
        per_level, gathered = 2 * n + 4 * npairs, 0
    else:                               # bounds on the plan's distinct offsets
        per_level = n * (acc + 2) + npairs * (acc + 1) ** 2
        # the entries' stencil values gathered per level, and their products
        gathered = 2 * n * n * ((acc + 1) ** 2 if mixed else acc + 2)
    rows = 1 + nlevels * per_level
    # the planned layout builds its points in a temporary as large as the buffer
    return 8 * (rows * ((1 if fast else 2) * n + 2 * m) + gathered * m
                + _TEMPS_PER_ENTRY * nlevels * (n * n if mixed else n) * m)


def _fast_levels(ev, X, h, L, mm, pairs):
    """f at x, x +- h_i e_i and x +- h_i e_i +- h_j e_j for every level, laid
    out by the kernel: (f0 (N[, m]), Fd (L, N, n, 2[, m]) for -,+ along each
    axis, Fm (L, N, npairs, 4[, m]) for ++, +-, -+, --, evaluations)."""
    N, n = X.shape
    npairs = len(pairs)
    per = 2 * n + 4 * npairs
    rows = 1 + L * per
    I = np.array([p[0] for p in pairs], dtype=np.intp)
    J = np.array([p[1] for p in pairs], dtype=np.intp)
    out = {}

    def layout(a, b, P):
        _kernels.layout2(np.ascontiguousarray(X[a:b]), np.ascontiguousarray(h[a:b]), L,
                         I, J, P, threads(ev.nthreads, P.size))

    def consume(a, b, F):
        Nc, tail = b - a, F.shape[2:]
        body = F[:, 1:].reshape((Nc, L, per) + tail)
        Fd = np.stack([body[:, :, :n], body[:, :, n:2 * n]], axis=3)       # (Nc, L, n, 2)
        Fm = np.moveaxis(body[:, :, 2 * n:].reshape((Nc, L, 4, npairs) + tail), 2, 3)
        if not out:
            out["f0"] = np.empty((N,) + tail)
            out["Fd"] = np.empty((L, N, n, 2) + tail)
            out["Fm"] = np.empty((L, N, npairs, 4) + tail)
        out["f0"][a:b] = F[:, 0]
        out["Fd"][:, a:b] = np.moveaxis(Fd, 1, 0)
        out["Fm"][:, a:b] = np.moveaxis(Fm, 1, 0)

    chunk_loop(ev, N, rows, n, mm, layout, consume)
    return out["f0"], out["Fd"], out["Fm"], rows


def _stencils(order, acc):
    """(offsets, weights) of the central, forward and backward stencils."""
    c = stencil(order, acc)
    fw = stencil(order, offsets=np.arange(0, acc + order))
    bw = stencil(order, offsets=-np.arange(0, acc + order)[::-1])
    return [(st.offsets.astype(np.int64), st.weights) for st in (c, fw, bw)]


@functools.lru_cache(maxsize=16)
def plan(types, acc, mixed):
    """Stencil plan for second derivatives with per-coordinate stencil types.

    Returns (M, IDX, WT): M (R, n) integer offsets (in steps of each
    coordinate) of the R evaluation points besides x itself; IDX and WT
    (n, n, w) the rows (0 for f(x), r for x + M[r - 1] h) and weights of
    entry (i, j), so that d2f/dx_i dx_j = sum_t WT[i, j, t] F[IDX[i, j, t]] /
    (h_i h_j) (unused slots have weight 0 on row 0).  Sparse per entry: a
    dense (n, n, R) weight table grows as n^4 acc^2.  ``types`` is a tuple.
    """
    n = len(types)
    d2, d1 = _stencils(2, acc), _stencils(1, acc)
    # rows keyed by their nonzero offsets, ((axis, offset), ...) in axis
    # order: an n-vector per key made n = 100 at acc=4 take 13 s
    rows = {}

    def row(*pairs):
        key = tuple(p for p in pairs if p[1] != 0)
        if not key:
            return 0
        return rows.setdefault(key, len(rows) + 1)

    entries = {}
    for i in range(n):
        offs, wts = d2[types[i]]
        entries[(i, i)] = [(row((i, int(o))), w) for o, w in zip(offs, wts) if w != 0]
    for i in range(n) if mixed else ():
        oi, wi = d1[types[i]]
        for j in range(i + 1, n):
            oj, wj = d1[types[j]]
            entries[(i, j)] = [(row((i, int(a)), (j, int(b))), wa * wb)
                               for a, wa in zip(oi, wi) if wa != 0
                               for b, wb in zip(oj, wj) if wb != 0]
    M = np.zeros((len(rows), n))
    for key, r in rows.items():
        for axis, o in key:
            M[r - 1, axis] = o
    w = max(len(e) for e in entries.values())
    IDX = np.zeros((n, n, w), dtype=np.intp)
    WT = np.zeros((n, n, w))
    for (i, j), e in entries.items():
        for t, (r, wt) in enumerate(e):
            IDX[i, j, t] = IDX[j, i, t] = r
            WT[i, j, t] = WT[j, i, t] = wt
    for arr in (M, IDX, WT):
        arr.flags.writeable = False
    return M, IDX, WT


def _planned_levels(ev, X, h, types, acc, L, mixed, mm):
    """Hessian levels (L, N, n, n[, m]) and f(x) for points that share one
    row of stencil types (one plan, laid out for all of them at once)."""
    N, n = X.shape
    M, IDX, WT = plan(tuple(int(t) for t in types), acc, mixed)
    R = M.shape[0]
    out = {}

    def layout(a, b, P):
        P[:, 0] = X[a:b]
        for lev in range(L):
            P[:, 1 + lev * R:1 + (lev + 1) * R] = (
                X[a:b, None, :] + M[None] * (h[a:b] / 2.0 ** lev)[:, None, :])

    def consume(a, b, F):
        Nc, tail = b - a, F.shape[2:]
        if not out:
            out["H"] = np.empty((L, N, n, n) + tail)
            out["f0"] = np.empty((N,) + tail)
        # |f| over the finest level's stencil and at x: the rounding scale
        out["f0"][a:b] = np.maximum(np.abs(F[:, 0]),
                                    np.abs(F[:, 1 + (L - 1) * R:]).max(axis=1))
        wt = WT.reshape(WT.shape + (1,) * len(tail))
        for lev in range(L):
            Fl = np.concatenate([F[:, :1], F[:, 1 + lev * R:1 + (lev + 1) * R]], axis=1)
            hl = h[a:b] / 2.0 ** lev
            with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
                num = wt[:, :, 0] * Fl[:, IDX[:, :, 0]]      # summed in slot order
                for t in range(1, IDX.shape[2]):
                    num += wt[:, :, t] * Fl[:, IDX[:, :, t]]
                den = (hl[:, :, None] * hl[:, None, :]).reshape((Nc, n, n) + (1,) * len(tail))
                out["H"][lev, a:b] = num / den

    chunk_loop(ev, N, 1 + L * R, n, mm, layout, consume)
    return out["H"], out["f0"], 1 + L * R


def _levels(ev, X, h, types, acc, L, mm, mixed, diagonal_only):
    """Per group of points: (indices, levels, f(x), one-sided).  Levels are
    (L, Ng, n, n[, m]) Hessians, or (L, Ng[, m]) Laplacians when
    ``diagonal_only`` (the diagonal summed before extrapolation).  Also
    returns the evaluations per point."""
    N, n = X.shape
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n)] if mixed else []
    fast = np.all(types == 0, axis=1) if acc == 2 else np.zeros(N, dtype=bool)
    groups, nfev = [], 0
    if np.any(fast):
        fi = np.flatnonzero(fast)
        f0, Fd, Fm, rows = _fast_levels(ev, X[fi], h[fi], L, mm, pairs)
        ex = (1,) * (f0.ndim - 1)
        hl = h[fi][None] / (2.0 ** np.arange(L))[:, None, None]
        with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
            diag = (Fd[:, :, :, 0] - 2 * f0[None, :, None] + Fd[:, :, :, 1]) / (
                hl.reshape(hl.shape + ex) ** 2)
            if diagonal_only:
                H = np.sum(diag, axis=2)
            else:
                H = np.full((L, len(fi), n, n) + f0.shape[1:], np.nan)
                H[:, :, np.arange(n), np.arange(n)] = diag
                if pairs:
                    I, J = np.array(pairs).T
                    H[:, :, I, J] = H[:, :, J, I] = (
                        Fm[:, :, :, 0] - Fm[:, :, :, 1] - Fm[:, :, :, 2] + Fm[:, :, :, 3]) / (
                        4 * (hl[:, :, I] * hl[:, :, J]).reshape((L, len(fi), len(pairs)) + ex))
        # |f| over the finest level's stencil and at x: the rounding scale
        fmax = np.maximum(np.abs(f0), np.abs(Fd[-1]).max(axis=(1, 2)))
        if pairs:
            fmax = np.maximum(fmax, np.abs(Fm[-1]).max(axis=(1, 2)))
        groups.append((fi, H, fmax, False))
        nfev = rows
    rest = np.flatnonzero(~fast)
    if len(rest):
        kinds, inv = np.unique(types[rest], axis=0, return_inverse=True)
        for g, row in enumerate(kinds):
            gi = rest[np.asarray(inv).ravel() == g]
            Hg, f0g, cnt = _planned_levels(ev, X[gi], h[gi], row, acc, L, mixed, mm)
            if diagonal_only:
                Hg = np.trace(Hg, axis1=2, axis2=3)
            groups.append((gi, Hg, f0g, bool(np.any(row != 0))))
            nfev = max(nfev, cnt)
    return groups, nfev


def _extrapolate(groups, N, shape, h, acc, single=False):
    """Richardson per group: (value (N, *shape[, m]), raw error, step, |f|
    over the finest stencil).  ``single``: the value of the first level (step
    h), its truncation error estimated from the second (h/2)."""
    tail = groups[0][2].shape[1:]
    value = np.empty((N,) + shape + tail)
    err = np.empty_like(value)
    lev = np.zeros(value.shape, dtype=np.int64)
    f0 = np.empty((N,) + tail)
    for gi, Hg, f0g, one_sided in groups:
        if single:
            # D(h) - D(h/2) = (1 - 2^-acc) (D(h) - D) to leading order
            value[gi] = Hg[0]
            with np.errstate(invalid="ignore"):
                err[gi] = np.abs(Hg[0] - Hg[1]) / (1.0 - 2.0 ** -acc)
        else:
            value[gi], err[gi], lev[gi] = richardson(Hg, acc, one_sided)
        f0[gi] = f0g
    hmin = np.min(h, axis=1).reshape((N,) + (1,) * (len(shape) + len(tail)))
    step = np.broadcast_to(hmin, value.shape) / 2.0 ** lev
    return value, err, step, f0


def hessian_levels(ev, X, h, types, acc, L, mm):
    """Hessians at every point, extrapolated: (value (N, n, n[, m]), raw error,
    step, evaluations per point, |f| over the finest stencil).  One level
    (adaptive=False) is evaluated at h and h/2 for its error estimate."""
    n = X.shape[1]
    groups, nfev = _levels(ev, X, h, types, acc, max(L, 2), mm, True, False)
    value, err, step, f0 = _extrapolate(groups, X.shape[0], (n, n), h, acc, L == 1)
    return value, err, step, nfev, f0


def laplacian_levels(ev, X, h, types, acc, L, mm):
    """Laplacians at every point, the diagonal of each level summed, then
    extrapolated: (value (N[, m]), raw error, step, evaluations, |f| over
    the finest stencil).  One level: as in `hessian_levels`."""
    groups, nfev = _levels(ev, X, h, types, acc, max(L, 2), mm, False, True)
    value, err, step, f0 = _extrapolate(groups, X.shape[0], (), h, acc, L == 1)
    return value, err, step, nfev, f0
