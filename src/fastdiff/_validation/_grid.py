"""Checks of fd.grid's arguments: input arrays, axes, boundary modes,
spacing, cval, outputs, directions and vector fields."""
from __future__ import annotations

import functools
import math
import numbers

import numpy as np

from ._common import _ALIASES, MODES, _is_int, as_array, masked_operand, max_ndim, ordinal

def as_input(u, name="u"):
    """Return (array, result dtype) for an input field.

    Integers and bool become float64, float16 becomes float32; float32/64 and
    complex64/128 are kept. The array is made native-endian with strides that
    are multiples of its item size (a copy only when that is not already so).
    """
    if not isinstance(u, np.ndarray):
        u = as_array(u, name, "an array of numbers")
    dt = u.dtype
    if dt.kind in "biu":
        res = np.dtype(np.float64)
    elif dt.kind == "f" and dt.itemsize == 2:
        res = np.dtype(np.float32)
    elif dt.kind == "f" and dt.itemsize in (4, 8):
        res = np.dtype(dt.char)
    elif dt.kind == "c" and dt.itemsize in (8, 16):
        res = np.dtype(dt.char)
    else:
        raise TypeError(
            f"{name} has dtype {dt}, but fastdiff needs bool, integer, float16/32/64 "
            f"or complex64/128 data")
    if u.ndim == 0:
        raise ValueError(f"{name} must have at least one dimension, got a 0-d array")
    if u.ndim > 31 and u.ndim > max_ndim():
        raise ValueError(f"{name} has {u.ndim} dimensions; fastdiff supports at most "
                         f"{max_ndim()}")
    if u.dtype != res or not u.dtype.isnative:
        u = u.astype(res)
    if not u.flags.aligned:        # a view at a byte offset: an aligned copy
        u = np.array(u, copy=True)
    elif any(s % u.itemsize for s in u.strides):
        u = np.ascontiguousarray(u)
    return u, res


def shape(shp, name="shape"):
    """A grid shape: a non-empty tuple of positive ints, within the kernels' limit."""
    from operator import index
    try:
        out = tuple(int(index(n)) for n in shp)
    except TypeError:
        raise TypeError(f"{name} must be a sequence of integers, got {shp!r}") from None
    if not out or any(n < 1 for n in out):
        raise ValueError(f"{name} must be a non-empty sequence of positive integers, got {shp!r}")
    if len(out) > 31 and len(out) > max_ndim():
        raise ValueError(f"{name} has {len(out)} dimensions; fastdiff supports at most "
                         f"{max_ndim()}")
    return out


def axis(ax, ndim, name="axis"):
    if not _is_int(ax):
        raise TypeError(f"{name} must be an integer, got {ax!r}")
    ax = int(ax)
    if not -ndim <= ax < ndim:
        raise ValueError(f"{name} {ax} is out of range for an array with {ndim} dimensions")
    return ax % ndim


def axes(ax, ndim, name="axes"):
    """Normalise ``axes`` (None = all) to a tuple of distinct non-negative ints."""
    if ax is None:
        return tuple(range(ndim))
    if _is_int(ax):
        ax = (ax,)
    try:
        seq = list(ax)
    except TypeError:
        raise TypeError(f"{name} must be None, an integer or a sequence of integers, got {ax!r}") from None
    if not seq:
        raise ValueError(f"{name} must name at least one axis, got an empty sequence")
    out = tuple(axis(a, ndim, name) for a in seq)
    if len(set(out)) != len(out):
        raise ValueError(f"{name} must not repeat an axis, got {tuple(seq)!r}")
    return out


def boundary(mode, k, name="boundary"):
    """One canonical mode name per differentiated axis (k of them)."""
    if isinstance(mode, str):
        modes = [mode] * k
    else:
        try:
            modes = list(mode)
        except TypeError:
            raise TypeError(f"{name} must be a mode name or a sequence of them, got {mode!r}") from None
        if len(modes) != k:
            raise ValueError(f"{name} has {len(modes)} entries, but {k} axes are differentiated")
    out = []
    for m in modes:
        if not isinstance(m, str):
            raise TypeError(f"{name} entries must be strings, got {m!r}")
        c = _ALIASES.get(m, m)
        if c not in MODES:
            raise ValueError(f"{name} {m!r} is not a known mode; use one of "
                             f"{', '.join(repr(x) for x in MODES)} (or 'wrap')")
        out.append(c)
    return out


def _scalar_step(h, name):
    if isinstance(h, (bool, np.bool_)) or not isinstance(h, (numbers.Real, np.floating, np.integer)):
        raise TypeError(f"{name} must be a positive number or a 1-D coordinate array, got {h!r}")
    h = float(h)
    if not np.isfinite(h) or h <= 0:
        raise ValueError(f"{name} must be a positive finite step, got {h}")
    return ("uniform", h)


def _coords(x, n, name):
    x = np.asarray(x)
    if x.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold real numbers, got dtype {x.dtype}")
    x = x.astype(np.float64)
    if x.ndim != 1:
        raise ValueError(f"{name} must be a scalar step or a 1-D coordinate array, got shape {x.shape}")
    if len(x) != n:
        raise ValueError(f"{name} has {len(x)} coordinates, but the axis has {n} points")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{name} coordinates must be finite")
    if n == 1:
        raise ValueError(f"{name}: a coordinate array needs at least 2 points, got 1")
    d = np.diff(x)
    if not (np.all(d > 0) or np.all(d < 0)):
        raise ValueError(f"{name} coordinates must be strictly monotonic")
    step = (x[-1] - x[0]) / (n - 1)
    if np.max(np.abs(d - step)) <= 1e-12 * abs(step):
        return ("uniform", step)
    return ("coords", np.ascontiguousarray(x))


def spacing(sp, ax, shape, name="spacing"):
    """One ``("uniform", h)`` or ``("coords", x)`` per differentiated axis
    (``None`` means a step of 1)."""
    k = len(ax)
    if sp is None:
        sp = 1.0
    if not isinstance(sp, (list, tuple)) and np.ndim(sp) == 0:
        if isinstance(sp, np.ndarray):
            sp = sp.item()
        return [_scalar_step(sp, name)] * k
    if isinstance(sp, np.ndarray) and sp.ndim == 1 and sp.dtype.kind in "biuf":
        if k == 1 and len(sp) == shape[ax[0]] and len(sp) != 1:
            return [_coords(sp, shape[ax[0]], name)]
        entries = list(sp)
    else:
        entries = list(sp)
        if k == 1 and len(entries) == shape[ax[0]] and len(entries) > 1 and all(
                np.ndim(e) == 0 for e in entries):
            return [_coords(entries, shape[ax[0]], name)]
    if len(entries) != k:
        raise ValueError(f"{name} has {len(entries)} entries, but {k} axes are differentiated "
                         f"(give a scalar, one entry per axis, or coordinates)")
    out = []
    for a, e in zip(ax, entries):
        sub = f"{name}[{ax.index(a)}]" if k > 1 else name
        if np.ndim(e) == 0:
            if isinstance(e, np.ndarray):
                e = e.item()
            out.append(_scalar_step(e, sub))
        else:
            out.append(_coords(e, shape[a], sub))
    return out


def cval(c, is_complex, name="cval"):
    if isinstance(c, (bool, np.bool_)) or not isinstance(c, (numbers.Number, np.number)):
        raise TypeError(f"{name} must be a number, got {c!r}")
    if isinstance(c, (complex, np.complexfloating)):
        if not is_complex and complex(c).imag != 0:
            raise TypeError(f"{name} is complex ({c!r}) but the input is real")
        return complex(c)
    return complex(float(c)) if is_complex else float(c)


def check_points(n, order, acc, mode, sp, ax):
    """Raise when axis ``ax`` (n points) is too short for its stencil."""
    kind = sp[0]
    if kind == "coords" or mode == "one-sided":
        need = acc + order
        if n < need:
            how = "on a non-uniform grid" if kind == "coords" else "and one-sided boundaries"
            raise ValueError(f"axis {ax} has {n} points, but a {ordinal(order)} derivative "
                             f"with acc={acc} {how} needs at least {need}")
    elif n < 1:
        raise ValueError(f"axis {ax} has 0 points; a derivative needs at least 1")
    if kind == "coords" and mode != "one-sided":
        raise ValueError(f"boundary {mode!r} on axis {ax} needs a uniform grid; non-uniform "
                         f"coordinates support only boundary='one-sided'")
    if kind == "uniform" and not -300.0 <= order * math.log10(abs(sp[1])) <= 300.0:
        raise ValueError(f"spacing {sp[1]!r} on axis {ax}: a {ordinal(order)} derivative "
                         f"divides by spacing**{order}, outside float64's range; rescale "
                         f"the coordinates")
    if mode == "one-sided" and order:
        amp = one_sided_amplification(order, acc)
        if amp > ONE_SIDED_LIMIT:
            top = acc - 2
            while top > 2 and one_sided_amplification(order, top) > ONE_SIDED_LIMIT:
                top -= 2
            raise ValueError(f"acc={acc} with one-sided boundaries: the edge stencils of a "
                             f"{ordinal(order)} derivative amplify rounding by {amp:.0e} "
                             f"(more than {ONE_SIDED_LIMIT:.0e}); use acc <= {top} for this "
                             f"order, or a boundary mode without one-sided stencils")


#: the largest sum of |weights| (in units of spacing**-order) a one-sided edge
#: stencil may have: beyond it rounding alone costs more than ~1e-6 of the
#: values' size (measured: d/dx of sin on 300 points, acc=48, error 0.1)
ONE_SIDED_LIMIT = 1e10


@functools.lru_cache(maxsize=256)
def one_sided_amplification(order, acc):
    """Sum of |w| of the widest one-sided stencil of ``order`` at ``acc``."""
    from .._stencil import stencil
    return float(np.abs(stencil(order, offsets=list(range(acc + order))).weights).sum())


def out(o, shape, dtype, inputs, name="out"):
    """Check a user-supplied output array (or allocate nothing when None)."""
    if o is None:
        return None
    if (type(o) is np.ndarray and o.shape == shape and o.dtype == dtype
            and o.flags.writeable and o.dtype.isnative and o.flags.aligned):
        # the common case, checked fast: only the overlap test remains
        for a in inputs:
            if np.may_share_memory(o, a):
                break
        else:
            return o
    if not isinstance(o, np.ndarray):
        raise TypeError(f"{name} must be a numpy array, got {type(o).__name__}")
    if o.shape != tuple(shape):
        raise ValueError(f"{name} has shape {o.shape}, but the result has shape {tuple(shape)}")
    if o.dtype != dtype:
        raise ValueError(f"{name} has dtype {o.dtype}, but the result has dtype {dtype}")
    if not o.flags.writeable:
        raise ValueError(f"{name} is read-only")
    if not o.dtype.isnative:
        raise ValueError(f"{name} must be in native byte order")
    if any(s % o.itemsize for s in o.strides):
        raise ValueError(f"{name} has strides {o.strides} that are not multiples of its item size")
    if not o.flags.aligned:
        raise ValueError(f"{name} is not aligned to its item size (a view at a byte offset); "
                         f"give an aligned array")
    for a in inputs:
        if np.may_share_memory(o, a):
            try:
                overlap = np.shares_memory(o, a, max_work=1 << 20)
            except np.exceptions.TooHardError:
                overlap = True
            if overlap:
                raise ValueError(f"{name} overlaps the input; give a separate array")
    return o


def direction(d, k, shape, normalize, name="direction"):
    """A constant direction (k,) or a direction field (k, *shape), as float64,
    divided by its Euclidean norm when ``normalize`` (zero vectors of a field
    stay zero; a zero constant direction is an error)."""
    masked_operand(d, name)
    try:
        arr = np.asarray(d)
    except Exception as exc:
        raise TypeError(f"{name} must be an array of real numbers, got {type(d).__name__}") from exc
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold real numbers, got dtype {arr.dtype}")
    arr = arr.astype(np.float64)
    field_shape = (k,) + tuple(shape)
    if arr.shape != (k,) and arr.shape != field_shape:
        raise ValueError(f"{name} has shape {arr.shape}, but {k} axes are differentiated: "
                         f"it needs shape ({k},) or {field_shape}")
    if not normalize:
        return arr
    norm = np.sqrt(np.sum(arr * arr, axis=0))
    if arr.ndim == 1:
        if norm == 0:
            raise ValueError(f"{name} must not be the zero vector when normalize=True")
        return arr / norm
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(norm > 0, arr / np.where(norm > 0, norm, 1.0), 0.0)


def vector_field(v, ax, name="v"):
    """Normalise a stacked vector field v (m, *S); return (v, dtype, axes of S)."""
    v, dtype = as_input(v, name=name)
    if v.ndim < 2:
        raise ValueError(f"{name} must be a stack of fields of shape (m, *S), got shape {v.shape}")
    if v.shape[0] == 0:
        raise ValueError(f"{name} has no components ({name}.shape[0] == 0)")
    return v, dtype, axes(ax, v.ndim - 1)


def components(v, k, name="v"):
    """Check that v has one component per differentiated axis."""
    if v.shape[0] != k:
        raise ValueError(f"{name} has {v.shape[0]} components, but {k} axes are differentiated "
                         f"({name}.shape[0] must equal the number of axes)")


# -- fd.data ----------------------------------------------------------------


def curl_axes(k, axes):
    """The curl is defined for 2 or 3 differentiated axes."""
    if k not in (2, 3):
        raise ValueError(f"curl needs 2 or 3 differentiated axes, got {k} (axes={axes})")


def time_coordinate(v, dim):
    """A datetime64/timedelta64 coordinate must hold no NaT."""
    if np.isnat(v).any():
        raise ValueError(f"the coordinate of dimension {dim!r} holds NaT; pass spacing= "
                         f"or drop those points")


def dask_known_shape(shape, name="u"):
    """A dask array's shape must be known (not NaN after boolean indexing)."""
    if any(isinstance(s, float) and math.isnan(s) for s in shape):
        raise ValueError(f"{name} is a dask array of unknown shape {tuple(shape)} (chunk sizes "
                         f"not known, e.g. after boolean indexing); call "
                         f"{name}.compute_chunk_sizes() first")
