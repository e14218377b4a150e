"""Calling f on batches of points, and the `Result` of ``full_output``."""
from __future__ import annotations

import numpy as np

from .. import _validation as V
from ._workers import evaluate_rows

__all__ = ["Result", "Evaluator", "ComplexValues"]


class Result:
    """Derivative values with error estimates (``full_output=True``).

    Attributes
    ----------
    value : ndarray
        The derivatives.
    error : ndarray
        Estimated absolute error of each value (same shape).
    step : ndarray
        The step used for each value's chosen estimate (same shape).
    nfev : int
        Evaluations of f per input point.
    success : ndarray of bool
        False where the value or its error estimate is not finite.
    """

    __slots__ = ("value", "error", "step", "nfev", "success")

    def __init__(self, value, error, step, nfev, success):
        self.value, self.error, self.step = value, error, step
        self.nfev, self.success = int(nfev), success

    def __repr__(self):
        return (f"Result(value={self.value!r}, error={self.error!r}, nfev={self.nfev}, "
                f"success={self.success!r})")


class ComplexValues(Exception):
    """f returned complex values to a real-step method: `_complexf` runs the
    call again on its real and imaginary parts (``f``: the function that
    did, so that only the call that received it handles it)."""

    def __init__(self, f):
        super().__init__("f returned complex values")
        self.f = f


class Evaluator:
    """Calls f on batches of points, checking what it returns."""

    def __init__(self, f, args, kwargs, vectorized, nthreads, complex_ok=False,
                 workers=None):
        self.f, self.args = f, tuple(args)
        self.workers = workers   # None, or an int / map-like callable (vectorized=False)
        self.kwargs = {} if kwargs is None else dict(kwargs)
        self.vectorized = bool(vectorized)
        self.complex_ok = complex_ok
        self.nthreads = nthreads
        self.m = None            # output length (0: scalar f; None: not called yet)
        #: relative rounding of f's values: float64's, or that of the
        #: lowest-precision floating dtype f has returned (float32, float16)
        self.eps = float(np.finfo(np.float64).eps)
        #: f returned a masked array (its masked values were made NaN)
        self.masked = False
        #: method="complex": f was checked to be real at a real point
        self.real_checked = False
        #: ``bounds`` as (lower (n,), upper (n,)), or None: stencil points
        #: are clipped into them (x + h*offset rounds up to an ulp past a
        #: bound the steps were fitted to reach exactly)
        self.box = None

    def __call__(self, P):
        """Values at the rows of P: (M,) or (M, m)."""
        if self.box is not None and P.dtype.kind == "f":
            np.clip(P, self.box[0], self.box[1], out=P)
        if self.vectorized:
            out = self.f(P, *self.args, **self.kwargs)
        else:
            out = ([self.f(p, *self.args, **self.kwargs) for p in P] if self.workers is None
                   else evaluate_rows(self.workers, self.f, self.args, self.kwargs, P))
            if any(np.ma.isMaskedArray(o) or o is np.ma.masked for o in out):
                out = np.ma.array([np.ma.asarray(o) for o in out])
        if np.ma.isMaskedArray(out) or out is np.ma.masked:
            self.masked = True
            out = np.ma.asarray(out)
            out = out.astype(np.result_type(out.dtype, np.float64)).filled(np.nan)
        out = np.asarray(out)
        if out.dtype.kind == "c" and not self.complex_ok:
            raise ComplexValues(self.f)
        self.m = V.f_output(out, P.shape[0], self.complex_ok, self.m)
        if out.dtype.kind in "fc" and out.dtype.itemsize < (8 if out.dtype.kind == "f" else 16):
            self.eps = max(self.eps, float(np.finfo(out.dtype).eps))
        return out
