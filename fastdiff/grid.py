"""Finite-difference derivatives of arrays sampled on rectilinear grids.

Every function validates its arguments (``_validation``), builds the 1-D
operator tables of each differentiated axis (``_tables``) and hands them to
one compiled kernel (``_kernels._grid.apply``) that writes the output.
"""
from __future__ import annotations

from operator import index as operator_index

import numpy as np

from . import _dask, _xarray
from . import _validation as V
from ._kernels import grid_kernels as _k
from ._tables import axis_table

__all__ = ["derivative", "gradient", "laplacian", "hessian", "divergence", "curl",
           "jacobian", "directional", "matrix", "laplacian_matrix"]

# below this many output elements x terms the kernels run on one thread
_SERIAL_WORK = 1 << 15
# outputs at least this large (bytes, all together) are written with
# non-temporal stores (AVX2 builds): they would not stay in cache, and
# skipping the read-for-ownership of each destination line saves bandwidth
_STREAM_BYTES = 16 << 20
# elements of a row computed for every output before moving along the row
# (the input rows of a block stay in L1 across the outputs)
_CBLK = 256
# rows along the innermost row dim per work unit: their taps are gathered
# once and shifted from row to row (the per-row set-up is most of the
# instructions outside the vector loops)
_RUN = 32
# cache budget for the input rows a cross-row stencil revisits: slabs larger
# than this are walked in tiles (a share of a typical L3; on 256^3 arrays,
# where three planes fit in L3, tiling measured no gain)
_TILE_BYTES = 8 << 20


def _alloc(u, lead, dtype):
    """An empty array of shape lead + u.shape whose trailing axes follow u's memory order."""
    perm = sorted(range(u.ndim), key=lambda d: -abs(u.strides[d]))
    shape = tuple(lead) + tuple(u.shape[d] for d in perm)
    a = np.empty(shape, dtype=dtype)
    nl = len(lead)
    inv = [0] * u.ndim
    for i, d in enumerate(perm):
        inv[d] = i
    return a.transpose(tuple(range(nl)) + tuple(nl + inv[d] for d in range(u.ndim)))


def _geometry(u):
    """Row axis (smallest stride among non-trivial axes) and the other axes, outermost first."""
    cand = [d for d in range(u.ndim) if u.shape[d] > 1] or [u.ndim - 1]
    r = min(cand, key=lambda d: (abs(u.strides[d]), -d))
    rest = sorted((d for d in range(u.ndim) if d != r), key=lambda d: (-abs(u.strides[d]), d))
    return r, rest


def _tile(u, r, rest, ops):
    """Rows of the innermost row dim per cache tile (0: no tiling).

    A stencil across an outer row dim reads rows one whole slab (all rows of
    the innermost row dim) apart; walking the innermost dim in tiles keeps
    the ``width`` slabs it reads within ``_TILE_BYTES`` of cache.
    """
    if len(rest) < 2:
        return 0
    outer = set(rest[:-1])
    width = 1
    for (ax, co, *_rest) in ops:
        if ax in outer and len(co):
            width = max(width, int(co[-1] - co[0]) + 1)
    if width == 1:
        return 0
    row_bytes = u.shape[r] * u.itemsize
    if row_bytes == 0:
        return 0
    tile = max(1, _TILE_BYTES // (width * row_bytes))
    return tile if tile < u.shape[rest[-1]] else 0


def _launch(field, lead_stride, outs, terms, specs, nthreads, copies=None):
    """Run the kernel on real or complex data.

    field: the input, or component 0 of a stacked vector input whose
    components are ``lead_stride`` bytes apart; specs: (axis, order, acc,
    mode, spacing, cval, scale) of each operator; terms: for each computed
    output, a list of (spec a, spec b or -1, component) summed into it;
    copies: for each trailing output in ``outs``, the computed output it
    copies.
    """
    r, rest = _geometry(field)
    L = field.shape[r]
    nrows = field.size // max(L, 1)
    work = field.size * max(1, sum(len(t) for t in terms))
    if work < _SERIAL_WORK:
        nthreads = 1
    # rows per work unit: long runs, but enough units to share among threads
    run = max(1, min(_RUN, nrows // (8 * nthreads)))
    if nrows // run >= 4 * nthreads:
        seg = max(L, 1)
    else:
        seg = max(256, -(-L // (8 * nthreads)))
    if field.dtype.kind == "c":
        parts = [(field.real, [o.real for o in outs], lambda c: c.real),
                 (field.imag, [o.imag for o in outs], lambda c: c.imag)]
    else:
        parts = [(field, outs, lambda c: c)]
    for ur, orr, pick in parts:
        ops = [axis_table(field.shape[ax], order, acc, mode, sp, pick(cv), scale).kernel_tuple(ax)
               for (ax, order, acc, mode, sp, cv, scale) in specs]
        kterms = [[(a, b, comp * lead_stride // ur.itemsize) for (a, b, comp) in t]
                  for t in terms]
        tile = _tile(ur, r, rest, ops)
        _k.apply(ur, orr, kterms, ops, r, rest, nthreads, seg, tile, copies,
                 sum(o.nbytes for o in outs) >= _STREAM_BYTES, _CBLK, run)


def _prepare(shape, dtype, ax_list, order_list, acc, boundary, spacing, cval):
    """Validate the common arguments; one spec per (axis, order) pair given.

    Returns the specs (axis, order, acc, mode, spacing, cval, 1.0).
    """
    acc = V.check_acc(acc)
    modes = V.boundary(boundary, len(ax_list))
    sps = V.spacing(spacing, ax_list, shape)
    cv = V.cval(cval, dtype.kind == "c")
    specs = []
    for ax, orders, mode, sp in zip(ax_list, order_list, modes, sps):
        for order in (orders if isinstance(orders, tuple) else (orders,)):
            V.check_points(shape[ax], order, acc, mode, sp, ax)
            specs.append((ax, order, acc, mode, sp, cv, 1.0))
    return specs


def _no_out(out):
    if out is not None:
        raise ValueError("out is not supported for dask arrays: the result is lazy "
                         "(compute it, or use dask.array.store)")


def _result(out, shape, dtype, inputs, like, lead=()):
    res = V.out(out, tuple(lead) + tuple(shape), dtype, inputs)
    return _alloc(like, lead, dtype) if res is None else res


def derivative(u, axis, order=1, *, spacing=None, acc=2, boundary="one-sided",
               cval=0.0, out=None, num_threads=None):
    """Derivative of ``order`` along one axis of a sampled array.

    Parameters
    ----------
    u : array_like
        Samples on a rectilinear grid, any ndim >= 1 and any memory layout.
    axis : int
        Axis to differentiate (negative counts from the end).
    order : int, optional
        Derivative order, >= 1. Default 1.
    spacing : float or 1-D array, optional
        Grid step, or the strictly monotonic coordinates of the axis
        (non-uniform grid). Default 1.0.
    acc : int, optional
        Even accuracy order >= 2; boundary rows keep it. Default 2.
    boundary : str, optional
        ``"one-sided"`` (default), ``"periodic"`` (``"wrap"``), ``"constant"``,
        ``"nearest"``, ``"reflect"`` or ``"mirror"`` (as in scipy.ndimage).
    cval : float, optional
        Value beyond the edges for ``"constant"``. Default 0.0.
    out : ndarray, optional
        Output of the result's shape and dtype, written in place and returned.
    num_threads : int, optional
        OpenMP threads: None = OpenMP's maximum, n > 0 exactly n, n < 0
        ``cpu_count + 1 + n``. Results do not depend on it.

    Returns
    -------
    ndarray
        Same shape as ``u``; float32 for float16/float32 input, float64 for
        float64/integer/bool input, complex of the input's precision.

    Examples
    --------
    >>> import numpy as np, fastdiff as fd
    >>> x = np.linspace(0, 1, 5)
    >>> fd.grid.derivative(x**2, 0, spacing=0.25)
    array([0. , 0.5, 1. , 1.5, 2. ])
    """
    if _xarray.is_xarray(u):
        return _xarray.call("derivative", u, axis, order, spacing=spacing, acc=acc,
                            boundary=boundary, cval=cval, out=out, num_threads=num_threads)
    if _dask.is_dask(u):
        _no_out(out)
        return _dask.derivative(u, axis, order, spacing, acc, boundary, cval, num_threads)
    order = V.check_order(order)
    u, dtype = V.as_input(u)
    ax = V.axis(axis, u.ndim)
    specs = _prepare(u.shape, dtype, (ax,), (order,), acc, boundary, spacing, cval)
    nt = V.num_threads(num_threads)
    res = _result(out, u.shape, dtype, [u], u)
    _launch(u, 0, [res], [[(0, -1, 0)]], specs, nt)
    return res


def gradient(u, *, axes=None, spacing=None, acc=2, boundary="one-sided", cval=0.0,
             out=None, num_threads=None):
    """Gradient of a sampled array: first derivatives along several axes in one pass.

    Parameters
    ----------
    u : array_like
        Samples on a rectilinear grid, any ndim >= 1 and any memory layout.
    axes : int or sequence of int, optional
        Axes to differentiate (default all); component i is along ``axes[i]``.
    spacing : float, or sequence of float / 1-D arrays, optional
        One step for all axes, or one entry per differentiated axis: a step or
        the coordinates of that axis. Default 1.0.
    acc, boundary, cval, num_threads
        As in `derivative`; ``boundary`` may also give one mode per axis.
    out : ndarray, optional
        Output of shape ``(k, *u.shape)``.

    Returns
    -------
    ndarray
        Shape ``(k, *u.shape)`` with k the number of differentiated axes.

    Examples
    --------
    >>> import numpy as np, fastdiff as fd
    >>> y, x = np.mgrid[0:3, 0:4].astype(float)
    >>> g = fd.grid.gradient(x**2 + 3*y)
    >>> g.shape
    (2, 3, 4)
    >>> g[0]
    array([[3., 3., 3., 3.],
           [3., 3., 3., 3.],
           [3., 3., 3., 3.]])
    >>> g[1]
    array([[0., 2., 4., 6.],
           [0., 2., 4., 6.],
           [0., 2., 4., 6.]])
    """
    if _xarray.is_xarray(u):
        return _xarray.call("gradient", u, axes=axes, spacing=spacing, acc=acc, boundary=boundary,
                            cval=cval, out=out, num_threads=num_threads)
    if _dask.is_dask(u):
        _no_out(out)
        return _dask.gradient(u, axes, spacing, acc, boundary, cval, num_threads)
    u, dtype = V.as_input(u)
    ax = V.axes(axes, u.ndim)
    k = len(ax)
    specs = _prepare(u.shape, dtype, ax, (1,) * k, acc, boundary, spacing, cval)
    nt = V.num_threads(num_threads)
    res = _result(out, u.shape, dtype, [u], u, (k,))
    _launch(u, 0, [res[i] for i in range(k)], [[(i, -1, 0)] for i in range(k)], specs, nt)
    return res


_COMMON = """
    spacing : float, or sequence of float / 1-D arrays, optional
        One step for all axes, or one entry per differentiated axis: a step or
        the coordinates of that axis. Default 1.0.
    acc : int, optional
        Even accuracy order >= 2. Default 2.
    boundary : str or sequence of str, optional
        Boundary mode, or one per differentiated axis (see `derivative`).
    cval : float, optional
        Value beyond the edges for ``"constant"``. Default 0.0.
    out : ndarray, optional
        Output of the result's shape and dtype, written and returned.
    num_threads : int, optional
        OpenMP threads (see `derivative`); results do not depend on it."""


def laplacian(u, *, axes=None, spacing=None, acc=2, boundary="one-sided", cval=0.0,
              out=None, num_threads=None):
    """Laplacian: the sum of second derivatives along ``axes``, in one pass over memory.

    Parameters
    ----------
    u : array_like
        Samples on a rectilinear grid.
    axes : int or sequence of int, optional
        Axes summed over (default all).
    {common}

    Returns
    -------
    ndarray
        Same shape as ``u``.

    Examples
    --------
    >>> import numpy as np, fastdiff as fd
    >>> s = np.linspace(-2, 2, 20)
    >>> X, Y = np.meshgrid(s, s, indexing="ij")
    >>> lap = fd.grid.laplacian(X**2 + Y**2, spacing=s[1] - s[0])
    >>> bool(np.allclose(lap, 4.0))
    True
    """
    if _xarray.is_xarray(u):
        return _xarray.call("laplacian", u, axes=axes, spacing=spacing, acc=acc,
                            boundary=boundary, cval=cval, out=out, num_threads=num_threads)
    if _dask.is_dask(u):
        _no_out(out)
        return _dask.laplacian(u, axes, spacing, acc, boundary, cval, num_threads)
    u, dtype = V.as_input(u)
    ax = V.axes(axes, u.ndim)
    k = len(ax)
    specs = _prepare(u.shape, dtype, ax, (2,) * k, acc, boundary, spacing, cval)
    nt = V.num_threads(num_threads)
    res = _result(out, u.shape, dtype, [u], u)
    _launch(u, 0, [res], [[(i, -1, 0) for i in range(k)]], specs, nt)
    return res


def hessian(u, *, axes=None, spacing=None, acc=2, boundary="one-sided", cval=0.0,
            out=None, num_threads=None):
    """Hessian: all second partial derivatives, shape ``(k, k, *u.shape)``.

    The diagonal uses second-derivative stencils; each distinct mixed partial
    is the product of two first-derivative stencils, computed once (in the
    same pass over ``u`` as the rest) and mirrored, so the result is exactly
    symmetric. With ``"constant"`` boundaries the outer derivative of a mixed
    partial sees zeros beyond the edge (the inner derivative of a constant
    ghost row).

    Parameters
    ----------
    u : array_like
        Samples on a rectilinear grid.
    axes : int or sequence of int, optional
        Axes differentiated (default all); ``H[i, j]`` is along
        ``axes[i]`` and ``axes[j]``.
    {common}

    Returns
    -------
    ndarray
        Shape ``(k, k, *u.shape)``.

    Examples
    --------
    >>> import numpy as np, fastdiff as fd
    >>> s = np.linspace(-1, 1, 9)
    >>> X, Y = np.meshgrid(s, s, indexing="ij")
    >>> H = fd.grid.hessian(X**3 - 2*X*Y - Y**2, spacing=s[1] - s[0])
    >>> H.shape
    (2, 2, 9, 9)
    >>> np.round(H[:, :, 6, 4], 12)    # at (x, y) = (0.5, 0): [[6x, -2], [-2, -2]]
    array([[ 3., -2.],
           [-2., -2.]])
    """
    if _xarray.is_xarray(u):
        return _xarray.call("hessian", u, axes=axes, spacing=spacing, acc=acc, boundary=boundary,
                            cval=cval, out=out, num_threads=num_threads)
    if _dask.is_dask(u):
        _no_out(out)
        return _dask.hessian(u, axes, spacing, acc, boundary, cval, num_threads)
    u, dtype = V.as_input(u)
    ax = V.axes(axes, u.ndim)
    k = len(ax)
    orders = (2,) if k == 1 else (2, 1)
    specs = _prepare(u.shape, dtype, ax, (orders,) * k, acc, boundary, spacing, cval)
    d2 = [len(orders) * i for i in range(k)]          # spec of the second derivative
    d1 = [len(orders) * i + 1 for i in range(k)]      # spec of the first derivative
    nt = V.num_threads(num_threads)
    res = _result(out, u.shape, dtype, [u], u, (k, k))
    outs, terms, copies, mirror = [], [], [], []
    for i in range(k):
        outs.append(res[i, i])
        terms.append([(d2[i], -1, 0)])
    for i in range(k):
        for j in range(i + 1, k):
            terms.append([(d1[i], d1[j], 0)])
            outs.append(res[i, j])
            mirror.append((res[j, i], len(outs) - 1))
    for arr, src in mirror:
        outs.append(arr)
        copies.append(src)
    _launch(u, 0, outs, terms, specs, nt, copies)
    return res


def divergence(v, *, axes=None, spacing=None, acc=2, boundary="one-sided", cval=0.0,
               out=None, num_threads=None):
    """Divergence of a vector field ``v`` of shape ``(k, *S)``: sum_i dv_i/dx_i.

    Parameters
    ----------
    v : array_like
        Components stacked along the first axis; ``v[i]`` pairs with
        ``axes[i]`` (axes of ``S``, default all of them, so ``k = len(S)``).
    axes : sequence of int, optional
        Axes of ``S`` differentiated; ``len(axes)`` must equal ``v.shape[0]``.
    {common}

    Returns
    -------
    ndarray
        Shape ``S``.

    Examples
    --------
    >>> import numpy as np, fastdiff as fd
    >>> y, x = np.mgrid[0:5, 0:6].astype(float)
    >>> fd.grid.divergence(np.stack([3 * y, x * y]))[2]    # d(3y)/dy + d(xy)/dx = 3 + y
    array([5., 5., 5., 5., 5., 5.])
    """
    if _xarray.is_xarray(v):
        return _xarray.call("divergence", v, axes=axes, spacing=spacing, acc=acc,
                            boundary=boundary, cval=cval, out=out, num_threads=num_threads)
    if _dask.is_dask(v):
        _no_out(out)
        d, _, ax = _dask.components(v, axes, spacing, acc, boundary, cval, num_threads)
        V.components(v, len(ax))
        total = d(0, 0)
        for i in range(1, len(ax)):
            total = total + d(i, i)
        return total
    v, dtype, ax = V.vector_field(v, axes)
    k = len(ax)
    V.components(v, k)
    field = v[0]
    specs = _prepare(field.shape, dtype, ax, (1,) * k, acc, boundary, spacing, cval)
    nt = V.num_threads(num_threads)
    res = _result(out, field.shape, dtype, [v], field)
    _launch(field, v.strides[0], [res], [[(i, -1, i) for i in range(k)]], specs, nt)
    return res


def curl(v, *, axes=None, spacing=None, acc=2, boundary="one-sided", cval=0.0, out=None,
         num_threads=None):
    """Curl of a 3-D vector field, or the scalar curl of a 2-D one.

    Parameters
    ----------
    v : array_like
        Shape ``(3, *S)`` (result ``(3, *S)``: ``(D1 v2 - D2 v1, D2 v0 - D0 v2,
        D0 v1 - D1 v0)``) or ``(2, *S)`` (result ``S``: ``D0 v1 - D1 v0``),
        where ``Di`` differentiates along ``axes[i]``.
    axes : sequence of int, optional
        Axes of ``S`` (default all; ``S`` must then have 2 or 3 dimensions).
    {common}

    Returns
    -------
    ndarray

    Examples
    --------
    >>> import numpy as np, fastdiff as fd
    >>> x, y = np.mgrid[0:4, 0:5].astype(float)
    >>> fd.grid.curl(np.stack([-y, x]))        # rigid rotation: curl 2 everywhere
    array([[2., 2., 2., 2., 2.],
           [2., 2., 2., 2., 2.],
           [2., 2., 2., 2., 2.],
           [2., 2., 2., 2., 2.]])
    """
    if _xarray.is_xarray(v):
        return _xarray.call("curl", v, axes=axes, spacing=spacing, acc=acc, boundary=boundary,
                            cval=cval, out=out, num_threads=num_threads)
    if _dask.is_dask(v):
        import dask.array as da
        _no_out(out)
        d, _, ax = _dask.components(v, axes, spacing, acc, boundary, cval, num_threads)
        k = len(ax)
        if k not in (2, 3):
            raise ValueError(f"curl needs 2 or 3 differentiated axes, got {k} (axes={ax})")
        V.components(v, k)
        if k == 2:
            return d(1, 0) - d(0, 1)
        return da.stack([d(2, 1) - d(1, 2), d(0, 2) - d(2, 0), d(1, 0) - d(0, 1)])
    v, dtype, ax = V.vector_field(v, axes)
    k = len(ax)
    if k not in (2, 3):
        raise ValueError(f"curl needs 2 or 3 differentiated axes, got {k} (axes={ax})")
    V.components(v, k)
    field = v[0]
    base = _prepare(field.shape, dtype, ax, (1,) * k, acc, boundary, spacing, cval)
    # spec i: +D_i, spec k + i: -D_i
    specs = base + [s[:6] + (-1.0,) for s in base]
    nt = V.num_threads(num_threads)
    if k == 2:
        res = _result(out, field.shape, dtype, [v], field)
        _launch(field, v.strides[0], [res], [[(0, -1, 1), (k + 1, -1, 0)]], specs, nt)
        return res
    res = _result(out, field.shape, dtype, [v], field, (3,))
    terms = [[(1, -1, 2), (k + 2, -1, 1)],
             [(2, -1, 0), (k + 0, -1, 2)],
             [(0, -1, 1), (k + 1, -1, 0)]]
    _launch(field, v.strides[0], [res[0], res[1], res[2]], terms, specs, nt)
    return res


def jacobian(v, *, axes=None, spacing=None, acc=2, boundary="one-sided", cval=0.0,
             out=None, num_threads=None):
    """Jacobian of a vector field ``v`` of shape ``(m, *S)``: ``J[i, j] = dv_i/dx_j``.

    Parameters
    ----------
    v : array_like
        Components stacked along the first axis (any m >= 1).
    axes : sequence of int, optional
        Axes of ``S`` differentiated (default all); ``J[:, j]`` is along
        ``axes[j]``.
    {common}

    Returns
    -------
    ndarray
        Shape ``(m, k, *S)``; all m*k derivatives in one pass over ``v``.

    Examples
    --------
    >>> import numpy as np, fastdiff as fd
    >>> x, y = np.mgrid[0:4, 0:5].astype(float)
    >>> J = fd.grid.jacobian(np.stack([x**2 + y, x * y]))   # [[2x, 1], [y, x]]
    >>> J.shape
    (2, 2, 4, 5)
    >>> J[:, :, 1, 2]
    array([[2., 1.],
           [2., 1.]])
    """
    if _xarray.is_xarray(v):
        return _xarray.call("jacobian", v, axes=axes, spacing=spacing, acc=acc, boundary=boundary,
                            cval=cval, out=out, num_threads=num_threads)
    if _dask.is_dask(v):
        import dask.array as da
        _no_out(out)
        d, _, ax = _dask.components(v, axes, spacing, acc, boundary, cval, num_threads)
        return da.stack([da.stack([d(i, j) for j in range(len(ax))])
                         for i in range(v.shape[0])])
    v, dtype, ax = V.vector_field(v, axes)
    k = len(ax)
    m = v.shape[0]
    field = v[0]
    specs = _prepare(field.shape, dtype, ax, (1,) * k, acc, boundary, spacing, cval)
    nt = V.num_threads(num_threads)
    res = _result(out, field.shape, dtype, [v], field, (m, k))
    outs = [res[i, j] for i in range(m) for j in range(k)]
    terms = [[(j, -1, i)] for i in range(m) for j in range(k)]
    _launch(field, v.strides[0], outs, terms, specs, nt)
    return res


def directional(u, direction, *, normalize=True, axes=None, spacing=None, acc=2,
                boundary="one-sided", cval=0.0, out=None, num_threads=None):
    """Directional derivative: the gradient along ``axes`` dotted with ``direction``.

    Parameters
    ----------
    u : array_like
        Samples on a rectilinear grid.
    direction : array_like
        Shape ``(k,)`` (one direction everywhere; the derivative is computed
        in one pass as a weighted sum of first derivatives) or ``(k, *u.shape)``
        (a direction per grid point).
    normalize : bool, optional
        Divide the direction by its Euclidean norm (default True), so the
        result is the rate of change per unit length. A zero constant
        direction is an error; where a direction field is zero the result
        is 0.
    axes : sequence of int, optional
        Axes the direction's components refer to (default all).
    {common}

    Returns
    -------
    ndarray
        Same shape as ``u``.

    Examples
    --------
    >>> import numpy as np, fastdiff as fd
    >>> x, y = np.mgrid[0:4, 0:5].astype(float)
    >>> d = fd.grid.directional(x**2 + y**2, [1, 1])      # (2x + 2y) / sqrt(2)
    >>> bool(np.allclose(d, (2 * x + 2 * y) / np.sqrt(2)))
    True
    """
    if _xarray.is_xarray(u):
        return _xarray.call("directional", u, direction, normalize=normalize, axes=axes,
                            spacing=spacing, acc=acc, boundary=boundary, cval=cval, out=out,
                            num_threads=num_threads)
    if _dask.is_dask(u):
        _no_out(out)
        g = _dask.gradient(u, axes, spacing, acc, boundary, cval, num_threads)
        d = V.direction(direction, g.shape[0], u.shape, normalize)
        if d.ndim == 1:
            total = d[0] * g[0]
            for i in range(1, len(d)):
                total = total + d[i] * g[i]
            return total
        return (g * d.astype(g.real.dtype)).sum(axis=0)
    u, dtype = V.as_input(u)
    ax = V.axes(axes, u.ndim)
    k = len(ax)
    d = V.direction(direction, k, u.shape, normalize)
    if d.ndim > 1:
        g = gradient(u, axes=ax, spacing=spacing, acc=acc, boundary=boundary, cval=cval,
                     num_threads=num_threads)
        res = V.out(out, u.shape, dtype, [u, d])
        return np.einsum("i...,i...->...", g, d.astype(g.real.dtype), out=res)
    specs = _prepare(u.shape, dtype, ax, (1,) * k, acc, boundary, spacing, cval)
    specs = [s[:6] + (float(d[i]),) for i, s in enumerate(specs)]
    keep = [i for i in range(k) if d[i] != 0.0]
    nt = V.num_threads(num_threads)
    res = _result(out, u.shape, dtype, [u], u)
    _launch(u, 0, [res], [[(i, -1, 0) for i in keep]], specs, nt)
    return res


def _sparse_axis(shape, axis, order, acc, mode, sp, scale=1.0):
    """kron(I, D_axis, I) acting on the C-order ravel of an array of ``shape``."""
    try:
        from scipy import sparse
    except ImportError as exc:
        raise ImportError("fastdiff.grid.matrix and laplacian_matrix need scipy "
                          "(pip install scipy)") from exc
    from ._tables import sparse_1d
    n = shape[axis]
    D = sparse_1d(n, axis_table(n, order, acc, mode, sp, 0.0, scale))
    pre = int(np.prod(shape[:axis], dtype=np.int64))
    post = int(np.prod(shape[axis + 1:], dtype=np.int64))
    return sparse.kron(sparse.kron(sparse.identity(pre, format="csr"), D, format="csr"),
                       sparse.identity(post, format="csr"), format="csr")


def _shape(shape):
    try:
        shp = tuple(int(operator_index(s)) for s in shape)
    except TypeError:
        raise TypeError(f"shape must be a sequence of integers, got {shape!r}") from None
    if not shp or any(s < 1 for s in shp):
        raise ValueError(f"shape must be a non-empty sequence of positive integers, got {shape!r}")
    return shp


def matrix(shape, order=1, axis=0, *, spacing=1.0, acc=2, boundary="one-sided"):
    """The derivative operator as a ``scipy.sparse`` CSR matrix acting on ``u.ravel()``.

    ``matrix(u.shape, order, axis, ...) @ u.ravel()`` equals
    ``derivative(u, axis, order, ...).ravel()`` (C order) for every boundary
    mode; for ``"constant"`` the ghost values are 0 (an affine ``cval`` has
    no matrix form: add ``derivative(zeros, ..., cval=c)`` for it).

    Parameters
    ----------
    shape : tuple of int
        Shape of the arrays the operator acts on.
    order, axis, spacing, acc, boundary
        As in `derivative`.

    Returns
    -------
    scipy.sparse.csr_matrix
        Shape ``(prod(shape), prod(shape))``.

    Examples
    --------
    >>> import fastdiff as fd
    >>> fd.grid.matrix((5,), 2, boundary="periodic").toarray()
    array([[-2.,  1.,  0.,  0.,  1.],
           [ 1., -2.,  1.,  0.,  0.],
           [ 0.,  1., -2.,  1.,  0.],
           [ 0.,  0.,  1., -2.,  1.],
           [ 1.,  0.,  0.,  1., -2.]])
    """
    shp = _shape(shape)
    order = V.check_order(order)
    ax = V.axis(axis, len(shp))
    (spec,) = _prepare(shp, np.dtype(np.float64), (ax,), (order,), acc, boundary, spacing, 0.0)
    return _sparse_axis(shp, ax, order, spec[2], spec[3], spec[4])


def laplacian_matrix(shape, *, axes=None, spacing=1.0, acc=2, boundary="one-sided"):
    """The Laplacian as a ``scipy.sparse`` CSR matrix acting on ``u.ravel()``.

    ``laplacian_matrix(u.shape, ...) @ u.ravel()`` equals
    ``laplacian(u, ...).ravel()``; see `matrix` for ``"constant"`` mode.

    Examples
    --------
    >>> import numpy as np, fastdiff as fd
    >>> A = fd.grid.laplacian_matrix((3, 4), boundary="constant")
    >>> A.shape
    (12, 12)
    >>> u = np.arange(12.0).reshape(3, 4) ** 2
    >>> bool(np.allclose(A @ u.ravel(), fd.grid.laplacian(u, boundary="constant").ravel()))
    True
    """
    shp = _shape(shape)
    ax = V.axes(axes, len(shp))
    specs = _prepare(shp, np.dtype(np.float64), ax, (2,) * len(ax), acc, boundary, spacing, 0.0)
    mats = [_sparse_axis(shp, s[0], 2, s[2], s[3], s[4]) for s in specs]
    total = mats[0]
    for m in mats[1:]:
        total = total + m
    return total.tocsr()


for _f in (laplacian, hessian, divergence, curl, jacobian, directional):
    _f.__doc__ = _f.__doc__.replace("    {common}", _COMMON.strip("\n"))
del _f
