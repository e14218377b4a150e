"""Richardson extrapolation over step levels h, h/2, h/4, ..."""
from __future__ import annotations

import numpy as np

__all__ = ["richardson", "windows", "SHIFTED"]


def richardson(D, order_acc, one_sided):
    """Tableau over levels (axis 0 of D, steps h/2^k): values and error estimates.

    ``order_acc`` is the accuracy order of level 0; each extrapolation step
    gains 2 orders (central stencils, even error expansion) or 1
    (``one_sided``).  Returns (value, error, level index), choosing per
    element the diagonal entry whose difference with the previous diagonal
    entry (its error estimate) is smallest.
    """
    L = D.shape[0]
    if L == 1:
        return D[0], np.zeros_like(D[0]), np.zeros(D[0].shape, dtype=np.int64)
    s = 1 if one_sided else 2
    diag = [D[0]]
    prev_row = [D[0]]
    for k in range(1, L):
        row = [D[k]]
        for mm in range(1, k + 1):
            q = order_acc + s * (mm - 1)
            row.append(row[mm - 1] + (row[mm - 1] - prev_row[mm - 1]) / (2.0 ** q - 1.0))
        diag.append(row[k])
        prev_row = row
    vals = np.stack(diag[1:])
    errs = np.stack([np.abs(diag[k] - diag[k - 1]) for k in range(1, L)])
    with np.errstate(invalid="ignore"):
        pick = np.argmin(np.where(np.isnan(errs), np.inf, errs), axis=0)
    value = np.take_along_axis(vals, pick[None], 0)[0]
    err = np.take_along_axis(errs, pick[None], 0)[0]
    return value, err, pick + 1


#: a window of smaller steps overrules the chosen one when their values
#: differ by more than this many times the sum of their estimates (aliasing
#: differs by orders of magnitude: 150x for sin''' at 100.7; at 1, windows
#: of small steps with optimistic estimates overruled good ones and the
#: classic functions' 7th derivatives lost all digits; 4 to 64 left them
#: unchanged)
DISAGREE = 8.0


#: levels by sqrt(2) (the one-sided search): a window's truncation estimate
#: is at least this share of its difference with each window of the same
#: width one level over (larger or smaller steps), beyond both windows'
#: rounding estimates (with them, rounding noise moved the estimates by up
#: to 19 % between two summation orders).  Closer levels agree by chance
#: more often: the backward 5th derivative of cos at 2.2 took a window of
#: large steps, error 2.4e-5 with an estimate of 6.4e-7.  Over the classic
#: functions (orders 5-7) the estimates covered 97.3 % of the errors, now
#: 99.8 % (99.0 % at a share of 0.25), and the worst cases gained 0.1 digit
#: on average (arctan's backward 6th at 1.7: 0.4 -> 2.0 digits); at a
#: share of 1 sqrt's backward 5th at 0.5 erred 0.013 (4.0e-4; nd's test
#: asks 1.5e-2) and arctan's backward 7th lost 0.6 digit
SHIFTED = 0.5


def windows(D, fmax, wsum, h, acc, order, eps, width=4, s=2, ratio=2.0, shifted=0.0):
    """Richardson over every window of up to ``width`` consecutive levels
    (axis 0 of D, steps h/ratio^k, stencils of accuracy ``acc`` whose error
    expansion gains ``s`` orders per term: 2 central, 1 one-sided), for
    derivatives of high ``order``: per element the window whose estimated
    error is smallest.

    A window's truncation estimate is the larger of its differences with
    the two extrapolations one order lower inside it (two agreements, not
    one, before a window counts as converged), divided by sqrt(ratio^q) for
    its last extrapolation step of order q (the full gain 2^q - 1 gave
    estimates up to 2x below the true error after widened stencils), and
    at least ``shifted`` times its difference with each window of the same
    width one level over, beyond both windows' rounding estimates (a NaN
    neighbour, whose stencils left f's domain, is passed over; `SHIFTED`);
    its
    rounding estimate is ``eps * wsum * fmax / h_j^order``
    at its smallest step h_j, times the sum of the magnitudes of its
    extrapolation weights (``fmax`` (L, ...): |f| over each level's
    stencil).  Returns (value, truncation + rounding estimate, step of the
    smallest level used).
    """
    L = D.shape[0]
    T = {(i, i): D[i] for i in range(L)}
    A = {(i, i): 1.0 for i in range(L)}
    for m in range(1, min(width, L)):
        f = ratio ** (acc + s * (m - 1))
        for i in range(L - m):
            j = i + m
            T[i, j] = T[i + 1, j] + (T[i + 1, j] - T[i, j - 1]) / (f - 1.0)
            A[i, j] = A[i + 1, j] * f / (f - 1.0) + A[i, j - 1] / (f - 1.0)
    # each window's rounding estimate, once (its neighbours' are read too)
    R, peak = {}, fmax[0].copy()
    with np.errstate(invalid="ignore", over="ignore"):
        for i in range(L - 1):
            peak[...] = fmax[i]
            for j in range(i + 1, min(L, i + width)):
                np.maximum(peak, fmax[j], out=peak)
                R[i, j] = A[i, j] * eps * wsum * peak / (h / ratio ** j) ** order
    vals, errs, starts, steps = [], [], [], []
    hfull = np.broadcast_to(h, D.shape[1:])
    with np.errstate(invalid="ignore", over="ignore"):
        for i, j in R:
            t = T[i, j]
            gain = ratio ** ((acc + s * (j - i - 1)) / 2)
            trunc = np.maximum(np.abs(t - T[i, j - 1]), np.abs(t - T[i + 1, j])) / gain
            for nb in ((i - 1, j - 1), (i + 1, j + 1)) if shifted else ():
                if nb in R:
                    excess = np.abs(t - T[nb]) - R[i, j] - R[nb]
                    np.fmax(trunc, shifted * excess, out=trunc)
            e = trunc + R[i, j]
            vals.append(t)
            errs.append(np.where(np.isfinite(t) & np.isfinite(e), e, np.inf))
            starts.append(i)
            steps.append(hfull / ratio ** j)
        V, E, S = np.stack(vals), np.stack(errs), np.stack(steps)
        start = np.array(starts).reshape((-1,) + (1,) * (V.ndim - 1))
        value, err, step = _choose(V, E, S, start, L)
    value = np.where(np.isfinite(err), value, np.nan)
    return value, err, step


def _choose(V, E, S, start, L):
    """Per element the window of `windows` (values V, estimates E, steps S,
    first levels ``start``, stacked over the windows) that is kept: (value,
    estimate, step)."""
    with np.errstate(invalid="ignore", over="ignore"):
        # per element the window with the smallest estimate, unless two or
        # more windows of smaller steps disagree with it by more than
        # `DISAGREE` times both estimates (larger steps can alias: sin''' at
        # x = 100.7 from steps near 4 pi gave -5e-9 with an estimate of
        # 1e-12; one optimistic small-step window overruled converged ones:
        # log cosh''''''' at 0.0033 gave -1.84 for -0.90); then only windows
        # starting at or below the largest-step such window remain, and the
        # choice is made again
        allowed = np.ones(E.shape, dtype=bool)
        for _ in range(L):
            b = np.argmin(np.where(allowed, E, np.inf), axis=0)[None]
            vb = np.take_along_axis(V, b, 0)
            eb = np.take_along_axis(E, b, 0)
            ib = np.take_along_axis(np.broadcast_to(start, E.shape), b, 0)
            dis = (start > ib) & np.isfinite(E) & (np.abs(V - vb) > DISAGREE * (E + eb))
            dis &= np.sum(dis, axis=0, keepdims=True) >= 2
            if not dis.any():
                break
            lowest = np.min(np.where(dis, start, L), axis=0, keepdims=True)
            allowed &= start >= np.where(lowest < L, lowest, 0)
    return np.take_along_axis(V, b, 0)[0], eb[0], np.take_along_axis(S, b, 0)[0]
