"""Checks of fd.points' arguments: the function, the points, the method,
memory bounds, box bounds, user steps and directions; and of what f returns."""
from __future__ import annotations

import numbers

import numpy as np

from ._common import _real_array

__all__ = ["points_f", "points_x", "points_method", "points_max_memory", "points_bounds",
           "points_step", "points_tolerance", "points_sparsity_array",
           "points_sparsity_shape", "points_sparsity_structure", "points_sparsity_rows",
           "points_colors", "points_colors_values",
           "points_sparse_args", "points_masked_sparsity", "points_workers",
           "unpicklable_f",
           "derivative_step", "points_direction", "points_derivative_x", "f_output",
           "f_complex_output", "f_real_valued", "f_scalar", "hvp_method", "points_kwargs",
           "METHODS"]

METHODS = ("central", "forward", "backward", "complex")


def points_f(f):
    if not callable(f):
        raise TypeError(f"f must be callable, got {type(f).__name__}")


def points_x(x, name="x"):
    """(X (N, n) float64, single) from x of shape (n,) or (N, n)."""
    arr = _real_array(x, name)
    if arr.ndim not in (1, 2):
        raise ValueError(f"{name} must have shape (n,) or (N, n), got shape {arr.shape}")
    if arr.shape[-1] == 0:
        raise ValueError(f"{name} must have at least one coordinate, got shape {arr.shape}")
    single = arr.ndim == 1
    return np.atleast_2d(arr), single


def points_method(method, allowed=METHODS):
    if not isinstance(method, str) or method not in allowed:
        raise ValueError(f"method must be one of {', '.join(repr(m) for m in allowed)}, "
                         f"got {method!r}")
    return method


def points_max_memory(m, default):
    """Bytes of stencil points held at once (None: ``default``)."""
    if m is None:
        return float(default)
    if isinstance(m, (bool, np.bool_)) or not isinstance(m, numbers.Real):
        raise TypeError(f"max_memory must be None or a positive number of bytes, got {m!r}")
    if not m > 0:
        raise ValueError(f"max_memory must be None or a positive number of bytes, got {m!r}")
    return float(min(m, 2.0 ** 62))     # (inf: no bound; it failed "cannot convert NaN")


def points_kwargs(kwargs):
    """f's keyword arguments: None or a mapping."""
    from collections.abc import Mapping
    if kwargs is not None and not isinstance(kwargs, Mapping):
        raise TypeError(f"kwargs must be None or a dict of f's keyword arguments, got "
                        f"{type(kwargs).__name__}")


def points_bounds(bounds, X):
    """None, or (lower (n,), upper (n,)) containing every point of X."""
    if bounds is None:
        return None
    try:
        lo, hi = bounds
    except (TypeError, ValueError):
        raise TypeError("bounds must be a pair (lower, upper)") from None
    n = X.shape[1]
    try:
        lo = np.broadcast_to(np.asarray(lo, dtype=np.float64), (n,)).copy()
        hi = np.broadcast_to(np.asarray(hi, dtype=np.float64), (n,)).copy()
    except (ValueError, TypeError):
        raise ValueError(f"bounds must be scalars or arrays of length {n} (one per "
                         f"coordinate), got {bounds!r}") from None
    if np.any(~(lo < hi)):
        raise ValueError("bounds must have lower < upper in every coordinate")
    if np.any(X < lo) or np.any(X > hi):
        raise ValueError("x must lie inside bounds")
    return lo, hi


def points_step(step, X):
    """None, or the user's steps broadcast to X's shape (positive, finite)."""
    if step is None:
        return None
    given = np.asarray(step)
    if given.dtype.kind not in "iuf":
        raise TypeError(f"step must be a positive number or an array of them, got "
                        f"{step!r:.80}")
    h = given.astype(np.float64)
    # (checked as given: broadcast to no points, a negative step passed)
    if np.any(~np.isfinite(h)) or np.any(h <= 0):
        raise ValueError("step must be positive and finite")
    try:
        return np.broadcast_to(h, X.shape)
    except ValueError:
        raise ValueError(f"step must be a scalar, shape (n,) or shape {X.shape}, "
                         f"got shape {h.shape}") from None


def points_tolerance(rtol, atol, maxiter):
    """(rtol, atol, maxiter, given) of the refinement; ``given``: rtol or
    atol was given (otherwise both are None)."""
    for name, v in (("rtol", rtol), ("atol", atol)):
        if v is None:
            continue
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Real):
            raise TypeError(f"{name} must be None or a number >= 0, got {v!r}")
        if not v >= 0:
            raise ValueError(f"{name} must be None or a number >= 0, got {v!r}")
    if isinstance(maxiter, (bool, np.bool_)) or not isinstance(maxiter, numbers.Integral):
        raise TypeError(f"maxiter must be an integer >= 0, got {maxiter!r}")
    if not 0 <= maxiter <= 8:
        raise ValueError(f"maxiter must be between 0 and 8, got {maxiter}")
    if rtol is None and atol is None:
        return (None, None, int(maxiter), False)
    return (float(rtol or 0.0), float(atol or 0.0), int(maxiter), True)


def points_sparsity_array(sparsity, name="sparsity"):
    """A dense sparsity pattern as a 2-D bool array."""
    arr = np.asarray(sparsity)
    if arr.ndim != 2 or arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be a scipy.sparse matrix or a 2-D boolean array "
                        f"(m, n), got {type(sparsity).__name__} of shape {arr.shape}")
    return arr != 0


def _compressed_ok(indptr, indices, major, minor):
    """Whether CSR/CSC-like index arrays describe ``major`` rows (columns) of
    ``minor`` entries: integers, indptr from 0 and not decreasing, every
    index it covers in [0, minor)."""
    p, i = np.asarray(indptr), np.asarray(indices)
    if p.dtype.kind not in "iu" or i.dtype.kind not in "iu" or p.ndim != 1 or i.ndim != 1:
        return False
    if len(p) != major + 1:
        return False
    if major == 0:
        return True
    if p[0] != 0 or p[-1] > len(i) or not bool(np.all(p[1:] >= p[:-1])):
        return False
    used = i[:p[-1]]
    return len(used) == 0 or bool(used.min() >= 0 and used.max() < minor)


def points_sparsity_structure(S, name="sparsity", given=None):
    """The index arrays of a scipy.sparse CSR, CSC, BSR or COO matrix S must
    describe its shape (kernels and scipy's own routines index with them
    unchecked: a column past the shape corrupted memory).  Other formats
    are checked after their conversion to CSR (``given``: the format the
    user passed, for the message)."""
    if len(S.shape) != 2:
        raise ValueError(f"{name} must be 2-D (m, n), got a sparse array of shape {S.shape}")
    m, n = S.shape
    fmt = S.format
    if fmt in ("csr", "csc"):
        major, minor = (m, n) if fmt == "csr" else (n, m)
        ok = _compressed_ok(S.indptr, S.indices, major, minor)
        what = f"its indptr and indices must describe shape {S.shape}"
    elif fmt == "bsr":
        R, C = S.blocksize
        ok = m % R == 0 and n % C == 0 and _compressed_ok(S.indptr, S.indices, m // R, n // C)
        what = f"its indptr and indices must describe shape {S.shape} in blocks of {(R, C)}"
    elif fmt == "coo":
        r, c = np.asarray(S.row), np.asarray(S.col)
        ok = (r.dtype.kind in "iu" and c.dtype.kind in "iu" and r.shape == c.shape
              and (len(r) == 0 or bool(r.min() >= 0 and r.max() < m
                                       and c.min() >= 0 and c.max() < n)))
        what = f"its row and col must lie within shape {S.shape}"
    else:
        return
    if not ok:
        if given not in (None, fmt):
            what = f"its entries must lie within shape {S.shape}"
        raise ValueError(f"{name} is not a valid {(given or fmt).upper()} matrix: {what}")


def points_sparsity_shape(shape, n, name="sparsity"):
    if n is not None and shape[1] != n:
        raise ValueError(f"{name} has shape {shape}, but x has {n} coordinates: it needs "
                         f"shape (m, {n})")


def points_sparsity_rows(m, rows, name="sparsity"):
    if m != rows:
        raise ValueError(f"f returned {m} values per point, but {name} has {rows} rows")


def points_workers(workers, vectorized):
    """None, an int >= 1 (a process pool) or a map-like callable."""
    if workers is None:
        return None
    if isinstance(workers, (bool, np.bool_)) or not (
            isinstance(workers, numbers.Integral) or callable(workers)):
        raise TypeError(f"workers must be None, an int >= 1 or a map-like callable "
                        f"(e.g. Pool.map, an executor's map), got {workers!r}")
    if not callable(workers) and workers < 1:
        raise ValueError(f"workers must be None, an int >= 1 or a map-like callable, "
                         f"got {workers}")
    if vectorized:
        raise ValueError("workers needs vectorized=False: a vectorized f is called once per "
                         "batch and parallelises itself")
    return workers if callable(workers) else int(workers)


def unpicklable_f(exc):
    return TypeError(f"f cannot be pickled for a process pool ({exc}); define it at "
                     f"module level, or pass workers= a map-like callable, e.g. "
                     f"concurrent.futures.ThreadPoolExecutor().map")


def points_sparse_args(sparsity, colors, step, method):
    if sparsity is None:
        raise ValueError("colors needs sparsity= (the pattern they colour)")
    if step is not None:
        raise ValueError("step is not used with sparsity= (each colour group's step "
                         "follows its largest coordinate); leave step=None")
    if method == "complex":
        raise ValueError("method='complex' is not supported with sparsity=")


def points_masked_sparsity(x, sparsity):
    """A masked x has no sparse result: CSR matrices carry no mask."""
    if sparsity is not None and np.ma.isMaskedArray(x):
        raise ValueError("x is a masked array, but sparsity= returns scipy.sparse matrices, "
                         "which carry no mask; pass the unmasked points (x.compressed() rows "
                         "or x[~x.mask.any(axis=-1)])")


def points_colors(colors, S, name="colors", checked=None):
    """Column colours for pattern S: ints >= 0, one per column, no two columns
    of one row alike.  ``checked``: the colours (`points_colors_values`)
    and the kernel's (first conflicting row, every colour used) when the
    caller has run it (`_sparse.pattern_and_colors`)."""
    c, (row, every) = checked if checked is not None else (
        points_colors_values(colors, S.shape[1], name), (None, None))
    k = int(c.max()) + 1 if len(c) else 1
    if row is None:
        from .._kernels._points import colors_conflict
        row, every = colors_conflict(S.indptr, S.indices, c, k)
    if not every:       # (some colour below the largest has no column)
        used = np.bincount(c, minlength=k) > 0
        c = (np.cumsum(used) - 1)[c]
    if row >= 0:
        raise ValueError(f"{name}: two columns that share row {row} of sparsity have the "
                         f"same colour (use fd.points.color_columns)")
    return c


def points_colors_values(colors, n, name="colors"):
    """The colours alone: a 1-D integer array of n colours >= 0, as int64,
    renumbered 0 .. k-1 if any is n or more."""
    c = np.asarray(colors)
    if c.ndim != 1 or c.dtype.kind not in "iu":
        raise TypeError(f"{name} must be a 1-D integer array (one colour per column), "
                        f"got {c.dtype} of shape {c.shape}")
    if c.shape[0] != n or (len(c) and c.min() < 0):
        raise ValueError(f"{name} needs {n} colours >= 0 (one per column), got "
                         f"{c.shape[0]}")
    c = np.ascontiguousarray(c, dtype=np.int64)
    # colours numbered 0 .. k-1, as the user's groups (colours 0, 1000, ...
    # ran one directional derivative per integer up to the largest;
    # 10^12 tried to allocate 21.8 TiB)
    if len(c) and c.max() >= len(c):
        c = np.unique(c, return_inverse=True)[1].astype(np.int64).reshape(-1)
    return c


def derivative_step(step, shape):
    """fd.points.derivative's step: a scalar or an array broadcasting to x's
    shape, as one column per element (None stays None)."""
    if step is None or np.ndim(step) == 0:
        return step
    h = np.asarray(step, dtype=np.float64)
    try:
        return np.broadcast_to(h, shape).reshape(-1, 1)
    except ValueError:
        raise ValueError(f"step must be a scalar or broadcast to x's shape {shape}, "
                         f"got shape {h.shape}") from None


def points_direction(v, N, n):
    """(directions, norms) from v of shape (n,) or (N, n): directions (1, n)
    or (N, n) as given (float64), norms (1,) or (N,), none of them zero."""
    if np.ma.isMaskedArray(v) and np.ma.is_masked(v):
        raise TypeError("v is a masked array with masked entries; a direction has no "
                        "masked components (pass v.filled(...) or the unmasked points)")
    try:
        arr = np.asarray(np.ma.getdata(v))
    except (TypeError, ValueError):         # (ragged sequences)
        raise TypeError(f"v must be an array of real numbers, got {v!r:.80}") from None
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"v must be an array of real numbers, got {v!r:.80}")
    d = arr.astype(np.float64)
    if d.shape not in ((n,), (N, n)):
        raise ValueError(f"v has shape {d.shape}, but needs shape ({n},) or ({N}, {n})")
    d = d.reshape(-1, n)
    if not np.isfinite(d).all():
        raise ValueError("v must be finite, got a NaN or infinite component")
    # (scaled by the largest component first: v = (1e155, 0) squared to inf
    # and gave 0 with success=True, (1e-170, 0) to 0, "the zero vector")
    big = np.max(np.abs(d), axis=1)
    if np.any(big == 0):
        raise ValueError("v must not be the zero vector")
    u = d / big[:, None]
    norm = big * np.sqrt(np.einsum("ij,ij->i", u, u))
    return d, norm


def points_derivative_x(x, method, order):
    """fd.points.derivative's x as a float64 array (complex x refused)."""
    xa = np.asarray(x)
    if xa.dtype.kind not in "biufc":
        raise TypeError(f"x must hold real numbers, got dtype {xa.dtype}")
    if xa.dtype.kind == "c":
        raise TypeError("x must be real; complex x is not differentiated (use "
                        "method='complex' for the complex-step derivative at real x)")
    if method == "complex" and order != 1:
        raise ValueError("method='complex' gives first derivatives only")
    return np.asarray(xa, dtype=np.float64)


def f_output(out, M, complex_ok, m_before):
    """The output length m of f's values ``out`` at M points (0 for a scalar
    f), checked against the earlier calls' ``m_before`` (None: first call)."""
    if out.dtype.kind not in ("biufc" if complex_ok else "biuf"):
        raise ValueError(f"f must return real numbers, got dtype {out.dtype}")
    if out.ndim == 0 or out.shape[0] != M or out.ndim > 2:
        raise ValueError(f"f returned shape {out.shape} for {M} points; expected ({M},) "
                         f"for a scalar function or ({M}, m) for a vector function")
    m = 0 if out.ndim == 1 else out.shape[1]
    if m_before is not None and m != m_before:
        raise ValueError(f"f returned shape {out.shape}, but earlier calls returned "
                         f"{'(M,)' if m_before == 0 else f'(M, {m_before})'}")
    return m


def f_complex_output(F):
    """method='complex' needs complex values of f at complex points."""
    if not np.iscomplexobj(F):
        raise ValueError(f"method='complex' needs f to return complex values at complex "
                         f"points, but f returned dtype {F.dtype} (f must be analytic: "
                         f"no abs, real, conj or casts to float)")


def f_real_valued(F0):
    """method='complex' needs an f that is real on real points (a complex
    f's imaginary part would be taken for the derivative)."""
    if np.iscomplexobj(F0) and np.any(np.imag(F0) != 0):
        raise ValueError("method='complex' needs an f that is real-valued at real points, "
                         "but f returned complex values with a nonzero imaginary part at x; "
                         "differentiate its real and imaginary parts separately")


def f_scalar(m, function):
    """gradient and derivative need a scalar (elementwise) f."""
    if m:
        hint = ("a scalar function returning (M,) — use jacobian for vector functions"
                if function == "gradient" else "an elementwise function returning (M,)")
        raise ValueError(f"f returned shape (M, {m}); {function} needs {hint}")


def hvp_method(method):
    """hvp's outer method: not the complex step (its inner gradient is real)."""
    if method == "complex":
        raise ValueError("hvp does not take method='complex' (its inner gradient is a "
                         "real-step one); use 'central', 'forward' or 'backward'")
