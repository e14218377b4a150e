"""Checks of fd.data's arguments: coordinates, point clouds, values,
queries, smoothing windows, degrees, multi-indices and directions, and
the limits of the grid and scattered engines."""
from __future__ import annotations


import numpy as np

from ._common import _is_int, _real_array, as_array, ordinal

__all__ = ["data_coords", "data_cloud", "data_values", "data_queries", "data_smoothing",
           "data_degree", "data_orders", "data_directions", "data_extrapolate", "data_ndim",
           "data_axis_lengths", "data_auto_window", "data_axis_samples",
           "data_derivative_degree", "data_query_chunk", "data_quantity",
           "data_direction_count", "scattered_options", "scattered_samples",
           "scattered_duplicates", "flat_cloud", "data_auto_degree", "data_what"]


def data_coords(points, name="points"):
    """A tuple of n 1-D coordinate arrays: [(x (float64, strictly monotonic),
    spacing kind as fd.grid normalises it)], one per axis."""
    if len(points) == 0:
        raise ValueError(f"{name} is an empty tuple; give one 1-D coordinate array per axis")
    out = []
    for d, x in enumerate(points):
        sub = f"{name}[{d}]"
        arr = _real_array(x, sub, "a 1-D array of coordinates")
        if arr.ndim != 1:
            raise ValueError(f"{sub} must be a 1-D coordinate array, got shape {arr.shape}")
        if len(arr) < 2:
            raise ValueError(f"{sub} has {len(arr)} coordinate(s); an axis needs at least 2")
        if not np.all(np.isfinite(arr)):
            bad = int(np.flatnonzero(~np.isfinite(arr))[0])
            raise ValueError(f"{sub} coordinates must be finite, got {arr[bad]} at index {bad}")
        dx = np.diff(arr)
        if not (np.all(dx > 0) or np.all(dx < 0)):
            raise ValueError(f"{sub} coordinates must be strictly monotonic (increasing or "
                             f"decreasing, no repeats)")
        out.append(arr)
    return out


def data_cloud(points, name="points"):
    """An (N, n) array of sample locations (an (N,) array is N points in 1-D)."""
    arr = _real_array(points, name, "an (N, n) array of sample points or a tuple of "
                                    "1-D coordinate arrays")
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise ValueError(f"{name} must be an (N, n) array of sample points or a tuple of 1-D "
                         f"coordinate arrays, got shape {arr.shape}")
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValueError(f"{name} has shape {arr.shape}: it needs at least one point and one "
                         f"coordinate")
    if not np.all(np.isfinite(arr)):
        bad = int(np.flatnonzero(~np.all(np.isfinite(arr), axis=1))[0])
        raise ValueError(f"{name} must be finite; point {bad} is {arr[bad].tolist()}")
    return arr


def data_values(values, lead, name="values"):
    """Values whose leading axes are ``lead`` (the grid's lengths or (N,)),
    with an optional trailing component axis: (values (..., m) as float64 or
    complex128, had a component axis)."""
    v = as_array(values, name, "an array of numbers")
    if v.dtype.kind not in "biufc":
        raise TypeError(f"{name} must hold real or complex numbers, got dtype {v.dtype}")
    lead = tuple(lead)
    if v.shape == lead:
        vector = False
        v = v[..., None]
    elif v.ndim == len(lead) + 1 and v.shape[:-1] == lead:
        vector = True
        if v.shape[-1] == 0:
            raise ValueError(f"{name} has an empty component axis (shape {v.shape})")
    else:
        raise ValueError(f"{name} has shape {v.shape}, but the points need {lead} "
                         f"(or {lead + ('m',)} for m components)")
    v = v.astype(np.complex128 if v.dtype.kind == "c" else np.float64)
    return v, vector


def data_queries(q, n, name="q"):
    """Query points: (Q (M, n) float64, single point given as (n,))."""
    arr = _real_array(q, name, "an (M, n) array of query points")
    if arr.ndim == 0 and n == 1:
        return arr.reshape(1, 1), True
    if arr.ndim == 1 and arr.shape == (n,):
        return arr[None, :], True
    if n == 1 and arr.ndim == 1:
        return arr[:, None], False
    if arr.ndim != 2 or arr.shape[1] != n:
        raise ValueError(f"{name} has shape {arr.shape}, but the data has {n} coordinate(s): "
                         f"it needs shape ({n},) or (M, {n})")
    return arr, False


def data_smoothing(smoothing, n, name="smoothing"):
    """None, "auto", or a window (points per axis): an int or n ints >= 2."""
    if smoothing is None:
        return None
    if isinstance(smoothing, str):
        if smoothing == "auto":
            return "auto"
        raise ValueError(f"{name} must be None, 'auto' or a window of points per axis, "
                         f"got {smoothing!r}")
    vals = [smoothing] * n if np.ndim(smoothing) == 0 else list(smoothing)
    if len(vals) != n:
        raise ValueError(f"{name} has {len(vals)} windows, but the data has {n} axes")
    out = []
    for w in vals:
        if not _is_int(w):
            raise TypeError(f"{name} must be None, 'auto' or integer windows, got {w!r}")
        if int(w) < 2:
            raise ValueError(f"{name} windows must be at least 2 points, got {int(w)}")
        out.append(int(w))
    return out


def data_degree(degree, limit=None, name="degree"):
    """A polynomial degree: an integer in [0, limit]."""
    if not _is_int(degree):
        raise TypeError(f"{name} must be an integer, got {degree!r}")
    if degree < 0:
        raise ValueError(f"{name} must be >= 0, got {degree}")
    if limit is not None and degree > limit:
        raise ValueError(f"{name}={degree}: at most {limit}")
    return int(degree)


def data_orders(orders, n, limit=None, name="orders"):
    """A multi-index: n integers in [0, limit] (an int for 1-D data)."""
    vals = [orders] if np.ndim(orders) == 0 else list(np.asarray(orders).ravel()) \
        if isinstance(orders, np.ndarray) else list(orders)
    if len(vals) != n:
        raise ValueError(f"{name} has {len(vals)} entries, but the data has {n} axes "
                         f"(one derivative order per axis)")
    out = []
    for k in vals:
        if not _is_int(k):
            raise TypeError(f"{name} must hold integers, got {k!r}")
        if k < 0:
            raise ValueError(f"{name} must be >= 0, got {k}")
        out.append(int(k))
    if limit is not None and max(out) > limit:
        raise ValueError(f"{name}={tuple(out)}: at most order {limit} per axis")
    return tuple(out)


def data_directions(v, n, normalize, name="v"):
    """One direction (n,) or one per query (M, n), float64, normalised when asked."""
    arr = _real_array(v, name, "a direction vector")
    if not ((arr.ndim == 1 and arr.shape == (n,)) or (arr.ndim == 2 and arr.shape[1] == n)):
        raise ValueError(f"{name} has shape {arr.shape}, but the data has {n} coordinate(s): "
                         f"it needs shape ({n},) or (M, {n})")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite")
    if normalize:
        norm = np.sqrt(np.sum(arr * arr, axis=-1, keepdims=True))
        if np.any(norm == 0):
            raise ValueError(f"{name} must not be the zero vector when normalize=True")
        arr = arr / norm
    return arr


def data_extrapolate(extrapolate):
    if not isinstance(extrapolate, (bool, np.bool_)):
        raise TypeError(f"extrapolate must be True or False, got {extrapolate!r}")
    return bool(extrapolate)


def data_ndim(n, limit):
    if n > limit:
        raise ValueError(f"points has {n} dimensions; fd.data supports at most {limit}")


def data_axis_lengths(lengths):
    """Every axis of a grid needs two distinct coordinates."""
    for d, m in enumerate(lengths):
        if m < 2:
            raise ValueError(f"points: axis {d} has a single coordinate value; every axis "
                             f"needs at least 2")


def data_auto_window(window, degree):
    if window is None:
        raise ValueError("smoothing='auto' needs at least 5 samples along some axis and "
                         f"room for a window of degree + 3 = {degree + 3} points on every "
                         f"axis (or give the window)")


def data_axis_samples(d, n_d, k, acc, window, degree, max_window):
    """Axis ``d`` of ``n_d`` samples must carry a derivative of order ``k``:
    acc + k samples without smoothing, else a window of degree + 1 points
    or more that fits the axis and the kernel."""
    if window is None:
        if n_d < acc + k:
            what = f"a {ordinal(k)} derivative" if k else "values"
            raise ValueError(f"axis {d} has {n_d} samples, but {what} with acc={acc} "
                             f"need at least {acc + k} (lower acc)")
        if acc + k > max_window:        # (the kernel's window: NaN came back)
            what = f"a {ordinal(k)} derivative" if k else "values"
            raise ValueError(f"{what} along axis {d} with acc={acc} need{'s' if k else ''} "
                             f"{acc + k} nodes "
                             f"per window; at most {max_window} "
                             f"(use acc <= {(max_window - k) // 2 * 2})")
        return
    if k > degree:
        raise ValueError(f"a {ordinal(k)} derivative along axis {d} needs "
                         f"degree >= {k}, got degree={degree}")
    if window > n_d:
        raise ValueError(f"smoothing window {window} on axis {d} is longer than "
                         f"the axis ({n_d} samples)")
    if window < degree + 1:
        raise ValueError(f"smoothing window {window} on axis {d} is too short "
                         f"for degree {degree} (needs at least {degree + 1} points)")
    if window > max_window:
        raise ValueError(f"smoothing window {window} on axis {d}: at most "
                         f"{max_window} points")


def data_derivative_degree(top, degree):
    if top > degree:
        raise ValueError(f"a {ordinal(top)} derivative needs degree >= {top}, got "
                         f"degree={degree}")


def data_query_chunk(qc, c0, outside, region):
    """Queries ``qc`` (rows c0, c0+1, ...) must be finite; ``outside`` is the
    index of the first one outside ``region`` (-1 for none; None: not checked)."""
    finite = np.isfinite(qc).all(axis=1)
    if not finite.all():
        i = int(np.flatnonzero(~finite)[0])
        raise ValueError(f"q must be finite; query point {c0 + i} is {qc[i].tolist()}")
    if outside is not None and outside >= 0:
        i = outside
        raise ValueError(f"query point {c0 + i} {qc[i].tolist()} lies outside {region}; pass "
                         f"extrapolate=True to evaluate it anyway")


def data_quantity(name):
    return ValueError(f"what: unknown quantity {name!r}; use 'value', 'gradient', "
                      f"'jacobian', 'hessian' or 'laplacian'")


def data_direction_count(ndir, n, count, samples=None):
    if samples is not None:
        raise ValueError(f"v has {ndir} directions, but q=None means the {samples} samples: "
                         f"give one direction ({n},) or one per sample ({samples}, {n})")
    raise ValueError(f"v has {ndir} directions; one per query point needs "
                     f"q of shape ({ndir}, {n}), got {count}")


def scattered_options(smoothing, degree, n, N, C, max_monomials):
    """The neighbour count of a scattered fit (None for 'auto') from
    ``smoothing`` (None: ``None`` is returned as 0 and chosen by the caller)."""
    if C > max_monomials:
        raise ValueError(f"degree={degree} in {n}-D has {C} monomials; the scattered engine "
                         f"fits at most {max_monomials} (lower the degree)")
    if smoothing is None:
        return 0
    if isinstance(smoothing, str) and smoothing == "auto":
        return None
    if not isinstance(smoothing, str) and np.ndim(smoothing) != 0:
        raise ValueError(f"smoothing on scattered points is one number of neighbours (or "
                         f"'auto'), got {smoothing!r}")
    w = data_smoothing(smoothing, 1)
    if not isinstance(w, list):
        raise ValueError(f"smoothing must be None, 'auto' or a number of neighbours, "
                         f"got {smoothing!r}")
    k = w[0]
    if k < C + 1:
        raise ValueError(f"smoothing={k} neighbours is too few for a degree-{degree} fit "
                         f"in {n}-D ({C} monomials): give at least {C + 1}")
    return k


def scattered_samples(N, n, degree, need):
    if N < need:
        raise ValueError(f"points has {N} samples, but a degree-{degree} fit in {n}-D needs "
                         f"{need} neighbours per query (lower the degree or the smoothing)")


def scattered_duplicates(dup, cloud):
    if dup is not None:
        raise ValueError(f"points {dup[0]} and {dup[1]} are the same point "
                         f"{cloud[dup[0]].tolist()}; remove or average duplicate samples")


def flat_cloud(N, n):
    """The error for samples whose convex hull has no interior."""
    return ValueError(f"points: the {N} samples lie in a flat subspace of {n}-D (collinear "
                      f"or coplanar), so their convex hull holds no query; pass "
                      f"extrapolate=True (the fits of such neighbourhoods then give NaN "
                      f"and success=False)")


def data_auto_degree(degree):
    """smoothing="auto" weighs the gradient's error: degree >= 1 (0 was an
    IndexError)."""
    if degree < 1:
        raise ValueError(f'smoothing="auto" chooses windows for the gradient and needs '
                         f"degree >= 1, got degree={degree}")


def data_what(what):
    """Fit.evaluate's ``what``: a name or a non-empty sequence of names."""
    if isinstance(what, str):
        return (what,)
    try:
        names = tuple(what)
    except TypeError:
        raise TypeError(f"what must be a quantity name or a sequence of them, got "
                        f"{what!r}") from None
    if not names:
        raise ValueError("what must name at least one quantity ('value', 'gradient', "
                         "'jacobian', 'hessian' or 'laplacian')")
    return names
