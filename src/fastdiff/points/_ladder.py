"""The ladder: the refinement round of searched central high orders towards
a user's tolerance (``derivative(f, x, order>=3, rtol=...)``).

At every step of a ladder, 2^`LADDER_TOP` times the searched step h down
by factors of sqrt(2) (`LADDER_STEPS` of them), f is evaluated on the
widest central stencil, and every central stencil of accuracy in
`LADDER_ACCS` inside it gives a value.  A (step, accuracy) pair's
truncation estimate is the larger of its differences with the two
neighbouring accuracies at the same step (two agreements before it counts
as converged: the one difference gave estimates covering 71-93 % of the
errors of arctan's 3rd to 7th derivatives), its rounding estimate eps *
sum |w_j f_j| over the stencil / step^order (eps * sum |w| * max |f|
before: exp's far values, met by tiny outer weights, made it 1,000x too
large at large steps, and the pick fell on small ones).  Per element the
values whose estimates are within `LADDER_POOL` of the smallest are
pooled (`_pool`: their rounding errors average out).  The round's value
replaces the first pass's only where its estimate is smaller and the two
values agree within their estimates (`_drive._merge`): wide stencils at
large steps that cross a pole of f (1/x at 0.3, tan at 1.3) can look
converged on a wrong value.

Measured on the classic functions (sin, cos, exp, log, sqrt, 1/x, tan,
arctan at 28 points of [0.3, 3]; ``benchmarks/accuracy_high_orders.py``):
rtol=1e-10 reaches 10 digits wherever the best float64 formula typically
does (the typical oracle there: sin, cos, exp at orders 4-7 10.3-12.9,
1/x, log and tan at order 4 10.3-10.6), in 396-490 evaluations per point;
worst over the functions 9.2 / 8.0 / 6.9 / 5.0 at orders 4-7 (arctan and
sqrt, whose typical oracle is 9.6-9.8 at order 4).  Before (7 steps by
halves, the smallest estimate picked, the max |f| rounding): 8.8 / 7.3 /
6.6 / 4.9, sin, cos and exp 9.5-12.3, in 228-298 evaluations.  Every
estimate covered its error.  Order 3 climbs it too since the pooling
(`LADDER_MIN_ORDER`).
"""
from __future__ import annotations

import numpy as np

from .._kernels import _points as _kernels
from .._stencil import stencil
from ._engine import chunk_loop, threads
from ._steps import SAFETY

__all__ = ["ladder", "ladder_factors", "ladder_point_bytes", "LADDER_MIN_ORDER", "LADDER_TOP",
           "LADDER_STEPS", "LADDER_SPLIT", "LADDER_POOL", "LADDER_ACCS"]

#: the lowest order that climbs the ladder: at order 3 the widening rounds
#: (`_drive`) did better on the worst classic function than the ladder by
#: halves (sqrt: 10.0 correct digits at rtol=1e-10, that ladder 9.8); the
#: pooled ladder by sqrt(2) steps gets 10.2-13.3 there (the widening rounds
#: 10.0-11.4), in 390 evaluations per point (widening: 147-365)
LADDER_MIN_ORDER = 3

#: the ladder's largest step is 2^LADDER_TOP times the searched step (0.5 x
#: max(|x|, 1) for the automatic 0.125: the oracle of the benchmark found
#: 10+ digits of sin's 7th derivative at steps of 0.3-0.7; a top of 1 won
#: nothing, and reached f twice as far from x)
LADDER_TOP = 2

#: the ladder's steps per halving (by sqrt(2): by halves lost 0.3-0.6
#: digits of log, 1/x and tan at order 4 and of exp at order 7, the pairs
#: it offered being fewer)
LADDER_SPLIT = 2

#: steps of the ladder (thirteen by sqrt(2): 4 h to h / 16, the range of
#: the seven halves before, where six lost 1-2 digits of tan and 1/x at
#: orders 4-5 and eight or nine gained nothing)
LADDER_STEPS = 13

#: values whose estimate is within this factor of the smallest are pooled
#: (`_pool`): the pick of the single smallest estimate was 0.2-0.6 digits
#: behind the mean on the classic functions (its rounding errors average
#: out); 2, 8 and 16 gave the same worst digits within 0.2 at orders 3-6
#: (at order 7, 2 gave arctan 5.5 against 5.0, tan 6.7 against 5.3)
LADDER_POOL = 4.0

#: the accuracies of the central stencils tried at every step (the first
#: and last serve only as neighbours for the estimates)
LADDER_ACCS = tuple(range(2, 27, 2))


def _half_width(order, acc):
    return (order - 1) // 2 + acc // 2


def _tables(order):
    """The nonzero offsets -p..p of the widest stencil, and per accuracy its
    weights at them (A, K), its weight of f(x) (A,) and half width (A,)."""
    p = _half_width(order, LADDER_ACCS[-1])
    offs = np.concatenate([np.arange(-p, 0), np.arange(1, p + 1)]).astype(np.float64)
    W = np.zeros((len(LADDER_ACCS), len(offs)))
    W0, half = np.zeros(len(LADDER_ACCS)), np.zeros(len(LADDER_ACCS))
    for a, acc in enumerate(LADDER_ACCS):
        st = stencil(order, acc)
        for o, w in zip(st.offsets, st.weights):
            if o == 0:
                W0[a] = w
            else:
                W[a, int(o) + p - (o > 0)] = w
        half[a] = _half_width(order, acc)
    return offs, W, W0, half


def ladder_factors():
    """The ladder's steps as multiples of the searched step (L,):
    2^`LADDER_TOP` down by factors of 2^(1/`LADDER_SPLIT`)."""
    return 2.0 ** (LADDER_TOP - np.arange(LADDER_STEPS) / LADDER_SPLIT)


def _pool(vals, E):
    """Per element (last axis: the (accuracy, step) pairs), the mean of the
    values whose estimate is within `LADDER_POOL` of the smallest, weighted
    by 1/estimate^2, and the same mean of their estimates (each covering
    its value's error, it covers the mean's): (value, estimate, index of
    the smallest estimate [..., None]).  Elements whose smallest estimate
    is 0 or not finite keep that pair's value and estimate."""
    pick = np.argmin(E, axis=-1)[..., None]
    emin = np.take_along_axis(E, pick, -1)
    vmin = np.take_along_axis(vals, pick, -1)[..., 0]
    plain = ~(np.isfinite(emin) & (emin > 0))[..., 0]
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        wt = np.where(E <= LADDER_POOL * emin, (emin / E) ** 2, 0.0)
        total = wt.sum(axis=-1)
        value = (np.where(wt > 0, vals, 0.0) * wt).sum(axis=-1) / total
        err = (wt * np.where(wt > 0, E, 0.0)).sum(axis=-1) / total
    value = np.where(plain, vmin, value)
    err = np.where(plain, emin[..., 0], err)
    return value, err, pick


def ladder_point_bytes(n, k, order, m):
    """Working bytes per input point of `ladder` (k directions in n
    dimensions, f with m outputs)."""
    m = max(1, m)
    K = 2 * _half_width(order, LADDER_ACCS[-1])
    rows = 1 + LADDER_STEPS * k * K
    # (the values, rounding, truncation and estimate tables of every
    # (accuracy, step) pair and the pooling's weights: 6.2-6.5 of them at the
    # peak, measured with tracemalloc; 4 were counted until 2026-12-03)
    return 8 * (rows * (n + 2 * m) + 8 * len(LADDER_ACCS) * LADDER_STEPS * k * m)


def _outside(X, dirs, hl, half, box):
    """(L, N, k, A) whether the stencil of each (step, accuracy) leaves the
    box (lower, upper) along its direction."""
    lo, hi = box
    reach = hl[..., None] * half                                  # (L, N, k, A)
    ad = np.abs(dirs)                                              # (N, k, n)
    far = reach[..., None] * ad[None, :, :, None, :]               # (L, N, k, A, n)
    x = X[None, :, None, None, :]
    with np.errstate(invalid="ignore"):
        return np.any((x - far < lo) | (x + far > hi), axis=-1)


def ladder(ev, X, dirs, h, order, box, max_memory):
    """Derivatives of ``order`` along ``dirs`` (N, k, n) at the points X
    (N, n) from the ladder above steps h (N, k): (value (N, k[, m]),
    error, step, evaluations per point)."""
    N, k, n = dirs.shape
    offs, W, W0, half = _tables(order)
    Wabs, W0abs = np.abs(W), np.abs(W0)
    K, L, A = len(offs), LADDER_STEPS, len(LADDER_ACCS)
    hl = np.ascontiguousarray(h[None] * ladder_factors()[:, None, None])
    OFF = np.ascontiguousarray(np.broadcast_to(offs, (N, k, K)))
    D3 = np.ascontiguousarray(dirs, dtype=np.float64)
    bad = _outside(X, D3, hl, half, box) if box is not None else None
    out = {}

    def layout(a, b, P):
        _kernels.layout(np.ascontiguousarray(X[a:b]), D3[a:b], OFF[a:b],
                        np.ascontiguousarray(hl[:, a:b]), P, threads(ev.nthreads, P.size))

    def consume(a, b, F):
        tail = F.shape[2:]
        Fm = np.asarray(F, dtype=np.float64).reshape(b - a, 1 + L * k * K, -1)
        f0 = Fm[:, 0]                                                   # (Nc, m)
        body = Fm[:, 1:].reshape(b - a, L, k, K, -1)
        hp = np.moveaxis(hl[:, a:b], 0, 1)[..., None] ** order          # (Nc, L, k, 1)
        with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
            D = (np.einsum("nlkjm,aj->anlkm", body, W)
                 + W0[:, None, None, None, None] * f0[None, :, None, None, :]) / hp[None]
            # rounding: eps * sum |w_j f_j| over each stencil (not sum |w| *
            # max |f|: exp's far values meet tiny outer weights)
            rnd = ev.eps * (np.einsum("nlkjm,aj->anlkm", np.abs(body), Wabs)
                            + W0abs[:, None, None, None, None]
                            * np.abs(f0)[None, :, None, None, :]) / hp[None]
            trunc = np.maximum(np.abs(D[1:-1] - D[:-2]), np.abs(D[2:] - D[1:-1]))
            E = trunc + rnd[1:-1]
        ok = np.isfinite(E) & np.isfinite(D[1:-1])
        if bad is not None:
            ok &= ~bad[:, a:b, :, 1:-1].transpose(3, 1, 0, 2)[..., None]
        E = np.where(ok, E, np.inf)
        flat = E.transpose(1, 3, 4, 0, 2).reshape(b - a, k, -1, (A - 2) * L)
        vals = D[1:-1].transpose(1, 3, 4, 0, 2).reshape(flat.shape)
        steps = np.broadcast_to(np.moveaxis(hl[:, a:b], 0, 2)[:, :, None, None, :],
                                (b - a, k, 1, A - 2, L)).reshape(b - a, k, 1, -1)
        if not out:
            out.update((name, np.empty((N, k) + tail)) for name in ("value", "err", "step"))
        shape = (b - a, k) + tail
        value, err, pick = _pool(vals, flat)
        out["value"][a:b] = value.reshape(shape)
        out["err"][a:b] = SAFETY * err.reshape(shape)
        out["step"][a:b] = np.take_along_axis(np.broadcast_to(steps, flat.shape), pick,
                                              3).reshape(shape)

    chunk_loop(ev, N, 1 + L * k * K, n, max_memory, layout, consume)
    return out["value"], out["err"], out["step"], 1 + L * k * K
