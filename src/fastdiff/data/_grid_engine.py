"""The grid engine of ``fd.data``: samples on a tensor grid, derivatives anywhere.

Per query point and axis the kernel (``_kernels/_data.pyx``) picks a window
of nodes and the weights of every derivative order needed at the query's
coordinate, then contracts the tensor product for all requested
multi-indices at once.  This module prepares what the kernel reads:

* per axis: coordinates, the uniform step (a hint for locating queries, 0 on
  non-uniform axes), the window width off the nodes (``acc + K`` nodes for
  interpolation, K the highest order needed along the axis; the smoothing
  window otherwise) and, for interpolation, fd.grid's own stencils at every
  node (so that a query on a node gets exactly fd.grid's one-sided weights);
* the requested multi-indices as a tree of suffixes (sum factorisation: the
  last axis is contracted once per distinct order, the next axis once per
  distinct pair of orders, ...);
* where each term lands in a query's output row, with a coefficient (a
  Hessian writes a mixed partial twice, a Laplacian sums its terms).

Queries are processed in chunks, so working memory beyond the outputs stays
bounded (``_CHUNK_BYTES``); on large sample arrays each chunk is evaluated
in block order (``_ORDER_BYTES``, ``_BLOCK``).
"""
from __future__ import annotations

import numpy as np

from .._kernels import data_kernels as _k
from ..grid._tables import axis_table

LIMITS = dict(_k.LIMITS)

#: working memory per chunk of queries (bytes): the chunk's coordinates as
#: contiguous float64 and its evaluation order (8 bytes per query each);
#: 32 MiB holds 10^6 queries in 3-D
_CHUNK_BYTES = 32 << 20
#: below this many queries the kernel runs on one thread (starting the team
#: costs more than the work)
_SERIAL_QUERIES = 64
#: samples larger than this (bytes) are read in block order: the queries are
#: sorted (counting sort, stable) by the block of _BLOCK nodes per axis they
#: fall in, so queries sharing samples run while those are in cache.  Smaller
#: arrays stay in cache anyway (random order measured as fast)
_ORDER_BYTES = 4 << 20
_BLOCK = 8


def destinations(terms):
    """(dest (P, 2) output offsets, -1 for none; dcoef (P, 2)) of terms
    [(alpha, [(offset, coef), ...])] (at most two destinations each)."""
    dest = np.full((len(terms), 2), -1, dtype=np.intp)
    dcoef = np.zeros((len(terms), 2))
    for p, (_, ds) in enumerate(terms):
        for j, (off, cf) in enumerate(ds):
            dest[p, j] = off
            dcoef[p, j] = cf
    return dest, dcoef


def _suffix_tree(alphas, n):
    """Levels of distinct suffixes of the multi-indices (see module docstring).

    Returns (lvl, sorder, sparent, rsuf): suffixes of level d are the global
    indices lvl[d]..lvl[d+1]-1, each with its order along axis d and its
    parent at level d+1; rsuf[p] is the level-0 suffix of alphas[p]."""
    levels = []
    for d in range(n):
        seen = {}
        for a in alphas:
            seen.setdefault(tuple(a[d:]), len(seen))
        levels.append(seen)
    lvl = np.zeros(n + 1, dtype=np.int32)
    for d in range(n):
        lvl[d + 1] = lvl[d] + len(levels[d])
    sorder = np.zeros(lvl[n], dtype=np.int32)
    sparent = np.full(lvl[n], -1, dtype=np.int32)
    for d in range(n):
        for suf, j in levels[d].items():
            s = lvl[d] + j
            sorder[s] = suf[0]
            if d < n - 1:
                sparent[s] = lvl[d + 1] + levels[d + 1][suf[1:]]
    rsuf = np.array([lvl[0] + levels[0][tuple(a)] for a in alphas], dtype=np.int32)
    return lvl, sorder, sparent, rsuf, [len(lv) for lv in levels]


def _node_tables(x, sp, K, acc):
    """fd.grid's one-sided stencils of orders 0..K at every node of an axis,
    in one window per node: (start (N,), weights (N, K+1, GW), GW)."""
    N = len(x)
    rows = np.arange(N)
    idx, wts = [], []
    for k in range(K + 1):
        t = axis_table(N, k, acc, "one-sided", sp)
        width = max(len(t.co), t.tidx.shape[1])
        I = np.zeros((N, width), dtype=np.int64)
        Wt = np.zeros((N, width))
        inner = (rows >= t.i0) & (rows < t.i1)
        I[inner] = rows[inner, None] + np.pad(t.co, (0, width - len(t.co)),
                                              constant_values=0)[None, :]
        Wt[inner, :len(t.cw)] = t.cw
        I[inner, len(t.co):] = rows[inner, None]
        edge = np.flatnonzero(~inner)
        if len(edge):
            tr = np.where(edge < t.i0, edge, t.i0 + edge - t.i1)
            I[edge, :t.tidx.shape[1]] = t.tidx[tr]
            Wt[edge, :t.twt.shape[1]] = t.twt[tr]
            I[edge, t.tidx.shape[1]:] = edge[:, None]
        idx.append(I)
        wts.append(Wt)
    lo = np.min([I.min(axis=1) for I in idx], axis=0)
    hi = np.max([I.max(axis=1) for I in idx], axis=0) + 1
    GW = int((hi - lo).max())
    start = np.minimum(lo, N - GW)
    nw = np.zeros((N, K + 1, GW))
    for k in range(K + 1):
        rel = idx[k] - start[:, None]
        np.add.at(nw[:, k, :], (np.repeat(rows, rel.shape[1]), rel.ravel()), wts[k].ravel())
    return start.astype(np.intp), nw, GW


class GridEngine:
    """Samples ``values`` (lens + (m,), float64) on the tensor grid ``coords``
    (one increasing float64 array per axis, ``specs`` their fd.grid spacing
    kinds); ``acc`` or a least-squares ``window``/``degree`` per axis."""

    def __init__(self, coords, specs, values):
        self.coords = [np.ascontiguousarray(x, dtype=np.float64) for x in coords]
        self.specs = specs
        self.n = len(self.coords)
        self.lens = tuple(len(x) for x in self.coords)
        self.values = np.ascontiguousarray(values, dtype=np.float64)
        self.m = self.values.shape[-1]
        self.flat_coords = np.ascontiguousarray(np.concatenate(self.coords))
        self.coff = np.zeros(self.n + 1, dtype=np.intp)
        self.coff[1:] = np.cumsum(self.lens)
        self.h = np.array([s[1] if s[0] == "uniform" else 0.0 for s in specs])
        self.vstr = np.array([st // 8 for st in self.values.strides[:-1]], dtype=np.intp)
        self.lo = np.array([x[0] for x in self.coords])
        self.hi = np.array([x[-1] for x in self.coords])
        self._tables = {}

    def tables(self, K, acc):
        """Node tables of every axis for highest orders K (cached)."""
        key = (tuple(K), acc)
        if key not in self._tables:
            starts, ws, GWs = [], [], []
            for x, sp, k in zip(self.coords, self.specs, K):
                s, w, g = _node_tables(x, sp, int(k), acc)
                starts.append(s)
                ws.append(w.ravel())
                GWs.append(g)
            nwoff = np.zeros(self.n + 1, dtype=np.intp)
            nwoff[1:] = np.cumsum([len(w) for w in ws])
            self._tables[key] = (np.ascontiguousarray(np.concatenate(starts)),
                                 np.ascontiguousarray(np.concatenate(ws)), nwoff,
                                 np.array(GWs, dtype=np.int32))
        return self._tables[key]

    def evaluate(self, q, terms, out, ostride, cstride, nthreads, acc=4, window=None,
                 degree=None, flip=(), check=None):
        """Add every term's weighted derivative at the queries to ``out``.

        ``q``: (M, n) float array (any layout; converted by chunks);
        ``terms``: [(alpha, [(offset, coef), ...]), ...] (at most two
        destinations per term); ``out``: a flat float64 view of the outputs,
        row i at ``i*ostride``, component c at ``+ c*cstride``; ``window``
        (per axis) with ``degree``: least squares instead of interpolation.
        ``flip``: axes whose query coordinates are negated (decreasing
        coordinates were given); ``check(chunk, first_index)`` validates each
        chunk of queries as given before it is used.
        Returns the number of queries whose least-squares fit was singular.
        """
        n = self.n
        alphas = [tuple(int(v) for v in a) for a, _ in terms]
        K = np.array([max(a[d] for a in alphas) for d in range(n)], dtype=np.int32)
        if window is None:
            G = (acc + K).astype(np.int32)
            deg = -1
            nstart, nw, nwoff, GW = self.tables(K, acc)
            use_nodes = True
        else:
            G = np.asarray(window, dtype=np.int32)
            deg = int(degree)
            nstart = np.zeros(1, dtype=np.intp)
            nw = np.zeros(1)
            nwoff = np.zeros(n + 1, dtype=np.intp)
            GW = np.zeros(n, dtype=np.int32)
            use_nodes = False
        lvl, sorder, sparent, rsuf, nsuf = _suffix_tree(alphas, n)
        WM = np.maximum(G, GW).astype(np.int64)
        boff = np.zeros(n, dtype=np.intp)
        size = 0
        for d in range(n):
            boff[d] = size
            size += nsuf[d] * int(np.prod(WM[:d])) * self.m
        dest, dcoef = destinations(terms)
        M = q.shape[0]
        bad = 0
        vflat = self.values.reshape(-1)
        chunk = max(1024, _CHUNK_BYTES // (8 * (n + 1)))
        ordered = self.values.nbytes > _ORDER_BYTES
        nb = self._blocks(min(M, chunk)) if ordered else None
        no_order = np.zeros(0, dtype=np.intp)
        for c0 in range(0, M, chunk):
            qc = np.ascontiguousarray(q[c0:c0 + chunk], dtype=np.float64)
            if check is not None:
                check(qc, c0)
            if flip:
                if qc is q or np.shares_memory(qc, q):
                    qc = qc.copy()
                qc[:, list(flip)] *= -1.0
            nt = 1 if len(qc) < _SERIAL_QUERIES else nthreads
            order = no_order
            if ordered and len(qc) >= 4096:
                order = np.empty(len(qc), dtype=np.intp)
                _k.order_queries(qc, self.lo, self.hi, nb, order)
            bad += _k.grid_eval(vflat, self.vstr, self.m, self.flat_coords, self.coff,
                                self.h, qc, order, c0, K, G, deg, use_nodes, nstart, nw, nwoff,
                                GW, lvl, sorder, sparent, boff, size, rsuf, dest, dcoef, out,
                                ostride, cstride, nt)
        return bad

    def _blocks(self, M):
        """Blocks per axis for ordering M queries: about _BLOCK nodes per block,
        coarser when there would be more blocks than queries."""
        blk = _BLOCK
        while True:
            nb = np.array([max(1, -(-L // blk)) for L in self.lens], dtype=np.intp)
            if np.prod(nb.astype(float)) <= max(M, 1) or blk > max(self.lens):
                return nb
            blk *= 2
