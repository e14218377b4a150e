"""Operator expressions: ``fd.grid.D(axis, order)`` with ``+``, ``-``, ``*``, ``**``.

An expression is a sum of terms, each a coefficient (a real scalar, times a
real coefficient array or not) and a multi-index (the derivative order along
each axis; empty for the identity).  It is turned into a ``Plan`` once the
grid (shape, dtype, spacing, accuracy, boundaries) is known.
"""
from __future__ import annotations

import numbers

import numpy as np

from .. import _validation as V
from . import _plan
from ._plan import AxisOp, Term

__all__ = ["D", "Operator"]


def _is_scalar(x):
    return isinstance(x, (numbers.Number, np.number)) and not isinstance(x, (bool, np.bool_))


def _scalar(x, what):
    return V.real_number(x, what, V.COMPLEX_COEFFICIENT)


def _coef_product(c1, c2):
    s = c1[0] * c2[0]
    if c1[1] is None:
        return (s, c2[1])
    if c2[1] is None:
        return (s, c1[1])
    return (s, V.coefficient_product(c1[1], c2[1]))


class Operator:
    """A linear finite-difference operator: a sum of coefficient x derivative terms.

    Build operators with :func:`D` and ``+``, ``-``, ``*``, ``/`` (by a
    number) and ``**``.  A number or a real array multiplies the derivative
    it stands beside (``c * D(0)`` is c(x)·∂u/∂x); ``*`` between derivatives
    along different axes is a mixed partial (the product of 1-D stencils,
    as in `hessian`); ``D(a)**k`` and ``D(a) * D(a)`` are the direct order-k
    stencil along a; a number alone (``1 + dt * L``) is that multiple of the
    identity.

    Call an operator like a grid function, or make a reusable `Plan` with
    :meth:`plan`.

    Examples
    --------
    >>> import numpy as np, fastdiff as fd
    >>> D = fd.grid.D
    >>> L = D(0)**2 + D(1)**2
    >>> L
    D(0)**2 + D(1)**2
    >>> s = np.linspace(0, 1, 11)
    >>> X, Y = np.meshgrid(s, s, indexing="ij")
    >>> bool(np.allclose(L(X**2 * Y, spacing=0.1), 2 * Y))
    True
    >>> M = D(0) * D(1)**2                  # d3u / dx dy2
    >>> bool(np.allclose(M(X**2 * Y**2, spacing=0.1), 4 * X))
    True
    """

    __slots__ = ("terms",)
    __array_ufunc__ = None      # ndarray * Operator -> Operator.__rmul__

    def __init__(self, terms):
        # terms: tuple of ((scalar, array or None), ((axis, order), ...))
        self.terms = tuple(terms)

    # -- algebra ----------------------------------------------------------
    @staticmethod
    def _coerce(x, what):
        """An Operator for x (a number or an array means that times the identity)."""
        if isinstance(x, Operator):
            return x
        if _is_scalar(x):
            return Operator([((_scalar(x, what), None), ())])
        if isinstance(x, np.ndarray):
            return Operator([((1.0, V.coefficient_array(x, what)), ())])
        raise V.bad_operand(what, x)

    def __add__(self, other):
        return Operator(self.terms + Operator._coerce(other, "the term added").terms)

    def __radd__(self, other):
        return Operator(Operator._coerce(other, "the term added").terms + self.terms)

    def __neg__(self):
        return Operator(((( -c[0], c[1]), m) for c, m in self.terms))

    def __pos__(self):
        return self

    def __sub__(self, other):
        return self + (-Operator._coerce(other, "the term subtracted"))

    def __rsub__(self, other):
        return Operator._coerce(other, "the term subtracted") + (-self)

    def _scaled(self, x, what):
        if _is_scalar(x):
            c = (_scalar(x, what), None)
        elif isinstance(x, np.ndarray):
            c = (1.0, V.coefficient_array(x, what))
        else:
            return NotImplemented
        return Operator(((_coef_product(c, tc), m) for tc, m in self.terms))

    def __mul__(self, other):
        if isinstance(other, Operator):
            return self._compose(other)
        return self.__rmul__(other)     # a coefficient stands beside the derivative

    def __rmul__(self, other):
        if isinstance(other, (list, tuple)):
            other = np.asarray(other)
        res = self._scaled(other, "a coefficient")
        if res is NotImplemented:
            raise V.bad_factor(other)
        return res

    def __truediv__(self, other):
        return self * (1.0 / V.divisor(other, _is_scalar(other)))

    def _compose(self, other):
        terms = []
        for c1, m1 in self.terms:
            for c2, m2 in other.terms:
                if c2[1] is not None and m1:
                    raise V.inner_coefficient()
                orders = dict(m1)
                for a, k in m2:
                    orders[a] = orders.get(a, 0) + k
                terms.append((_coef_product(c1, c2), tuple(sorted(orders.items()))))
        return Operator(_merged(terms))

    def __pow__(self, k):
        res = self
        for _ in range(V.power(k) - 1):
            res = res._compose(self)
        return res

    def __repr__(self):
        parts = []
        for (s, arr), m in self.terms:
            d = " * ".join(f"D({a})" + (f"**{k}" if k > 1 else "") for a, k in m)
            c = []
            if s != 1.0 or not (m or arr is not None):
                c.append(repr(s))
            if arr is not None:
                c.append(f"array{arr.shape}")
            parts.append(" * ".join(c + ([d] if d else [])))
        return " + ".join(parts) if parts else "0"

    # -- plans ------------------------------------------------------------
    def plan(self, shape, dtype=np.float64, *, spacing=None, acc=2, boundary="one-sided",
             cval=0.0):
        """Validate everything once and return a reusable `Plan` for arrays of
        ``shape`` and ``dtype``.

        Parameters
        ----------
        shape : tuple of int
            Shape of the arrays the plan is applied to.
        dtype : dtype, optional
            Their dtype (float32/64, complex64/128; integers and bool mean
            float64, float16 float32). Default float64.
        spacing : float, or sequence of float / 1-D arrays, optional
            One step for all axes, or one entry per axis of the grid: a
            step or that axis' coordinates. Default 1.0.
        acc : int, optional
            Even accuracy order >= 2. Default 2.
        boundary : str or sequence of str, optional
            A boundary mode (see `derivative`), or one per axis of the grid.
        cval : float, optional
            Value beyond the edges for ``"constant"``. Default 0.0.

        Returns
        -------
        Plan
            ``plan(u, out=None, *, alpha=1.0, beta=0.0, num_threads=None)``
            computes ``out = beta*out + alpha*A(u)`` in one pass;
            ``plan.matrix()`` is the operator as a ``scipy.sparse`` CSR
            matrix; ``plan.halo`` the reach along each axis.

        Examples
        --------
        >>> import numpy as np, fastdiff as fd
        >>> D = fd.grid.D
        >>> u = np.sin(np.linspace(0, 2 * np.pi, 64, endpoint=False))
        >>> h = 2 * np.pi / 64
        >>> step = (1 + 0.1 * h**2 * D(0)**2).plan(u.shape, spacing=h, boundary="periodic")
        >>> v = np.empty_like(u)
        >>> for _ in range(10):        # explicit Euler steps of u_t = u_xx
        ...     u, v = step(u, out=v), u
        >>> bool(np.allclose(u, np.exp(-10 * 0.1 * h**2) * np.sin(np.linspace(0, 2 * np.pi, 64, endpoint=False)), atol=1e-4))
        True
        >>> step.halo
        (1,)
        """
        shp = V.shape(shape)
        dt = V.plan_dtype(dtype, V.as_input)
        return build(self, shp, dt, spacing=spacing, acc=acc, boundary=boundary, cval=cval)

    def __call__(self, u, *, spacing=None, acc=2, boundary="one-sided", cval=0.0, out=None,
                 num_threads=None):
        """Apply the operator to ``u`` (arguments as in `derivative`, with
        ``spacing`` and ``boundary`` per axis of the grid)."""
        from ._api import run
        # a plan holding coefficient arrays is not cached (it would keep them
        # alive); others are keyed by the expression's terms, so an expression
        # written again (a new Operator, equal terms) finds its plan
        cache = all(arr is None for (_, arr), _ in self.terms)
        return run(_Builder(self, cache), u, out, num_threads, cache=cache, spacing=spacing,
                   acc=acc, boundary=boundary, cval=cval)

    def __hash__(self):
        return id(self)

    def __eq__(self, other):
        return self is other


class _Builder:
    """Builds an expression's plan; equal (for the plan cache) when the terms are."""

    __slots__ = ("op", "key", "axes")

    def __init__(self, op, structural):
        self.op = op
        self.key = ("terms", op.terms) if structural else ("object", id(op))
        #: the grid axes the expression differentiates (negative: from the
        #: end); an xarray input takes spacing from these axes' coordinates
        self.axes = tuple(sorted({a for _, parts in op.terms for a, _ in parts}))

    def __hash__(self):
        return hash(self.key)

    def __eq__(self, other):
        return isinstance(other, _Builder) and self.key == other.key

    def __call__(self, shape, dtype, **kw):
        return build(self.op, shape, dtype, **kw)


def _merged(terms):
    """Terms of a product with equal derivatives and scalar coefficients
    summed into one (in the order of their first appearance): without it
    ``(1 + D(0) + D(1) + D(2))**10`` kept 4^10 terms (9 s to build, and a
    plan that never finished); terms with coefficient arrays stay apart."""
    out, where = [], {}
    for (s, arr), m in terms:
        if arr is None and m in where:
            i = where[m]
            out[i] = ((out[i][0][0] + s, None), m)
            continue
        if arr is None:
            where[m] = len(out)
        out.append(((s, arr), m))
    return out


def D(axis, order=1):
    """The ``order``-th partial derivative along ``axis``, as an `Operator`.

    Parameters
    ----------
    axis : int
        Axis of the grid (negative counts from the end of the grid's axes).
    order : int, optional
        Derivative order >= 1. Default 1.

    Returns
    -------
    Operator

    Examples
    --------
    >>> import numpy as np, fastdiff as fd
    >>> x = np.linspace(0, 1, 11)
    >>> fd.grid.D(0)(x**2, spacing=0.1)[:3]
    array([0. , 0.2, 0.4])
    >>> (fd.grid.D(0, 2) + 1.0)(x**2, spacing=0.1)[:3]     # u'' + u
    array([2.  , 2.01, 2.04])
    """
    return Operator([((1.0, None), (V.derivative_factor(axis, order),))])


def _coefficients(arrays, shape, real):
    """One coefficient per distinct (array, scalar) of ``arrays`` [(arr, s, m)]:
    kappa * (D(0)**2 + D(1)**2) is one group of terms, summed before the
    multiplication.  Returns (coefficient arrays, [(index, multi-index)]
    sorted by index)."""
    coefs, cindex, cterms = [], {}, []
    for arr, s, m in arrays:
        key = (id(arr), s)
        if key not in cindex:
            c = V.coefficient_on_grid(arr * s, shape)
            cindex[key] = len(coefs)
            coefs.append(np.ascontiguousarray(c, dtype=real))
        cterms.append((cindex[key], m))
    cterms.sort(key=lambda t: t[0])
    return coefs, cterms


def build(expr, shape, dtype, spacing=None, acc=2, boundary="one-sided", cval=0.0):
    """The plan of expression ``expr`` on a grid of ``shape`` and ``dtype``."""
    nd = len(shape)
    all_axes = tuple(range(nd))
    acc = V.check_acc(acc)
    modes = V.boundary(boundary, nd)
    sps = V.spacing(spacing, all_axes, shape)
    cv = V.cval(cval, dtype.kind == "c")
    real = np.float32 if dtype in (np.float32, np.complex64) else np.float64
    # merge terms of the same multi-index and no coefficient array
    merged, order_keys = {}, []
    arrays, staged = [], []
    for (s, arr), m in expr.terms:
        m = V.multi_index(m, nd, arr is not None)
        if len(m) > 2:
            staged.append((s, m))
            continue
        if arr is not None:
            arrays.append((arr, s, m))
            continue
        if m not in merged:
            merged[m] = 0.0
            order_keys.append(m)
        merged[m] += s
    ops, op_index = [], {}

    def op(a, k, scale):
        key = (a, k, scale)
        if key not in op_index:
            if k:
                V.check_points(shape[a], k, acc, modes[a], sps[a], a)
            op_index[key] = len(ops)
            ops.append(AxisOp(a, k, acc, modes[a] if k else "one-sided",
                              sps[a] if k else ("uniform", 1.0), cv, scale))
        return op_index[key]

    def term(m, scale, coef):
        if not m:
            return Term(op(nd - 1, 0, scale), coef=coef)
        (a, k), rest = m[0], m[1:]
        if not rest:
            return Term(op(a, k, scale), coef=coef)
        (b, j), = rest
        return Term(op(a, k, scale), op(b, j, 1.0), coef=coef)

    terms = [term(m, merged[m], None) for m in order_keys if merged[m] != 0.0]
    coefs, cterms = _coefficients(arrays, shape, real)
    terms += [term(m, 1.0, q) for q, m in cterms]
    # mixed partials along 3+ axes: D_a D_b (inner), the inner one the
    # remaining axes' derivatives, checked and built like any expression; the
    # outer pair sees zero ghosts beyond "constant" edges (as in hessian)
    stages = []
    for s, m in staged:
        inner = build(Operator([((1.0, None), m[2:])]), shape, dtype, spacing, acc, boundary,
                      cval)
        outer = build(Operator([((s, None), m[:2])]), shape, dtype, spacing, acc, boundary,
                      0.0)
        stages.append((inner, outer))
    return _plan._plan(shape, dtype, ops, [terms], coefs=coefs,
                       axes=tuple(sorted({a % nd for _, m in expr.terms for a, _ in m})),
                       staged=stages)
