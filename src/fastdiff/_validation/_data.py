"""Checks of fd.data's arguments: coordinates, point clouds, values,
queries, smoothing windows, degrees, multi-indices and directions."""
from __future__ import annotations


import numpy as np

from ._common import _is_int, _real_array, as_array

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


def data_degree(degree, name="degree"):
    if not _is_int(degree):
        raise TypeError(f"{name} must be an integer, got {degree!r}")
    if degree < 0:
        raise ValueError(f"{name} must be >= 0, got {degree}")
    return int(degree)


def data_orders(orders, n, name="orders"):
    """A multi-index: n non-negative integers (an int for 1-D data)."""
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
