"""The second step search of high-order derivatives (`_drive.first`): at
points far from 1 in magnitude, unit-scale (|x| > `PROBE_X`) or
|x|-scale (|x| < 1 / `PROBE_X`) steps are searched too, and kept where
they win."""
from __future__ import annotations

import numpy as np

from ._richardson import DISAGREE

__all__ = ["PROBE_X", "SEARCH_TEMPS"]


#: searched high-order derivatives at points with max |x| above this also
#: search the steps of |x| <= 1 (0.125 down, not scaled by |x|),
#: and those with 0 < max |x| below its inverse steps from 0.25 max |x|;
#: the second search is kept where the two disagree (`DISAGREE`) or where
#: its estimate is 4x smaller (the estimates leave out rounding inside f:
#: the third derivative of sin(x / 30) at 1223, its estimate merely
#: smaller, was not covered); refinement rounds then start from the kept
#: search's steps.  Steps of 0.125 |x| down to |x| / 256 miss features of
#: unit scale (sin''' at 100 <= x <= 2000 came out near 0 with estimates
#: of 1e-12 at every point; now 8.7 digits, estimates covering all; steps
#: scaled by log(1 + |x|) left half the estimates below the error); steps
#: of 0.125 down to 0.004 cross a singularity at 0 (1/x''' at 0.001 <= x <=
#: 0.06: no correct digit, 13 % of estimates covering; log and sqrt NaN;
#: now 9.2-9.8 digits, all covered).  Either costs a second search.
#: Aliasing at 1 < |x| <= 16 remains possible for f of high frequency
#: (sin(32 x)''' at 15.9).
PROBE_X = 16.0

#: arrays per level and output kept by the step search's windows (values,
#: estimates, steps and rounding estimates of every window: up to 3 per
#: level each; 9 before the rounding estimates were kept, 2026-12-03:
#: 20,000 points of a forward 5th derivative with max_memory = 1 MiB peak
#: at 1.18 MB traced, output included, as before keeping them)
SEARCH_TEMPS = 12


def _probe_scale(X):
    """The second search's step factor per point (1: none): 1 / max |x|
    beyond `PROBE_X`, 2 max |x| below its inverse (0 excluded)."""
    ax = np.max(np.abs(X), axis=1)
    far = (ax > PROBE_X) | ((ax > 0) & (ax < 1 / PROBE_X))
    return np.where(ax > PROBE_X, 1.0 / np.maximum(ax, 1.0), np.where(far, 2.0 * ax, 1.0))


def _indices(sel, N):
    """The point indices of ``sel`` (a slice of range(N), or indices)."""
    return np.arange(*sel.indices(N)) if isinstance(sel, slice) else np.asarray(sel)


def _rescaled(X, h, scale):
    """Steps h (M, k) times the points' factors ``scale`` (M,), made exact
    next to x again where they changed (as the automatic steps)."""
    if np.all(scale == 1.0):
        return h
    h2 = h * scale[:, None]
    return (X + h2) - X if h2.shape == X.shape else h2


def _probe(X, sel, h, res, won, search):
    """The second search of `PROBE_X` on the points X[sel] whose first
    search ``res`` (value, error, step, nfev, bound) ran at steps h:
    ``search(idx, h2)`` runs it on X[idx].  The points where it wins are
    marked in ``won`` (bool (N,), or None).  Returns the combined result
    (nfev: both)."""
    idx = _indices(sel, len(X))
    scale = _probe_scale(X[idx])
    far = np.flatnonzero(scale != 1.0)
    if len(far) == 0:
        return res
    v2, e2, s2, n2, *b2 = search(idx[far], _rescaled(X[idx[far]], h[far], scale[far]))
    value, err, step, n1, *b1 = res
    with np.errstate(invalid="ignore"):
        e1 = err[far]
        take = (np.abs(v2 - value[far]) > DISAGREE * (e2 + e1)) | (4 * e2 < e1)
        take &= np.isfinite(v2) & np.isfinite(e2)
    value, err, step = value.copy(), err.copy(), step.copy()
    value[far] = np.where(take, v2, value[far])
    err[far] = np.where(take, e2, err[far])
    step[far] = np.where(take, s2, step[far])
    if won is not None:
        won[idx[far]] = take.reshape(len(far), -1).all(axis=1)
    if b1 and b2:
        b1 = [b1[0].copy()]
        b1[0][far] = np.where(take, b2[0], b1[0][far])
    return (value, err, step, n1 + n2) + tuple(b1)
