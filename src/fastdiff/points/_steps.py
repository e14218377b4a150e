"""Step rules.

The base step of a coordinate is ``c * max(|x|, 1)``: relative to the
coordinate's size, absolute near 0.  ``c`` balances rounding against
truncation for the final accuracy order p of the estimate (after
Richardson): the error is about eps/h^order + h^p, smallest at
h ~ eps^(1/(p + order)).  Inside ``bounds`` a stencil that would leave the
box is replaced by a one-sided one towards the side with more room, its step
shrunk to fit.
"""
from __future__ import annotations

import numpy as np

__all__ = ["EPS", "SAFETY", "HIGH_C", "HESSIAN_C", "high_order", "levels", "level_ratio",
           "stencil_acc", "base_c", "default_step", "fit_bounds", "second_steps"]

EPS = np.finfo(np.float64).eps
#: multiplies the raw error estimates (measured: with 1 the estimates
#: covered the true error for too few elements; 4 covers them)
SAFETY = 4.0


#: the largest relative step of high-order derivatives (see `high_order`)
HIGH_C = 0.125


def high_order(method, adaptive, order):
    """Adaptive derivatives of order >= 3 (central) or >= 5 (one-sided)
    search a wide range of steps: levels from ``HIGH_C * max(|x|, 1)`` down
    by halves (one-sided: by sqrt(2), `level_ratio`), Richardson over every
    window of up to 4 levels, the window
    with the smallest truncation + rounding estimate kept
    (`_richardson.windows`).  One step cannot suit them all: a 7th
    derivative of sin wants steps near 0.1, one of tan near its pole or of
    log near 0 much smaller ones (with one step balanced for the finest
    level, central 7th derivatives of tan, atan and log had 3.4-3.6 correct
    digits; with the search, 4.2-6; forward ones of tan -1.3, then 1.6,
    now 2.2)."""
    if method == "central":
        return adaptive and order >= 3
    return adaptive and method != "complex" and order >= 5


def levels(method, adaptive, order=1):
    """Step levels of a derivative of ``order``: one without adaptivity;
    h, h/2, h/4 for first and second derivatives, one more per two orders
    for one-sided ones; with the step search 6 (central) or 13 (one-sided,
    by sqrt(2): `level_ratio`).
    Central orders 3 and 4 had 5 levels until 2026-12-02: the sixth, smaller
    step lifted their worst case on the classic functions (tan, 1/x near
    their poles) from 5.0 to 7.6 (order 3) and 7.4 (order 4) correct
    digits, at 25 and 31 evaluations instead of 21 and 26; orders 5-7 gain
    nothing from a seventh."""
    if method == "complex" or not adaptive:
        return 1
    if high_order(method, adaptive, order):
        return 13 if method != "central" else 6
    return 3 + (order - 1) // 2


#: the step ratio of consecutive levels of the one-sided step search
SEARCH_RATIO_ONE_SIDED = 2.0 ** 0.5


def level_ratio(method, search):
    """The ratio of consecutive step levels: 2, or sqrt(2) for the one-sided
    step search (`high_order`), whose 13 levels span the 7 halving ones
    had (0.125 down to 0.125/64 of max(|x|, 1)).  One-sided stencils gain
    one order per extrapolation, and near the steps where rounding takes
    over the halving levels left too few of them: over the classic
    functions at 28 points of [0.3, 3] (orders 5-7, forward and backward)
    the median correct digits rose by 0.3-0.7 (backward 7th: 2.2 -> 2.6,
    forward 7th 2.3 -> 3.0), the worst case per function and order by 0.6
    on average (none worse; with `_richardson.SHIFTED`), estimates covering
    99.8 % (98.7 %), and sqrt's backward 5th derivative at 0.5 errs 4.0e-4
    instead of 0.041 (numdifftools' test asks 1.5e-2), for 105-131
    evaluations instead of 57-71.  Levels by 2^(1/3) (19) did no better;
    two interleaved halving searches (from h and h/sqrt(2)) gained half as
    much."""
    return SEARCH_RATIO_ONE_SIDED if search and method != "central" else 2.0


def stencil_acc(method, adaptive, order, acc):
    """Accuracy order of the stencil behind each level: ``acc``; with the
    step search widened by 2 per order above 5 (central: a 7th derivative
    from 9-point stencils reached 3.8 correct digits at best, from 13-point
    ones 4.7), or by 2 (one-sided: forward 7th derivatives of sin, exp and
    cos to 1.6-2.9 digits, against 1.2 with ``acc``)."""
    if not high_order(method, adaptive, order):
        return acc
    return acc + 2 * max(0, order - 5) if method == "central" else acc + 2


def base_c(order, acc, nlevels, one_sided, eps=EPS):
    """Relative base step: rounding/truncation balance for the final order
    (``eps``: the relative rounding of f's values)."""
    s = 1 if one_sided else 2
    p_final = acc + s * (nlevels - 1)
    return eps ** (1.0 / (p_final + order))


def default_step(X, c, step, exact=False):
    """``c * max(|x|, 1)``, or the user's steps.  ``exact``: the automatic
    step made exactly representable next to x, ``(x + h) - x``, so that the
    stencil points x + k h are where the weights assume (x + h rounded
    otherwise moves them by up to eps |x|, an error of eps |x f'| / h)."""
    if step is not None:
        return step
    h = c * np.maximum(np.abs(X), 1.0)
    return (X + h) - X if exact else h


def fit_bounds(X, dirs, h, bounds, base_offs, span):
    """Per (point, direction): keep the base stencil if it stays in the box,
    else a one-sided one towards the side with more room, with the step
    shrunk so that its ``span`` steps fit.  Returns (kinds (N, k): 0 base,
    1 forward, 2 backward; steps)."""
    lo, hi = bounds
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


#: central adaptive Hessians (two levels) take twice the balanced step: on
#: the benchmark function the median error fell 9.4e-11 -> 2.2e-11 (max
#: 4.3e-9 -> 1.3e-9), on a quadratic 3.2e-10 -> 3.9e-11, same evaluations;
#: Laplacians (three levels) got worse with it on sin(8x) e^(3y)
HESSIAN_C = 2.0


def second_steps(X, method, acc, nlevels, step, bounds, eps=EPS, factor=1.0, mixed=False):
    """Steps (N, n) and stencil types (N, n: 0 central, 1 forward, 2 backward)
    of second derivatives (``eps``: the relative rounding of f's values;
    ``factor`` scales the steps before they are fitted into ``bounds``;
    ``mixed``: a Hessian's, see `HESSIAN_C`)."""
    c = base_c(2, acc, nlevels, method != "central", eps) * factor
    if mixed and method == "central" and nlevels == 2:
        c *= HESSIAN_C
    h = default_step(X, c, None if step is None else step * factor, exact=True)
    base = {"central": 0, "forward": 1, "backward": 2}[method]
    types = np.full(X.shape, base, dtype=np.int8)
    if bounds is not None:
        lo, hi = bounds
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
    return h, types
