"""Pure-NumPy twin of :mod:`fastdiff.grid` (the tests' oracle); ``points`` and
``data`` are the twins of :mod:`fastdiff.points` and :mod:`fastdiff.data`.

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
  step ``(x[-1] - x[0]) / (n - 1)``; otherwise interior rows use ``p`` points
  (plus one for even orders) centred on the row, and rows near the edges the
  ``p`` points starting at ``clip(i - (p-1)//2, 0, n-p)``, with Fornberg
  weights on the real offsets ``x[window] - x[i]``, the row's own weight
  minus the sum of the others (``"one-sided"`` only; see `nonuniform_row`).

The operators (``laplacian``, ``hessian``, ``divergence``, ``curl``,
``jacobian``, ``directional``) are sums and products of these per-axis
derivatives, each axis with its own spacing and boundary. A mixed partial is
the composition ``D_i(D_j u)`` (inner ``D_j`` with ``cval``, outer ``D_i``
with 0 beyond the edges, since the derivative of a constant ghost row is 0);
the 1-D operators along different axes commute, so the order matters only to
rounding.

Values are computed in float64 (complex128 for complex input) and cast at the
end to the result dtype: float32 -> float32, float64 -> float64, complex64 ->
complex64, complex128 -> complex128, bool/integers -> float64,
float16 -> float32.

Arguments are checked and normalised by ``fastdiff._validation``, exactly as
in ``fastdiff.grid`` (so both raise the same errors); the numerics below are
written independently of the kernels' tables.
"""
from __future__ import annotations

import math

import numpy as np

from .. import _validation as _V
from .._stencil import fornberg_rows, stencil

__all__ = ["points", "data", "apply", "derivative", "gradient", "laplacian", "hessian", "divergence", "curl",
           "jacobian", "directional"]

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


def _nonuniform_table(x, order, acc):
    """(indices (n, W), weights (n, W)) of every row on coordinates ``x``: the
    q = acc + order (+1 for even orders) points centred on the row where they
    fit, else the p = acc + order points from ``clip(i - (p-1)//2, 0, n-p)``
    (padding: weight 0).  Centred rows: the weights solving the moment
    equations sum_j w_j z_j^k = order! [k == order] (k < q) on the real
    offsets z (in units of the power of two s >= max|z| when that exceeds
    1, the weights then divided by s**order); other rows: Fornberg weights, the row's own weight set to
    minus the sum of the others (exact for constants)."""
    n = len(x)
    p = acc + order
    q = p + (1 - order % 2)
    half = (q - 1) // 2
    i = np.arange(n)
    centred = (i >= half) & (i <= n - 1 - half) & (n >= q)
    width = q if n >= q else p
    start = np.where(centred, i - half, np.clip(i - (p - 1) // 2, 0, n - p))
    count = np.where(centred, q, p)
    valid = np.arange(width)[None, :] < count[:, None]
    idx = np.where(valid, start[:, None] + np.arange(width)[None, :], i[:, None])
    weights = np.zeros((n, width))
    for r in np.flatnonzero(centred):
        z = x[idx[r, :q]] - x[r]
        big = np.max(np.abs(z))     # offsets beyond 1: in units of 2**ceil(log2 max|z|)
        s = 2.0 ** np.ceil(np.log2(big)) if big > 1.0 else 1.0
        moments = np.array([(z / s) ** k for k in range(q)])
        rhs = np.zeros(q)
        rhs[order] = math.factorial(order)
        weights[r, :q] = np.linalg.solve(moments, rhs) / s ** order
    if (~centred).any():
        weights[~centred, :p] = fornberg_rows(x[idx[~centred, :p]] - x[~centred, None], order)
    own = valid & (idx == i[:, None]) & ~centred[:, None]
    weights[own] = 0.0
    weights[own] = -weights[own.any(axis=1)].sum(axis=1)
    return idx, weights


def nonuniform_row(x, i, order, acc):
    """(indices, weights) of row ``i`` of `_nonuniform_table`."""
    idx, weights = _nonuniform_table(x, order, acc)
    keep = (weights[i] != 0) | (idx[i] == i)
    return idx[i][keep], weights[i][keep]


def _nonuniform(a, order, acc, x):
    n = a.shape[0]
    idx, weights = _nonuniform_table(x, order, acc)
    bshape = (n,) + (1,) * (a.ndim - 1)
    res = None
    for j in range(idx.shape[1]):      # a loop over the taps
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


def laplacian(u, *, axes=None, spacing=1.0, acc=2, boundary="one-sided",
              cval=0.0, out=None, num_threads=None):
    """Sum of the second derivatives along ``axes``, shape ``u.shape`` (pure
    NumPy; see :func:`fastdiff.grid.laplacian`)."""
    u, dtype = _V.as_input(u)
    axes = _V.axes(axes, u.ndim)
    acc, modes, sps, cv = _prepare(u, axes, (2,) * len(axes), acc, boundary, spacing, cval,
                                   num_threads)
    out = _V.out(out, u.shape, dtype, [u])
    res = None
    for ax, sp, mode in zip(axes, sps, modes):
        term = _derivative_work(u, ax, 2, acc, sp, mode, cv)
        res = term if res is None else res + term
    return _store(res, out, dtype)


def hessian(u, *, axes=None, spacing=1.0, acc=2, boundary="one-sided",
            cval=0.0, out=None, num_threads=None):
    """Second derivatives along ``axes``, shape ``(k, k, *u.shape)`` (pure NumPy;
    see :func:`fastdiff.grid.hessian`).

    ``H[i, i]`` is the second derivative along ``axes[i]``; for ``i < j``,
    ``H[i, j] = D_i(D_j u)`` with the inner first derivative ``D_j`` taken
    with ``cval`` and the outer ``D_i`` with 0 beyond the edges (the inner
    derivative of a constant ghost row is zero), and ``H[j, i]`` is a copy of
    it, so the result is exactly symmetric.
    """
    u, dtype = _V.as_input(u)
    axes = _V.axes(axes, u.ndim)
    k = len(axes)
    acc, modes, sps, cv = _prepare(u, axes, (2,) * k, acc, boundary, spacing, cval,
                                   num_threads)
    out = _V.out(out, (k, k) + u.shape, dtype, [u])
    zero = 0j if u.dtype.kind == "c" else 0.0
    work = np.complex128 if u.dtype.kind == "c" else np.float64
    res = np.empty((k, k) + u.shape, dtype=work)
    for i in range(k):
        res[i, i] = _derivative_work(u, axes[i], 2, acc, sps[i], modes[i], cv)
    for j in range(1, k):
        inner = _derivative_work(u, axes[j], 1, acc, sps[j], modes[j], cv)
        for i in range(j):
            res[i, j] = _derivative_work(inner, axes[i], 1, acc, sps[i], modes[i], zero)
            res[j, i] = res[i, j]
    return _store(res, out, dtype)


def _field_derivatives(v, axes, acc, boundary, spacing, cval, num_threads):
    """Validated (acc, modes, sps, cv) for first derivatives of the components of v."""
    return _prepare(v[0], axes, (1,) * len(axes), acc, boundary, spacing, cval, num_threads)


def divergence(v, *, axes=None, spacing=1.0, acc=2, boundary="one-sided",
               cval=0.0, out=None, num_threads=None):
    """``sum_i d v[i] / dx_axes[i]`` of ``v`` of shape ``(k, *S)``, shape ``S``
    (pure NumPy; see :func:`fastdiff.grid.divergence`)."""
    v, dtype, axes = _V.vector_field(v, axes)
    _V.components(v, len(axes))
    acc, modes, sps, cv = _field_derivatives(v, axes, acc, boundary, spacing, cval, num_threads)
    out = _V.out(out, v.shape[1:], dtype, [v])
    res = None
    for i, (ax, sp, mode) in enumerate(zip(axes, sps, modes)):
        term = _derivative_work(v[i], ax, 1, acc, sp, mode, cv)
        res = term if res is None else res + term
    return _store(res, out, dtype)


def curl(v, *, axes=None, spacing=1.0, acc=2, boundary="one-sided",
         cval=0.0, out=None, num_threads=None):
    """Curl of ``v``: 3 axes, ``v`` of shape ``(3, *S)`` -> ``(3, *S)``; 2 axes,
    ``v`` of shape ``(2, *S)`` -> ``S`` (the scalar curl ``D0 v1 - D1 v0``)
    (pure NumPy; see :func:`fastdiff.grid.curl`)."""
    v, dtype, axes = _V.vector_field(v, axes)
    k = len(axes)
    _V.curl_axes(k, axes)
    _V.components(v, k)
    acc, modes, sps, cv = _field_derivatives(v, axes, acc, boundary, spacing, cval, num_threads)
    S = v.shape[1:]
    shape = S if k == 2 else (3,) + S
    out = _V.out(out, shape, dtype, [v])

    def d(c, i):  # derivative of component c along axes[i]
        return _derivative_work(v[c], axes[i], 1, acc, sps[i], modes[i], cv)

    if k == 2:
        res = d(1, 0) - d(0, 1)
    else:
        res = np.stack([d(2, 1) - d(1, 2), d(0, 2) - d(2, 0), d(1, 0) - d(0, 1)])
    return _store(res, out, dtype)


def jacobian(v, *, axes=None, spacing=1.0, acc=2, boundary="one-sided",
             cval=0.0, out=None, num_threads=None):
    """``J[i, j] = d v[i] / dx_axes[j]`` of ``v`` of shape ``(m, *S)``, shape
    ``(m, k, *S)`` (pure NumPy; see :func:`fastdiff.grid.jacobian`)."""
    v, dtype, axes = _V.vector_field(v, axes)
    k = len(axes)
    acc, modes, sps, cv = _field_derivatives(v, axes, acc, boundary, spacing, cval, num_threads)
    out = _V.out(out, (v.shape[0], k) + v.shape[1:], dtype, [v])
    res = np.stack([np.stack([_derivative_work(v[c], ax, 1, acc, sp, mode, cv)
                              for ax, sp, mode in zip(axes, sps, modes)])
                    for c in range(v.shape[0])])
    return _store(res, out, dtype)


def directional(u, direction, *, normalize=True, axes=None, spacing=1.0, acc=2,
                boundary="one-sided", cval=0.0, out=None, num_threads=None):
    """The gradient along ``axes`` dotted with ``direction`` (real; shape ``(k,)``,
    a constant direction, or ``(k, *u.shape)``, a field), shape ``u.shape``.
    With ``normalize`` the direction is divided by its Euclidean norm (per
    point for a field; points with a zero vector give 0) (pure NumPy; see
    :func:`fastdiff.grid.directional`)."""
    u, dtype = _V.as_input(u)
    axes = _V.axes(axes, u.ndim)
    k = len(axes)
    _V.direction(direction, k, u.shape, normalize)  # the checks (and their errors) only
    d = _V.direction(direction, k, u.shape, False)  # float64, as given
    acc, modes, sps, cv = _prepare(u, axes, (1,) * k, acc, boundary, spacing, cval,
                                   num_threads)
    out = _V.out(out, u.shape, dtype, [u, d] if d.ndim > 1 else [u])
    if normalize:
        norm = np.sqrt(np.sum(d * d, axis=0))
        if d.ndim == 1:
            d = d / norm
        else:
            nz = norm > 0
            d = np.where(nz, d / np.where(nz, norm, 1.0), 0.0)
    res = None
    for i, (ax, sp, mode) in enumerate(zip(axes, sps, modes)):
        term = d[i] * _derivative_work(u, ax, 1, acc, sp, mode, cv)
        res = term if res is None else res + term
    return _store(res, out, dtype)


def apply(op, u, *, spacing=1.0, acc=2, boundary="one-sided", cval=0.0, out=None,
          alpha=1.0, beta=0.0):
    """An operator expression (``fd.grid.D(...)`` algebra) applied the slow way:
    ``out = beta*out + alpha*op(u)``.

    Each term is evaluated on its own with the per-axis derivatives above: a
    single derivative directly, a mixed partial as ``D_a(D_b(... u))`` (axes
    increasing outwards-in; the innermost with ``cval``, the outer ones with
    0 beyond the edges, as in `hessian`), the identity as ``u``; then multiplied by its coefficient (a
    number, or an array broadcast to the grid) and summed.  ``spacing`` and
    ``boundary`` are one for all axes or one per axis of the grid.

    Examples
    --------
    >>> import numpy as np, fastdiff as fd
    >>> D = fd.grid.D
    >>> u = np.random.default_rng(0).random((6, 7))
    >>> A = 2.0 * D(0)**2 - D(0) * D(1) + 0.5
    >>> bool(np.allclose(fd.reference.apply(A, u, boundary="mirror"), A(u, boundary="mirror")))
    True
    """
    u, dtype = _V.as_input(u)
    nd = u.ndim
    all_axes = tuple(range(nd))
    acc = _V.check_acc(acc)
    modes = _V.boundary(boundary, nd)
    sps = _V.spacing(spacing, all_axes, u.shape)
    cv = _V.cval(cval, u.dtype.kind == "c")
    zero = 0j if u.dtype.kind == "c" else 0.0
    work = np.complex128 if u.dtype.kind == "c" else np.float64
    total = np.zeros(u.shape, dtype=work)
    for (s, arr), m in op.terms:
        m = sorted((a % nd, k) for a, k in m)
        if not m:
            val = u.astype(work)
        elif len(m) == 1:
            (a, k), = m
            val = _derivative_work(u, a, k, acc, sps[a], modes[a], cv)
        else:   # innermost (highest axis) with cval, the outer ones with 0
            val = u
            for i, (a, k) in enumerate(reversed(m)):
                val = _derivative_work(val, a, k, acc, sps[a], modes[a], cv if i == 0 else zero)
        coef = s if arr is None else s * np.broadcast_to(arr, u.shape)
        total = total + coef * val
    if out is None:
        _V.beta_needs_out(beta, out)
        return (alpha * total).astype(dtype)
    out[...] = beta * out + alpha * total
    return out


# the point-batch twins live in their own namespace: fastdiff.reference.points
from . import points  # noqa: E402
from . import data  # noqa: E402


def _add_examples():
    """Every twin's docstring shows that it agrees with fastdiff.grid."""
    calls = {
        "derivative": "u, 1, 2, boundary='reflect'",
        "gradient": "u, acc=4",
        "laplacian": "u, boundary='periodic'",
        "hessian": "u",
        "divergence": "v",
        "curl": "v",
        "jacobian": "v",
        "directional": "u, [1.0, 2.0]",
    }
    for name, call in calls.items():
        fn = globals()[name]
        fn.__doc__ = (fn.__doc__ or "") + f"""

    Examples
    --------
    >>> import numpy as np, fastdiff as fd
    >>> u = np.random.default_rng(0).random((6, 7))
    >>> v = np.random.default_rng(1).random((2, 6, 7))
    >>> bool(np.allclose(fd.reference.{name}({call}), fd.grid.{name}({call})))
    True
    """


_add_examples()
