"""Plans: the one object between the public grid API and the kernel.

A plan is a named, immutable description of what the kernel computes, built
once from validated arguments (``_validation`` runs here, and only here):

* ``AxisOp`` -- one 1-D operator: ``scale`` times the ``order``-th derivative
  along ``axis`` (order 0: the identity), with its accuracy, boundary mode,
  spacing and ``cval``; its tables come from ``_tables``.
* ``Term`` -- ``AxisOp`` ``op``, or the product ``op * op2`` (a mixed
  partial: ``op`` outer, ``op2`` inner), of input ``component``, times
  coefficient array ``coef`` (an index into ``Plan.coefs``) or 1.
* ``Plan`` -- the operators, one tuple of terms per computed output (summed),
  the outputs that copy computed ones (the mirrored half of a Hessian), the
  field shape and result dtype, and the coefficient arrays.

The public functions (``derivative``, ``laplacian``, ...) and operator
expressions (``fd.grid.D``) only build plans; ``_execute`` runs them,
``Plan.matrix`` turns them into sparse matrices, and the dask/xarray
adapters run them per block with ``Plan.halo``.
"""
from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass, field

import numpy as np

from .. import _validation as V
from . import _execute
from ._tables import axis_table, nonuniform_width

__all__ = ["AxisOp", "TableOp", "Term", "Plan"]


@dataclass(frozen=True, eq=False)
class AxisOp:
    """``scale`` times the ``order``-th derivative along ``axis`` (order 0: identity).

    ``spacing`` is ``("uniform", h)`` or ``("coords", x)`` as normalised by
    ``_validation.spacing``; ``mode`` a canonical boundary name.
    """
    axis: int
    order: int
    acc: int
    mode: str
    spacing: tuple
    cval: complex | float = 0.0
    scale: float = 1.0

    def table(self, n, cval=None):
        """The 1-D tables on an axis of ``n`` points (``cval``: override, for
        the real or imaginary part of a complex one)."""
        cv = self.cval if cval is None else cval
        return axis_table(n, self.order, self.acc, self.mode, self.spacing, cv, self.scale)

    @property
    def reach(self):
        """Samples read on each side of an interior row (a block's halo)."""
        if self.order == 0:
            return 0
        if self.spacing[0] == "coords":
            return self.acc + self.order - 1
        return (self.order + 1) // 2 - 1 + self.acc // 2

    @property
    def min_points(self):
        """The fewest points an axis (or a dask block of it) needs for this operator."""
        if self.order == 0:
            return 1
        if self.mode == "one-sided" or self.spacing[0] == "coords":
            return max(self.acc + self.order, self.reach)
        return max(1, self.reach)


@dataclass(frozen=True, eq=False)
class TableOp:
    """A 1-D operator given by its tables (an ``AxisTable`` built elsewhere,
    e.g. fd.data's least-squares smoothing weights): along ``axis``, of
    ``order`` (for descriptions), reading ``reach`` samples on each side of
    an interior row.  Runs on the same kernel path as ``AxisOp``; it has no
    sparse-matrix or dask form."""
    axis: int
    order: int
    tables: object
    reach: int
    cval: float = 0.0
    spacing: tuple = ("table", None)
    mode: str = "one-sided"

    def table(self, n, cval=None):
        if n != self.tables.n:
            raise ValueError(f"internal: table for {self.tables.n} points used on {n}")
        return self.tables.table

    @property
    def min_points(self):
        return self.tables.n


@dataclass(frozen=True, eq=False)
class Term:
    """``ops[op]`` (times ``ops[op2]``, a mixed partial) of input ``component``,
    times coefficient array ``coefs[coef]`` (None: 1)."""
    op: int
    op2: int | None = None
    component: int = 0
    coef: int | None = None


@dataclass(frozen=True, eq=False, repr=False)
class Plan:
    """What the kernel computes, validated and ready to run any number of times.

    Attributes
    ----------
    shape : tuple of int
        The field's shape S (the input is S, or ``(ncomp, *S)``).
    dtype : numpy.dtype
        The result dtype (also the kernel input's dtype).
    ncomp : int or None
        Components of a stacked vector input, None for a scalar field.
    lead : tuple of int
        Leading shape of the result (``()`` for scalar results).
    ops : tuple of AxisOp
    outputs : tuple of tuple of Term
        The terms summed into each computed output.
    out_index : tuple of int
        The flat index (into ``lead``) of each computed output.
    copies : tuple of (int, int)
        (flat index, computed output) of outputs that copy a computed one.
    coefs : tuple of ndarray
        Coefficient arrays, real, of the kernel's precision, shape S (may be
        broadcast views).
    axes : tuple of int
        The differentiated axes (labels of a result's ``"axis"`` dims).
    lead_labels : tuple of str
        What each leading result dim means: ``"axis"``, ``"axis2"`` or
        ``"component"`` (the adapters label dims with it).
    staged : tuple of (Plan, Plan)
        Mixed partials along three or more axes, as (inner, outer) plans:
        the outer plan (derivatives along two axes, zero ghosts beyond
        ``"constant"`` edges) is applied to the inner one's result and added
        to the output after the kernel pass of ``outputs``.
    """
    shape: tuple
    dtype: np.dtype
    ncomp: int | None
    lead: tuple
    ops: tuple
    outputs: tuple
    out_index: tuple
    copies: tuple = ()
    coefs: tuple = ()
    axes: tuple = ()
    lead_labels: tuple = ()
    staged: tuple = ()
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    def __getstate__(self):
        """Pickled without its prepared kernel calls (they hold C pointers and
        are rebuilt on first use): plans travel to dask and multiprocessing
        workers."""
        state = dict(self.__dict__)
        state["_cache"] = {}
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)

    # -- properties -------------------------------------------------------
    @functools.cached_property
    def input_shape(self):
        return self.shape if self.ncomp is None else (self.ncomp,) + tuple(self.shape)

    @functools.cached_property
    def result_shape(self):
        return tuple(self.lead) + tuple(self.shape)

    @functools.cached_property
    def halo(self):
        """Samples each output reads on each side, per axis of the field."""
        h = [0] * len(self.shape)
        for op in self.ops:
            h[op.axis] = max(h[op.axis], op.reach)
        for inner, outer in self.staged:
            h = [max(a, b, c) for a, b, c in zip(h, inner.halo, outer.halo)]
        return tuple(h)

    def all_ops(self):
        """Every AxisOp the plan applies, those of its staged sub-plans included."""
        ops = list(self.ops)
        for inner, outer in self.staged:
            ops += inner.all_ops() + outer.all_ops()
        return ops

    def min_points(self):
        """Per axis, the fewest points a block along it needs."""
        m = [1] * len(self.shape)
        for op in self.ops:
            m[op.axis] = max(m[op.axis], op.min_points)
        for inner, outer in self.staged:
            m = [max(a, b, c) for a, b, c in zip(m, inner.min_points(), outer.min_points())]
        return tuple(m)

    def __repr__(self):
        nout = len(self.outputs) + len(self.copies)
        nterms = sum(len(t) for t in self.outputs)
        inp = f"({self.ncomp}, *S)" if self.ncomp is not None else "S"
        return (f"Plan(S={tuple(self.shape)}, dtype={self.dtype}, input={inp}, "
                f"result={self.result_shape}, outputs={nout}, terms={nterms}, "
                f"coefficient arrays={len(self.coefs)}, staged={len(self.staged)}, "
                f"halo={self.halo})")

    # -- running ----------------------------------------------------------
    def __call__(self, u, out=None, *, alpha=1.0, beta=0.0, num_threads=None):
        """Apply the plan: ``out = beta*out + alpha*A(u)`` in one pass over memory.

        Parameters
        ----------
        u : array_like
            Input of the plan's shape (a dtype that gives the plan's result
            dtype); a dask array or an xarray DataArray runs per block /
            on its data.
        out : ndarray, optional
            Where the result goes (the plan's result shape and dtype, any
            strides, not overlapping ``u``); needed when ``beta != 0``.
        alpha, beta : float, optional
            Real scales. ``beta == 0`` (default) never reads ``out``.
        num_threads : int, optional
            OpenMP threads (see `fastdiff.grid.derivative`).

        Returns
        -------
        ndarray
            ``out``, or a new array.

        Examples
        --------
        >>> import numpy as np, fastdiff as fd
        >>> D = fd.grid.D
        >>> p = (D(0)**2).plan((5,), boundary="periodic")
        >>> u = np.array([0.0, 1.0, 0.0, 0.0, 0.0])
        >>> out = np.ones(5)
        >>> p(u, out, alpha=0.5, beta=1.0)         # out + 0.5 * u''
        array([1.5, 0. , 1.5, 1. , 1. ])
        """
        return _execute.call_plan(self, u, out, alpha, beta, num_threads)

    def with_shape(self, shape, coords=None, coefs=None):
        """The same operator on a block of ``shape`` (dask): ``coords`` maps an
        axis to its block's coordinates, ``coefs`` are the block's
        coefficient arrays."""
        ops = []
        for op in self.ops:
            if op.spacing[0] == "coords":
                op = dataclasses.replace(op, spacing=("coords", coords[op.axis]))
            ops.append(op)
        staged = tuple((i.with_shape(shape, coords), o.with_shape(shape, coords))
                       for i, o in self.staged)
        return dataclasses.replace(self, shape=tuple(shape), ops=tuple(ops),
                                   coefs=tuple(coefs) if coefs is not None else self.coefs,
                                   staged=staged, _cache={})

    # -- matrices ---------------------------------------------------------
    def matrix(self):
        """The operator as a ``scipy.sparse`` CSR matrix acting on ``u.ravel()``.

        ``plan.matrix() @ u.ravel()`` equals ``plan(u).ravel()`` (C order)
        for every boundary mode, coefficients included.  ``"constant"``
        boundaries mean ghost values of 0 there: a nonzero ``cval`` adds a
        constant (an affine operator), which no matrix holds, and raises.

        Examples
        --------
        >>> import numpy as np, fastdiff as fd
        >>> D = fd.grid.D
        >>> c = np.array([1.0, 2.0, 3.0, 4.0])
        >>> p = (c * D(0)**2 - 1.0).plan((4,), boundary="periodic")
        >>> p.matrix().toarray()
        array([[-3.,  1.,  0.,  1.],
               [ 2., -5.,  2.,  0.],
               [ 0.,  3., -7.,  3.],
               [ 4.,  0.,  4., -9.]])
        >>> u = np.arange(4.0) ** 2
        >>> bool(np.allclose(p.matrix() @ u, p(u)))
        True
        """
        try:
            from scipy import sparse
        except ImportError as exc:
            raise ImportError("matrices of grid operators need scipy (pip install scipy)") from exc
        from ._tables import sparse_1d
        V.matrix_operator(len(self.outputs), self.ncomp, self.copies, self.ops)
        shape = tuple(self.shape)
        size = int(np.prod(shape, dtype=np.int64))
        mats = {}

        def full(k):
            if k not in mats:
                op = self.ops[k]
                n = shape[op.axis]
                D = sparse_1d(n, op.table(n, 0.0))
                pre = int(np.prod(shape[:op.axis], dtype=np.int64))
                post = int(np.prod(shape[op.axis + 1:], dtype=np.int64))
                mats[k] = sparse.kron(sparse.kron(sparse.identity(pre, format="csr"), D,
                                                  format="csr"),
                                      sparse.identity(post, format="csr"), format="csr")
            return mats[k]

        total = sparse.csr_matrix((size, size))
        for t in self.outputs[0]:
            m = full(t.op)
            if t.op2 is not None:
                m = m @ full(t.op2)
            if t.coef is not None:
                m = sparse.diags(np.ascontiguousarray(
                    np.broadcast_to(self.coefs[t.coef], shape)).ravel().astype(np.float64)) @ m
            total = total + m
        for inner, outer in self.staged:
            total = total + outer.matrix() @ inner.matrix()
        total = total.tocsr()
        total.sum_duplicates()
        return total


# ---------------------------------------------------------------------------
# builders: validated arguments -> Plan
# ---------------------------------------------------------------------------

def axis_ops(shape, dtype, ax_list, order_list, acc, boundary, spacing, cval):
    """Validate the common arguments; one AxisOp per (axis, order) pair given
    (``order_list`` entries may be tuples of orders for the same axis)."""
    acc = V.check_acc(acc)
    modes = V.boundary(boundary, len(ax_list))
    sps = V.spacing(spacing, ax_list, shape)
    cv = V.cval(cval, dtype.kind == "c")
    ops = []
    for ax, orders, mode, sp in zip(ax_list, order_list, modes, sps):
        for order in (orders if isinstance(orders, tuple) else (orders,)):
            V.check_points(shape[ax], order, acc, mode, sp, ax)
            ops.append(AxisOp(ax, order, acc, mode, sp, cv, 1.0))
    return ops


def _check_limits(shape, ops, outputs):
    """The kernel's limits on one output (terms, taps), as a clear error."""
    lim = _execute.LIMITS
    for terms in outputs:
        V.kernel_limit("max_terms", len(terms), lim)
        widths = {}

        def width(k):
            if k not in widths:
                op = ops[k]
                if op.spacing[0] == "coords" and op.order:   # (not built twice)
                    widths[k] = nonuniform_width(op.order, op.acc)
                else:
                    t = op.table(shape[op.axis], 0.0)
                    widths[k] = max(len(t.co), t.tidx.shape[1])
            return widths[k]

        taps = 0
        for t in terms:
            V.kernel_limit("max_op_width",
                           max(width(t.op), width(t.op2) if t.op2 is not None else 0), lim,
                           acc=getattr(ops[t.op], "acc", None))
            taps += width(t.op) * (width(t.op2) if t.op2 is not None else 1)
        accs = [getattr(ops[t.op], "acc", None) for t in terms]   # (custom tables: none)
        V.kernel_limit("max_taps", taps, lim,
                       acc=max((a for a in accs if a is not None), default=None))


def _plan(shape, dtype, ops, outputs, lead=(), ncomp=None, copies=(), coefs=(), axes=(),
          lead_labels=(), out_index=None, staged=()):
    _check_limits(tuple(shape), ops, outputs)
    return Plan(tuple(shape), np.dtype(dtype), ncomp, tuple(lead), tuple(ops),
                tuple(tuple(t) for t in outputs),
                tuple(range(len(outputs))) if out_index is None else tuple(out_index),
                tuple(copies), tuple(coefs), tuple(axes), tuple(lead_labels), tuple(staged))


def table_plan(shape, dtype, op):
    """The plan of one ``TableOp`` applied to a field of ``shape``."""
    return _plan(shape, dtype, [op], [[Term(0)]], axes=(op.axis,))


def derivative(shape, dtype, axis, order=1, spacing=None, acc=2, boundary="one-sided",
               cval=0.0):
    ax = V.axis(axis, len(shape))
    ops = axis_ops(shape, dtype, (ax,), (order,), acc, boundary, spacing, cval)
    return _plan(shape, dtype, ops, [[Term(0)]], axes=(ax,))


def gradient(shape, dtype, axes=None, spacing=None, acc=2, boundary="one-sided", cval=0.0):
    ax = V.axes(axes, len(shape))
    k = len(ax)
    ops = axis_ops(shape, dtype, ax, (1,) * k, acc, boundary, spacing, cval)
    return _plan(shape, dtype, ops, [[Term(i)] for i in range(k)], lead=(k,), axes=ax,
                 lead_labels=("axis",))


def laplacian(shape, dtype, axes=None, spacing=None, acc=2, boundary="one-sided", cval=0.0):
    ax = V.axes(axes, len(shape))
    k = len(ax)
    ops = axis_ops(shape, dtype, ax, (2,) * k, acc, boundary, spacing, cval)
    return _plan(shape, dtype, ops, [[Term(i) for i in range(k)]], axes=ax)


def hessian(shape, dtype, axes=None, spacing=None, acc=2, boundary="one-sided", cval=0.0):
    ax = V.axes(axes, len(shape))
    k = len(ax)
    orders = (2,) if k == 1 else (2, 1)
    ops = axis_ops(shape, dtype, ax, (orders,) * k, acc, boundary, spacing, cval)
    d2 = [len(orders) * i for i in range(k)]          # op of the second derivative
    d1 = [len(orders) * i + 1 for i in range(k)]      # op of the first derivative
    outputs, index, copies = [], [], []
    for i in range(k):
        outputs.append([Term(d2[i])])
        index.append(i * k + i)
    for i in range(k):
        for j in range(i + 1, k):
            outputs.append([Term(d1[i], d1[j])])
            index.append(i * k + j)
            copies.append((j * k + i, len(outputs) - 1))
    return _plan(shape, dtype, ops, outputs, lead=(k, k), copies=copies, axes=ax,
                 lead_labels=("axis", "axis2"), out_index=index)


def divergence(shape, dtype, ncomp, axes=None, spacing=None, acc=2, boundary="one-sided",
               cval=0.0):
    ax = V.axes(axes, len(shape))
    k = len(ax)
    V.components(_Stack(ncomp), k)
    ops = axis_ops(shape, dtype, ax, (1,) * k, acc, boundary, spacing, cval)
    return _plan(shape, dtype, ops, [[Term(i, component=i) for i in range(k)]], ncomp=ncomp,
                 axes=ax)


def curl(shape, dtype, ncomp, axes=None, spacing=None, acc=2, boundary="one-sided", cval=0.0):
    ax = V.axes(axes, len(shape))
    k = len(ax)
    V.curl_axes(k, ax)
    V.components(_Stack(ncomp), k)
    base = axis_ops(shape, dtype, ax, (1,) * k, acc, boundary, spacing, cval)
    # op i: +D_i, op k + i: -D_i
    ops = base + [dataclasses.replace(o, scale=-1.0) for o in base]
    if k == 2:
        return _plan(shape, dtype, ops, [[Term(0, component=1), Term(k + 1, component=0)]],
                     ncomp=ncomp, axes=ax)
    outputs = [[Term(1, component=2), Term(k + 2, component=1)],
               [Term(2, component=0), Term(k + 0, component=2)],
               [Term(0, component=1), Term(k + 1, component=0)]]
    return _plan(shape, dtype, ops, outputs, lead=(3,), ncomp=ncomp, axes=ax,
                 lead_labels=("component",))


def jacobian(shape, dtype, ncomp, axes=None, spacing=None, acc=2, boundary="one-sided",
             cval=0.0):
    ax = V.axes(axes, len(shape))
    k = len(ax)
    ops = axis_ops(shape, dtype, ax, (1,) * k, acc, boundary, spacing, cval)
    outputs = [[Term(j, component=i)] for i in range(ncomp) for j in range(k)]
    return _plan(shape, dtype, ops, outputs, lead=(ncomp, k), ncomp=ncomp, axes=ax,
                 lead_labels=("component", "axis"))


def directional(shape, dtype, direction, normalize=True, axes=None, spacing=None, acc=2,
                boundary="one-sided", cval=0.0):
    ax = V.axes(axes, len(shape))
    k = len(ax)
    d = V.direction(direction, k, shape, normalize)
    ops = axis_ops(shape, dtype, ax, (1,) * k, acc, boundary, spacing, cval)
    if d.ndim == 1:
        # one pass: a weighted sum of first derivatives (zero components dropped)
        ops = [dataclasses.replace(o, scale=float(d[i])) for i, o in enumerate(ops)]
        return _plan(shape, dtype, ops, [[Term(i) for i in range(k) if d[i] != 0.0]], axes=ax)
    real = np.float32 if dtype in (np.float32, np.complex64) else np.float64
    coefs = [np.ascontiguousarray(d[i], dtype=real) for i in range(k)]
    return _plan(shape, dtype, ops, [[Term(i, coef=i) for i in range(k)]], coefs=coefs,
                 axes=ax)


class _Stack:
    """Just the ``shape[0]`` of a stacked field, for ``_validation.components``."""

    def __init__(self, m):
        self.shape = (m,)
