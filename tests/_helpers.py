"""Shared test helpers: seeded input arrays in every memory layout and
tolerances (imported as ``from _helpers import ...``; conftest.py holds only
the hypothesis profile and fixtures)."""
import numpy as np

import fastdiff as fd
from fastdiff._stencil import fornberg_rows

DTYPES = ["float32", "float64", "complex64", "complex128", "int64", "bool", "float16"]
LAYOUTS = ["C", "F", "strided", "negative"]
MODES = ["one-sided", "periodic", "constant", "nearest", "reflect", "mirror"]

# result dtype for every input dtype (SPEC "Input rules")
RESULT_DTYPE = {
    "float32": np.float32, "float64": np.float64,
    "complex64": np.complex64, "complex128": np.complex128,
    "int64": np.float64, "int32": np.float64, "uint8": np.float64, "bool": np.float64,
    "float16": np.float32,
}


def random_values(shape, dtype, seed=0):
    """Seeded values of ``dtype`` in a fresh C-ordered array."""
    rng = np.random.default_rng(seed)
    dtype = np.dtype(dtype)
    if dtype.kind == "b":
        return rng.random(shape) < 0.5
    if dtype.kind in "iu":
        return rng.integers(-50 if dtype.kind == "i" else 0, 50, size=shape).astype(dtype)
    if dtype.kind == "c":
        return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dtype)
    return rng.standard_normal(shape).astype(dtype)


def in_layout(values, layout):
    """The same values held in the memory ``layout``.

    "C" and "F" are contiguous copies; "strided" is a step-2 slice of a bigger
    array (every axis); "negative" is a view with negative strides on every
    axis. The logical contents never depend on the layout.
    """
    values = np.asarray(values)
    if layout == "C":
        out = np.ascontiguousarray(values)
    elif layout == "F":
        out = np.asfortranarray(values)
    elif layout == "strided":
        big = np.zeros(tuple(2 * s for s in values.shape), dtype=values.dtype)
        sl = tuple(slice(None, None, 2) for _ in values.shape)
        big[sl] = values
        out = big[sl]
    elif layout == "negative":
        rev = tuple(slice(None, None, -1) for _ in values.shape)
        out = values[rev].copy()[rev]
    else:
        raise ValueError(f"unknown layout {layout!r}")
    np.testing.assert_array_equal(out, values)
    return out


def make_array(shape, dtype="float64", layout="C", seed=0):
    """Seeded random test array of ``shape`` and ``dtype`` in ``layout``."""
    return in_layout(random_values(shape, dtype, seed), layout)


def weight_norm(n, order, acc, spacing, boundary):
    """An upper bound of ``sum(|w|)`` over the rows of the operator along an axis
    of ``n`` points (the spacing folded in); the scale of the rounding error."""
    st = fd.stencil(order, acc)
    if np.ndim(spacing) == 0:
        h = abs(float(spacing))
        norms = [np.abs(st.weights).sum()]
        if boundary == "one-sided":
            p = acc + order
            m = len(st.offsets) // 2
            norms += [np.abs(fd.stencil(order, offsets=np.arange(p) - i).weights).sum()
                      for i in range(m)]
        return max(norms) / h**order
    x = np.asarray(spacing, dtype=np.float64)
    p = acc + order
    start = np.clip(np.arange(n) - (p - 1) // 2, 0, n - p)
    idx = start[:, None] + np.arange(p)
    rows = np.abs(fornberg_rows(x[idx] - x[:, None], order)).sum(axis=1)
    hmin = np.min(np.abs(np.diff(x)))
    return max(rows.max(), np.abs(st.weights).sum() / hmin**order)


def tolerance(u, result_dtype, norm, ulps=50):
    """Absolute tolerance: ``ulps`` epsilons of the result's precision times the
    weight norm times the data magnitude."""
    eps = np.finfo(np.dtype(result_dtype)).eps
    mag = float(np.max(np.abs(np.asarray(u, dtype=np.complex128)))) if np.size(u) else 0.0
    return ulps * eps * norm * mag
