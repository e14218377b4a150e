"""Checks of operator expressions (``fd.grid.D`` and its algebra), of plans
and their calls, of the kernel's limits on one plan, of ``fd.stencil``'s
offsets, and of the adapters' restrictions (dask, xarray)."""
from __future__ import annotations

import numbers

import numpy as np

from ._common import _is_int, masked_operand

__all__ = ["real_number", "coefficient_array", "coefficient_product", "coefficient_on_grid",
           "bad_operand", "bad_factor", "divisor", "inner_coefficient", "power",
           "derivative_factor", "multi_index", "plan_dtype", "plan_input", "beta_needs_out",
           "no_out", "masked_beta", "field_ndim", "field_stack", "dimension_name",
           "not_component_dimension", "matrix_operator", "kernel_limit", "stencil_offsets",
           "COMPLEX_COEFFICIENT"]


def real_number(x, name, complex_hint=""):
    """float(x) for a finite real number ``x``; TypeError for other types
    (complex ones with ``complex_hint`` appended), ValueError for inf/nan."""
    if isinstance(x, (complex, np.complexfloating)):
        raise TypeError(f"{name} must be real, got {x!r}{complex_hint}")
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, (numbers.Real, np.floating,
                                                             np.integer)):
        raise TypeError(f"{name} must be a real number, got {x!r}")
    x = float(x)
    if not np.isfinite(x):
        raise ValueError(f"{name} must be finite, got {x}")
    return x


COMPLEX_COEFFICIENT = (" (complex coefficients are not supported; apply the operator to "
                       "the real and imaginary parts)")


def coefficient_array(x, name):
    """A real coefficient array as float64 (a 0-d array is refused)."""
    masked_operand(x, name)
    a = np.asarray(x)
    if a.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be an array of real numbers, got dtype {a.dtype}")
    if a.ndim == 0:
        raise ValueError(f"{name} must be an array (a scalar coefficient is a number)")
    return a.astype(np.float64)


def coefficient_product(a, b):
    """The product of two coefficient arrays (they must broadcast together)."""
    try:
        return a * b
    except ValueError:
        raise ValueError(f"coefficient arrays of shapes {a.shape} and {b.shape} "
                         f"do not broadcast together") from None


def coefficient_on_grid(a, shape):
    """Coefficient array ``a`` broadcast to the grid's ``shape``."""
    try:
        return np.broadcast_to(a, shape)
    except ValueError:
        raise ValueError(f"a coefficient array of shape {a.shape} does not broadcast "
                         f"to the grid's shape {tuple(shape)}") from None


def bad_operand(what, x):
    """The TypeError for an operand of the operator algebra of the wrong type."""
    return TypeError(f"{what} must be an operator, a real number or a real array, "
                     f"got {type(x).__name__}")


def bad_factor(x):
    return TypeError(f"cannot multiply an operator by {type(x).__name__}: use a "
                     f"real number, a real array or another operator")


def divisor(x, is_number):
    """The float divisor of an operator (a nonzero real number)."""
    if not is_number:
        raise TypeError(f"an operator can only be divided by a number, got {type(x).__name__}")
    x = real_number(x, "the divisor", COMPLEX_COEFFICIENT)
    if x == 0.0:
        raise ValueError("division of an operator by zero")
    return x


def inner_coefficient():
    """The ValueError for ``A * (c * B)`` with a coefficient array c."""
    return ValueError("a coefficient array inside a product of operators (A * (c * B)) "
                      "would need the product rule; write the coefficient outside: "
                      "c * (A * B)")


def power(k):
    """The int exponent of ``operator ** k`` (k >= 1)."""
    if not _is_int(k):
        raise TypeError(f"the power of an operator must be an integer >= 1, got {k!r}")
    if k < 1:
        raise ValueError(f"the power of an operator must be an integer >= 1, got {k}")
    return int(k)


def derivative_factor(axis, order):
    """(axis, order) of ``D(axis, order)`` as ints (the axis is checked
    against a grid when the operator is applied)."""
    if not _is_int(axis):
        raise TypeError(f"axis must be an integer, got {axis!r}")
    if not _is_int(order):
        raise TypeError(f"order must be an integer >= 1, got {order!r}")
    if order < 1:
        raise ValueError(f"order must be an integer >= 1, got {order} (order 0 alone is "
                         f"no derivative: write a number for a multiple of the identity)")
    return int(axis), int(order)


def multi_index(m, nd, has_array):
    """A term's multi-index [(axis, order)] on a grid of ``nd`` dimensions,
    axes normalised and sorted."""
    norm = []
    for a, k in m:
        if not -nd <= a < nd:
            raise ValueError(f"D({a}) is out of range for a grid with {nd} dimensions")
        norm.append((a % nd, k))
    if len(norm) > 2 and has_array:
        raise ValueError(f"a coefficient array on a mixed partial along {len(norm)} "
                         f"axes is not supported; apply the coefficient to the "
                         f"result (or split the operator)")
    return tuple(sorted(norm))


def plan_dtype(dtype, as_input):
    """The result dtype of a plan asked for ``dtype`` (``as_input`` is the
    grid check of an input array)."""
    try:
        _, dt = as_input(np.empty((1,), dtype=dtype), name="dtype")
    except TypeError as exc:
        raise TypeError(f"dtype {dtype!r} is not supported: {exc}") from None
    return dt


def plan_input(name, shape, dtype, plan):
    """u's shape and result dtype against the plan's."""
    if tuple(shape) != tuple(plan.input_shape):
        raise ValueError(f"{name} has shape {tuple(shape)}, but the plan was made for shape "
                         f"{plan.input_shape}")
    if dtype != plan.dtype:
        raise ValueError(f"{name} gives results of dtype {dtype}, but the plan was made for "
                         f"{plan.dtype} (make a plan with dtype={dtype})")


def beta_needs_out(beta, out, lazy=False):
    if beta != 0.0 and out is None:
        if lazy:
            raise ValueError(f"beta={beta} needs out=, which dask arrays do not support")
        raise ValueError(f"beta={beta} needs out= (the array it scales and adds to)")


def no_out(out, kind, beta=0.0):
    """out= (and beta) refused for lazy or labelled inputs of ``kind``."""
    if kind == "dask":
        if out is not None:
            raise ValueError("out is not supported for dask arrays: the result is lazy "
                             "(compute it, or use dask.array.store)")
        beta_needs_out(beta, None, lazy=True)
    elif out is not None:
        raise ValueError("out is not supported for DataArrays")
    elif beta != 0.0:
        raise ValueError(f"beta={beta} needs out=, which DataArrays do not support")


def masked_beta(beta):
    """plan(masked array) computes new values only (beta = 0)."""
    if beta != 0.0:
        raise ValueError(f"beta={beta} is not supported for masked arrays: the result's "
                         f"mask is that of A(u) (compute beta*out separately)")


def field_ndim(ndim, name):
    if ndim == 0:
        raise ValueError(f"{name} must have at least one dimension, got a 0-d array")


def field_stack(shape):
    """A stack of vector components (m, *S) with m >= 1."""
    if len(shape) < 2:
        raise ValueError(f"v must be a stack of fields of shape (m, *S), got shape "
                         f"{tuple(shape)}")
    if shape[0] == 0:
        raise ValueError("v has no components (v.shape[0] == 0)")


def dimension_name(dims, a, name):
    """The index of dimension ``a`` (a name) of a DataArray with ``dims``."""
    if a not in dims:
        raise ValueError(f"{name} {a!r} is not a dimension of the DataArray (dims: {dims})")
    return dims.index(a)


def not_component_dimension(a):
    return ValueError(f"axes {a!r} is the component dimension of the vector "
                      f"field; name the dimensions to differentiate")


def matrix_operator(n_outputs, ncomp, copies, ops):
    """plan.matrix() needs a scalar, linear operator."""
    if ncomp is not None or n_outputs != 1 or copies:
        raise ValueError("matrix() needs a scalar operator (one output from one field); "
                         f"this plan has {n_outputs + len(copies)} outputs"
                         + (f" from {ncomp} components" if ncomp else ""))
    for op in ops:
        if op.mode == "constant" and op.cval != 0:
            raise ValueError(f"boundary 'constant' with cval={op.cval!r} on axis {op.axis} "
                             f"is affine and has no matrix form; use cval=0 (and add "
                             f"the plan applied to zeros for the constant part)")


_SPLIT = "split it into several plans and add their results (alpha/beta)"
_KERNEL_LIMITS = {
    "max_terms": "the operator has {} terms in one output, more than the kernel's {}: " + _SPLIT,
    "max_op_width": "a derivative stencil {} taps wide, wider than the kernel's {} taps "
                    "(lower acc or order)",
    "max_taps": "the operator reads {} samples per output element, more than the kernel's "
                "{}: lower acc, or " + _SPLIT,
}


def kernel_limit(key, value, limits, acc=None):
    """``value`` against the grid kernel's limit ``limits[key]`` (one of
    max_terms, max_op_width, max_taps); ``acc`` is named when the stencils'
    width depends on it."""
    if value > limits[key]:
        prefix = "" if acc is None or key == "max_terms" else f"acc={acc}: "
        raise ValueError(prefix + _KERNEL_LIMITS[key].format(value, limits[key]))


def stencil_offsets(offsets, order):
    """fd.stencil's ``offsets``: a 1-D array of distinct finite numbers, more
    than ``order`` of them (int64 if all were integers, else float64)."""
    try:
        offs = np.asarray(offsets)
    except Exception as exc:  # pragma: no cover - numpy raises for ragged input
        raise TypeError(f"offsets must be a 1-D sequence of numbers, got {offsets!r}") from exc
    if offs.ndim != 1 or offs.dtype.kind not in "iuf":
        raise TypeError(f"offsets must be a 1-D sequence of real numbers, got {offsets!r}")
    if not np.all(np.isfinite(offs)):
        raise ValueError(f"offsets must be finite, got {offsets!r}")
    if len(np.unique(offs)) != len(offs):
        raise ValueError(f"offsets must be distinct, got {offsets!r}")
    if len(offs) <= order:
        raise ValueError(f"offsets has {len(offs)} points, but a derivative of order {order} "
                         f"needs at least {order + 1}")
    return offs.astype(np.int64 if offs.dtype.kind in "iu" else np.float64)
