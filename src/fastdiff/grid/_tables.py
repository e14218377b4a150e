"""1-D operator tables: every boundary mode and spacing as (index, weight) rows.

An operator along an axis of length n is described by

* a central stencil (``co`` offsets, ``cw`` weights with the spacing folded
  in) used for the interior rows ``i0 <= i < i1``;
* a table for every other row, in row order (rows ``i < i0`` are table rows
  ``i``, rows ``i >= i1`` are table rows ``i0 + i - i1``), ``tidx`` /
  ``twt`` its absolute sample indices and weights (``TW`` per row, padded with
  zero weights), ``tcst`` a constant added to the row (the ``cval``
  contribution of ``"constant"`` mode).

The kernels apply these tables and never see a mode name or a coordinate
array.  Zero-weight taps are dropped from the central stencil, so a NaN is
only propagated to outputs whose stencil really reads it.
"""
from __future__ import annotations

import functools

import numpy as np

from .._stencil import fornberg_rows, moment_rows, stencil

__all__ = ["AxisTable", "axis_table", "extend_index"]


class AxisTable:
    """Tables of one 1-D operator (see module docstring)."""

    __slots__ = ("co", "cw", "i0", "i1", "tidx", "twt", "tcst")

    def __init__(self, co, cw, i0, i1, tidx, twt, tcst):
        self.co, self.cw, self.i0, self.i1 = co, cw, int(i0), int(i1)
        self.tidx, self.twt, self.tcst = tidx, twt, tcst

    def kernel_tuple(self, axis):
        return (axis, self.co, self.cw, self.i0, self.i1, self.tidx, self.twt, self.tcst)

    def table_row(self, i):
        """Table row of output row i (outside the interior [i0, i1))."""
        return i if i < self.i0 else self.i0 + (i - self.i1)

    def dense(self, n):
        """The operator as a dense (n, n) matrix and an (n,) constant vector."""
        D = np.zeros((n, n))
        const = np.zeros(n)
        for i in range(n):
            if self.i0 <= i < self.i1:
                np.add.at(D[i], i + self.co, self.cw)
            else:
                r = self.table_row(i)
                np.add.at(D[i], self.tidx[r], self.twt[r])
                const[i] = self.tcst[r]
        return D, const


def extend_index(j, n, mode):
    """Map (possibly out-of-range) indices j onto [0, n) as scipy.ndimage does.

    Returns the mapped indices and a mask of the taps that fall outside the
    array for ``"constant"`` mode (for other modes the mask is all False).
    """
    j = np.asarray(j, dtype=np.int64)
    outside = (j < 0) | (j >= n)
    if mode == "periodic":
        m = np.mod(j, n)
    elif mode == "nearest":
        m = np.clip(j, 0, n - 1)
    elif mode == "reflect":          # d c b a | a b c d | d c b a
        m = np.mod(j, 2 * n)
        m = np.where(m >= n, 2 * n - 1 - m, m)
    elif mode == "mirror":           # d c b | a b c d | c b a
        if n == 1:
            m = np.zeros_like(j)
        else:
            m = np.mod(j, 2 * n - 2)
            m = np.where(m >= n, 2 * n - 2 - m, m)
    elif mode == "constant":
        m = np.where(outside, 0, j)
        return m, outside
    else:  # pragma: no cover - modes are validated before
        raise ValueError(f"internal: unknown mode {mode!r}")
    return m, np.zeros(j.shape, dtype=bool)


def _finish(co, cw, i0, i1, n, rows, tidx, twt, tcst):
    tidx = np.ascontiguousarray(tidx, dtype=np.int64).reshape(len(rows), -1)
    twt = np.ascontiguousarray(twt, dtype=np.float64).reshape(len(rows), -1)
    if tidx.shape[1] == 0:
        tidx = np.zeros((len(rows), 1), dtype=np.int64)
        twt = np.zeros((len(rows), 1))
    tcst = np.ascontiguousarray(tcst, dtype=np.float64)
    if len(rows) == 0:
        tidx = np.zeros((1, tidx.shape[1]), dtype=np.int64)
        twt = np.zeros((1, twt.shape[1]))
        tcst = np.zeros(1)
    for a in (co, cw, tidx, twt, tcst):
        a.setflags(write=False)
    return AxisTable(co, cw, i0, i1, tidx, twt, tcst)


@functools.lru_cache(maxsize=256)
def _uniform_table(n, order, acc, mode, h, cval, scale):
    st = stencil(order, acc)
    offs = st.offsets
    w = st.weights * (scale / h**order)
    keep = w != 0.0
    co = np.ascontiguousarray(offs[keep], dtype=np.int64)
    cw = np.ascontiguousarray(w[keep], dtype=np.float64)
    m = int(offs[-1])
    i0 = min(m, n)
    i1 = max(i0, n - m)
    rows = np.concatenate([np.arange(0, i0), np.arange(i1, n)]).astype(np.int64)
    if mode == "one-sided":
        p = acc + order
        if n < p:  # pragma: no cover - validated before
            raise ValueError(f"internal: {n} points < {p}")
        start = np.where(rows < i0, 0, n - p)
        tidx = start[:, None] + np.arange(p)[None, :]
        twt = np.empty((len(rows), p))
        cache = {}
        for r, i in enumerate(rows):
            rel = tuple(int(v) for v in tidx[r] - i)
            if rel not in cache:
                cache[rel] = stencil(order, offsets=list(rel)).weights * (scale / h**order)
            twt[r] = cache[rel]
        tcst = np.zeros(len(rows))
    else:
        j = rows[:, None] + co[None, :]
        tidx, outside = extend_index(j, n, mode)
        twt = np.broadcast_to(cw, j.shape).copy()
        tcst = np.zeros(len(rows))
        if mode == "constant":
            tcst = cval * np.where(outside, twt, 0.0).sum(axis=1)
            twt[outside] = 0.0
            tidx = np.where(outside, rows[:, None], tidx)
    return _finish(co, cw, i0, i1, n, rows, tidx, twt, tcst)


def nonuniform_width(order, acc):
    """Points of an interior row on a non-uniform grid: acc + order, plus one
    for even orders, an odd count centred on the row (SPEC; findiff's choice:
    an even count sits off-centre, 10-40x less accurate for second
    derivatives on random grids)."""
    return acc + order + (1 - order % 2)


def _nonuniform_table(x, order, acc, scale):
    n = len(x)
    p = acc + order                    # rows near the edges: p points, one-sided
    q = nonuniform_width(order, acc)   # interior rows: q points, centred
    i = np.arange(n)
    half = (q - 1) // 2
    centred = (i >= half) & (i + half <= n - 1) & (n >= q)
    start = np.where(centred, i - half, np.clip(i - (p - 1) // 2, 0, n - p))
    tidx = start[:, None] + np.arange(q)[None, :]
    tidx[~centred, p:] = start[~centred, None]     # padding: weight 0 below
    tidx = np.minimum(tidx, n - 1)
    z = x[tidx] - x[:, None]
    twt = np.zeros(tidx.shape)
    # interior rows: weights from the moment equations (as findiff's; see
    # `moment_rows`); edge rows: Fornberg's, the row's own weight as minus
    # the sum of the others (a derivative of a constant is then 0 to
    # rounding of the sum, not of the weights)
    if centred.any():
        twt[centred] = moment_rows(z[centred], order)
    if (~centred).any():
        twt[~centred, :p] = fornberg_rows(z[~centred, :p], order)
        own = (tidx == i[:, None]) & ~centred[:, None]
        own &= np.cumsum(own, axis=1) == 1
        twt[own] = 0.0
        twt[own] = -twt[~centred].sum(axis=1)
    twt *= scale
    empty_i = np.zeros(0, dtype=np.int64)
    empty_w = np.zeros(0, dtype=np.float64)
    return _finish(empty_i, empty_w, 0, 0, n, i.astype(np.int64), tidx, twt, np.zeros(n))


@functools.lru_cache(maxsize=64)
def _identity_table(n, scale):
    co = np.zeros(1, dtype=np.int64)
    cw = np.full(1, scale)
    tidx = np.zeros((1, 1), dtype=np.int64)    # no table rows (one padding row)
    twt = np.zeros((1, 1))
    tcst = np.zeros(1)
    for a in (co, cw, tidx, twt, tcst):
        a.setflags(write=False)
    return AxisTable(co, cw, 0, n, tidx, twt, tcst)


def axis_table(n, order, acc, mode, spacing, cval=0.0, scale=1.0):
    """Tables for ``scale`` times the ``order``-th derivative along an axis of
    ``n`` points (order 0: ``scale`` times the identity, every row interior).

    ``spacing`` is ``("uniform", h)`` or ``("coords", x)`` as normalised by
    ``_validation.spacing``; ``mode`` a canonical boundary name.
    """
    kind, val = spacing
    if order == 0:
        return _identity_table(int(n), float(scale))
    if kind == "uniform":
        return _uniform_table(int(n), int(order), int(acc), mode, float(val), float(cval),
                              float(scale))
    return _nonuniform_table(val, int(order), int(acc), float(scale))


def sparse_1d(n, table):
    """The operator of ``table`` as a scipy.sparse CSR (n, n) matrix (constants dropped)."""
    from scipy import sparse
    rows_in = np.arange(table.i0, table.i1)
    r1 = np.repeat(rows_in, len(table.co))
    c1 = (rows_in[:, None] + table.co[None, :]).ravel()
    v1 = np.tile(table.cw, len(rows_in))
    edge = np.concatenate([np.arange(0, table.i0), np.arange(table.i1, n)])
    tr = np.arange(len(edge))
    r2 = np.repeat(edge, table.tidx.shape[1])
    c2 = table.tidx[tr].ravel()
    v2 = table.twt[tr].ravel()
    keep = v2 != 0.0
    D = sparse.coo_matrix((np.concatenate([v1, v2[keep]]),
                           (np.concatenate([r1, r2[keep]]), np.concatenate([c1, c2[keep]]))),
                          shape=(n, n))
    return D.tocsr()
