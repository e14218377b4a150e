"""Pure-NumPy twin of :mod:`fastdiff.grid` (the tests' oracle).

Every function here has the signature and the semantics of its namesake in
``fastdiff.grid`` but is written in plain NumPy -- slicing, :func:`numpy.pad`
and :func:`numpy.einsum`, no Cython and no threads -- from the same
:func:`fastdiff.stencil` weights. It is meant to be obviously right rather
than fast; the only Python loops run over stencil taps or over the few rows
of a boundary table, never over grid points.

Semantics, per differentiated axis of length ``n`` (``p = acc + order``):

* uniform step ``h``: interior rows use the central stencil
  ``stencil(order, acc)`` with offsets ``-m..m``; the sum is divided by
  ``h**order``. Taps whose weight is exactly zero (the centre of an odd
  derivative) are not read, like :func:`numpy.gradient`.
* ``boundary="one-sided"``: the ``m`` rows at each edge, where the central
  stencil would leave the array, use ``p`` points ``[0, p)`` (left edge) or
  ``[n-p, n)`` (right edge). ``n < p`` is an error.
* ``"periodic"``/``"wrap"``, ``"constant"``, ``"nearest"``, ``"reflect"``,
  ``"mirror"``: the axis is extended by ``m`` samples on each side as
  ``scipy.ndimage`` does (with :func:`numpy.pad`) and the central stencil is
  applied to every row. Any ``n >= 1``.
* a coordinate array ``x``: evenly spaced to 1e-12 relative means a uniform
  step ``(x[-1] - x[0]) / (n - 1)``; otherwise every row ``i`` uses the ``p``
  points starting at ``clip(i - (p-1)//2, 0, n-p)`` with Fornberg weights on
  the real offsets ``x[window] - x[i]`` (``"one-sided"`` only).

Values are computed in float64 (complex128 for complex input) and cast at the
end to the result dtype: float32 -> float32, float64 -> float64, complex64 ->
complex64, complex128 -> complex128, bool/integers -> float64,
float16 -> float32.

Arguments are checked and normalised by ``fastdiff._validation``, exactly as
in ``fastdiff.grid`` (so both raise the same errors); the numerics below are
written independently of the kernels' tables.
"""
from __future__ import annotations

import numpy as np

from . import _validation as _V
from ._stencil import fornberg_rows, stencil

__all__ = ["derivative", "gradient"]

_MODES = {
    # boundary name: np.pad mode (scipy.ndimage meaning)
    "one-sided": None,
    "periodic": "wrap",
    "wrap": "wrap",
    "constant": "constant",
    "nearest": "edge",
    "reflect": "symmetric",
    "mirror": "reflect",
}



# ---------------------------------------------------------------------------
# the operator along axis 0 of a working-dtype array
# ---------------------------------------------------------------------------

def _combine(weights, views):
    """sum(w * v) over taps, in tap order, skipping taps of weight exactly 0."""
    total = None
    for w, v in zip(weights, views):
        if w == 0:
            continue
        total = w * v if total is None else total + w * v
    if total is None:  # pragma: no cover - a stencil always has a nonzero tap
        total = np.zeros_like(views[0])
    return total


def _uniform(a, order, acc, h, mode, cval):
    n = a.shape[0]
    st = stencil(order, acc)
    offs, w = st.offsets, st.weights
    m = int(offs[-1])
    if mode == "one-sided":
        p = acc + order
        res = np.empty_like(a)
        res[m:n - m] = _combine(w, [a[m + o:n - m + o] for o in offs])
        window = np.arange(p)
        for i in range(m):
            wl = stencil(order, offsets=window - i).weights
            res[i] = _combine(wl, [a[j] for j in window])
            r = n - 1 - i
            wr = stencil(order, offsets=window + (n - p) - r).weights
            res[r] = _combine(wr, [a[j] for j in window + (n - p)])
    else:
        pad_mode = _MODES[mode]
        widths = [(m, m)] + [(0, 0)] * (a.ndim - 1)
        kw = {"constant_values": cval} if pad_mode == "constant" else {}
        padded = np.pad(a, widths, mode=pad_mode, **kw)
        res = _combine(w, [padded[m + o:m + o + n] for o in offs])
    return res / h**order


def _nonuniform(a, order, acc, x):
    n = a.shape[0]
    p = acc + order
    rows = np.arange(n)
    start = np.clip(rows - (p - 1) // 2, 0, n - p)
    idx = start[:, None] + np.arange(p)
    weights = fornberg_rows(x[idx] - x[:, None], order)  # (n, p)
    bshape = (n,) + (1,) * (a.ndim - 1)
    res = None
    for j in range(p):
        term = weights[:, j].reshape(bshape) * a[idx[:, j]]
        res = term if res is None else res + term
    return res


def _derivative_work(u, axis, order, acc, spacing, mode, cval):
    """The derivative along ``axis`` in the working dtype (float64/complex128)."""
    work = np.complex128 if u.dtype.kind == "c" else np.float64
    a = np.moveaxis(u, axis, 0).astype(work, copy=False)
    kind, val = spacing
    # inf - inf is NaN, silently: the kernels do not warn either
    with np.errstate(invalid="ignore", over="ignore"):
        if kind == "uniform":
            res = _uniform(a, order, acc, val, mode, cval)
        else:
            res = _nonuniform(a, order, acc, val)
    return np.moveaxis(res, 0, axis)


def _prepare(u, axes, orders, acc, boundary, spacing, cval, num_threads):
    """Check and normalise the arguments as fastdiff.grid does."""
    acc = _V.check_acc(acc)
    modes = _V.boundary(boundary, len(axes))
    sps = _V.spacing(spacing, axes, u.shape)
    cv = _V.cval(cval, u.dtype.kind == "c")
    for ax, order, mode, sp in zip(axes, orders, modes, sps):
        _V.check_points(u.shape[ax], order, acc, mode, sp, ax)
    _V.num_threads(num_threads)
    return acc, modes, sps, cv


def _store(res, out, dtype):
    with np.errstate(over="ignore"):
        if out is None:
            return res.astype(dtype)
        out[...] = res
    return out


# ---------------------------------------------------------------------------
# public functions
# ---------------------------------------------------------------------------

def derivative(u, axis, order=1, *, spacing=1.0, acc=2, boundary="one-sided",
               cval=0.0, out=None, num_threads=None):
    """``d^order u / dx_axis^order`` (pure NumPy; see :func:`fastdiff.grid.derivative`)."""
    order = _V.check_order(order)
    u, dtype = _V.as_input(u)
    ax = _V.axis(axis, u.ndim)
    acc, (mode,), (sp,), cv = _prepare(u, (ax,), (order,), acc, boundary, spacing, cval,
                                       num_threads)
    out = _V.out(out, u.shape, dtype, [u])
    return _store(_derivative_work(u, ax, order, acc, sp, mode, cv), out, dtype)


def gradient(u, *, axes=None, spacing=1.0, acc=2, boundary="one-sided",
             cval=0.0, out=None, num_threads=None):
    """First derivatives along ``axes``, shape ``(k, *u.shape)`` (pure NumPy;
    see :func:`fastdiff.grid.gradient`)."""
    u, dtype = _V.as_input(u)
    axes = _V.axes(axes, u.ndim)
    acc, modes, sps, cv = _prepare(u, axes, (1,) * len(axes), acc, boundary, spacing, cval,
                                   num_threads)
    out = _V.out(out, (len(axes),) + u.shape, dtype, [u])
    res = np.stack([_derivative_work(u, ax, 1, acc, sp, mode, cv)
                    for ax, sp, mode in zip(axes, sps, modes)])
    return _store(res, out, dtype)
