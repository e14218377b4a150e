"""Finite-difference weights (Fornberg's algorithm) and the ``Stencil`` type."""
from __future__ import annotations

import functools
import math
from fractions import Fraction

import numpy as np

from ._validation._common import check_acc as _check_acc, check_order as _check_order
from ._validation._ops import stencil_offsets as _stencil_offsets

__all__ = ["Stencil", "stencil", "central_offsets", "fornberg_rows", "moment_rows"]


class Stencil:
    """Finite-difference weights for a derivative at offset 0.

    Attributes
    ----------
    offsets : ndarray
        Sample offsets (in units of the grid step), float64 or int64.
    weights : ndarray of float64
        Weights: ``f^(order)(0) ~ sum(weights * f(offsets))`` for unit spacing.
    order : int
        Derivative order.
    accuracy : int
        Order of the truncation error, ``len(offsets) - order`` (plus one for
        symmetric stencils of even derivatives).
    """

    __slots__ = ("offsets", "weights", "order", "accuracy")

    def __init__(self, offsets, weights, order, accuracy):
        self.offsets = offsets
        self.weights = weights
        self.order = int(order)
        self.accuracy = int(accuracy)

    def __len__(self):
        return len(self.offsets)

    def __call__(self, f, x=0.0, h=1.0):
        """Apply the stencil to a callable: ``sum(w * f(x + h*offsets)) / h**order``."""
        vals = np.asarray([f(x + h * o) for o in self.offsets])
        return np.tensordot(self.weights, vals, axes=1) / h**self.order

    def __repr__(self):
        offs = ", ".join(_fmt(o) for o in self.offsets)
        wts = ", ".join(f"{w:.17g}" for w in self.weights)
        return (f"Stencil(order={self.order}, accuracy={self.accuracy}, "
                f"offsets=[{offs}], weights=[{wts}])")

    def __eq__(self, other):
        if not isinstance(other, Stencil):
            return NotImplemented
        return (self.order == other.order
                and np.array_equal(self.offsets, other.offsets)
                and np.array_equal(self.weights, other.weights))

    # arrays inside: unhashable
    __hash__ = None  # type: ignore[assignment]


def _fmt(o):
    o = float(o)
    return str(int(o)) if o.is_integer() else repr(o)


def central_offsets(order, acc):
    """Offsets of the minimal central stencil of derivative ``order`` and accuracy ``acc``."""
    half = (order + 1) // 2 - 1 + acc // 2
    return np.arange(-half, half + 1, dtype=np.int64)


def _fornberg_exact(offsets, order):
    """Weights in exact rational arithmetic (every float is a rational)."""
    x = [Fraction(o) for o in offsets]
    n = len(x)
    m = order
    c = [[Fraction(0)] * (m + 1) for _ in range(n)]
    c[0][0] = Fraction(1)
    c1 = Fraction(1)
    c4 = x[0]
    for i in range(1, n):
        mn = min(i, m)
        c2 = Fraction(1)
        c5 = c4
        c4 = x[i]
        for j in range(i):
            c3 = x[i] - x[j]
            c2 = c2 * c3
            if j == i - 1:
                for k in range(mn, 0, -1):
                    c[i][k] = c1 * (k * c[i - 1][k - 1] - c5 * c[i - 1][k]) / c2
                c[i][0] = -c1 * c5 * c[i - 1][0] / c2
            for k in range(mn, 0, -1):
                c[j][k] = (c4 * c[j][k] - k * c[j][k - 1]) / c3
            c[j][0] = c4 * c[j][0] / c3
        c1 = c2
    return [c[j][m] for j in range(n)]


@functools.lru_cache(maxsize=512)
def _weights_cached(offsets, order):
    return np.array([float(w) for w in _fornberg_exact(offsets, order)])


def fornberg_rows(z, order):
    """Weights for many stencils at once, in float64.

    ``z`` is an (R, p) array of offsets (distinct within each row); the result
    is the (R, p) array of weights of the ``order``-th derivative at 0.
    Used for non-uniform grids, where every row has its own offsets.
    """
    z = np.asarray(z, dtype=np.float64)
    R, n = z.shape
    m = order
    c = np.zeros((R, n, m + 1))
    c[:, 0, 0] = 1.0
    c1 = np.ones(R)
    c4 = z[:, 0].copy()
    for i in range(1, n):
        mn = min(i, m)
        c2 = np.ones(R)
        c5 = c4
        c4 = z[:, i].copy()
        for j in range(i):
            c3 = z[:, i] - z[:, j]
            c2 = c2 * c3
            if j == i - 1:
                for k in range(mn, 0, -1):
                    c[:, i, k] = c1 * (k * c[:, i - 1, k - 1] - c5 * c[:, i - 1, k]) / c2
                c[:, i, 0] = -c1 * c5 * c[:, i - 1, 0] / c2
            for k in range(mn, 0, -1):
                c[:, j, k] = (c4 * c[:, j, k] - k * c[:, j, k - 1]) / c3
            c[:, j, 0] = c4 * c[:, j, 0] / c3
        c1 = c2
    return c[:, :, m]


def stencil(order, acc=2, offsets=None):
    """Finite-difference weights for the ``order``-th derivative at 0.

    Parameters
    ----------
    order : int
        Derivative order, >= 1.
    acc : int, optional
        Accuracy order (even, >= 2) of the central stencil used when
        ``offsets`` is not given. Default 2.
    offsets : sequence of int or float, optional
        Sample offsets in units of the step. Must be distinct and number more
        than ``order``. When given, ``acc`` is ignored and the stencil's
        accuracy is what the offsets allow.

    Returns
    -------
    Stencil
        With ``offsets``, ``weights``, ``order`` and ``accuracy``. Weights are
        computed in exact rational arithmetic and rounded once to float64.

    Examples
    --------
    >>> import fastdiff as fd
    >>> fd.stencil(1)
    Stencil(order=1, accuracy=2, offsets=[-1, 0, 1], weights=[-0.5, 0, 0.5])
    >>> fd.stencil(2, acc=2).weights
    array([ 1., -2.,  1.])
    >>> fd.stencil(1, offsets=[0, 1, 2]).weights
    array([-1.5,  2. , -0.5])
    """
    order = _check_order(order)
    if offsets is None:
        acc = _check_acc(acc)
        offs = central_offsets(order, acc)
        key = tuple(int(o) for o in offs)
        w = _weights_cached(key, order).copy()
        w[np.abs(w) < 1e-300] = 0.0
        return Stencil(offs, w, order, acc)
    offs = _stencil_offsets(offsets, order)
    if offs.dtype.kind in "iu":
        key = tuple(int(o) for o in offs)
    else:
        key = tuple(float(o) for o in offs)
    w = _weights_cached(key, order).copy()
    accuracy = len(offs) - order
    # a symmetric stencil of an even (odd) derivative gains one order
    srt = np.sort(offs.astype(np.float64))
    if np.array_equal(srt, -srt[::-1]):
        accuracy += 1 if (len(offs) - order) % 2 else 0
    return Stencil(offs, w, order, accuracy)


def moment_rows(z, order):
    """Weights for many stencils at once from their moment equations.

    ``z`` (R, p) offsets (distinct within each row): for each row the
    solution of ``sum_j w_j z_j**i = order! [i == order]``, i < p, by LU
    with partial pivoting (LAPACK, batched).  Solving the equations leaves
    a residual at rounding level, so data the stencil differentiates exactly
    (polynomials of degree < p) come out to rounding of the data: on random
    non-uniform grids these weights were as accurate as findiff's (which
    solves the same systems), Fornberg's recursion 1.4-1.8x less accurate
    on average there.  Rows with an offset beyond 1 are solved in units of
    the power of two s >= max|z| (exact) and their weights divided by
    s**order: the equations' rows scale as z**k, partial pivoting does not
    follow row scaling, and unscaled systems on offsets of 10-1000 lost all
    accuracy (a 4th derivative on coordinates in units of 1e-4: relative
    error 1.6e3).  Rows whose solve fails fall back to `fornberg_rows`.
    """
    z = np.asarray(z, dtype=np.float64)
    R, p = z.shape
    if R == 0:
        return np.zeros((0, p))
    with np.errstate(all="ignore"):
        big = np.max(np.abs(z), axis=1, keepdims=True)
        s = np.where(big > 1.0, 2.0 ** np.ceil(np.log2(np.where(big > 1.0, big, 1.0))), 1.0)
        A = (z / s)[:, None, :] ** np.arange(p)[None, :, None]
        b = np.zeros((R, p, 1))
        b[:, order, 0] = float(math.factorial(order))
        try:
            w = np.linalg.solve(A, b)[..., 0] / s ** order
        except np.linalg.LinAlgError:
            w = np.full((R, p), np.nan)
    bad = ~np.isfinite(w).all(axis=1)
    if bad.any():
        w[bad] = fornberg_rows(z[bad], order)
    return w
