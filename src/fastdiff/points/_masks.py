"""Masked arrays in fd.points: masked points ``x`` and masked values of f.

* A masked ``x``: points with a masked coordinate (``derivative``: masked
  elements) are not evaluated; their results are masked.
* f returning a masked array: masked values count as NaN in the stencils, and
  a derivative is masked where its chosen estimate is not finite, i.e. where
  every step level touched masked values (NaN values of f count alike).

The results are then `numpy.ma.MaskedArray` (``full_output``: the value,
error and step fields), as numpy's functions return for masked input.
"""
from __future__ import annotations

import functools
from typing import Any, Callable, TypeVar

import numpy as np

from .. import _validation as V

__all__ = ["mask_aware", "mask_nonfinite"]

F = TypeVar("F", bound=Callable[..., Any])


def mask_nonfinite(value, err, step, full_output):
    """value (and err, step) as masked arrays, masked where value is not finite."""
    mask = ~np.isfinite(value)
    value = np.ma.masked_array(value, mask=mask)
    if full_output:
        err = np.ma.masked_array(err, mask=mask)
        step = np.ma.masked_array(step, mask=mask)
    return value, err, step


def _scatter(res, valid, shape):
    """A result for the valid points only, spread over ``shape`` (the points'
    shape) with the other points masked."""
    def spread(a):
        a = np.ma.asarray(a)
        out = np.ma.masked_all(shape + a.shape[1:], dtype=a.dtype)
        out[valid] = a
        return out
    if isinstance(res, np.ndarray):
        return spread(res)
    res.value, res.error, res.step = (spread(a) for a in (res.value, res.error, res.step))
    ok = np.zeros(shape + res.success.shape[1:], dtype=bool)
    ok[valid] = res.success
    res.success = ok
    return res


def mask_aware(fn: F) -> F:
    """``fn(f, x, ...)`` for a masked ``x``: the points with a masked
    coordinate are left out and their results masked."""
    @functools.wraps(fn)
    def wrapper(f, x, *args, **kwargs):
        if not np.ma.isMaskedArray(x):
            return fn(f, x, *args, **kwargs)
        V.points_masked_sparsity(x, kwargs.get("sparsity"))
        data = np.asarray(np.ma.getdata(x))
        m = np.ma.getmaskarray(x)
        if fn.__name__ == "derivative":          # elementwise points
            valid = ~m
            res = fn(f, data[valid], *args, **kwargs)
            return _scatter(res, valid, data.shape)
        if data.ndim == 1:                        # one point
            if not m.any():
                return fn(f, data, *args, **kwargs)
            res = _scatter(fn(f, data[None][:0], *args, **kwargs), np.zeros(1, bool), (1,))
            if isinstance(res, np.ndarray):
                return res[0]
            for k in ("value", "error", "step", "success"):
                setattr(res, k, getattr(res, k)[0])
            return res
        valid = ~m.any(axis=1)
        if fn.__name__ == "directional":          # per-point directions follow the points
            v = np.asarray(args[0] if args else kwargs["v"])
            if v.ndim == 2 and len(v) == len(data):
                if args:
                    args = (v[valid],) + args[1:]
                else:
                    kwargs = dict(kwargs, v=v[valid])
        return _scatter(fn(f, data[valid], *args, **kwargs), valid, (len(data),))
    return wrapper  # type: ignore[return-value]
