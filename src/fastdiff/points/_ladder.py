"""The ladder: the refinement round of searched central high orders towards
a user's tolerance (``derivative(f, x, order>=4, rtol=...)``).

At every step of a ladder, 2^`LADDER_TOP` times the searched step h down
by halves (`LADDER_STEPS` of them), f is evaluated on the widest
central stencil, and every central stencil of accuracy in `LADDER_ACCS`
inside it gives a value.  A (step, accuracy) pair's truncation estimate is
the larger of its differences with the two neighbouring accuracies at the
same step (two agreements before it counts as converged: the one
difference gave estimates covering 71-93 % of the errors of arctan's 3rd
to 7th derivatives), its rounding estimate eps * sum|w| * max|f| over the
stencil / step^order; per element the pair with the smallest estimate is
kept.  The round's value replaces the first pass's only where its
estimate is smaller and the two values agree within their estimates
(`_drive._merge`): wide stencils at large steps that cross a pole of f
(1/x at 0.3, tan at 1.3) can look converged on a wrong value.

Measured on the classic functions (sin, cos, exp, log, sqrt, 1/x, tan,
arctan at 28 points of [0.3, 3]; ``benchmarks/accuracy_high_orders.py``):
rtol=1e-10 reached, worst over the functions, 8.8 / 7.3 / 6.6 / 4.9
correct digits at orders 4-7 (the widening rounds before it 8.0 / 6.9 /
5.5 / 5.1, in 395-605 evaluations per point), sin, cos and exp 9.5-12.3
(5.7-9.7), in 228-298 evaluations; every estimate covered its error.  At
order 3 the widening rounds did better (`LADDER_MIN_ORDER`).
"""
from __future__ import annotations

import numpy as np

from .._kernels import _points as _kernels
from .._stencil import stencil
from ._engine import chunk_loop, threads
from ._steps import SAFETY

__all__ = ["ladder", "ladder_point_bytes", "LADDER_MIN_ORDER", "LADDER_TOP", "LADDER_STEPS",
           "LADDER_ACCS"]

#: the lowest order that climbs the ladder: at order 3 the widening rounds
#: (`_drive`) did better on the worst classic function (sqrt: 10.0 correct
#: digits at rtol=1e-10, the ladder 9.8), at 4-7 worse (see above)
LADDER_MIN_ORDER = 4

#: the ladder's largest step is 2^LADDER_TOP times the searched step (0.5 x
#: max(|x|, 1) for the automatic 0.125: the oracle of the benchmark found
#: 10+ digits of sin's 7th derivative at steps of 0.3-0.7; a top of 1 won
#: nothing, and reached f twice as far from x)
LADDER_TOP = 2

#: steps of the ladder, by halves (seven: 4 h to h / 16; six lost 1-2
#: digits of tan and 1/x at orders 4-5, eight or nine gained nothing; steps
#: by sqrt(2) gained at most 0.7 digits for twice the evaluations)
LADDER_STEPS = 7

#: the accuracies of the central stencils tried at every step (the first
#: and last serve only as neighbours for the estimates)
LADDER_ACCS = tuple(range(2, 27, 2))


def _half_width(order, acc):
    return (order - 1) // 2 + acc // 2


def _tables(order):
    """The nonzero offsets -p..p of the widest stencil, and per accuracy its
    weights at them (A, K), its weight of f(x) (A,), sum |w| (A,) and half
    width (A,)."""
    p = _half_width(order, LADDER_ACCS[-1])
    offs = np.concatenate([np.arange(-p, 0), np.arange(1, p + 1)]).astype(np.float64)
    W = np.zeros((len(LADDER_ACCS), len(offs)))
    W0, wsum, half = (np.zeros(len(LADDER_ACCS)) for _ in range(3))
    for a, acc in enumerate(LADDER_ACCS):
        st = stencil(order, acc)
        for o, w in zip(st.offsets, st.weights):
            if o == 0:
                W0[a] = w
            else:
                W[a, int(o) + p - (o > 0)] = w
        wsum[a] = np.sum(np.abs(st.weights))
        half[a] = _half_width(order, acc)
    return offs, W, W0, wsum, half


def ladder_point_bytes(n, k, order, m):
    """Working bytes per input point of `ladder` (k directions in n
    dimensions, f with m outputs)."""
    m = max(1, m)
    K = 2 * _half_width(order, LADDER_ACCS[-1])
    rows = 1 + LADDER_STEPS * k * K
    return 8 * (rows * (n + 2 * m) + 4 * len(LADDER_ACCS) * LADDER_STEPS * k * m)


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
    offs, W, W0, wsum, half = _tables(order)
    K, L, A = len(offs), LADDER_STEPS, len(LADDER_ACCS)
    hl = np.ascontiguousarray(h[None] * (2.0 ** (LADDER_TOP - np.arange(L)))[:, None, None])
    OFF = np.ascontiguousarray(np.broadcast_to(offs, (N, k, K)))
    D3 = np.ascontiguousarray(dirs, dtype=np.float64)
    bad = _outside(X, D3, hl, half, box) if box is not None else None
    # |offset| order of the widest stencil: max |f| over each accuracy's
    # stencil is a running maximum over the offsets sorted by distance
    near = np.argsort(np.abs(offs), kind="stable")
    upto = np.searchsorted(np.abs(offs[near]), half, side="right")     # (A,)
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
            run = np.maximum.accumulate(np.abs(body[:, :, :, near]), axis=3)
            fmax = np.maximum(run[:, :, :, upto - 1], np.abs(f0)[:, None, None, None])
            rnd = ev.eps * wsum[None, None, None, :, None] * fmax / hp[..., None]
            rnd = np.moveaxis(rnd, 3, 0)                                # (A, Nc, L, k, m)
            trunc = np.maximum(np.abs(D[1:-1] - D[:-2]), np.abs(D[2:] - D[1:-1]))
            E = trunc + rnd[1:-1]
        ok = np.isfinite(E) & np.isfinite(D[1:-1])
        if bad is not None:
            ok &= ~bad[:, a:b, :, 1:-1].transpose(3, 1, 0, 2)[..., None]
        E = np.where(ok, E, np.inf)
        # the (accuracy, step) pair of smallest estimate per element
        flat = E.transpose(1, 3, 4, 0, 2).reshape(b - a, k, -1, (A - 2) * L)
        pick = np.argmin(flat, axis=3)[..., None]
        vals = D[1:-1].transpose(1, 3, 4, 0, 2).reshape(flat.shape)
        steps = np.broadcast_to(np.moveaxis(hl[:, a:b], 0, 2)[:, :, None, None, :],
                                (b - a, k, 1, A - 2, L)).reshape(b - a, k, 1, -1)
        if not out:
            out.update((name, np.empty((N, k) + tail)) for name in ("value", "err", "step"))
        shape = (b - a, k) + tail
        out["value"][a:b] = np.take_along_axis(vals, pick, 3).reshape(shape)
        out["err"][a:b] = SAFETY * np.take_along_axis(flat, pick, 3).reshape(shape)
        out["step"][a:b] = np.take_along_axis(np.broadcast_to(steps, flat.shape), pick,
                                              3).reshape(shape)

    chunk_loop(ev, N, 1 + L * k * K, n, max_memory, layout, consume)
    return out["value"], out["err"], out["step"], 1 + L * k * K
