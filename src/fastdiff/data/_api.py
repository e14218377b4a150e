"""``fd.data.fit``: derivatives of sampled data, anywhere.

``fit`` checks the samples and picks the engine: a tensor grid (coordinate
arrays, or a cloud that is one in any row order) gets a `GridFit`, any other
cloud a `ScatteredFit`.  Results put the query axes first and the derivative
axes last: ``gradient`` gives (M, n), ``jacobian`` (M, m, n), ``hessian``
(M, n, n) or (M, m, n, n).
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .._typing import ArrayLike
from .. import _validation as V
from . import _smoothing
from ._fit import Fit, Result
from ._grid_engine import LIMITS, GridEngine
from ._grid_fit import GridFit, grid_of_cloud
from ._scattered_fit import scattered_fit

__all__ = ["fit", "Fit", "Result"]


def fit(points: ArrayLike | Sequence[ArrayLike], values: ArrayLike, *, acc: int = 4,
        smoothing: int | Sequence[int] | str | None = None, degree: int | None = None,
        extrapolate: bool = False) -> Fit:
    """Prepare sampled data for derivatives at any point.

    Parameters
    ----------
    points : tuple of 1-D arrays, or (N, n) array
        The sample locations: one coordinate array per axis of a tensor grid
        (uniform or not, increasing or decreasing), or N points in n
        dimensions.  A point cloud that is a complete tensor grid in any row
        order (a flattened ``meshgrid``) is recognised and put on the grid;
        any other cloud goes to the scattered engine (needs scipy): weighted
        local least-squares polynomials through the nearest samples of each
        query (see ``fastdiff.data._scattered`` for the choices).
    values : array_like
        The samples: shape ``(*lens)`` for a grid (``(N,)`` for a cloud), or
        with a trailing axis of m components (vector-valued data: Jacobians).
        Real or complex; computed in float64 (complex128).  NaN samples
        spoil only the queries whose windows contain them.  A masked array's
        masked samples are never used: on a grid (or a cloud that is one)
        they count as NaN; a scattered cloud leaves them out (``q=None``
        then means the unmasked samples).
    acc : int, optional
        Accuracy order (even, >= 2) of interpolation: derivatives of the
        local polynomial through ``acc + k`` nodes per axis (k the highest
        order along that axis) converge as O(h**acc).  On a node the
        weights are exactly `fastdiff.grid`'s (one-sided at the edges).
    smoothing : None, int, sequence of int, or "auto", optional
        None interpolates.  A window (points per axis) fits a least-squares
        polynomial of ``degree`` over the window around each query
        (Savitzky-Golay, on any grid and at any point) for noisy data.
        On scattered points the window is the number of neighbours of each
        fit (default 1.75 times the number of monomials of ``degree``).
        ``"auto"`` chooses the window of each axis (the neighbour count)
        from the data: the one minimising an estimate of the gradient's
        mean squared error (the choice is in ``Fit.window``).  At the samples (``q=None``) the fit
        runs one grid-kernel pass per axis and keeps the work arrays of the
        intermediate passes (each the size of ``values``) for the next call.
    degree : int, optional
        Degree of the least-squares polynomial: on grids with ``smoothing``
        (default 3), and of the local fits on scattered points (default 4
        in up to 3-D, 3 in 4-5 D, 2 above); at least the highest derivative
        order asked for.
    extrapolate : bool, optional
        Allow queries outside the sampled box (scattered: the convex hull
        of the samples, their bounding box above 5-D; the nearest fit's
        polynomial is evaluated there);
        otherwise they raise ValueError.

    Returns
    -------
    Fit
        With ``gradient``, ``jacobian``, ``hessian``, ``laplacian``,
        ``directional``, ``derivative`` and the values themselves
        (``fit(q)``), each at query points ``q`` or, with ``q=None``, at the
        samples.

    Examples
    --------
    >>> import numpy as np, fastdiff as fd
    >>> x = np.linspace(-2, 2, 20)
    >>> X, Y = np.meshgrid(x, x)
    >>> pts = np.column_stack([X.ravel(), Y.ravel()])
    >>> F = np.column_stack([(X**2 + Y).ravel(), (X * Y).ravel()])
    >>> np.round(fd.data.fit(pts, F).jacobian([1.0, 2.0]), 10) + 0.0
    array([[2., 1.],
           [2., 1.]])
    """
    degree = _check_options(acc, degree, extrapolate)
    perm = None
    coords, cloud, vals, vector, found = _samples(points, values)
    if coords is None:
        if found is None:
            return scattered_fit(cloud, vals, vector, smoothing, degree, extrapolate)
        coords, perm, vals = _on_grid(cloud, vals, found)
    return _grid_fit(coords, vals, vector, perm, acc, smoothing, degree, extrapolate)


def _samples(points, values):
    """(coords, None, values, vector, None) of a grid's coordinate arrays,
    or (None, cloud, values, vector, grid_of_cloud(cloud)) of a point cloud,
    checked; masked samples are NaN on a grid (a cloud that is one too) and
    left out of a scattered cloud."""
    values, hidden = _unmasked(values)
    if isinstance(points, (tuple, list)) and (len(points) == 0 or all(
            np.ndim(x) == 1 for x in points)) and not _rows_of_points(points, values):
        coords = V.data_coords(points)
        vals, vector = V.data_values(values, tuple(len(x) for x in coords))
        if hidden is not None:          # (a grid keeps its nodes: NaN, see `values`)
            vals[hidden if vector else hidden[..., None]] = np.nan
        return coords, None, vals, vector, None
    cloud = V.data_cloud(points)
    vals, vector = V.data_values(values, (cloud.shape[0],))
    found = grid_of_cloud(cloud)
    if hidden is not None:
        rows = np.asarray(hidden, dtype=bool).reshape(cloud.shape[0], -1).any(axis=1)
        if found is not None:
            vals[rows] = np.nan         # (a grid keeps its nodes, and q=None its rows)
        else:
            cloud, vals = cloud[~rows], vals[~rows]
    return None, cloud, vals, vector, found


def _rows_of_points(points, values):
    """A list of equal-length rows whose count is the number of values (and
    not a grid those rows could span): a point cloud written as a list
    (``[[0, 0], [0, 1], ...]`` was read as a 5-D grid's coordinates)."""
    if not isinstance(points, list) or not points:
        return False
    lens = {len(x) for x in points}
    v = np.shape(values)
    if len(lens) != 1 or not v or v[0] != len(points):
        return False
    grid = tuple(len(x) for x in points)
    return v != grid and v[:-1] != grid


def _unmasked(values):
    """(values, mask): a masked array's data and the mask of its samples
    (a sample with any masked component counts as masked), or (values,
    None).  Values under a mask are never used (they were, silently)."""
    if not np.ma.isMaskedArray(values) or not np.ma.is_masked(values):
        return (np.ma.getdata(values) if np.ma.isMaskedArray(values) else values), None
    mask = np.ma.getmaskarray(values)
    return np.ma.getdata(values), mask


def _check_options(acc, degree, extrapolate):
    """Check acc and extrapolate; the degree normalised (None stays None)."""
    V.check_acc(acc)
    V.data_extrapolate(extrapolate)
    return None if degree is None else V.data_degree(degree, LIMITS["max_degree"])


def _on_grid(cloud, vals, found):
    """A cloud recognised as a grid: (coordinates, row -> flat index, values on
    the grid)."""
    coords, perm = found
    V.data_axis_lengths([len(x) for x in coords])
    grid = np.empty(tuple(len(x) for x in coords) + vals.shape[1:], dtype=vals.dtype)
    grid.reshape((-1,) + vals.shape[1:])[perm] = vals
    return coords, perm, grid


def _grid_fit(coords, vals, vector, perm, acc, smoothing, degree, extrapolate):
    """The GridFit of checked coordinates and values."""
    n = len(coords)
    V.data_ndim(n, LIMITS["max_ndim"])
    flip = []
    for d, x in enumerate(coords):
        if x[-1] < x[0]:
            flip.append(d)
            coords[d] = -x
    specs = [V._coords(x, len(x), f"points[{d}]") for d, x in enumerate(coords)]
    is_complex = vals.dtype.kind == "c"
    if is_complex:
        vals = vals.view(np.float64).reshape(vals.shape[:-1] + (2 * vals.shape[-1],))
    window = V.data_smoothing(smoothing, n)
    degree = 3 if degree is None else degree
    engine = GridEngine(coords, specs, vals)
    if window == "auto":
        V.data_auto_degree(degree)
        window, _ = _smoothing.auto_window(engine, degree, _smoothing.MAX_TABLE_WIDTH,
                                           V.num_threads(None))
        V.data_auto_window(window, degree)
    return GridFit(engine, vector, is_complex, tuple(flip), perm, int(acc), window, degree,
                   bool(extrapolate))
