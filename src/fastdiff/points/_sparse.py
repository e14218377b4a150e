"""Sparse Jacobians by column colouring (``jacobian(..., sparsity=S)``).

Columns that share no row of the pattern S form a colour group; one
directional derivative along the sum of a group's unit vectors gives all
their entries at once (each row of S has at most one column per group).  The
directional derivatives run through the same engine as every first
derivative (steps, Richardson levels, error estimates, bounds, blocks).

Colouring: DSATUR on the column intersection graph (columns adjacent when
they share a row): the next column is the uncoloured one whose neighbours
use the most distinct colours (ties: larger degree), and it takes the
smallest colour they do not use.  Banded patterns get their optimal count
(3 for tridiagonal; scipy's ``group_columns`` gives 5), the 5-point
Laplacian of a 256 x 256 grid 5 (largest-first greedy gave 9).  It runs in
a Cython kernel (``_kernels._points.dsatur``: a binary heap with lazy
deletion; 56 ms for a tridiagonal pattern of 10^5 columns, 0.5 s in
Python).  The colouring is a plain int array: pass it again as ``colors=``
to skip this step.

Entries of the true Jacobian outside S are not detected: they leak into the
entries of S that share a row and a colour group with them.
"""
from __future__ import annotations

import numpy as np

from .. import _validation as V
from .._kernels import _points as _kernels
from ._drive import base_step, first, meets
from ._engine import threads
from ._evaluate import Result

__all__ = ["color_columns", "pattern", "sparse_jacobian"]


def _readable(sparsity):
    """Whether S is a CSR matrix whose index arrays the kernels can read as
    they are (one integer dtype, contiguous, indptr of rows + 1)."""
    import scipy.sparse as sp
    return (sp.issparse(sparsity) and sparsity.format == "csr" and len(sparsity.shape) == 2
            and sparsity.indices.dtype == sparsity.indptr.dtype
            and sparsity.indices.dtype in (np.int32, np.int64)
            and sparsity.indices.flags.c_contiguous and sparsity.indptr.flags.c_contiguous
            and len(sparsity.indptr) == sparsity.shape[0] + 1)


def _wrapped(sparsity, status, checked=False):
    """A canonical CSR S (kernel ``status`` 2) without stored zeros as a
    boolean CSR sharing its index arrays, else None (``checked``: the
    kernel looked for stored zeros)."""
    import scipy.sparse as sp
    ip = sparsity.indptr
    nnz = int(ip[-1])
    if status != 2 or not (checked or np.asarray(sparsity.data[:nnz]).all()):   # (a stored 0)
        return None
    S = sp.csr_matrix((np.ones(nnz, dtype=bool), sparsity.indices[:nnz], ip),
                      shape=sparsity.shape, copy=False)
    S.has_canonical_format = True
    return S


def pattern_and_colors(sparsity, n, colors, nthreads):
    """`pattern` and the user's ``colors`` checked against it (or its
    colouring): for a canonical CSR, one parallel kernel pass checks both
    (0.16 ms for a tridiagonal pattern of 10^5 columns, against 0.41 for
    the two passes)."""
    if colors is not None and _readable(sparsity):
        V.points_sparsity_shape(sparsity.shape, n)
        c = V.points_colors_values(colors, sparsity.shape[1])
        S, _, row, every = _checked(sparsity, c, nthreads)
        if S is not None:
            return S, V.points_colors(colors, S, checked=(c, (row, every)))
    S = pattern(sparsity, n)
    return S, (color_columns(S) if colors is None else V.points_colors(colors, S))


def _checked(sparsity, c, nthreads):
    """One kernel pass over a readable CSR S (`_readable`) and, unless ``c``
    is empty, its colours: (S wrapped if canonical without stored zeros,
    else None; the kernel's status, 0 for an invalid S; the first row with
    a colour conflict or -1; every colour used)."""
    data = sparsity.data
    f64 = (data.dtype == np.float64 and data.ndim == 1 and data.flags.c_contiguous
           and len(data) >= sparsity.indptr[-1])      # (else NumPy's check)
    k = int(c.max()) + 1 if len(c) else 0
    status, row, every = _kernels.csr_canonical_colors(
        sparsity.indptr, sparsity.indices, sparsity.shape[1], c, k,
        data if f64 else np.empty(0), nthreads)
    return _wrapped(sparsity, status, checked=f64), status, row, every


def pattern(sparsity, n):
    """S as a scipy.sparse CSR boolean matrix (m, n) in canonical form (sorted
    indices, no duplicates, no explicit zeros; both index arrays of one
    dtype, contiguous).  A CSR matrix already in that form is wrapped
    without copying its index arrays (nothing here writes to them; scipy
    may still copy int64 ones that fit in int32); any other is copied
    first."""
    import scipy.sparse as sp
    if _readable(sparsity):
        # one pass of a kernel checks the index arrays (scipy's own routines
        # index with them unchecked) and their canonical form (the user's
        # cached flag may be stale); an invalid one gets its message below
        S, status, _, _ = _checked(sparsity, np.empty(0, dtype=np.int64), 1)
        if status == 0:
            V.points_sparsity_structure(sparsity)
        if S is not None:
            V.points_sparsity_shape(S.shape, n)
            return S
    elif sp.issparse(sparsity):
        V.points_sparsity_structure(sparsity)
    # (a copy: the user's CSR shares its index arrays with a bool view, and
    # sorting them in place scrambled the user's matrix)
    S = sp.csr_matrix(sparsity if sp.issparse(sparsity)
                      else V.points_sparsity_array(sparsity), dtype=bool, copy=True)
    if sp.issparse(sparsity) and sparsity.format not in ("csr", "csc", "coo", "bsr"):
        V.points_sparsity_structure(S, given=sparsity.format)   # (LIL, DOK, DIA as converted)
    V.points_sparsity_shape(S.shape, n)
    S.sum_duplicates()      # (a column listed twice in a row counted twice)
    S.eliminate_zeros()
    S.sort_indices()
    if S.indices.dtype != S.indptr.dtype:
        S.indices = S.indices.astype(np.int64)
        S.indptr = S.indptr.astype(np.int64)
    return S


def color_columns(sparsity):
    """Colour groups of the columns of a sparsity pattern (m, n): an int array
    (n,) such that no two columns sharing a row have the same colour.

    Parameters
    ----------
    sparsity : scipy.sparse matrix or array_like of bool
        The pattern, shape (m, n).

    Returns
    -------
    ndarray of int
        The colour of each column, 0 .. (number of groups - 1).

    Examples
    --------
    >>> import numpy as np, fastdiff as fd
    >>> S = np.eye(6, dtype=bool) | np.eye(6, k=1, dtype=bool) | np.eye(6, k=-1, dtype=bool)
    >>> fd.points.color_columns(S)
    array([1, 2, 0, 1, 2, 0])
    """
    S = pattern(sparsity, None)
    n = S.shape[1]
    # column intersection graph (int32 counts: int8 ones wrapped to 0 at 256
    # shared rows, and the edge was lost)
    G = (S.T.astype(np.int32) @ S.astype(np.int32)).tocsr()
    G.setdiag(0)
    G.eliminate_zeros()
    colors = np.empty(n, dtype=np.int64)
    _kernels.dsatur(G.indptr.astype(np.int64), G.indices.astype(np.int64), colors)
    return colors


def sparse_jacobian(S, colors, derivative, N, nthreads, full_output, scale=None):
    """The CSR Jacobians (one per point) from ``derivative(dirs) -> (value,
    error, step, nfev)``, dirs the (k, n) group directions; value (N, k[, m]);
    with ``full_output`` their errors and steps too.  ``scale`` (N, n): the
    directions were scaled by it column by column (entry (row, col) is the
    group's derivative over scale[:, col]), or None."""
    import scipy.sparse as sp
    m, n = S.shape
    k = int(colors.max()) + 1 if n else 0
    dirs = (colors[None, :] == np.arange(k)[:, None]).astype(np.float64)
    value, err, step, nfev = derivative(dirs)
    V.points_sparsity_rows(int(np.prod(value.shape[2:], dtype=np.int64)), m)

    def csr(a, inverse=True):
        # entry (row, col) of the pattern is output ``row`` of col's group
        data = np.empty((N, S.nnz))
        _kernels.pattern_gather(np.ascontiguousarray(a, dtype=np.float64).reshape(N, k, m),
                                S.indptr, S.indices, colors, data, threads(nthreads, data.size))
        if scale is not None:
            s = scale[:, S.indices]
            data = data / s if inverse else data * s
        return [sp.csr_matrix((data[i], S.indices.copy(), S.indptr.copy()), shape=S.shape)
                for i in range(N)]

    out = [csr(value)]
    if full_output:
        out += [csr(err), csr(step, inverse=False)]
    return out, nfev


def jacobian_sparse(ev, X, single, sparsity, colors, method, acc, adaptive, bounds, mm,
                    full_output, tol):
    """``jacobian(f, x, sparsity=S)``: CSR Jacobians with S's pattern (one, or
    a list of N), or a `Result` of them (``success``: CSR of bool)."""
    import scipy.sparse as sp
    N, n = X.shape
    S, cols = pattern_and_colors(sparsity, n, colors, ev.nthreads)
    if N == 0:              # (a list of no matrices, as of N > 1 points)
        V.points_bounds(bounds, X)
        return Result([], [], [], 0, []) if full_output else []

    # each column steps by its own max(|x_j|, 1), as in a dense Jacobian: a
    # group's direction holds those scales (a step from the group's largest
    # |x_j| lost every digit of a column at 1 grouped with one at 1e6)
    Xf = np.ascontiguousarray(X, dtype=np.float64)
    scale = None
    if N and n and not np.abs(Xf).max(initial=0.0) <= 1.0:
        scale = np.maximum(np.abs(Xf), 1.0)
        scale[np.isnan(Xf)] = np.nan

    def derivative(dirs):
        k = len(dirs)
        c = base_step(ev, method, 1, acc, adaptive)
        if scale is None:
            return first(ev, X, method, acc, adaptive, bounds, mm, full_output, k, 1,
                         lambda s: np.full((X[s].shape[0], k), c),
                         lambda s: np.broadcast_to(dirs, (X[s].shape[0], k, n)), tol)
        return first(ev, X, method, acc, adaptive, bounds, mm, full_output, k, 1,
                     lambda s: np.full((X[s].shape[0], k), c),
                     lambda s: dirs[None] * scale[s][:, None, :], tol)

    mats, nfev = sparse_jacobian(S, cols, derivative, N, ev.nthreads, full_output, scale)
    pick = (lambda a: a[0]) if single else list
    if not full_output:
        return pick(mats[0])
    ok = []
    for v, e in zip(mats[0], mats[1]):
        good = (meets(v.data, e.data, tol) if tol is not None and tol[3]
                else np.isfinite(v.data) & np.isfinite(e.data))
        ok.append(sp.csr_matrix((good, v.indices, v.indptr), shape=v.shape))
    return Result(pick(mats[0]), pick(mats[1]), pick(mats[2]), nfev, pick(ok))
