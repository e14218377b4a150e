"""dask arrays: a plan run block by block (``map_blocks`` on an overlapped array).

Each block gets exactly the plan's halo along each axis (``Plan.halo``: the
central reach for uniform grids, ``acc + order - 1`` for non-uniform ones,
whose windows must never be clipped by a block edge) and runs the plan,
rebuilt for the block's shape and coordinates; the halo is then trimmed.  On
the outer edges there is no halo and fastdiff's own boundary handling
applies, since a block that touches the array's edge sees that edge exactly
as the whole array does; ``"periodic"`` axes take dask's periodic halo
instead.  Chunks too small for the halo (or for a one-sided edge stencil)
are merged first and the result is rechunked back, so output chunks always
match input chunks.  Coefficient arrays are chunked and overlapped like the
input.  All outputs of a plan (a gradient's components, a Hessian) come
from one pass over each block.

dask runs one task per thread (threaded scheduler, distributed workers) or
per process: a block runs on one OpenMP thread unless ``num_threads`` is
given, so blocks do not each start a full team on the same cores.
"""
from __future__ import annotations

import numpy as np

from .. import _validation as V


def is_dask(a):
    return type(a).__module__.split(".")[0] == "dask" and hasattr(a, "map_overlap")


def _merged(n, chunks, need):
    """Chunks of at least ``need`` points (never a wrong answer), or the original."""
    if len(chunks) == 1 or min(chunks) >= need:
        return chunks
    nb = max(1, n // need)
    return tuple(n // nb + (1 if i < n % nb else 0) for i in range(nb))


def run_plan(plan, u, num_threads=None, alpha=1.0):
    """The lazy result of ``plan`` on dask array ``u`` (validated shape)."""
    import dask.array as da

    lead_in = 0 if plan.ncomp is None else 1
    if u.dtype != plan.dtype or tuple(u.shape) != tuple(plan.input_shape):
        _, dtype = V.as_input(np.empty((1,) * u.ndim, dtype=u.dtype))
        V.plan_input("u", u.shape, dtype, plan)
        u = u.astype(plan.dtype)
    nd = len(plan.shape)
    nl = len(plan.lead)
    halo = plan.halo
    need = plan.min_points()
    all_ops = plan.all_ops()        # staged sub-plans' operators included
    periodic = {op.axis for op in all_ops if op.order > 0 and op.mode == "periodic"}
    orig = u.chunks
    want = {0: -1} if lead_in else {}
    for ax in range(nd):
        a = ax + lead_in
        new = _merged(plan.shape[ax], u.chunks[a], max(need[ax], halo[ax]))
        if new != u.chunks[a]:
            want[a] = new
    if want:
        u = u.rechunk(want)
    field_chunks = u.chunks[lead_in:]
    nblocks = [len(c) for c in field_chunks]
    starts = [np.concatenate([[0], np.cumsum(c)]).astype(np.int64) for c in field_chunks]
    depth = {a + lead_in: (halo[a] if nblocks[a] > 1 else 0) for a in range(nd)}
    bnd = {a + lead_in: ("periodic" if a in periodic else "none") for a in range(nd)}
    if lead_in:
        depth[0] = 0
        bnd[0] = "none"
    coords = {op.axis: op.spacing[1] for op in all_ops if op.spacing[0] == "coords"}
    coefs = [da.from_array(np.broadcast_to(c, plan.shape), chunks=field_chunks)
             for c in plan.coefs]
    fdepth = {a: depth[a + lead_in] for a in range(nd)}
    fbnd = {a: bnd[a + lead_in] for a in range(nd)}
    ov = da.overlap.overlap(u, depth=depth, boundary=bnd)
    ovc = [da.overlap.overlap(c, depth=fdepth, boundary=fbnd) for c in coefs]

    def block(ub, *cbs, block_info=None):
        loc = block_info[0]["chunk-location"][lead_in:]
        fshape = ub.shape[lead_in:]
        trims, xs = [], {}
        for a in range(nd):
            d = fdepth[a]
            wrap = a in periodic
            left = d if (loc[a] > 0 or wrap) and d else 0
            right = d if (loc[a] < nblocks[a] - 1 or wrap) and d else 0
            trims.append(slice(left, fshape[a] - right))
            if a in coords:
                s = starts[a][loc[a]] - left
                xs[a] = np.ascontiguousarray(coords[a][s:s + fshape[a]])
        bplan = plan.with_shape(fshape, xs, [np.ascontiguousarray(c) for c in cbs])
        res = bplan(np.ascontiguousarray(ub), alpha=alpha,
                    num_threads=1 if num_threads is None else num_threads)
        return res[(slice(None),) * nl + tuple(trims)]

    chunks = tuple((n,) for n in plan.lead) + tuple(field_chunks)
    kw = {}
    if lead_in and nl == 0:
        kw["drop_axis"] = [0]
    elif lead_in and nl == 2:
        kw["new_axis"] = [1]
    elif not lead_in and nl:
        kw["new_axis"] = list(range(nl))
    out = da.map_blocks(block, ov, *ovc, chunks=chunks, dtype=plan.dtype, **kw)
    want_chunks = tuple((n,) for n in plan.lead) + tuple(orig[lead_in:])
    if out.chunks != want_chunks:
        out = out.rechunk(want_chunks)
    return out
