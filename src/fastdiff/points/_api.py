"""The public functions of ``fd.points``: argument handling, the step set-up
and the result shapes; the work is in ``_engine`` and ``_second``."""
from __future__ import annotations

from typing import Any

import numpy as np

from .._typing import ArrayLike, Function, Threads
from .. import _validation as V
from ._drive import base_step, direction_steps, first, meets, partials, second
from ._engine import CHUNK_BYTES
from ._evaluate import Evaluator, Result
from ._complexf import complex_aware
from ._masks import mask_aware, mask_nonfinite
from ._sparse import color_columns, jacobian_sparse
from ._steps import default_step

__all__ = ["derivative", "gradient", "jacobian", "hessian", "laplacian", "directional",
           "color_columns"]

_PARAMS = """
    args, kwargs : tuple, dict, optional
        Extra arguments of f: ``f(P, *args, **kwargs)``.  A non-tuple
        ``args`` is one argument.
    method : {"central", "forward", "backward", "complex"}, optional
        Stencil kind (Hessians and Laplacians: the first three).
        ``"complex"`` (first derivatives of functions analytic in x) uses
        Im f(x + ih)/h: exact to rounding, one evaluation per coordinate
        (a ``step`` above ``1e-12 * max(abs(x), 1)``: two, the second at
        h/2 for the error estimate's truncation term).
    acc : int, optional
        Accuracy order of the stencil, even (default 2).
    step : float or array_like, optional
        Base step, a scalar or per coordinate ((n,) or (N, n)); default
        ``c * max(|x|, 1)`` with c balancing rounding and truncation.
    adaptive : bool, optional
        Evaluate at the steps h, h/2, h/4 (h, h/2 for Hessians) and
        Richardson-extrapolate, keeping per element the estimate with the
        smallest estimated error (default True).
    bounds : (lower, upper), optional
        Never evaluate f outside this box (scalars or per coordinate):
        stencils that would leave it become one-sided, with smaller steps.
    full_output : bool, optional
        Return a `Result` (value, error, step, nfev, success).
    rtol, atol : float, optional
        With ``adaptive=True``: the points whose estimated error exceeds
        ``atol + rtol * |value|`` somewhere are evaluated again with steps
        scaled by 1/4, 1/16, 1/64, ... (``maxiter`` rounds at most), each
        element keeping the estimate with the smallest error estimate, or
        the smaller steps' one where the two disagree beyond both estimates
        (high orders: see `derivative`; central ``order=2`` derivatives
        whose estimates are within 1e-4 of ``|value|`` after the first
        pass: stencils wider by 4 orders per round at twice the automatic
        step while each round cuts the estimate 3-fold, at most 3 rounds,
        then smaller steps -- f up to 14 automatic steps from x: ``bounds``
        keeps it in its domain; Hessians and Laplacians: steps 4x larger,
        kept where they agree, likewise); ``success`` says where the
        tolerance was met.  Default (neither given): the elements whose estimate is
        mostly truncation and above 1e-6 of their point's largest
        ``|value|`` (Hessians: 1e-4) are refined the same way, so that a
        feature narrower than the automatic step gets smaller steps (float64
        f; not for searched high orders); ``success`` says where the
        estimates are finite.
    maxiter : int, optional
        Refinement rounds at most, 0 to 8 (default 8; the automatic goal: 2).
    max_memory : int, optional
        Bytes of working memory beyond the input and the output (default
        8 MiB): the stencil points handed to f at once and every temporary.
        Larger batches run block by block of points; f's temporaries come
        on top; one point's stencil is laid out whole (a Hessian in 100-D:
        60 MiB at acc=2), a vectorized f then gets it 1 MiB at a time.
    vectorized : bool, optional
        f takes an (M, n) array of points (default; the array is reused for
        the next chunk, so f must not keep a reference to it); False calls
        it once per (n,) point.
    num_threads : int, optional
        OpenMP threads for laying out and combining the stencils
        (see `fastdiff.grid.derivative`).
    workers : int or callable, optional
        With ``vectorized=False``: evaluate f's points in parallel, through a
        process pool of that size (f must pickle) or any map-like callable
        (``Pool.map``, an executor's ``map``, a dask ``distributed``
        client's ``get_executor().map``).  Results are identical to the
        serial call; an exception raised by f keeps its type and message."""


_F_ANY = """
    f : callable
        ``f(P)`` with P an (M, n) array of points returns (M,) or (M, m).
        P is a buffer reused for the next chunk: f must not keep it.
    x : array_like
        One point (n,) or N points (N, n)."""


def _doc(fn):
    """Fill the shared parameter descriptions into a docstring."""
    doc = fn.__doc__.replace("    {f_any}", _F_ANY.strip("\n") + "\n    {params}")
    fn.__doc__ = doc.replace("    {params}", _PARAMS.strip("\n"))
    return fn


def _setup(f, x, method, acc, max_memory, num_threads, args, kwargs, vectorized,
           allowed=V.POINTS_METHODS, workers=None):
    V.points_f(f)
    X, single = V.points_x(x)
    method = V.points_method(method, allowed)
    acc = V.check_acc(acc)
    mm = V.points_max_memory(max_memory, CHUNK_BYTES)
    V.points_kwargs(kwargs)
    if not isinstance(args, tuple):
        args = (args,)
    ev = Evaluator(f, args, kwargs, vectorized, V.num_threads(num_threads),
                   workers=V.points_workers(workers, vectorized),
                   complex_ok=method == "complex")
    return X, single, method, acc, mm, ev


def _empty(ev, X, kind, full_output, step=None, bounds=None):
    """Results for a batch of no points, after the checks of a non-empty one
    (step, bounds; f is called once on an empty batch to learn whether it
    is vector-valued)."""
    n = X.shape[1]
    V.points_step(step, X)
    V.points_bounds(bounds, X)
    ev(np.empty((0, n)))
    if kind == "gradient":
        V.f_scalar(ev.m, "gradient")
    mshape = (ev.m,) if ev.m else ()
    shape = {"gradient": (0, n), "jacobian": (0, max(ev.m, 1), n),
             "hessian": (0,) + mshape + (n, n), "laplacian": (0,) + mshape,
             "directional": (0,) + mshape}[kind]
    z = np.empty(shape)
    return Result(z, z.copy(), z.copy(), 0, np.empty(shape, dtype=bool)) if full_output else z


def _finish(value, err, step, nfev, full_output, single=False, masked=False, tol=None):
    """The user's result: the value, or a `Result`; the point axis dropped
    for a single point; masked arrays when f returned masked values;
    ``success`` says where the tolerance ``tol`` was met, if one was given."""
    if masked:
        value, err, step = mask_nonfinite(value, err, step, full_output)
    if full_output:
        # (C order: the flat view below must be success itself, not a copy)
        success = np.isfinite(value, out=np.empty(np.shape(value), dtype=bool))
        flat_v, flat_e, flat_s = (np.reshape(a, (len(a) if np.ndim(a) else 1, -1))
                                  for a in (value, err, success))
        rows = max(1, (1 << 20) // max(1, flat_s.shape[1]))   # bool temporaries <= 1 MiB
        for a in range(0, len(flat_s), rows):
            flat_s[a:a + rows] &= (meets(flat_v[a:a + rows], flat_e[a:a + rows], tol)
                                   if tol is not None and tol[3]
                                   else np.isfinite(flat_e[a:a + rows]))
        res = Result(value, err, step, nfev, success)
        if single:
            return Result(value[0], err[0], step[0], nfev, success[0])
        return res
    return value[0] if single else value


@complex_aware
@mask_aware
@_doc
def gradient(f: Function, x: ArrayLike, *, args: Any = (), kwargs: dict[str, Any] | None = None,
             method: str = "central", acc: int = 2, step: ArrayLike | None = None,
             adaptive: bool = True, bounds: tuple[ArrayLike, ArrayLike] | None = None,
             full_output: bool = False, rtol: float | None = None, atol: float | None = None,
             maxiter: int = 8, max_memory: float | None = None, vectorized: bool = True,
             num_threads: Threads = None, workers: Any = None) -> Any:
    """Gradient of a scalar function at one point (n,) or at N points (N, n).

    Parameters
    ----------
    f : callable
        ``f(P)`` with P an (M, n) array of evaluation points returns (M,).
    x : array_like
        One point (n,) or N points (N, n).
    {params}

    Returns
    -------
    ndarray or Result
        Shape (n,) or (N, n); a `Result` with ``full_output=True``.

    Examples
    --------
    >>> import numpy as np, fastdiff as fd
    >>> f = lambda p: p[:, 0] ** 2 * p[:, 1] + 3 * np.log(p[:, 0] * p[:, 1])
    >>> np.round(fd.points.gradient(f, [1.0, 2.0]), 10)     # (2xy + 3/x, x^2 + 3/y)
    array([7. , 2.5])
    """
    X, single, method, acc, mm, ev = _setup(f, x, method, acc, max_memory, num_threads,
                                            args, kwargs, vectorized, workers=workers)
    tol = V.points_tolerance(rtol, atol, maxiter)
    if X.shape[0] == 0:
        return _empty(ev, X, "gradient", full_output, step, bounds)
    value, err, st, nfev = partials(X, method, acc, step, adaptive, bounds, mm, ev,
                                    full_output, tol)
    V.f_scalar(ev.m, "gradient")
    return _finish(value, err, st, nfev, full_output, single, ev.masked, tol)


@complex_aware
@mask_aware
@_doc
def jacobian(f: Function, x: ArrayLike, *, args: Any = (), kwargs: dict[str, Any] | None = None,
             method: str = "central", acc: int = 2, step: ArrayLike | None = None,
             adaptive: bool = True, bounds: tuple[ArrayLike, ArrayLike] | None = None,
             full_output: bool = False, rtol: float | None = None, atol: float | None = None,
             maxiter: int = 8, max_memory: float | None = None, vectorized: bool = True,
             num_threads: Threads = None, workers: Any = None, sparsity: Any = None,
             colors: ArrayLike | None = None) -> Any:
    """Jacobian J[i, j] = df_i/dx_j of a vector function: (N, m, n) (or (m, n)).

    Parameters
    ----------
    f : callable
        ``f(P)`` with P an (M, n) array of points returns (M, m) ((M,)
        counts as m = 1).
    x : array_like
        One point (n,) or N points (N, n).
    {params}
    sparsity : scipy.sparse matrix or array_like of bool, optional
        The Jacobian's pattern (m, n) (needs scipy).  Columns sharing no row
        are evaluated together (one directional derivative per colour
        group: `color_columns`); the result is CSR with this pattern (a
        list of them for N points).  Entries outside the pattern are not
        detected: they leak into entries of their row and colour group.
        ``step`` is not used with it (each column steps by its own
        ``max(abs(x_j), 1)``).
    colors : array_like of int, optional
        A colouring of the pattern's columns computed before
        (`color_columns`), to skip that step.

    Returns
    -------
    ndarray, scipy.sparse.csr_matrix, list or Result
        Shape (m, n) or (N, m, n); CSR matrices with ``sparsity``.

    Examples
    --------
    >>> import numpy as np, fastdiff as fd
    >>> f = lambda p: np.stack([p[:, 0] ** 2 * p[:, 1], 5 * p[:, 0] + np.sin(p[:, 1])], axis=1)
    >>> np.round(fd.points.jacobian(f, [1.0, 0.0]), 10)     # [[2xy, x^2], [5, cos y]]
    array([[0., 1.],
           [5., 1.]])
    """
    X, single, method, acc, mm, ev = _setup(f, x, method, acc, max_memory, num_threads,
                                            args, kwargs, vectorized, workers=workers)
    tol = V.points_tolerance(rtol, atol, maxiter)
    if sparsity is not None or colors is not None:
        V.points_sparse_args(sparsity, colors, step, method)
        return jacobian_sparse(ev, X, single, sparsity, colors, method, acc, adaptive, bounds,
                               mm, full_output, tol)
    if X.shape[0] == 0:
        return _empty(ev, X, "jacobian", full_output, step, bounds)
    value, err, st, nfev = partials(X, method, acc, step, adaptive, bounds, mm, ev,
                                    full_output, tol)
    if value.ndim == 2:          # scalar f: one row
        value, err, st = (None if a is None else a[:, None] for a in (value, err, st))
    else:                        # (N, n, m) -> (N, m, n)
        value, err, st = (None if a is None else np.swapaxes(a, 1, 2)
                          for a in (value, err, st))
    return _finish(value, err, st, nfev, full_output, single, ev.masked, tol)


@complex_aware
@mask_aware
@_doc
def directional(f: Function, x: ArrayLike, v: ArrayLike, *, normalize: bool = True, args: Any = (),
                kwargs: dict[str, Any] | None = None, method: str = "central", acc: int = 2,
                step: ArrayLike | None = None, adaptive: bool = True,
                bounds: tuple[ArrayLike, ArrayLike] | None = None, full_output: bool = False,
                rtol: float | None = None, atol: float | None = None, maxiter: int = 8,
                max_memory: float | None = None, vectorized: bool = True,
                num_threads: Threads = None, workers: Any = None) -> Any:
    """Directional derivative along v, unit-normalised by default.

    Parameters
    ----------
    f : callable
        ``f(P)`` with P an (M, n) array of points returns (M,) or (M, m).
    x : array_like
        One point (n,) or N points (N, n).
    v : array_like
        One direction (n,) or one per point (N, n); not the zero vector.
    normalize : bool, optional
        Differentiate along v divided by its norm (default); False gives
        the derivative along v itself (the norm of v times that).
    {params}

    Returns
    -------
    ndarray or Result
        (N,) for scalar f, (N, m) for vector f (drop N for one point).

    Examples
    --------
    >>> import numpy as np, fastdiff as fd
    >>> f = lambda p: p[:, 0] ** 2 + p[:, 1] ** 2
    >>> round(float(fd.points.directional(f, [1.0, 2.0], [1.0, 1.0])), 10)   # (2x + 2y)/sqrt(2)
    4.2426406871
    """
    X, single, method, acc, mm, ev = _setup(f, x, method, acc, max_memory, num_threads,
                                            args, kwargs, vectorized, workers=workers)
    N, n = X.shape
    d, norm = V.points_direction(v, N, n)
    tol = V.points_tolerance(rtol, atol, maxiter)
    if N == 0:
        return _empty(ev, X, "directional", full_output, step, bounds)
    steps = direction_steps(ev, X, d, step, method, acc, adaptive)

    def dirs(sel):
        if len(d) == 1:
            return np.broadcast_to(d / norm[:, None], (X[sel].shape[0], 1, n))
        return (d[sel] / norm[sel, None])[:, None, :]

    value, err, st, nfev = first(ev, X, method, acc, adaptive, bounds, mm, full_output, 1, 1,
                                 steps, dirs, tol)
    value = value[:, 0]
    err, st = (None if a is None else a[:, 0] for a in (err, st))
    if not normalize:
        fac = norm if value.ndim == 1 else norm[:, None]
        value *= fac
        if err is not None:
            err *= fac
    return _finish(value, err, st, nfev, full_output, single, ev.masked, tol)


@complex_aware
@mask_aware
@_doc
def derivative(f: Function, x: ArrayLike, order: int = 1, *, args: Any = (),
               kwargs: dict[str, Any] | None = None, method: str = "central", acc: int = 2,
               step: ArrayLike | None = None, adaptive: bool = True,
               bounds: tuple[ArrayLike, ArrayLike] | None = None, full_output: bool = False,
               rtol: float | None = None, atol: float | None = None, maxiter: int = 8,
               max_memory: float | None = None, vectorized: bool = True,
               num_threads: Threads = None, workers: Any = None) -> Any:
    """Derivative of ``order`` of a univariate function, elementwise.

    Parameters
    ----------
    f : callable
        Elementwise: called with a 1-D array of points, returns its length.
    x : array_like
        Points of any shape (real).
    order : int, optional
        Derivative order, >= 1 (``method="complex"``: 1).  Adaptive
        derivatives of order >= 3 (central) or >= 5 (one-sided) search the
        step: levels from ``0.125 * max(|x|, 1)`` down (central: 6 by halves;
        one-sided: 13 by sqrt(2); where ``|x| > 16`` also from 0.125, where
        ``0 < |x| < 1/16`` also from ``0.25 |x|``, that search kept where the
        two disagree or its estimate is 4 times smaller), Richardson over
        every window of up to 4 of them, per element the window with the
        smallest estimated truncation + rounding error (unless two windows
        of smaller steps disagree with it far beyond the estimates: larger
        steps can alias); the stencils gain 2 accuracy orders per order
        above 5 (one-sided: 2); ``rtol`` rounds widen them by 4 more on the
        same steps (central: one round over 13 steps from ``0.5 max(|x|,
        1)`` down by sqrt(2), stencils of accuracy 4-24, the best pooled, f
        up to ``8 max(|x|, 1)`` from x).  An f oscillating within a few steps
        at ``1 < |x| <= 16`` (``sin(32 x)`` at 15.9) can alias: give ``step``.
    {params}

    Returns
    -------
    ndarray or Result
        x's shape.

    Examples
    --------
    >>> import numpy as np, fastdiff as fd
    >>> np.round(fd.points.derivative(np.sin, np.array([0.0, np.pi / 2])), 12)
    array([1., 0.])
    """
    V.points_f(f)
    order = V.check_order(order)
    xa = V.points_derivative_x(x, method, order)
    shape = xa.shape

    X, _, method, acc, mm, ev = _setup(_Elementwise(f, vectorized), xa.reshape(-1, 1), method,
                                       acc, max_memory, num_threads, args, kwargs, vectorized,
                                       workers=workers)
    if X.shape[0] == 0:
        z = np.empty(shape)
        return Result(z, z.copy(), z.copy(), 0, np.empty(shape, dtype=bool)) \
            if full_output else z
    user = V.points_step(V.derivative_step(step, shape), X)
    one = np.ones((1, 1, 1))
    tol = V.points_tolerance(rtol, atol, maxiter)
    value, err, st, nfev = first(
        ev, X, method, acc, adaptive, bounds, mm, full_output, 1, order,
        lambda sel: default_step(X[sel], base_step(ev, method, order, acc, adaptive),
                                 None if user is None else user[sel],
                                 exact=method != "complex"),
        lambda sel: np.broadcast_to(one, (X[sel].shape[0], 1, 1)), tol, user is not None)
    V.f_scalar(ev.m, "derivative")
    value, err, st = (None if a is None else a[:, 0].reshape(shape) for a in (value, err, st))
    return _finish(value, err, st, nfev, full_output, False, ev.masked, tol)


_SECOND_METHODS = ("central", "forward", "backward")


class _Elementwise:
    """derivative's f on (M, 1) points (picklable when f is: ``workers``)."""

    def __init__(self, f, vectorized):
        self.f, self.vectorized = f, vectorized

    def __call__(self, P, *a, **k):
        return self.f(P[:, 0], *a, **k) if self.vectorized else self.f(P[0], *a, **k)


@complex_aware
@mask_aware
@_doc
def hessian(f: Function, x: ArrayLike, *, args: Any = (), kwargs: dict[str, Any] | None = None,
            method: str = "central", acc: int = 2, step: ArrayLike | None = None,
            adaptive: bool = True, bounds: tuple[ArrayLike, ArrayLike] | None = None,
            full_output: bool = False, rtol: float | None = None, atol: float | None = None,
            maxiter: int = 8, max_memory: float | None = None, vectorized: bool = True,
            num_threads: Threads = None, workers: Any = None) -> Any:
    """Hessian of f at one point or N points: (N, n, n), or (N, m, n, n) for vector f.

    Central second differences (diagonal) and four-point mixed differences,
    2n^2 + 1 evaluations per level; with ``adaptive=True`` two levels and one
    Richardson step.

    Parameters
    ----------
    {f_any}

    Returns
    -------
    ndarray or Result
        (N, n, n) or (N, m, n, n) (drop N for one point); exactly symmetric.

    Examples
    --------
    >>> import numpy as np, fastdiff as fd
    >>> f = lambda p: p[:, 0] ** 3 - 2 * p[:, 0] * p[:, 1] - p[:, 1] ** 6
    >>> np.round(fd.points.hessian(f, [1.0, 2.0]), 5)
    array([[   6.,   -2.],
           [  -2., -480.]])
    """
    X, single, method, acc, mm, ev = _setup(f, x, method, acc, max_memory, num_threads,
                                            args, kwargs, vectorized, allowed=_SECOND_METHODS,
                                            workers=workers)
    tol = V.points_tolerance(rtol, atol, maxiter)
    if X.shape[0] == 0:
        return _empty(ev, X, "hessian", full_output, step, bounds)
    value, err, step_arr, nfev = second(ev, X, method, acc, mm, step, adaptive, bounds,
                                        full_output, "hessian", tol)
    if value.ndim == 4:  # (N, n, n, m) -> (N, m, n, n)
        value, err, step_arr = (None if a is None else np.moveaxis(a, -1, 1)
                                for a in (value, err, step_arr))
    if step_arr is not None:
        step_arr = np.ascontiguousarray(step_arr)
    return _finish(value, err, step_arr, nfev, full_output, single, ev.masked, tol)


@complex_aware
@mask_aware
@_doc
def laplacian(f: Function, x: ArrayLike, *, args: Any = (), kwargs: dict[str, Any] | None = None,
              method: str = "central", acc: int = 2, step: ArrayLike | None = None,
              adaptive: bool = True, bounds: tuple[ArrayLike, ArrayLike] | None = None,
              full_output: bool = False, rtol: float | None = None, atol: float | None = None,
              maxiter: int = 8, max_memory: float | None = None, vectorized: bool = True,
              num_threads: Threads = None, workers: Any = None) -> Any:
    """Laplacian (trace of the Hessian) with 2n + 1 evaluations per level.

    Parameters
    ----------
    {f_any}

    Returns
    -------
    ndarray or Result
        (N,) for scalar f, (N, m) for vector f (drop N for one point).

    Examples
    --------
    >>> import numpy as np, fastdiff as fd
    >>> f = lambda p: np.sum(p ** 2, axis=1)
    >>> round(float(fd.points.laplacian(f, [1.0, 2.0, 3.0])), 8)
    6.0
    """
    X, single, method, acc, mm, ev = _setup(f, x, method, acc, max_memory, num_threads,
                                            args, kwargs, vectorized, allowed=_SECOND_METHODS,
                                            workers=workers)
    tol = V.points_tolerance(rtol, atol, maxiter)
    if X.shape[0] == 0:
        return _empty(ev, X, "laplacian", full_output, step, bounds)
    value, err, step_arr, nfev = second(ev, X, method, acc, mm, step, adaptive, bounds,
                                        full_output, "laplacian", tol)
    if step_arr is not None:
        step_arr = np.ascontiguousarray(step_arr)
    return _finish(value, err, step_arr, nfev, full_output, single, ev.masked, tol)
