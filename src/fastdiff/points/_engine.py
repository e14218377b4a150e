"""Blocks, the chunk loop, and first derivatives along directions.

A call runs block by block of input points (`by_blocks`), each block's
steps, stencil tables, levels and Richardson tableau sized to fit
``max_memory`` beside its stencil points.  Within a block, every stencil
point of every input point in a chunk is laid out in one buffer (reused for
all the chunks of a call), f is called once per chunk,
and the values are combined with the stencil weights.  The layout of
first-derivative stencils and, for several step levels, the combination,
Richardson tableau and error estimates in one pass over f's values run in
Cython/OpenMP kernels (``_kernels/_points.pyx``).
"""
from __future__ import annotations

import functools
import sys

import numpy as np

from .. import _validation as V

from .._kernels import _points as _kernels
from .._stencil import stencil
from ._richardson import SHIFTED, richardson, windows
from ._steps import SAFETY, fit_bounds, level_ratio

__all__ = ["by_blocks", "chunk_loop", "first_derivatives", "first_point_bytes", "threads",
           "CHUNK_BYTES", "SERIAL_WORK"]

#: default bound on the working memory of a call (bytes): the stencil points
#: laid out per call of f and every temporary sized by the points of a block.
#: Chunks this size stay below glibc's mmap threshold, so their memory (and
#: f's temporaries) is reused from call to call instead of being faulted in
#: afresh each time (``max_memory`` overrides it)
CHUNK_BYTES = 8 << 20

#: below this many elements written by a call, the point kernels run on one
#: thread: waking a team cost 0.2-0.5 ms per kernel call here (a gradient at
#: one 3-D point took 720 us on two threads, 186 us on one); every element
#: is computed by the same operations whatever the thread count
SERIAL_WORK = 1 << 15


def threads(nthreads, work):
    """The kernels' thread count for ``work`` elements written."""
    return 1 if work < SERIAL_WORK else nthreads


#: the largest evaluation buffer kept from one call to the next (bytes): a
#: point whose stencil rows alone exceed CHUNK_BYTES (a sparse Jacobian of
#: 10^5 inputs: 19 rows, 15 MB) got a fresh mmap on every call, and its
#: first touch (3,700 page faults) cost 2.5 ms of a 13 ms call
SPARE_BYTES = 64 << 20

#: the bytes of points a vectorized f gets at once (at least one row) when
#: one point's stencil exceeds ``max_memory``: the sparse Jacobian of a
#: tridiagonal F (n = 10^5, 19 rows of 0.8 MB, `benchmarks/
#: bench_points_scale.py`) took 14.0 ms with all rows at once (F's 15 MB
#: temporaries: 1,258 page faults per call), 17.6 ms in two calls of 10 and
#: 9 rows within 8 MiB (2,280 faults: glibc trimmed its heap between them)
#: and 10.1 ms row by row (no fault: F's temporaries reuse freed memory,
#: still in cache); n = 3 10^5 and 10^6: 1.54 -> 1.36 and 1.53 -> 1.31 times
#: F's time alone
ROW_BYTES = 1 << 20
#: "buf": the kept buffer (uint8), taken out while a call uses it
_spare: dict[str, np.ndarray] = {}

#: temporaries per (level, direction, output) of a point in a block: the
#: combined levels, the Richardson tableau and its stacks, the error terms
#: (counted in float64 words; measured with tracemalloc, rounded up)
_TEMPS_PER_LEVEL = 16


def by_blocks(ev, N, point_bytes, max_memory, run, keep):
    """Run the whole computation block by block of input points so that its
    working memory stays within ``max_memory``.

    ``point_bytes(m)`` estimates the working bytes per input point for f
    with m outputs (m = 0 before the first call); ``run(a, b)`` returns
    (value, error, step, evaluations per point[, truncation-bound]) for
    points [a, b).  The first ``keep`` of value, error and step are
    assembled (the rest are None), and the optional fifth array (elements
    whose error estimate is mostly truncation, see `first_derivatives`)
    whenever ``keep`` > 1; a single block is returned as it is.  Returns
    (value, error, step, nfev[, truncation-bound]).
    """
    outs, nfev, a = None, 0, 0
    while a < N:
        size = max(1, int(max_memory // max(1.0, point_bytes(ev.m or 0))))
        b = min(N, a + size)
        eps = ev.eps
        res = run(a, b)
        if ev.eps != eps:
            # f returned float32/float16: this block again with steps and
            # rounding estimates for its precision (the later blocks use them)
            res = run(a, b)
        nfev = max(nfev, res[3])
        extra = tuple(res[4:]) if keep > 1 else ()
        if a == 0 and b == N:
            return tuple(res[:keep]) + (None,) * (3 - keep) + (nfev,) + extra
        arrays = tuple(res[:keep]) + extra
        if outs is None:
            outs = [np.empty((N,) + r.shape[1:], dtype=r.dtype) for r in arrays]
        for o, r in zip(outs, arrays):
            o[a:b] = r
        a = b
    return tuple(outs[:keep]) + (None,) * (3 - keep) + (nfev,) + tuple(outs[keep:])


def first_point_bytes(method, n, k, nlevels, acc, order, m):
    """Working bytes per input point of `first_derivatives` (k directions
    in n dimensions, f with m outputs)."""
    m = max(1, m)
    if method == "complex":
        return 16 * k * (n + m) + 8 * _TEMPS_PER_LEVEL * k * m
    K = acc + order - 1                 # nonzero offsets of the widest (one-sided) stencil
    if nlevels == 1:
        K += 2                          # the acc + 2 stencil of the truncation estimate
    rows = 1 + nlevels * k * K
    return 8 * (rows * (n + m) + 2 * k * K + _TEMPS_PER_LEVEL * nlevels * k * m)


def chunk_loop(ev, N, rows, n, max_memory, layout, consume, dtype=np.float64, pieces=False):
    """Evaluate f at ``rows`` stencil points per input point, chunk by chunk.

    For each chunk [a, b) of the N points: ``layout(a, b, P)`` fills the
    buffer P (b - a, rows, n) of ``dtype`` (its bytes count against
    ``max_memory``), f is called once on its rows, and ``consume(a, b, F)``
    receives the values F (b - a, rows[, m]).  A point whose stencil exceeds
    ``max_memory`` is a chunk of its own, and a vectorized f gets its rows
    `ROW_BYTES` at a time (`_rows_of`); with ``pieces`` consume then
    receives the list of what f returned, each (r_i[, m]), not assembled.
    """
    per_point = max(1, rows) * max(1, n) * np.dtype(dtype).itemsize
    size = max(1, int(max_memory // per_point))
    chunks = [(a, min(N, a + size)) for a in range(0, N, size)]
    shape = (max((b - a for a, b in chunks), default=0), rows, n)
    raw = _take_spare(int(np.prod(shape)) * np.dtype(dtype).itemsize)
    buf = raw[:int(np.prod(shape)) * np.dtype(dtype).itemsize].view(dtype).reshape(shape)
    for a, b in chunks:
        P = buf[:b - a]
        layout(a, b, P)
        if per_point > max_memory:
            Fv = _rows_of(ev, P.reshape(-1, n), max_memory, pieces)
            if isinstance(Fv, list):
                consume(a, b, Fv)
                del P, Fv
                continue
        else:
            Fv = ev(P.reshape(-1, n))
        consume(a, b, Fv.reshape((b - a, rows) + Fv.shape[1:]))
        del P, Fv
    del buf
    _keep_spare(raw)


def _rows_of(ev, P, max_memory, pieces=False):
    """f at the rows of P, one point's stencil larger than ``max_memory``:
    a vectorized f gets them `ROW_BYTES` (at most ``max_memory``) at a time
    and the values are assembled, or with ``pieces`` returned as the list of
    f's results."""
    step = max(1, int(min(ROW_BYTES, max_memory) // max(1, P.shape[1] * P.itemsize)))
    if not ev.vectorized or step >= len(P):
        return ev(P)
    if pieces:
        return [ev(P[r:r + step]) for r in range(0, len(P), step)]
    out = None
    for r in range(0, len(P), step):
        o = ev(P[r:r + step])
        if out is None:
            out = np.empty((len(P),) + o.shape[1:], dtype=o.dtype)
        elif np.result_type(out.dtype, o.dtype) != out.dtype:
            out = out.astype(np.result_type(out.dtype, o.dtype))
        out[r:r + step] = o
    return out


def _take_spare(nbytes):
    """A byte buffer of at least ``nbytes``: the one kept by an earlier call
    when it is large enough, else a new one.  Taking it out of ``_spare``
    (atomic under the GIL) keeps a nested or concurrent call from sharing
    it."""
    raw = _spare.pop("buf", None)
    if raw is not None and raw.nbytes >= nbytes:
        return raw
    raw = None      # (freed before the new one is allocated)
    return np.empty(max(nbytes, 1), dtype=np.uint8)


def _keep_spare(raw):
    """Keep ``raw`` for the next call when nothing else refers to it (f may
    have kept its input, or a view of it: such a buffer is never rewritten)
    and it is at most SPARE_BYTES; the larger of two kept buffers wins."""
    # references: the caller's ``raw``, the one here and getrefcount's argument
    if sys.getrefcount(raw) > 3 or raw.nbytes > SPARE_BYTES:
        return
    old = _spare.get("buf")
    if old is None or old.nbytes < raw.nbytes:
        _spare["buf"] = raw


def _variant(st):
    """(nonzero offsets, their weights, weight of offset 0) of a stencil."""
    offs = st.offsets.astype(np.float64)
    w = st.weights
    nz = offs != 0
    keep = nz & (w != 0)
    return offs[keep], w[keep], float(np.sum(w[~nz]))


@functools.lru_cache(maxsize=256)
def _variants(method, order, acc):
    """The stencils of kind 0 (the method's), 1 (forward) and 2 (backward);
    cached (each call built three stencils: 0.1-0.7 ms), read-only."""
    fwd = _variant(stencil(order, offsets=np.arange(0, acc + order)))
    bwd = _variant(stencil(order, offsets=-np.arange(0, acc + order)[::-1]))
    base = {"central": _variant(stencil(order, acc)), "forward": fwd, "backward": bwd}[method]
    for v in (base, fwd, bwd):
        v[0].flags.writeable = v[1].flags.writeable = False
    return (base, fwd, bwd)


def _aligned(lo, hi):
    """The weights of stencil variant ``lo`` at the offsets of ``hi`` (a
    superset of lo's nonzero offsets), and its weight of f(x)."""
    w = np.zeros(len(hi[0]))
    for o, wt in zip(*lo[:2]):
        w[np.flatnonzero(hi[0] == o)[0]] = wt
    return hi[0], w, lo[2]


def _stencil_tables(variants, kinds):
    """Offsets, weights and weight of f(x) per (point, direction) for its
    stencil kind."""
    K = max(len(v[0]) for v in variants)
    OFF = np.zeros(kinds.shape + (K,))
    W = np.zeros(kinds.shape + (K,))
    W0 = np.zeros(kinds.shape)
    for t, (o, w, w0) in enumerate(variants):
        sel = kinds == t
        OFF[sel, :len(o)] = o
        W[sel, :len(o)] = w
        W0[sel] = w0
    return OFF, W, W0


def _level_steps(X, h, L, ratio, axes):
    """The steps (L, N, k) of L levels from h (N, k) in ``ratio``; by
    sqrt(2) along the axes (``axes``) levels 1.. made exact next to x,
    (x + h) - x, as the automatic steps are (below a user's step too;
    halving keeps level 0's exactness)."""
    hl = np.ascontiguousarray(h[None] / (ratio ** np.arange(L))[:, None, None])
    if ratio != 2.0 and axes:
        hl[1:] = (X[None] + hl[1:]) - X[None]
    return hl


def first_derivatives(ev, X, dirs, method, acc, h, nlevels, bounds, max_memory, order=1,
                      search=False):
    """Derivatives of ``order`` of f along ``dirs`` at every point.

    X (N, n); dirs (N, k, n) directions; h (N, k) base steps along each
    direction.  f(x) is evaluated once per point and serves every offset 0;
    each (point, direction, level) then needs K evaluations.  ``search``:
    Richardson over windows of levels (`_richardson.windows`) instead of
    the one tableau.  Returns value (N, k[, m]), error, step, the
    evaluations per point, and where the error estimate is mostly
    truncation (smaller steps could lower it; bool, value's shape).
    """
    N, k, n = dirs.shape
    if method == "complex":
        return _complex_step(ev, X, dirs, h, max_memory)
    L = nlevels
    # one level (adaptive=False): the stencil of acc + 2 too, on a superset of
    # the points; its difference with the acc stencil estimates the
    # truncation error (two more evaluations per direction)
    wide = acc + 2 if L == 1 else acc
    variants = _variants(method, order, wide)
    kinds = np.zeros((N, k), dtype=np.int8)
    if bounds is not None:
        kinds, h = fit_bounds(X, dirs, h, bounds, variants[0][0], wide + order - 1)
    OFF, W, W0 = _stencil_tables(variants, kinds)
    if wide != acc:
        Whi, W0hi = W, W0
        _, W, W0 = _stencil_tables([_aligned(lo, hi) for lo, hi in
                                    zip(_variants(method, order, acc), variants)], kinds)
    ratio = level_ratio(method, search)
    axes = k == n and np.array_equal(dirs[0], np.eye(n)) and dirs.strides[0] == 0
    hl = _level_steps(X, h, L, ratio, axes)
    K, rows = OFF.shape[2], 1 + L * k * OFF.shape[2]
    D3 = np.zeros((0, 0, 0)) if axes else np.ascontiguousarray(dirs)
    out = {}

    def layout(a, b, P):
        _kernels.layout(np.ascontiguousarray(X[a:b]), D3 if axes else D3[a:b], OFF[a:b],
                        np.ascontiguousarray(hl[:, a:b]), P, threads(ev.nthreads, P.size))

    # several levels, one tableau: the fused kernel (values, tableau and
    # estimates in one pass over f's values, per chunk)
    fused = L >= 2 and not search
    if fused:
        S = np.where((kinds != 0) | (method != "central"), 1, 2).astype(np.int8)

    def consume(a, b, F):
        hla = np.ascontiguousarray(hl[:, a:b])
        if fused:           # (F a list: one point's rows in f's pieces, `chunk_loop`)
            return _fused(out, N, k, F, a, b, W, W0, hla, S, order, acc, ev)
        Fm, tail = np.ascontiguousarray(F.reshape(b - a, rows, -1), dtype=np.float64), F.shape[2:]
        D = np.empty((L, b - a, k, Fm.shape[2]))
        nt = threads(ev.nthreads, D.size)
        with np.errstate(invalid="ignore", over="ignore"):
            _kernels.combine(Fm, W[a:b], W0[a:b], hla, order, D, nt)
        if not out:
            out["vals"] = np.empty((L, N, k) + tail)
            out["fmax"] = np.empty((L, N, k) + tail)
            out["trunc"] = np.zeros((N, k) + tail) if wide != acc else None
        out["vals"][:, a:b] = D.reshape((L, b - a, k) + tail)
        if wide != acc:
            Dhi = np.empty_like(D)
            with np.errstate(invalid="ignore", over="ignore"):
                _kernels.combine(Fm, Whi[a:b], W0hi[a:b], hla, order, Dhi, nt)
                out["trunc"][a:b] = np.abs(Dhi - D)[0].reshape((b - a, k) + tail)
        # the magnitude of f over each level's stencil (and at x): the scale
        # of its rounding error (|f(x)| alone is 0 where f crosses 0)
        lev = np.abs(Fm[:, 1:].reshape(b - a, L, k, K, -1)).max(axis=3)
        np.maximum(lev, np.abs(Fm[:, None, None, 0]), out=lev)
        out["fmax"][:, a:b] = np.moveaxis(lev, 1, 0).reshape((L, b - a, k) + tail)

    chunk_loop(ev, N, rows, n, max_memory, layout, consume, pieces=fused)
    if fused:
        shape = (N, k) + out["tail"]
        return (out["value"].reshape(shape), out["err"].reshape(shape),
                out["step"].reshape(shape), rows, out["bound"].reshape(shape))
    value, err, step, bound = _extrapolate(out["vals"], out["fmax"], W, W0, h, kinds, acc,
                                           order, method != "central", ev.eps, out["trunc"],
                                           search, ratio)
    return value, err, step, rows, bound


def _fused(out, N, k, Fm, a, b, W, W0, hla, S, order, acc, ev):
    """Values, estimates, steps and truncation-bound flags of points [a, b)
    from f's values Fm (b - a, rows, m), or a list of f's results for the
    rows of one point (`chunk_loop`'s pieces: their rows' addresses go to
    the kernel, no assembled copy), by the fused kernel, into ``out``
    (allocated at the first chunk)."""
    if isinstance(Fm, list):
        tail = Fm[0].shape[1:]
        Fm = [np.ascontiguousarray(p, dtype=np.float64).reshape(len(p), -1) for p in Fm]
        m = Fm[0].shape[1]
        # (each piece (r_i, m): row j at its address + j m 8 bytes)
        addr = np.array([p.__array_interface__["data"][0] + 8 * m * j
                         for p in Fm for j in range(len(p))], dtype=np.uintp)
    else:
        tail = Fm.shape[2:]
        Fm = np.ascontiguousarray(Fm.reshape(b - a, Fm.shape[1], -1), dtype=np.float64)
        m = Fm.shape[2]
    if not out:
        out.update((name, np.empty((N, k, m), dtype=t)) for name, t in
                   (("value", float), ("err", float), ("step", float), ("bound", bool)))
        out["tail"] = tail
    args = (W[a:b], W0[a:b], hla, S[a:b], order, acc, ev.eps, SAFETY, out["value"][a:b],
            out["err"][a:b], out["step"][a:b], out["bound"][a:b].view(np.uint8),
            threads(ev.nthreads, (b - a) * k * m))
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        if isinstance(Fm, list):
            _kernels.combine_extrapolate_rows(addr, m, *args)
        else:
            _kernels.combine_extrapolate(Fm, *args)


def _truncation_bound(trunc, rounding):
    """Where an estimate is mostly truncation, so that smaller steps could
    lower it; a NaN or infinite estimate counts too (a stencil that left
    f's domain).  The fused kernel applies the same rule."""
    with np.errstate(invalid="ignore"):
        return ~((trunc <= rounding) & (rounding < np.inf))


def _extrapolate(vals, fmax, W, W0, h, kinds, acc, order, one_sided, eps, trunc=None,
                 search=False, ratio=2.0):
    """Richardson over the levels of each stencil kind, plus the rounding
    error (relative ``eps`` of f's values, of magnitude ``fmax`` (L, N, k[, m])
    over each level's stencil) of the smallest step: (value, error, step).
    One level: ``trunc`` is the truncation estimate.  ``search``: the
    windows of levels of `_richardson.windows` instead of one tableau, the
    levels' steps in ``ratio``.  Also returns where truncation exceeds
    rounding in the estimate."""
    L, N, k = vals.shape[:3]
    ex = (1,) * (vals.ndim - 3)
    wsum = (np.sum(np.abs(W), axis=2) + np.abs(W0)).reshape((N, k) + ex)
    f0s = fmax[-1]
    hh = h.reshape((N, k) + ex)
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        if L == 1:
            value = vals[0]
            rounding = eps * wsum * f0s / hh ** order
            return (value, SAFETY * (rounding + trunc), np.broadcast_to(hh, value.shape).copy(),
                    _truncation_bound(trunc, rounding))
        value = np.empty(vals.shape[1:])
        err = np.empty(vals.shape[1:])
        step = np.empty(vals.shape[1:])
        bound = np.zeros(vals.shape[1:], dtype=bool)
        hfull = np.broadcast_to(hh, value.shape)
        for t in np.unique(kinds):
            sel = kinds == t
            s = 1 if one_sided or t != 0 else 2
            if search:
                v_, e_, st_ = windows(vals[:, sel], fmax[:, sel], wsum[sel], hh[sel], acc,
                                      order, eps, s=s, ratio=ratio,
                                      shifted=SHIFTED if ratio != 2.0 else 0.0)
                value[sel], err[sel], step[sel] = v_, SAFETY * e_, st_
                continue
            v_, e_, l_ = richardson(vals[:, sel], acc, s == 1)
            rounding = eps * wsum[sel] * f0s[sel] / (hh[sel] / 2.0 ** (L - 1)) ** order
            value[sel], err[sel] = v_, SAFETY * (e_ + rounding)
            step[sel] = hfull[sel] / 2.0 ** l_
            bound[sel] = _truncation_bound(e_, rounding)
        return value, err, step, bound


def _complex_step(ev, X, dirs, h, max_memory):
    """Im f(x + i h d) / h: first derivatives to rounding, one evaluation each
    (the complex points count 16 bytes per coordinate against max_memory).
    Steps above `COMPLEX_TRUNCATION` of max(|x|, 1) (a user's) also run at
    h/2: the difference bounds the truncation error, O(h^2) (a step of 0.1
    had an estimate of 2e-16 for an error of 9e-4)."""
    N, k, n = dirs.shape
    # one real evaluation per call (at its first point): Im f(x) must be 0,
    # or it would be taken for the derivative (Im f(x + ih)/h = Im f(x)/h + f')
    if not ev.real_checked:
        V.f_real_valued(ev(np.array(X[:1], dtype=np.float64)))   # (a copy: ev clips into bounds)
        ev.real_checked = True
    vals = _complex_values(ev, X, dirs, h, max_memory)
    ex = (1,) * (vals.ndim - 2)
    with np.errstate(invalid="ignore"):
        err = 2 * ev.eps * np.abs(vals)
    nfev = k
    scale = np.maximum(np.abs(X).max(axis=1, initial=0.0), 1.0)
    need = h > COMPLEX_TRUNCATION * scale[:, None]          # (N, k)
    if need.any():
        half = _complex_values(ev, X, dirs, h / 2, max_memory)
        with np.errstate(invalid="ignore"):
            trunc = SAFETY * 4.0 / 3.0 * np.abs(half - vals)
        err = err + np.where(need.reshape(need.shape + ex), trunc, 0.0)
        nfev = 2 * k
    return vals, err, np.broadcast_to(h.reshape((N, k) + ex), vals.shape).copy(), nfev


#: complex steps above this share of max(|x|, 1) get a truncation estimate
#: (`_complex_step`); the automatic ones are 1e-20 of it, where h^2 f'''
#: is below rounding (at 1e-8, a step of 0.5 at x = 1e9 had none: error
#: 0.035, estimate 4e-16)
COMPLEX_TRUNCATION = 1e-12


def _complex_values(ev, X, dirs, h, max_memory):
    """Im f(x + i h d) / h of every point and direction (N, k[, m])."""
    N, k, n = dirs.shape
    out = {}

    def layout(a, b, P):       # (in place: no complex temporaries)
        P.real[...] = X[a:b, None, :]
        np.multiply(h[a:b, :, None], dirs[a:b], out=P.imag)

    def consume(a, b, F):
        V.f_complex_output(F)
        ex = (1,) * (F.ndim - 2)
        D = np.imag(F) / h[a:b].reshape((b - a, k) + ex)
        if not out:
            out["vals"] = np.empty((N, k) + F.shape[2:])
        out["vals"][a:b] = D

    chunk_loop(ev, N, k, n, max_memory, layout, consume, dtype=np.complex128)
    return out["vals"]
