"""Jacobian- and Hessian-vector products (for Newton-Krylov methods)."""
from __future__ import annotations

from typing import Any

from .._typing import ArrayLike, Function
from ._api import directional, gradient
from ._complexf import complex_aware

__all__ = ["jvp", "hvp"]


def jvp(f: Function, x: ArrayLike, v: ArrayLike, **options: Any) -> Any:
    """Jacobian-vector product J(x) v of a vector function, without J.

    One directional derivative along v (not normalised): 1 + 2L evaluations
    per point (L step levels), whatever n and m.

    Parameters
    ----------
    f : callable
        ``f(P)`` with P an (M, n) array of points returns (M, m) or (M,).
    x : array_like
        One point (n,) or N points (N, n).
    v : array_like
        One vector (n,) or one per point (N, n).
    **options
        Keyword arguments of `directional` (``normalize`` is False here).

    Returns
    -------
    ndarray or Result
        (m,) or (N, m) ((N,) for scalar f).

    Examples
    --------
    >>> import numpy as np, fastdiff as fd
    >>> f = lambda p: np.stack([p[:, 0] * p[:, 1], p[:, 0] ** 2], axis=1)
    >>> np.round(fd.points.jvp(f, [1.0, 2.0], [1.0, 1.0]), 10)    # [[2, 1], [2, 0]] @ [1, 1]
    array([3., 2.])
    """
    return directional(f, x, v, normalize=False, **options)


@complex_aware
def hvp(f: Function, x: ArrayLike, v: ArrayLike, *, args: Any = (),
        kwargs: dict[str, Any] | None = None, **options: Any) -> Any:
    """Hessian-vector product H(x) v of a scalar function, without H.

    The directional derivative along v of fd.points' gradient: about
    (1 + 2L)(6n + 1) evaluations per point against 2(2n^2 + 1) for a full
    Hessian, so cheaper from n of about 10 on; accurate to about 1e-9
    relative on smooth functions.

    Parameters
    ----------
    f : callable
        ``f(P)`` with P an (M, n) array of points returns (M,).
    x : array_like
        One point (n,) or N points (N, n).
    v : array_like
        One vector (n,) or one per point (N, n).
    args, kwargs : tuple, dict, optional
        Extra arguments of f.
    **options
        Keyword arguments of the outer `directional` (``normalize`` is
        False here); the inner gradient uses the defaults.

    Returns
    -------
    ndarray or Result
        (n,) or (N, n).

    Examples
    --------
    >>> import numpy as np, fastdiff as fd
    >>> f = lambda p: p[:, 0] ** 2 * p[:, 1]
    >>> np.round(fd.points.hvp(f, [1.0, 2.0], [1.0, 0.0]), 6)    # [[2y, 2x], [2x, 0]] @ [1, 0]
    array([4., 2.])
    """
    # (the inner gradient without its complex-f handling: a complex f is
    # split once, here, not in every call of the gradient)
    plain_gradient = gradient.__wrapped__

    def grad(P):
        return plain_gradient(f, P, args=args, kwargs=kwargs)
    return directional(grad, x, v, normalize=False, **options)
