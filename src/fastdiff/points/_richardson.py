"""Richardson extrapolation over step levels h, h/2, h/4, ..."""
from __future__ import annotations

import numpy as np

__all__ = ["richardson"]


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
