"""Driving the engines for the public functions: steps per block of points,
the blocks, and the tolerance-driven refinement (``rtol``/``atol``).

Refinement: after the default pass, the points with an element whose error
estimate exceeds ``atol + rtol * |value|`` are evaluated again with every
step scaled by 1/4, then 1/16, 1/64, ... (at most ``maxiter`` rounds); each
element keeps the estimate with the smallest error estimate, unless the
kept estimate does not cover its distance to the smaller steps' value (then
the wider steps missed a narrow feature, and the refined value is kept).  Smaller steps
resolve features narrower than the automatic step (and stencils that left
f's domain); their error estimates stay reliable, while larger steps gave
estimates that looked converged but were not (coverage fell to 75 % on the
classic functions).  Four exceptions, where the estimates are mostly
rounding, which smaller steps only raise: central derivatives of order >=
`LADDER_MIN_ORDER` (3) with a user's tolerance climb the ladder of
`_ladder` (one round: steps from 4x the searched one down, every accuracy
to 24, the best pairs pooled; its value kept only where it agrees with the
first pass's within both estimates); other
searched high orders keep their steps and widen the stencils by 4 accuracy
orders per round; central second
derivatives with a user's tolerance, at points resolved by the first pass
(`WIDEN_GOAL`), widen them likewise at twice the steps (`WIDEN_FACTOR`),
without the disagreement rule, while each round cuts a point's estimates
by `WIDEN_GAIN` (at most `WIDEN_ROUNDS`); the point then shrinks its
steps; Hessians and Laplacians with a user's tolerance, at points resolved
by the first pass, grow their steps (`GROW_FACTOR`) likewise, their values
kept only where they agree within both estimates, and so do Hessians
without one where every estimate is mostly rounding (`AUTO_GROW_CALM`).
``success`` then says which elements met the tolerance, and ``nfev``
counts the evaluations of the most refined point.
"""
from __future__ import annotations

import numpy as np

from .. import _validation as V
from ._engine import (_truncation_bound, _variants, by_blocks, first_derivatives,
                      first_point_bytes)
from ._ladder import LADDER_MIN_ORDER, ladder, ladder_point_bytes
from ._probe import SEARCH_TEMPS, _probe, _probe_scale, _rescaled
from ._second import hessian_levels, laplacian_levels, second_point_bytes
from ._steps import (EPS, HIGH_C, SAFETY, base_c, default_step, fit_bounds, high_order, levels,
                     second_steps,
                     stencil_acc)

__all__ = ["base_step", "first", "partials", "second", "meets"]

#: the step factors of the refinement rounds, in order (smaller only: see above)
FACTORS = (0.25, 1 / 16, 1 / 64, 1 / 256, 1 / 1024, 1 / 4096, 1 / 16384, 1 / 65536)


def base_step(ev, method, order, acc, adaptive):
    """The relative base step for f's precision (known after its first call)."""
    if method == "complex":
        return 1e-20
    if high_order(method, adaptive, order):
        return HIGH_C
    return base_c(order, acc, levels(method, adaptive, order), method != "central", ev.eps)


def direction_steps(ev, X, d, step, method, acc, adaptive):
    """``steps(sel)`` (M, 1) of `directional`: a point's step along v is the
    largest of its steps if given (checked and broadcast as every
    function's), else the base step times max(|x_j|, 1) over the
    coordinates v moves (v_j != 0: a coordinate v leaves alone took a step
    1e6 times too large along v = (0, 1) at x = (1e6, 1); weighting by
    |v_j| instead lost a small v_j on a large x_j, whose moves fell below
    its ulp, review); d: the directions (1 or N, n)."""
    if step is not None:
        hs = V.points_step(step, X).max(axis=1)
        return lambda sel: hs[sel, None]
    moves = d != 0

    def steps(sel):
        mv = moves if len(moves) == 1 else moves[sel]
        return (base_step(ev, method, 1, acc, adaptive)
                * np.maximum(np.max(np.abs(X[sel]) * mv, axis=1), 1.0)[:, None])
    return steps


#: the step factor of the widening rounds of central second derivatives
#: (`first`): the balanced step of an acc + 4 stencil is 4.5x the acc one's
#: at float64 precision; uncapped, tan at 1.3 fell to 9.5 digits (its
#: stencils reach towards the pole at pi/2); at 2 every classic function
#: keeps >= 10.4.  A power of two, so that exact steps stay exact.
WIDEN_FACTOR = 2.0

#: widening rounds at most per point: round r evaluates f up to
#: (acc/2 + 2r) * 2h from x (14h after three, against h for the automatic
#: steps; ``bounds=`` keeps f's domain); with two, tan'' at 1.3 kept 9.9
#: correct digits at rtol=1e-10 (11.2 with three), a fourth added nothing
WIDEN_ROUNDS = 3

#: a widening round must cut every estimate of a point by this factor for
#: the point to widen again: a point resolved by its automatic steps gains
#: orders of magnitude per round; sqrt'' at 0.1158 with bounds=(0, inf)
#: gained 1.3-3x per round, and smaller steps did better (at 10, sqrt'' at
#: 1.9 stopped early at 9.9 digits for rtol=1e-10; at 3, 10.4)
WIDEN_GAIN = 3.0

#: a point widens (`first`, `_refine`) when every first estimate is finite
#: and within this share of its largest |value| (resolved at the automatic
#: steps; unresolved features need smaller steps)
WIDEN_GOAL = 1e-4


def widen_factor(order, acc, nlevels, eps):
    """The steps' factor in widening rounds: `WIDEN_FACTOR` where the wider
    stencil's balanced step is at least that much larger, else 1."""
    ratio = base_c(order, acc + 4, nlevels, False, eps) / base_c(order, acc, nlevels, False, eps)
    return WIDEN_FACTOR if ratio >= WIDEN_FACTOR else 1.0


#: the step factor per round of Hessians and Laplacians resolved by the
#: first pass, towards a user's tolerance (`second`): rounding falls 16x per
#: round, while truncation, if any, shows in the estimates and stops the
#: growth (`WIDEN_GAIN`, at most `WIDEN_ROUNDS` rounds)
GROW_FACTOR = 4.0


#: towards the automatic goal, a Hessian grows its steps (`_wide`) where
#: every truncation estimate is below this share of its rounding estimate
#: (central, one-sided): a quadratic's central estimates are all rounding
#: (0.9 at most over 600 points), a smooth f's truncation 10^4 times it; at
#: the one-sided Hessians' four levels a smooth f's truncation sits near its
#: rounding (ratios 0.1-10), a polynomial's mostly below 0.2: at 1 a round
#: ran for 30-50 % of the points of 2-d exp and sin cos, at 0.25 for 1.5 %
#: (and for none of the benchmark function's, n = 10, at either share);
#: 3-d quadratics and cubics: median errors 250x smaller, 3x the evaluations
AUTO_GROW_CALM = (1.0, 0.25)


#: the refinement goal when no rtol/atol is given: an estimate above this
#: share of its point's largest |value| (all its elements) is refined too
#: (so that narrow features get smaller steps; measured on the benchmark
#: function at default settings, no gradient and 0.1 % of Laplacians
#: refine; Hessian estimates run at 1e-6-1e-5 of the scale, hence 1e-4)
AUTO_GOAL = {"first": 1e-6, "hessian": 1e-4, "laplacian": 1e-6}


#: refinement rounds at most towards the automatic goal (a point whose
#: result is 0 everywhere, e.g. the Hessian of x^4 at 0, never meets a
#: relative goal and would run every round)
AUTO_ROUNDS = 2


def _refinement(tol, what, adaptive, method, search=False):
    """The tolerance the refinement rounds aim at: the user's, the automatic
    goal (see `AUTO_GOAL`; not for searched high orders, whose estimates
    are cautious), or None (no refinement)."""
    if tol is None or not adaptive or method == "complex":
        return None
    if tol[3]:
        return tol
    return None if search else (AUTO_GOAL[what], 0.0, min(tol[2], AUTO_ROUNDS), False)


def _point_scale(value):
    """The largest finite |value| of each point (N,) (0 if none)."""
    N = len(value)
    v = value.reshape(N, -1)
    # (the largest value and minus the smallest: no |value| temporary)
    mag = np.fmax(np.fmax.reduce(v, axis=1, initial=0.0),         # (NaN skipped)
                  -np.fmin.reduce(v, axis=1, initial=0.0))
    inf = ~np.isfinite(mag)
    if inf.any():           # (an infinite value: the largest finite one)
        a = np.abs(v[inf])
        mag[inf] = np.where(np.isfinite(a), a, 0.0).max(axis=1)
    return mag


def meets(value, err, tol):
    """Elements whose estimate is finite and meets the tolerance (the
    automatic goal: relative to the largest |value| of each point)."""
    rtol, atol, _, given = tol
    with np.errstate(invalid="ignore", over="ignore"):
        if given or value.size == 0:
            return np.isfinite(value) & (err <= atol + rtol * np.abs(value))
        mag = _point_scale(value)
        return np.isfinite(value) & (err <= rtol * mag.reshape((-1,) + (1,) * (value.ndim - 1)))


def _misses(value, err, tol, bound):
    """``~meets(value, err, tol) & bound`` (all elements if bound is None);
    with ``bound`` (the automatic goal) only its elements can miss: those
    whose estimate is mostly truncation.  (Compared everywhere, then masked:
    gathering the bound elements cost twice as much, 0.58 against 0.38 ms
    for 3 x 10^5 elements with 5 % bound.)"""
    if bound is None:
        return ~meets(value, err, tol)
    N = len(value)
    mag = _point_scale(value)
    with np.errstate(invalid="ignore", over="ignore"):
        ok = err.reshape(N, -1) <= tol[0] * mag[:, None]
    ok &= np.isfinite(value.reshape(N, -1))
    return (bound.reshape(N, -1) & ~ok).reshape(bound.shape)


def _merge(value, err, step, rows, v2, e2, s2, disagree, agree=False):
    """Keep a round's results (v2, e2, s2) of the points ``rows`` where they
    are better: a smaller estimate, or (``disagree``: rounds with smaller
    steps) a value beyond both estimates, the wider steps having missed a
    feature.  Returns (better, the gap between the two values)."""
    with np.errstate(invalid="ignore"):
        gap = np.abs(v2 - value[rows])
        better = ~(e2 >= err[rows])
        if disagree:
            better |= gap > e2 + err[rows]
        if agree:           # (`_ladder`: only a value within both estimates)
            better &= gap <= e2 + err[rows]
        better &= np.isfinite(v2) & np.isfinite(e2)
    value[rows] = np.where(better, v2, value[rows])
    err[rows] = np.where(better, e2, err[rows])
    step[rows] = np.where(better, s2, step[rows])
    return better, gap


def _wide(value, err, tol, bound, widen, calm):
    """The points (N,) that start the refinement in the ``wide`` mode:
    with a user's tolerance (``widen``), those resolved at the automatic
    steps (`WIDEN_GOAL`); towards the automatic goal (``bound`` given) with
    ``calm`` (Hessians: where the truncation estimate is below
    `AUTO_GROW_CALM` of the rounding one), those calm everywhere (exact
    second differences: a quadratic's Hessian at the default steps erred
    4e-11, its estimates 50x that; one or two rounds 4x larger cut both 16x
    each, while a smooth f's truncation shows at once and stops the
    growth)."""
    N = len(value)
    if widen and tol[3]:
        resolved = meets(value, err, (WIDEN_GOAL, 0.0, 0, False))
        return resolved.reshape(N, -1).all(axis=1)
    if calm is not None and bound is not None:
        return calm.reshape(N, -1).all(axis=1)
    return np.zeros(N, dtype=bool)


def _refine(ev, res, tol, point_bytes, mm, rerun, disagree=True, widen=False, agree=False,
            grow=False):
    """The refinement rounds (see the module docstring) of the result ``res``
    (value, error, step, nfev, truncation-bound) of N points; ``rerun(rows,
    r, wide)`` runs the engine on those points for round r = 1, 2, ... and
    ``point_bytes(m, r, wide)`` is its working memory per point.
    ``disagree``: the rounds shrink the steps, and a refined estimate that
    disagrees with the kept one beyond both error estimates replaces it (a
    feature narrower than the wider steps, which looked converged there).
    ``widen`` (with a user's tolerance): the points whose every estimate is
    finite and within `WIDEN_GOAL` of their largest |value| in ``res`` run
    their rounds with ``wide`` (wider stencils, see `first`; no disagreement
    rule) while each round cuts their estimates by `WIDEN_GAIN`, at most
    `WIDEN_ROUNDS` times; then, like the other points, they shrink their
    steps.  The automatic goal (no tolerance given) refines only
    elements whose estimate is mostly truncation: smaller steps add rounding
    to the others.  ``agree``: a round's value replaces the kept one only
    within both estimates of it (`_ladder`).  ``grow`` (`second`): the ``wide``
    rounds grow the steps (`GROW_FACTOR`), and their values must agree with
    the kept ones within both estimates (larger steps can look converged
    on a wrong value); a point whose truncation shows stops growing after
    one round.  Returns (value, error, step, nfev)."""
    value, err, step, nfev = res[:4]
    if not tol[3] and ev.eps > EPS:
        return res[:4]          # (the automatic goal is for float64 values of f)
    # (a non-finite estimate counts as truncation, `_truncation_bound`: a
    # stencil that left f's domain, log'(0.001) from steps of 0.006, was NaN)
    bound = res[4] if len(res) > 4 and not tol[3] else None
    N = len(value)
    wide = _wide(value, err, tol, bound, widen, res[5] if grow and len(res) > 5 else None)
    auto_grow = wide.copy() if bound is not None else None
    if bound is not None and not bound.any() and not wide.any():
        return res[:4]          # (all estimates mostly rounding: nothing to refine)
    depth = np.zeros(N, dtype=np.int64)     # rounds run by each point in its mode
    used = np.zeros(N, dtype=np.int64)      # evaluations each point's rounds spent
    for _ in range(min(tol[2], len(FACTORS))):
        miss = _misses(value, err, tol, bound).reshape(N, -1).any(axis=1)
        if auto_grow is not None:
            miss |= wide & auto_grow
        todo = np.flatnonzero(miss)
        if len(todo) == 0:
            break
        # (each point's mode and depth as the round starts: a point a group
        # moved on must not run again in a later group of the same round)
        tw, td = wide[todo].copy(), depth[todo] + 1
        for w, d in sorted(set(zip(tw.tolist(), td.tolist()))):
            rows = todo[(tw == w) & (td == d)]
            v2, e2, s2, n2, *b2 = by_blocks(ev, len(rows), lambda m: point_bytes(m, d, w), mm,
                                            lambda a, b: rerun(rows[a:b], d, w), 3)
            # (elements that met the tolerance need not gain: the real part
            # of a complex f that is 0, estimates 0, stopped every round)
            met = meets(value[rows], err[rows], tol) if w else None
            if w and auto_grow is not None:
                # (no tolerance: every element gains, except exact ones)
                met = (err[rows] == 0) & (e2 == 0)
            with np.errstate(invalid="ignore"):
                gained = (e2 * WIDEN_GAIN <= err[rows]) | met if w else None
            better, gap = _merge(value, err, step, rows, v2, e2, s2, disagree and not w,
                                 agree or (grow and w))
            if bound is not None:
                # a point goes on while its rounds improve it, while the new
                # value lies outside the kept one's estimate (a narrow feature
                # the smaller steps begin to resolve), or while its estimate
                # is not finite
                with np.errstate(invalid="ignore"):
                    on = better | (gap > err[rows]) | ~np.isfinite(err[rows])
                bound[rows] = np.where(on, b2[0], False) if b2 else False
            depth[rows] = d
            if w:
                # a point whose estimates wider stencils did not cut by
                # `WIDEN_GAIN` (or that has widened `WIDEN_ROUNDS` times)
                # shrinks its steps from the next round on
                done = ~(gained & (better | met)).reshape(len(rows), -1).all(axis=1)
                done |= d >= WIDEN_ROUNDS
                stuck = rows[done]
                wide[stuck] = False
                depth[stuck] = 0
            used[rows] += n2
    return value, err, step, nfev + (int(used.max()) if N else 0)


def _blocks(ev, N, point_bytes, mm, run, full_output, tol, disagree=True, widen=False,
            agree=False, grow=False):
    """``run`` over the N points block by block (`by_blocks`), each block
    refined towards ``tol`` (if not None) before the next, so that only the
    values (and with ``full_output`` errors and steps) of all N points are
    held: (value, error, step, nfev).  ``run(sel, r, wide)`` and
    ``point_bytes(m, r, wide)``: see `_refine`."""
    def block(a, b):
        res = run(slice(a, b))
        if tol is None:
            return res[:4]
        return _refine(ev, res, tol, point_bytes, mm,
                       lambda rows, r, w: run(a + rows, r, w), disagree, widen, agree, grow)
    return by_blocks(ev, N, point_bytes, mm, block, 3 if full_output else 1)


def first(ev, X, method, acc, adaptive, bounds, mm, full_output, k, order, steps, dirs,
          tol=None, user_step=False):
    """First derivatives (or of ``order``) along k directions at the N > 0
    points X, block by block: ``steps(sel)`` gives the base steps (M, k) and
    ``dirs(sel)`` the directions (M, k, n) of the points X[sel] (the user's
    if ``user_step``).  Returns (value (N, k[, m]), error, step, nfev);
    error and step are None unless ``full_output`` or a tolerance ``tol``
    (rtol, atol, maxiter) is given.

    Refinement rounds of high orders (`high_order`) keep the steps and widen
    the stencils by 4 accuracy orders per round instead (smaller steps only
    add rounding there); central ones of order >= `LADDER_MIN_ORDER` towards
    a user's tolerance run one round of the ladder (`_ladder`) instead.
    Central second derivatives towards a user's tolerance widen them too,
    at twice the automatic step (`WIDEN_FACTOR`), at the points whose
    estimates are all mostly rounding; the other points shrink their steps
    (see `_refine`)."""
    N, n = X.shape
    L = levels(method, adaptive, order)
    acc = stencil_acc(method, adaptive, order, acc)
    search = high_order(method, adaptive, order)
    bnd = V.points_bounds(bounds, X)
    ev.box = bnd
    # central second derivatives towards a user's tolerance: where their
    # estimates are mostly rounding, smaller steps only raise it (rtol=1e-10
    # reached 9.4-10.4 digits on the classic functions, success nowhere)
    widen = (not search and method == "central" and order == 2 and adaptive
             and not user_step and tol is not None and tol[3])

    # searched central orders towards a user's tolerance: one round of the
    # ladder of steps and accuracies (`_ladder`), whose value must agree
    # with the first pass's within both estimates
    climb = (search and method == "central" and order >= LADDER_MIN_ORDER and tol is not None
             and tol[3] and not user_step)

    def round_acc(r, wide=False):
        return acc + 4 * r if search or wide else acc

    # searched orders with a tolerance: the points whose second search
    # (`PROBE_X`) won, whose refinement rounds start from its steps (a byte
    # per point; without refinement rounds nothing is kept)
    won = np.zeros(N, dtype=bool) if search and tol is not None and tol[3] else None

    def run(sel, r=0, wide=False):
        # (the widening factor after f's first call: ev.eps is then f's)
        factor = (1.0 if search or r == 0 else widen_factor(order, acc, L, ev.eps) if wide
                  else FACTORS[r - 1])
        h = steps(sel) * factor
        if search and r and won is not None:
            h = _rescaled(X[sel], h, np.where(won[sel], _probe_scale(X[sel]), 1.0))
        if climb and r == 1:
            return ladder(ev, X[sel], dirs(sel), h, order, bnd, mm)
        res = first_derivatives(ev, X[sel], dirs(sel), method, round_acc(r, wide), h, L, bnd,
                                mm, order=order, search=search)
        if search and r == 0 and not user_step:
            res = _probe(X, sel, h, res, won,
                         lambda s2, h2: first_derivatives(ev, X[s2], dirs(s2), method, acc, h2,
                                                          L, bnd, mm, order=order, search=True))
        if wide and bnd is not None:
            # a wide stencil that had to turn one-sided at the bounds does not
            # count as an improvement (the point then shrinks its steps)
            a = round_acc(r, wide)
            kinds, _ = fit_bounds(X[sel], dirs(sel), h, bnd, _variants(method, order, a)[0][0],
                                  a + order - 1)
            off = (kinds != 0).reshape(kinds.shape + (1,) * (res[1].ndim - kinds.ndim))
            res = (res[0], np.where(off, np.inf, res[1])) + tuple(res[2:])
        return res

    def point_bytes(m, r=0, wide=False):
        if climb and r == 1:
            return ladder_point_bytes(n, k, order, m)
        extra = 8 * SEARCH_TEMPS * L * k * max(m, 1) if search else 0
        return first_point_bytes(method, n, k, L, round_acc(r, wide), order, m) + extra

    rt = _refinement(tol, "first", adaptive, method, search)
    if climb and rt is not None:
        rt = rt[:2] + (min(rt[2], 1),) + rt[3:]     # (one round: the ladder)
    return _blocks(ev, N, point_bytes, mm, run, full_output, rt, not search, widen, climb)


def partials(X, method, acc, step, adaptive, bounds, mm, ev, full_output, tol=None):
    """First partial derivatives along every coordinate at the N > 0 points X:
    (value (N, n[, m]), error, step, nfev)."""
    n = X.shape[1]
    user = V.points_step(step, X)
    eye = np.eye(n)
    return first(ev, X, method, acc, adaptive, bounds, mm, full_output, n, 1,
                 lambda sel: default_step(X[sel], base_step(ev, method, 1, acc, adaptive),
                                          None if user is None else user[sel],
                                          exact=method != "complex"),
                 lambda sel: np.broadcast_to(eye, (X[sel].shape[0], n, n)), tol)


def second(ev, X, method, acc, mm, step, adaptive, bounds, full_output, what, tol=None):
    """Hessians (``what="hessian"``) or Laplacians at the N > 0 points X,
    block by block: (value (N, n, n[, m]) or (N[, m]), error, step, nfev);
    error and step are None unless ``full_output`` or ``tol``."""
    N, n = X.shape
    bnd = V.points_bounds(bounds, X)
    ev.box = bnd
    # levels: h, h/2 for central Hessians; one-sided ones gain one order per
    # level, and need four to reach 1e-8 on numdifftools' polynomial tests
    # (two gave errors of 1.4e-7; four 4e-9)
    L = (3 if what != "hessian" else 2 if method == "central" else 4) if adaptive else 1
    user = V.points_step(step, X)
    mixed = what == "hessian"
    fast = acc == 2 and method == "central" and bnd is None
    levels_fn = hessian_levels if mixed else laplacian_levels

    # towards a user's tolerance, points resolved by the first pass
    # (`WIDEN_GOAL`) first grow their steps while that cuts their estimates
    # (`GROW_FACTOR` per round, `_refine`): smaller steps only add rounding
    # there (the Hessian of a quadratic kept 2e-9 estimates for 4e-11
    # errors at every smaller step, atol=1e-12 unmet; now 5e-15)
    # (and towards the automatic goal, Hessians whose every estimate is
    # rounding, `_wide`; not Laplacians: their three levels' estimates are
    # mostly rounding at the default steps for smooth f too, for every
    # point of the benchmark function, which a round would cost 2x)
    grow = adaptive and user is None and tol is not None and (tol[3] or mixed)

    calm_share = AUTO_GROW_CALM[method != "central"]

    def run(sel, r=0, wide=False):
        factor = 1.0 if r == 0 else GROW_FACTOR ** r if wide else FACTORS[r - 1]
        Xb = X[sel]
        M = Xb.shape[0]
        h, types = second_steps(Xb, method, acc, L, None if user is None else user[sel], bnd,
                                ev.eps, factor, mixed)
        value, err, step_arr, nfev, f0 = levels_fn(ev, Xb, h, types, acc, L, mm)
        rounding = (4 if mixed else 4 * n) * ev.eps
        ex = (1,) * (value.ndim - f0.ndim)
        with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
            hmin = (np.min(h, axis=1) / 2.0 ** (L - 1)).reshape((M,) + ex
                                                                + (1,) * (f0.ndim - 1))
            f0 = np.abs(f0).reshape((M,) + ex + f0.shape[1:])
            rounding = rounding * f0 / hmin ** 2
            bound = _truncation_bound(err, rounding)
            calm = None if not mixed else ~bound if calm_share == 1 else (
                ~_truncation_bound(err, rounding * calm_share))
            err = SAFETY * (err + rounding)
        return value, err, step_arr, nfev, bound, calm

    def point_bytes(m, r=0, wide=False):     # (one level is evaluated at h and h/2)
        return second_point_bytes(n, max(L, 2), acc, fast, mixed, m)

    return _blocks(ev, N, point_bytes, mm, run, full_output,
                   _refinement(tol, what, adaptive, method), widen=grow, grow=grow)
