"""dask arrays in fastdiff.grid: lazy results built with ``map_overlap``.

Every operator is applied block by block with exactly the halo its stencil
needs along each differentiated axis: the central reach for uniform grids,
``acc + order - 1`` for non-uniform ones (whose windows must never be
clipped by a block edge).  On the outer edges there is no halo
(``boundary="none"``) and fastdiff's own boundary handling applies, since a
block that touches the array's edge sees that edge exactly as the whole
array does; ``"periodic"`` axes take dask's periodic halo instead.  Chunks too
small for the halo (or for a one-sided edge stencil) are merged first and
the result is rechunked back, so output chunks always match input chunks.

Mixed partials compose two first derivatives (the outer one with ``cval=0``
beyond the edges, the rule of the in-memory kernel); gradients, Hessians
and Jacobians stack their components lazily.
"""
from __future__ import annotations

import numpy as np

from . import _validation as V


def is_dask(a):
    return type(a).__module__.split(".")[0] == "dask" and hasattr(a, "map_overlap")


def _reach(order, acc, sp):
    """Halo (points) a block needs on each side along the axis."""
    if sp[0] == "coords":
        return acc + order - 1
    return (order + 1) // 2 - 1 + acc // 2


def _derivative(u, axis, order, acc, mode, sp, cval, nt, dtype):
    """One lazy derivative along ``axis`` (already validated arguments)."""
    from . import grid

    n = u.shape[axis]
    depth = _reach(order, acc, sp)
    need = max(depth, acc + order if mode == "one-sided" or sp[0] == "coords" else 1, 1)
    orig_chunks = u.chunks
    chunks = list(u.chunks[axis])
    if min(chunks) < need and len(chunks) > 1:
        # merge small chunks (never a wrong answer), rechunk back afterwards
        nb = max(1, n // need)
        u = u.rechunk({axis: tuple(n // nb + (1 if i < n % nb else 0) for i in range(nb))})
    chunks = u.chunks[axis]
    starts = np.concatenate([[0], np.cumsum(chunks)])
    nblocks = len(chunks)
    periodic = mode == "periodic"
    spec_tail = (acc, mode)

    def block(b, block_info=None):
        k = block_info[0]["chunk-location"][axis] if block_info else 0
        if sp[0] == "coords":
            left = depth if k > 0 else 0
            x = sp[1][starts[k] - left: starts[k] - left + b.shape[axis]]
            s = ("coords", np.ascontiguousarray(x))
        else:
            s = sp
        res = np.empty(b.shape, dtype=dtype)
        grid._launch(np.ascontiguousarray(b), 0, [res], [[(0, -1, 0)]],
                     [(axis, order) + spec_tail + (s, cval, 1.0)], nt)
        return res

    if nblocks == 1:
        out = u.map_blocks(block, dtype=dtype)
    else:
        depth_map = {d: (depth if d == axis else 0) for d in range(u.ndim)}
        bnd = {d: ("periodic" if (d == axis and periodic) else "none") for d in range(u.ndim)}
        out = u.map_overlap(block, depth=depth_map, boundary=bnd, dtype=dtype, trim=True)
    if out.chunks != orig_chunks:
        out = out.rechunk(orig_chunks)
    return out


def _prepare(u, ax_list, orders, acc, boundary, spacing, cval):
    """Validate like fastdiff.grid (shape and dtype of the dask array)."""
    dtype = V.as_input(np.empty((1,) * u.ndim, dtype=u.dtype))[1]
    if u.ndim == 0:
        raise ValueError("u must have at least one dimension, got a 0-d array")
    acc = V.check_acc(acc)
    modes = V.boundary(boundary, len(ax_list))
    sps = V.spacing(spacing, ax_list, u.shape)
    cv = V.cval(cval, dtype.kind == "c")
    for ax, order, mode, sp in zip(ax_list, orders, modes, sps):
        V.check_points(u.shape[ax], order, acc, mode, sp, ax)
    return dtype, acc, modes, sps, cv


def _as_dtype(u, dtype):
    return u if u.dtype == dtype else u.astype(dtype)


def derivative(u, axis, order, spacing, acc, boundary, cval, num_threads):
    order = V.check_order(order)
    ax = V.axis(axis, u.ndim)
    dtype, acc, (mode,), (sp,), cv = _prepare(u, (ax,), (order,), acc, boundary, spacing,
                                              cval)
    nt = V.num_threads(num_threads)
    return _derivative(_as_dtype(u, dtype), ax, order, acc, mode, sp, cv, nt, dtype)


def gradient(u, axes, spacing, acc, boundary, cval, num_threads):
    import dask.array as da
    ax = V.axes(axes, u.ndim)
    dtype, acc, modes, sps, cv = _prepare(u, ax, (1,) * len(ax), acc, boundary, spacing, cval)
    nt = V.num_threads(num_threads)
    u = _as_dtype(u, dtype)
    return da.stack([_derivative(u, a, 1, acc, m, s, cv, nt, dtype)
                     for a, m, s in zip(ax, modes, sps)])


def laplacian(u, axes, spacing, acc, boundary, cval, num_threads):
    ax = V.axes(axes, u.ndim)
    dtype, acc, modes, sps, cv = _prepare(u, ax, (2,) * len(ax), acc, boundary, spacing, cval)
    nt = V.num_threads(num_threads)
    u = _as_dtype(u, dtype)
    parts = [_derivative(u, a, 2, acc, m, s, cv, nt, dtype) for a, m, s in zip(ax, modes, sps)]
    total = parts[0]
    for p in parts[1:]:
        total = total + p
    return total


def hessian(u, axes, spacing, acc, boundary, cval, num_threads):
    import dask.array as da
    ax = V.axes(axes, u.ndim)
    k = len(ax)
    dtype, acc, modes, sps, cv = _prepare(u, ax, (2,) * k, acc, boundary, spacing, cval)
    nt = V.num_threads(num_threads)
    u = _as_dtype(u, dtype)
    zero = complex(0) if dtype.kind == "c" else 0.0
    first = [_derivative(u, a, 1, acc, m, s, cv, nt, dtype) for a, m, s in zip(ax, modes, sps)]
    rows = [[None] * k for _ in range(k)]
    for i in range(k):
        rows[i][i] = _derivative(u, ax[i], 2, acc, modes[i], sps[i], cv, nt, dtype)
        for j in range(i + 1, k):
            rows[i][j] = _derivative(first[j], ax[i], 1, acc, modes[i], sps[i], zero, nt,
                                     dtype)
            rows[j][i] = rows[i][j]
    return da.stack([da.stack(r) for r in rows])


def components(v, axes, spacing, acc, boundary, cval, num_threads):
    """Validated first derivatives dv_i/dx_axes[j] of a stacked dask field, as a
    function (i, j) -> lazy array, plus the result dtype and axes."""
    if v.ndim < 2:
        raise ValueError(f"v must be a stack of fields of shape (m, *S), got shape {v.shape}")
    ax = V.axes(axes, v.ndim - 1)
    field_shape = v.shape[1:]

    class _Shape:
        ndim = len(field_shape)
        shape = field_shape
        dtype = v.dtype

    dtype, acc, modes, sps, cv = _prepare(_Shape, ax, (1,) * len(ax), acc, boundary, spacing,
                                          cval)
    nt = V.num_threads(num_threads)
    v = _as_dtype(v, dtype)

    def d(i, j):
        return _derivative(v[i], ax[j], 1, acc, modes[j], sps[j], cv, nt, dtype)

    return d, dtype, ax
