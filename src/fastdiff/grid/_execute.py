"""The executor: runs a plan on the kernel.  The only importer of the grid kernels.

For each memory layout of input and result (and thread count) it meets, the
executor prepares the kernel call once (``Prepared``: geometry, tiling,
operator tables, term structs) and keeps it on the plan; a reused plan then
costs a layout check and the kernel itself.  Complex data run as their real
and imaginary parts (the same kernel call, offset by one real item).
"""
from __future__ import annotations

from math import isfinite as _isfinite

import numpy as np

from .. import _config, _validation as V
from .._kernels import grid_kernels as _k

__all__ = ["call_plan", "execute", "run_last", "LIMITS"]

#: the kernel's own limits (max dims, taps per output, ...), exported by it
LIMITS = dict(_k.LIMITS)

# Tuning constants of the walk (measured on 2-core AVX2 machines; see
# BENCHMARKS.md).  Below _SERIAL_WORK output elements x terms the kernels
# run on one thread: starting a team costs more than the work.
_SERIAL_WORK = 1 << 15
# Outputs at least this large (bytes, all together) are written with
# non-temporal stores (AVX2 builds): they would not stay in cache, and
# skipping the read-for-ownership of each destination line saves bandwidth.
_STREAM_BYTES = 16 << 20
# Elements of a row computed for every output before moving along the row
# (the input rows of a block stay in L1 across the outputs); <= LIMITS["block"].
_CBLK = 256
# Rows along the innermost row dim per work unit: their taps are gathered
# once and shifted from row to row (the per-row set-up is most of the
# instructions outside the vector loops).
_RUN = 32
# Cache budget for the input rows a cross-row stencil revisits: slabs larger
# than this are walked in tiles (a share of a typical L3; on 256^3 arrays,
# where three planes fit in L3, tiling measured no gain).
_TILE_BYTES = 8 << 20
# Prepared layouts kept per plan (a plan meets few layouts; more means a
# caller cycling through views, and the oldest are dropped).
_MAX_LAYOUTS = 8
# the plan's cache entry of its last real, unstaged kernel call: (threads,
# Prepared), tried first by the next call (`Prepared.fast_run`)
_LAST = None


def alloc(field, lead, dtype):
    """An empty array of shape lead + field.shape whose trailing axes follow
    field's memory order."""
    perm = sorted(range(field.ndim), key=lambda d: -abs(field.strides[d]))
    shape = tuple(lead) + tuple(field.shape[d] for d in perm)
    a = np.empty(shape, dtype=dtype)
    nl = len(lead)
    inv = [0] * field.ndim
    for i, d in enumerate(perm):
        inv[d] = i
    return a.transpose(tuple(range(nl)) + tuple(nl + inv[d] for d in range(field.ndim)))


def _geometry(field):
    """Row axis (smallest stride among non-trivial axes) and the other axes,
    outermost first."""
    cand = [d for d in range(field.ndim) if field.shape[d] > 1] or [field.ndim - 1]
    r = min(cand, key=lambda d: (abs(field.strides[d]), -d))
    rest = sorted((d for d in range(field.ndim) if d != r),
                  key=lambda d: (-abs(field.strides[d]), d))
    return r, rest


def _tile(field, r, rest, ops):
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
    row_bytes = field.shape[r] * field.itemsize
    if row_bytes == 0:
        return 0
    tile = max(1, _TILE_BYTES // (width * row_bytes))
    return tile if tile < field.shape[rest[-1]] else 0


def _prepare(plan, u, res, nthreads, with_copies):
    """The kernel calls (one per real part) for this layout of u and res."""
    field = u if plan.ncomp is None else u[0]
    real = field.real if field.dtype.kind == "c" else field
    isz = real.itemsize
    r, rest = _geometry(field)
    L = field.shape[r]
    nrows = field.size // max(L, 1)
    nterms = sum(len(t) for t in plan.outputs)
    work = field.size * max(1, nterms)
    if work < _SERIAL_WORK:
        nthreads = 1
    # rows per work unit: long runs, but enough units to share among threads
    run = max(1, min(_RUN, nrows // (8 * nthreads)))
    if nrows // run >= 4 * nthreads:
        seg = max(L, 1)
    else:
        seg = max(256, -(-L // (8 * nthreads)))
    nl = len(plan.lead)
    lead_strides = res.strides[:nl]

    def offset(flat):
        idx = np.unravel_index(flat, plan.lead) if nl else ()
        return int(sum(int(i) * s for i, s in zip(idx, lead_strides)))

    outputs = list(plan.outputs)
    out_index = list(plan.out_index)
    copies = []
    if with_copies:
        copies = list(plan.copies)
    else:   # every output computed (beta != 0: a copy would lose its own old value)
        for dest, src in plan.copies:
            outputs.append(plan.outputs[src])
            out_index.append(dest)
    offsets = [offset(f) for f in out_index] + [offset(d) for d, _ in copies]
    comp_stride = u.strides[0] // isz if plan.ncomp is not None else 0
    terms = [[(t.op, -1 if t.op2 is None else t.op2, t.component * comp_stride,
               -1 if t.coef is None else t.coef) for t in out] for out in outputs]
    cvals = [(lambda c: complex(c).real), (lambda c: complex(c).imag)] \
        if field.dtype.kind == "c" else [lambda c: c]
    stream = res.nbytes >= _STREAM_BYTES
    parts = []
    for pick in cvals:
        ops = [op.table(field.shape[op.axis], pick(op.cval)).kernel_tuple(op.axis)
               for op in plan.ops]
        tile = _tile(real, r, rest, ops)
        parts.append(_k.Prepared(u.shape, u.strides, real.dtype, res.shape,
                                 res.strides, offsets, res.strides[nl:], ops, terms,
                                 [src for _, src in copies], list(plan.coefs), r, rest,
                                 seg, tile, stream, _CBLK, run, nthreads))
    return parts, isz


def execute(plan, u, res, nthreads, alpha=1.0, beta=0.0):
    """Run ``plan`` on the validated input ``u`` into ``res`` (result array):
    ``res = beta*res + alpha*A(u)``."""
    with_copies = beta == 0.0 or not plan.copies
    key = (u.strides, res.strides, nthreads, with_copies)
    prep = plan._cache.get(key)
    if prep is None:
        if len(plan._cache) >= _MAX_LAYOUTS:
            plan._cache.clear()
        prep = plan._cache[key] = _prepare(plan, u, res, nthreads, with_copies)
    parts, isz = prep
    parts[0].run(u, 0, res, 0, alpha, beta)
    if len(parts) > 1:
        parts[1].run(u, isz, res, isz, alpha, beta)
    elif not plan.staged:
        # the next call's first try (`call_plan`): this layout, these threads
        plan._cache[_LAST] = (nthreads, parts[0])
    for inner, outer in plan.staged:
        # a mixed partial along 3+ axes: outer(inner(u)), added to the output
        tmp = execute(inner, u, alloc(u, (), inner.dtype), nthreads)
        execute(outer, tmp, res, nthreads, alpha, 1.0)
    return res


def result(plan, u, out):
    """``out`` checked against the plan's result, or a new array in u's memory order."""
    if out is None:
        field = u if plan.ncomp is None else u[0]
        return alloc(field, plan.lead, plan.dtype)
    return V.out(out, plan.result_shape, plan.dtype, [u])


def check_input(plan, u):
    """u as the kernel needs it: the plan's dtype and shape (a copy only for
    another dtype, byte order or odd strides)."""
    name = "u" if plan.ncomp is None else "v"
    if type(u) is np.ndarray and u.dtype == plan.dtype and u.dtype.isnative \
            and u.shape == plan.input_shape and u.flags.aligned:
        return u
    u, dtype = V.as_input(u, name=name)
    V.plan_input(name, u.shape, dtype, plan)
    return u


_max_threads = _config.max_threads   # (1 in a forked child: see _config)


def run_last(plan, u, out, alpha=1.0, beta=0.0):
    """Run ``plan`` as its last call ran (layout, dtype, thread count), the
    arguments checked in C (`Prepared.fast_run`); False, with nothing done,
    when they differ in any way (the caller then takes its checked path)."""
    last = plan._cache.get(_LAST)
    return (last is not None and last[0] == _max_threads()
            and last[1].fast_run(u, out, alpha, beta))


def call_plan(plan, u, out, alpha, beta, num_threads):
    """``plan(u, out, alpha=, beta=, num_threads=)``: checks only what can
    change between calls (u's shape and dtype, out, the scalars)."""
    # the reused plan's fastest path (16x16 with out=: 1.8 us instead of 2.8)
    if num_threads is None and run_last(plan, u, out, alpha, beta):
        return out
    # the reused plan's fast path: arrays of the plan's shape and dtype in a
    # layout met before; anything else takes the checked path below
    if (type(u) is np.ndarray and type(out) is np.ndarray and num_threads is None
            and type(alpha) is float and type(beta) is float
            and _isfinite(alpha) and _isfinite(beta) and u.flags.aligned and out.flags.aligned
            and out.flags.writeable
            and u.shape == plan.input_shape and out.shape == plan.result_shape
            and u.dtype == plan.dtype and out.dtype == plan.dtype and not plan.staged):
        nt = _max_threads()
        prep = plan._cache.get((u.strides, out.strides, nt, beta == 0.0 or not plan.copies))
        if prep is not None and not np.may_share_memory(out, u):
            parts, isz = prep
            parts[0].run(u, 0, out, 0, alpha, beta)
            if len(parts) > 1:
                parts[1].run(u, isz, out, isz, alpha, beta)
            else:
                plan._cache[_LAST] = (nt, parts[0])
            return out
    alpha = V.real_number(alpha, "alpha")
    beta = V.real_number(beta, "beta")
    if type(u) is not np.ndarray:
        from .._adapters import dispatch_plan
        handled = dispatch_plan(plan, u, out, alpha, beta, num_threads)
        if handled is not None:
            return handled
    u = check_input(plan, u)
    nt = V.num_threads(num_threads)
    V.beta_needs_out(beta, out)
    res = result(plan, u, out)
    return execute(plan, u, res, nt, alpha, beta)
