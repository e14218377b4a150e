"""Jacobian- and Hessian-vector products (for Newton-Krylov methods)."""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import _validation as V
from .._typing import ArrayLike, Function
from ._api import directional, gradient
from ._complexf import complex_aware
from ._drive import meets
from ._evaluate import Result

__all__ = ["jvp", "hvp"]

#: hvp's error estimates are the outer directional derivative's times this:
#: the inner gradient's values are not exact (their errors are not in the
#: outer estimate); estimates covered the true error for 93.7 % of
#: Rosenbrock's elements and 72 % with adaptive=False, with 4 for 98.5 %
#: and 95 % (Rosenbrock and sum sin(3x), 150 random points in 4-D each)
HVP_SAFETY = 4.0


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
    Hessian, so cheaper from n of about 10 on; about 1e-11 relative on
    smooth functions (1e-9 with ``adaptive=False``), error estimates
    `HVP_SAFETY` times the outer derivative's (the gradient's values are
    not exact).

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
        False here; ``method="complex"`` is refused); ``vectorized`` and
        ``workers`` go to the inner gradient, which otherwise uses the
        defaults.

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
    V.hvp_method(options.get("method"))
    # f's own calling options go to the inner gradient (the outer derivative
    # calls the gradient on batches)
    own = {k: options.pop(k) for k in ("vectorized", "workers") if k in options}
    inner = [0]

    def grad(P):
        r = plain_gradient(f, P, args=args, kwargs=kwargs, full_output=True, **own)
        inner[0] = max(inner[0], r.nfev)
        return r.value
    res = directional(grad, x, v, normalize=False, **options)
    if isinstance(res, Result):
        # evaluations of f per point: the gradient's per evaluation of it
        res.nfev = res.nfev * inner[0]
        # the gradient's values carry its own errors, which the outer
        # estimate (float64 rounding of exact values) leaves out
        res.error = res.error * HVP_SAFETY
        tol = V.points_tolerance(options.get("rtol"), options.get("atol"),
                                 options.get("maxiter", 8))
        if tol[3]:
            res.success = res.success & meets(np.ma.getdata(res.value),
                                              np.ma.getdata(res.error), tol)
    return res
