"""Finite-difference derivatives of arrays sampled on rectilinear grids.

Every function validates its arguments (``_validation``), builds the 1-D
operator tables of each differentiated axis (``_tables``) and hands them to
one compiled kernel (``_kernels._grid.apply``) that writes the output.
"""
from __future__ import annotations

import numpy as np

from . import _validation as V
from ._kernels import _grid as _k
from ._tables import axis_table

__all__ = ["derivative", "gradient"]

# below this many output elements x terms the kernels run on one thread
_SERIAL_WORK = 1 << 15
# a single output at least this large (bytes) is written with non-temporal
# stores: it would not stay in cache anyway, and skipping the
# read-for-ownership of each destination line saves memory bandwidth.  (With
# several outputs, measured on 256^3 gradients, streaming did not pay.)
_STREAM_BYTES = 16 << 20
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
    tile = max(1, _TILE_BYTES // (width * row_bytes))
    return tile if tile < u.shape[rest[-1]] else 0


def _launch(u, outs, terms, specs, nthreads):
    """Run the kernel on real or complex data.

    specs: list of (axis, order, acc, mode, spacing, cval) describing each op;
    terms: for each output, the indices of the specs summed into it.
    """
    r, rest = _geometry(u)
    L = u.shape[r]
    nrows = u.size // max(L, 1)
    work = u.size * max(1, sum(len(t) for t in terms))
    if work < _SERIAL_WORK:
        nthreads = 1
    if nrows >= 4 * nthreads:
        seg = max(L, 1)
    else:
        seg = max(256, -(-L // (8 * nthreads)))
    stream = len(outs) == 1 and outs[0].nbytes >= _STREAM_BYTES
    if u.dtype.kind == "c":
        parts = [(u.real, [o.real for o in outs], lambda c: c.real),
                 (u.imag, [o.imag for o in outs], lambda c: c.imag)]
    else:
        parts = [(u, outs, lambda c: c)]
    for ur, orr, pick in parts:
        ops = [axis_table(u.shape[ax], order, acc, mode, sp, pick(cv)).kernel_tuple(ax)
               for (ax, order, acc, mode, sp, cv) in specs]
        tile = _tile(ur, r, rest, ops)
        _k.apply(ur, orr, terms, ops, r, rest, nthreads, seg, tile, stream)


def _prepare(u, dtype, ax_list, order_list, acc, boundary, spacing, cval):
    """Validate the common arguments of an ``as_input``-normalised u; return specs."""
    acc = V.check_acc(acc)
    modes = V.boundary(boundary, len(ax_list))
    sps = V.spacing(spacing, ax_list, u.shape)
    cv = V.cval(cval, dtype.kind == "c")
    specs = []
    for ax, order, mode, sp in zip(ax_list, order_list, modes, sps):
        V.check_points(u.shape[ax], order, acc, mode, sp, ax)
        specs.append((ax, order, acc, mode, sp, cv))
    return specs


def derivative(u, axis, order=1, *, spacing=1.0, acc=2, boundary="one-sided",
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
    order = V.check_order(order)
    u, dtype = V.as_input(u)
    ax = V.axis(axis, u.ndim)
    specs = _prepare(u, dtype, (ax,), (order,), acc, boundary, spacing, cval)
    nt = V.num_threads(num_threads)
    res = V.out(out, u.shape, dtype, [u])
    if res is None:
        res = _alloc(u, (), dtype)
    _launch(u, [res], [[0]], specs, nt)
    return res


def gradient(u, *, axes=None, spacing=1.0, acc=2, boundary="one-sided", cval=0.0,
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
    u, dtype = V.as_input(u)
    ax = V.axes(axes, u.ndim)
    specs = _prepare(u, dtype, ax, (1,) * len(ax), acc, boundary, spacing, cval)
    nt = V.num_threads(num_threads)
    k = len(ax)
    res = V.out(out, (k,) + u.shape, dtype, [u])
    if res is None:
        res = _alloc(u, (k,), dtype)
    _launch(u, [res[i] for i in range(k)], [[i] for i in range(k)], specs, nt)
    return res
