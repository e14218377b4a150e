"""numpy masked arrays in fastdiff.grid (SPEC: a `MaskedArray` in gives a
`MaskedArray` out, masked wherever a stencil reads a masked sample; the
values under the mask are never used).

The plan runs twice: on the data with masked samples replaced by 0 (the
values), and on an array that is NaN at the masked samples and 0 elsewhere
(the mask: NaN reaches exactly the outputs whose stencils read a masked
sample with a nonzero weight).
"""
from __future__ import annotations

import numpy as np

from .. import _validation as V

__all__ = ["is_masked", "apply", "apply_plan"]


def is_masked(u):
    return isinstance(u, np.ma.MaskedArray)


def _run(plan, data, mask, out, alpha, num_threads):
    filled = np.where(mask, 0, data)
    probe = np.where(mask, np.nan, 0).astype(plan.dtype)
    touched = np.isnan(plan(probe, num_threads=num_threads))
    target = np.ma.getdata(out) if out is not None else None
    value = plan(filled, out=target, alpha=alpha, num_threads=num_threads)
    if out is not None and np.ma.isMaskedArray(out):
        out.mask = touched
        return out
    return np.ma.masked_array(value, mask=touched)


def apply(u, make_plan, out, num_threads, kw):
    """A public grid function on a masked array."""
    data = np.ma.getdata(u)
    plan, data = make_plan(data, kw)
    return _run(plan, data, np.ma.getmaskarray(u), out, 1.0, num_threads)


def apply_plan(plan, u, out, alpha, beta, num_threads):
    """``plan(masked array)``."""
    V.masked_beta(beta)
    return _run(plan, np.ma.getdata(u), np.ma.getmaskarray(u), out, alpha, num_threads)
