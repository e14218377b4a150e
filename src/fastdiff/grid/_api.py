"""Finite-difference derivatives of arrays sampled on rectilinear grids.

Every public function here is a plan builder: its arguments are validated
once into a ``Plan`` (``_plan``), which the executor (``_execute``) runs on
the kernel.  Plans of hashable arguments are cached, so a repeated call
costs a dictionary look-up and the kernel.  dask arrays and xarray
DataArrays go to the adapters (``fastdiff._adapters``), which run the same
plan per block.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .._typing import Array, ArrayLike, Axes, Boundary, Spacing, Threads
from .. import _validation as V
from .._adapters import dispatch, is_dask
from . import _execute, _plan

__all__ = ["derivative", "gradient", "laplacian", "hessian", "divergence", "curl",
           "jacobian", "directional", "matrix", "laplacian_matrix"]

# plans of recent calls, keyed by every argument that shapes them
_PLANS: dict = {}
_MAX_PLANS = 256


class _Unhashable(Exception):
    pass


def _freeze(x):
    """A hashable key for an argument value, exact in type (1, 1.0 and True
    differ); _Unhashable for arrays (a coordinate array is not cached)."""
    if x is None or isinstance(x, str):
        return x
    if isinstance(x, (list, tuple)):
        return (type(x).__name__,) + tuple(_freeze(e) for e in x)
    if isinstance(x, np.ndarray):
        raise _Unhashable
    try:
        hash(x)
    except TypeError:
        raise _Unhashable from None
    return (type(x).__name__, x)


def build(builder, shape, dtype, ncomp, kw, cache=True):
    """The plan for these arguments (validated once, then cached when hashable
    and ``cache``: plans holding coefficient arrays are not kept)."""
    try:
        key = ((builder, shape, dtype, ncomp) + tuple((k, _freeze(v)) for k, v in kw.items())
               if cache else None)
    except _Unhashable:
        key = None
    plan = _PLANS.get(key) if key is not None else None
    if plan is None:
        if ncomp is None:
            plan = builder(shape, dtype, **kw)
        else:
            plan = builder(shape, dtype, ncomp, **kw)
        if key is not None:
            if len(_PLANS) >= _MAX_PLANS:
                _PLANS.clear()
            _PLANS[key] = plan
    return plan


def _make_plan(builder, u, vector, kw, cache=True):
    """Validate ``u`` (an ndarray, or a dask array's shape and dtype) and return
    ``(plan, u)``, u converted as the kernel needs it."""
    lazy = type(u) is not np.ndarray and is_dask(u)
    name = "v" if vector else "u"
    if lazy:
        V.field_ndim(u.ndim, name)
        _, dtype = V.as_input(np.empty((1,) * u.ndim, dtype=u.dtype), name=name)
    else:
        u, dtype = V.as_input(u, name=name)
    if vector:
        V.field_stack(u.shape)
        plan = build(builder, tuple(u.shape[1:]), dtype, int(u.shape[0]), kw, cache)
    else:
        plan = build(builder, tuple(u.shape), dtype, None, kw, cache)
    return plan, u


def run(builder, u, out, num_threads, vector=False, cache=True, **kw):
    """Validate u, build (or find) the plan, run it; adapters first."""
    if type(u) is not np.ndarray:
        def make(data, kw2):
            return _make_plan(builder, data, vector, kw2, cache)
        make.axes = getattr(builder, "axes", None)      # (an expression's: see _Builder)
        res = dispatch(u, make, out, num_threads, vector, kw)
        if res is not None:
            return res
    plan, u = _make_plan(builder, u, vector, kw, cache)
    if num_threads is None and out is not None and _execute.run_last(plan, u, out):
        return out          # (out and threads as in the plan's last call)
    nt = V.num_threads(num_threads)
    res = _execute.result(plan, u, out)
    return _execute.execute(plan, u, res, nt)


def derivative(u: ArrayLike, axis: int, order: int = 1, *, spacing: Spacing = None, acc: int = 2,
               boundary: Boundary = "one-sided", cval: complex = 0.0, out: Array | None = None,
               num_threads: Threads = None) -> Any:
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
    order = V.check_order(order)
    return run(_plan.derivative, u, out, num_threads, axis=axis, order=order, spacing=spacing,
               acc=acc, boundary=boundary, cval=cval)


def gradient(u: ArrayLike, *, axes: Axes = None, spacing: Spacing = None, acc: int = 2,
             boundary: Boundary = "one-sided", cval: complex = 0.0, out: Array | None = None,
             num_threads: Threads = None) -> Any:
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
    return run(_plan.gradient, u, out, num_threads, axes=axes, spacing=spacing, acc=acc,
               boundary=boundary, cval=cval)


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


def laplacian(u: ArrayLike, *, axes: Axes = None, spacing: Spacing = None, acc: int = 2,
              boundary: Boundary = "one-sided", cval: complex = 0.0, out: Array | None = None,
              num_threads: Threads = None) -> Any:
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
    return run(_plan.laplacian, u, out, num_threads, axes=axes, spacing=spacing, acc=acc,
               boundary=boundary, cval=cval)


def hessian(u: ArrayLike, *, axes: Axes = None, spacing: Spacing = None, acc: int = 2,
            boundary: Boundary = "one-sided", cval: complex = 0.0, out: Array | None = None,
            num_threads: Threads = None) -> Any:
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
    return run(_plan.hessian, u, out, num_threads, axes=axes, spacing=spacing, acc=acc,
               boundary=boundary, cval=cval)


def divergence(v: ArrayLike, *, axes: Axes = None, spacing: Spacing = None, acc: int = 2,
               boundary: Boundary = "one-sided", cval: complex = 0.0, out: Array | None = None,
               num_threads: Threads = None) -> Any:
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
    return run(_plan.divergence, v, out, num_threads, vector=True, axes=axes,
               spacing=spacing, acc=acc, boundary=boundary, cval=cval)


def curl(v: ArrayLike, *, axes: Axes = None, spacing: Spacing = None, acc: int = 2,
         boundary: Boundary = "one-sided", cval: complex = 0.0, out: Array | None = None,
         num_threads: Threads = None) -> Any:
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
    return run(_plan.curl, v, out, num_threads, vector=True, axes=axes, spacing=spacing,
               acc=acc, boundary=boundary, cval=cval)


def jacobian(v: ArrayLike, *, axes: Axes = None, spacing: Spacing = None, acc: int = 2,
             boundary: Boundary = "one-sided", cval: complex = 0.0, out: Array | None = None,
             num_threads: Threads = None) -> Any:
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
    return run(_plan.jacobian, v, out, num_threads, vector=True, axes=axes, spacing=spacing,
               acc=acc, boundary=boundary, cval=cval)


def directional(u: ArrayLike, direction: ArrayLike, *, normalize: bool = True, axes: Axes = None,
                spacing: Spacing = None, acc: int = 2, boundary: Boundary = "one-sided",
                cval: complex = 0.0, out: Array | None = None, num_threads: Threads = None) -> Any:
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
    # a direction field becomes coefficient arrays: that plan is not cached
    return run(_plan.directional, u, out, num_threads, cache=np.ndim(direction) <= 1,
               direction=direction, normalize=normalize, axes=axes, spacing=spacing, acc=acc,
               boundary=boundary, cval=cval)


def matrix(shape: Sequence[int], order: int = 1, axis: int = 0, *, spacing: Spacing = 1.0,
           acc: int = 2, boundary: Boundary = "one-sided") -> Any:
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
    shp = V.shape(shape)
    order = V.check_order(order)
    return _plan.derivative(shp, np.dtype(np.float64), axis, order, spacing, acc, boundary,
                            0.0).matrix()


def laplacian_matrix(shape: Sequence[int], *, axes: Axes = None, spacing: Spacing = 1.0,
                     acc: int = 2, boundary: Boundary = "one-sided") -> Any:
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
    shp = V.shape(shape)
    return _plan.laplacian(shp, np.dtype(np.float64), axes, spacing, acc, boundary,
                           0.0).matrix()


for _f in (laplacian, hessian, divergence, curl, jacobian, directional):
    _f.__doc__ = (_f.__doc__ or "").replace("    {common}", _COMMON.strip("\n"))
del _f
