"""Complex-valued f with the real-step methods (central, forward, backward).

Differentiation is linear: the derivatives of f are those of its real part
plus i times those of its imaginary part.  When f turns out to return
complex values (`ComplexValues`, raised by the evaluator at f's first
complex return), the call is run again on ``Re f`` and on ``Im f`` (twice
the evaluations; ``nfev`` counts both) and the two results are combined:
values ``re + 1j*im``, error estimates ``hypot(err_re, err_im)`` (a bound on
the modulus of the error when each part's estimate bounds its part), steps
the larger of the two, ``success`` where both parts succeeded or, with
``rtol``/``atol``, where the combined estimate meets them (each part is
refined against them on its own).  The evaluations of f's first complex
chunk, before the rerun, are not counted in ``nfev``.
``method="complex"`` needs a real-valued f and is not affected.
"""
from __future__ import annotations

import functools
from typing import Any, Callable, TypeVar

import numpy as np

from ._evaluate import ComplexValues, Result

__all__ = ["complex_aware"]

F = TypeVar("F", bound=Callable[..., Any])


class _Part:
    """``Re f`` or ``Im f`` (picklable when f is, for process pools)."""

    def __init__(self, f, imag):
        self.f, self.imag = f, imag

    def __call__(self, *args, **kwargs):
        out = self.f(*args, **kwargs)
        if np.ma.isMaskedArray(out):
            return out.imag if self.imag else out.real
        return np.imag(out) if self.imag else np.real(out)


def _sparse(re, im, how):
    """Two CSR matrices of one pattern combined entry by entry (the pattern
    kept, explicit zeros included)."""
    import scipy.sparse as sp
    return sp.csr_matrix((how(re.data, im.data), re.indices, re.indptr), shape=re.shape)


def _merge(re, im, how):
    """Combine two results field by field: arrays, CSR matrices or lists of them."""
    if isinstance(re, list):
        return [_merge(a, b, how) for a, b in zip(re, im)]
    if hasattr(re, "tocsr") and hasattr(re, "indptr"):
        return _sparse(re, im, how)
    return how(re, im)


def _value(a, b):
    return a + 1j * b


def _both(a, b):
    return np.logical_and(a, b)


def _success(value, error, rtol, atol):
    """Where the combined estimate is finite and meets the tolerance (if given)."""
    if hasattr(value, "tocsr") and hasattr(value, "indptr"):
        import scipy.sparse as sp
        return sp.csr_matrix((_success(value.data, error.data, rtol, atol), value.indices,
                              value.indptr), shape=value.shape)
    if isinstance(value, list):
        return [_success(v, e, rtol, atol) for v, e in zip(value, error)]
    ok = np.isfinite(value) & np.isfinite(error)
    if rtol is not None or atol is not None:
        with np.errstate(invalid="ignore"):
            ok &= error <= (atol or 0.0) + (rtol or 0.0) * np.abs(value)
    return np.asarray(ok) if not np.ma.isMaskedArray(ok) else ok.filled(False)


def _combine(re, im, rtol, atol):
    if not isinstance(re, Result):
        return _merge(re, im, _value)
    value = _merge(re.value, im.value, _value)
    error = _merge(re.error, im.error, np.hypot)
    ok = _merge(re.success, im.success, _both) if rtol is None and atol is None \
        else _success(value, error, rtol, atol)
    return Result(value, error, _merge(re.step, im.step, np.maximum), re.nfev + im.nfev, ok)


def complex_aware(fn: F) -> F:
    """``fn(f, x, ...)`` for an f that returns complex values: run on its
    real and imaginary parts, results combined (module docstring)."""
    @functools.wraps(fn)
    def wrapper(f, x, *args, **kwargs):
        try:
            return fn(f, x, *args, **kwargs)
        except ComplexValues as exc:
            if exc.f is not f and getattr(exc.f, "f", None) is not f:
                raise           # another function's (hvp's f inside its gradient)
        re = fn(_Part(f, False), x, *args, **kwargs)
        im = fn(_Part(f, True), x, *args, **kwargs)
        return _combine(re, im, kwargs.get("rtol"), kwargs.get("atol"))
    return wrapper  # type: ignore[return-value]
