# Grid kernels: table-driven finite-difference operators applied row by row.
#
# The array u (any ndim, any strides) is walked as a set of *rows* along its
# smallest-stride axis r.  Every output row is a sum of *terms*; a term applies
# one 1-D operator (an ``AxisOp``: central interior stencil + per-row tables
# for boundary rows / non-uniform grids) along some axis a:
#   * a == r ("along"): a stencil along the row itself;
#   * a != r ("cross"): a weighted sum of whole neighbouring rows.
# A derivative is one output with one term, a gradient k outputs with one term
# each, a Laplacian one output with k terms: one pass over memory for all.
#
# Work units are (row, segment) pairs, statically scheduled over OpenMP
# threads; every output element is computed by the same sequence of
# operations whatever the thread count, so results are bitwise reproducible.
from cython.parallel cimport parallel, prange
from libc.stdlib cimport malloc, free
from libc.string cimport memset

cimport numpy as cnp
from cython cimport floating

from fastdiff._kernels._omp cimport FD_HAVE_OPENMP, omp_get_max_threads, omp_get_num_procs

cnp.import_array()

cdef extern from "_combine.h":
    void fd_combine_d(Py_ssize_t n, int T, const double* const* p, const double* w,
                      double c0, Py_ssize_t sr, double* tmp, double* out, Py_ssize_t osr,
                      bint to_out, bint stream) noexcept nogil
    void fd_combine_f(Py_ssize_t n, int T, const float* const* p, const double* w,
                      double c0, Py_ssize_t sr, double* tmp, float* out, Py_ssize_t osr,
                      bint to_out, bint stream) noexcept nogil
    void fd_sfence() noexcept nogil

cdef enum:
    BLK = 256          # elements per accumulation block (stack buffer)
    MAXDIM = 32
    MAXTAPS = 256      # taps of one output row (checked in apply)


ctypedef struct AxisOp:
    int axis                 # axis of u this operator differentiates
    Py_ssize_t n             # length of that axis
    Py_ssize_t W             # central taps
    const Py_ssize_t* co     # central offsets (W)
    const double* cw         # central weights (W), spacing folded in
    Py_ssize_t i0            # interior rows [i0, i1) use the central stencil
    Py_ssize_t i1
    const Py_ssize_t* rowmap # (n) row -> table row, for rows outside [i0, i1)
    Py_ssize_t TW            # taps per table row
    const Py_ssize_t* tidx   # (R, TW) absolute indices
    const double* twt        # (R, TW) weights
    const double* tcst       # (R) constant added (``constant`` mode)


ctypedef struct Geometry:
    int ndim
    int r                        # row axis
    Py_ssize_t L                 # row length
    Py_ssize_t seg               # elements per work unit along the row
    Py_ssize_t nseg
    Py_ssize_t nrows             # rows, counting the padding of the last tile
    Py_ssize_t tile              # rows of the innermost row dim per cache tile
    bint stream                  # non-temporal stores for contiguous output rows
    int nrd                      # number of row dims (ndim - 1)
    int rdims[MAXDIM]            # row dims, outermost first
    Py_ssize_t shape[MAXDIM]
    Py_ssize_t ustr[MAXDIM]      # strides of u, in elements


def openmp_enabled():
    """True when the kernels were compiled with OpenMP."""
    return bool(FD_HAVE_OPENMP)


def max_threads():
    """OpenMP's current maximum thread count (1 in a serial build)."""
    return omp_get_max_threads()


def num_procs():
    return omp_get_num_procs()


cdef inline int _add_cross_taps(const AxisOp* op, const floating* row, Py_ssize_t i,
                                Py_ssize_t sa, const floating** p, double* w, int T,
                                double* c0) noexcept nogil:
    """Append the taps of a cross-row operator at row index i; return the new count.

    ``row`` points at the current row (index i along the operator's axis, any
    position along the row); taps are pointers to the rows to combine.
    """
    cdef Py_ssize_t k, rr
    cdef double wk
    cdef const floating* base = row - i * sa
    if op.i0 <= i < op.i1:
        for k in range(op.W):
            p[T] = base + (i + op.co[k]) * sa
            w[T] = op.cw[k]
            T += 1
    else:
        rr = op.rowmap[i]
        c0[0] += op.tcst[rr]
        for k in range(op.TW):
            wk = op.twt[rr * op.TW + k]
            if wk != 0.0:
                p[T] = base + op.tidx[rr * op.TW + k] * sa
                w[T] = wk
                T += 1
    return T


cdef inline double _along_elem(const AxisOp* op, const floating* row, Py_ssize_t sr,
                               Py_ssize_t j) noexcept nogil:
    """(D row)[j] for an operator along the row (``row`` at element 0)."""
    cdef Py_ssize_t rr, t
    cdef double s, w
    if op.i0 <= j < op.i1:
        s = 0.0
        for t in range(op.W):
            s = s + op.cw[t] * row[(j + op.co[t]) * sr]
        return s
    rr = op.rowmap[j]
    s = op.tcst[rr]
    for t in range(op.TW):
        w = op.twt[rr * op.TW + t]
        if w != 0.0:
            s = s + w * row[op.tidx[rr * op.TW + t] * sr]
    return s


cdef inline void _combine(Py_ssize_t n, int T, const floating** p, const double* w,
                          double c0, Py_ssize_t sr, double* tmp,
                          floating* o, Py_ssize_t osr, bint to_out,
                          bint stream) noexcept nogil:
    """dst[j] = c0 + sum_t w[t] * p[t][j*sr] for j < n (see ``_combine.h``).

    dst is ``o`` (stride osr, converted to the output type) when ``to_out``,
    else the double buffer ``tmp``; ``stream`` writes whole output lines with
    non-temporal stores.
    """
    if floating is double:
        fd_combine_d(n, T, p, w, c0, sr, tmp, o, osr, to_out, stream)
    else:
        fd_combine_f(n, T, p, w, c0, sr, tmp, o, osr, to_out, stream)


cdef inline int _taps(const Geometry* g, const floating* row, const Py_ssize_t* idx,
                      Py_ssize_t j0, bint interior, int tb, int te, const int* term_op,
                      const AxisOp* ops, const floating** p, double* w,
                      double* c0) noexcept nogil:
    """Collect the taps of output element j0 (and the elements after it).

    Cross-row operators always give taps; along-row operators give their
    central taps only in an ``interior`` block (elsewhere they are evaluated
    element by element).  Returns the number of taps.
    """
    cdef int T = 0, m, k
    cdef Py_ssize_t sr = g.ustr[g.r]
    cdef const AxisOp* op
    c0[0] = 0.0
    for m in range(tb, te):
        op = &ops[term_op[m]]
        if op.axis != g.r:
            T = _add_cross_taps(op, row + j0 * sr, idx[op.axis], g.ustr[op.axis], p, w, T, c0)
        elif interior:
            for k in range(op.W):
                p[T] = row + (j0 + op.co[k]) * sr
                w[T] = op.cw[k]
                T += 1
    return T


cdef inline double _edge_elem(const Geometry* g, const floating* row, Py_ssize_t j,
                              Py_ssize_t j0, int T, const floating** p, const double* w,
                              double c0, int tb, int te, const int* term_op,
                              const AxisOp* ops) noexcept nogil:
    """Output element j outside the along-row interior: cross taps (collected
    at element j0) plus every along-row operator evaluated at j."""
    cdef Py_ssize_t sr = g.ustr[g.r]
    cdef double s = c0
    cdef int k, m
    cdef const AxisOp* op
    for k in range(T):
        s = s + w[k] * p[k][(j - j0) * sr]
    for m in range(tb, te):
        op = &ops[term_op[m]]
        if op.axis == g.r:
            s = s + _along_elem(op, row, sr, j)
    return s


cdef void _block(const Geometry* g, const floating* row, const Py_ssize_t* idx,
                 Py_ssize_t j0, Py_ssize_t jl, Py_ssize_t a, Py_ssize_t b,
                 floating* o, Py_ssize_t osr, bint stream, int tb, int te,
                 const int* term_op, const AxisOp* ops, double* tmp) noexcept nogil:
    """Output elements [j0, j0 + jl) (jl <= BLK) of one row, written to ``o``
    (the output row at element 0, stride osr).

    ``[a, b)`` is where every along-row operator of the output uses its
    central stencil: there all terms are taps of one combine; elsewhere the
    along-row operators are evaluated element by element on top of the cross
    taps.
    """
    cdef const floating* p[MAXTAPS]
    cdef double w[MAXTAPS]
    cdef double c0
    cdef int T
    cdef Py_ssize_t sr = g.ustr[g.r], j, ia, ib
    cdef Py_ssize_t je = j0 + jl
    ia = a if a > j0 else j0
    ib = b if b < je else je
    if ib < ia:
        ia = je
        ib = je
    if ia < ib:
        T = _taps(g, row, idx, ia, True, tb, te, term_op, ops, p, w, &c0)
        _combine(ib - ia, T, p, w, c0, sr, tmp, o + ia * osr, osr, True, stream)
    if j0 < ia or ib < je:
        T = _taps(g, row, idx, j0, False, tb, te, term_op, ops, p, w, &c0)
        for j in range(j0, ia):
            o[j * osr] = <floating>_edge_elem(g, row, j, j0, T, p, w, c0, tb, te,
                                              term_op, ops)
        for j in range(ib, je):
            o[j * osr] = <floating>_edge_elem(g, row, j, j0, T, p, w, c0, tb, te,
                                              term_op, ops)


cdef void _unit(Py_ssize_t unit, const Geometry* g, const floating* u,
                floating** outs, const Py_ssize_t* ostr, int nout,
                const int* term_start, const int* term_op, const AxisOp* ops) noexcept nogil:
    cdef double tmp[BLK]
    cdef Py_ssize_t idx[MAXDIM]
    cdef Py_ssize_t t = unit // g.nseg
    cdef Py_ssize_t s = unit - t * g.nseg
    cdef Py_ssize_t jstart = s * g.seg
    cdef Py_ssize_t jend = jstart + g.seg
    cdef Py_ssize_t uoff = 0, ooff, q, osr, a, b, jt, j0, jl
    cdef int d, c, m
    cdef const AxisOp* op
    cdef const floating* row
    if jend > g.L:
        jend = g.L
    # unit order: tile of the innermost row dim (outermost loop), the other
    # row dims, the row within the tile, the segment of the row
    if g.nrd > 0:
        d = g.rdims[g.nrd - 1]
        q = t // g.tile
        jt = t - q * g.tile
        t = q
        for m in range(g.nrd - 2, -1, -1):
            d = g.rdims[m]
            q = t // g.shape[d]
            idx[d] = t - q * g.shape[d]
            t = q
            uoff = uoff + idx[d] * g.ustr[d]
        d = g.rdims[g.nrd - 1]
        idx[d] = t * g.tile + jt
        if idx[d] >= g.shape[d]:
            return  # past the end of the last, partial tile
        uoff = uoff + idx[d] * g.ustr[d]
    idx[g.r] = 0
    row = u + uoff
    for c in range(nout):
        ooff = 0
        for m in range(g.nrd):
            d = g.rdims[m]
            ooff = ooff + idx[d] * ostr[c * g.ndim + d]
        osr = ostr[c * g.ndim + g.r]
        # where every along-row operator of this output is central: [a, b)
        a = 0
        b = g.L
        for m in range(term_start[c], term_start[c + 1]):
            op = &ops[term_op[m]]
            if op.axis == g.r:
                if op.i0 > a:
                    a = op.i0
                if op.i1 < b:
                    b = op.i1
        if b < a:
            b = a
        j0 = jstart
        while j0 < jend:
            jl = jend - j0
            if jl > BLK:
                jl = BLK
            _block(g, row, idx, j0, jl, a, b, outs[c] + ooff, osr, g.stream and osr == 1,
                   term_start[c], term_start[c + 1], term_op, ops, tmp)
            j0 += jl


cdef void _run(const Geometry* g, const floating* u, floating** outs,
               const Py_ssize_t* ostr, int nout, const int* term_start,
               const int* term_op, const AxisOp* ops, int nthreads) noexcept nogil:
    cdef Py_ssize_t nunits = g.nrows * g.nseg
    cdef Py_ssize_t unit
    if nthreads <= 1:
        for unit in range(nunits):
            _unit(unit, g, u, outs, ostr, nout, term_start, term_op, ops)
        if g.stream:
            fd_sfence()
    else:
        with parallel(num_threads=nthreads):
            for unit in prange(nunits, schedule="static"):
                _unit(unit, g, u, outs, ostr, nout, term_start, term_op, ops)
            if g.stream:
                fd_sfence()  # this thread's streaming stores land before the join


cdef Py_ssize_t _estride(cnp.ndarray a, int d) except? -1:
    cdef Py_ssize_t st = a.strides[d]
    cdef Py_ssize_t isz = a.itemsize
    if st % isz:
        raise ValueError("internal: stride not a multiple of the item size")
    return st // isz


def apply(cnp.ndarray u, list outs, list terms, list ops, int row_axis,
          list row_dims, int nthreads, Py_ssize_t seg, Py_ssize_t tile,
          bint stream=False):
    """Apply operator terms to u, writing every output.

    u : float32/float64 ndarray (any strides, native byte order).
    outs : list of ndarrays of u's dtype and shape (any strides).
    terms : list (one per output) of lists of op indices (summed).
    ops : list of tuples (axis, co, cw, i0, i1, rowmap, tidx, twt, tcst),
        arrays contiguous int64 / float64 (tidx/twt 2-D (R, TW)).
    row_axis : the axis walked as rows (usually u's smallest stride).
    row_dims : the other axes, outermost first.
    seg : elements of a row per work unit.
    tile : rows of the innermost row dim walked before moving on along the
        outer row dims (cache blocking: neighbouring rows of cross-row
        stencils stay in cache); >= that dim's size means no tiling.
    stream : write contiguous output rows with non-temporal stores (for
        outputs much larger than the caches).
    """
    cdef int ndim = u.ndim
    cdef int nout = len(outs)
    cdef int nops = len(ops)
    cdef Geometry g
    cdef int d, c, m, k
    cdef Py_ssize_t nrows = 1
    if ndim < 1 or ndim > MAXDIM:
        raise ValueError(f"internal: ndim {ndim} not supported")
    if len(terms) != nout:
        raise ValueError("internal: one term list per output")
    g.ndim = ndim
    g.r = row_axis
    g.L = u.shape[row_axis]
    g.nrd = len(row_dims)
    for d in range(ndim):
        g.shape[d] = u.shape[d]
        g.ustr[d] = _estride(u, d)
    for m in range(g.nrd):
        g.rdims[m] = row_dims[m]
        nrows *= u.shape[row_dims[m]]
    if g.nrd > 0:
        d = row_dims[g.nrd - 1]
        if nrows == 0:
            return
        if tile < 1 or tile > u.shape[d]:
            tile = u.shape[d]
        # pad the innermost row dim to a whole number of tiles
        nrows = (nrows // u.shape[d]) * ((u.shape[d] + tile - 1) // tile) * tile
    else:
        tile = 1
    g.tile = tile
    g.stream = stream
    g.nrows = nrows
    if seg < 1:
        seg = 1
    if seg > g.L:
        seg = g.L if g.L > 0 else 1
    g.seg = seg
    g.nseg = (g.L + seg - 1) // seg
    if g.L == 0 or nrows == 0:
        return

    cdef AxisOp* cops = <AxisOp*>malloc(max(nops, 1) * sizeof(AxisOp))
    cdef Py_ssize_t* ostr = <Py_ssize_t*>malloc(max(nout, 1) * ndim * sizeof(Py_ssize_t))
    cdef void** optr = <void**>malloc(max(nout, 1) * sizeof(void*))
    cdef int* term_start = <int*>malloc((nout + 1) * sizeof(int))
    cdef int nterms = 0
    for c in range(nout):
        nterms += len(terms[c])
    cdef int* term_op = <int*>malloc(max(nterms, 1) * sizeof(int))
    cdef cnp.ndarray a
    if not cops or not ostr or not optr or not term_start or not term_op:
        free(cops); free(ostr); free(optr); free(term_start); free(term_op)
        raise MemoryError()
    try:
        for k in range(nops):
            (axis, co, cw, i0, i1, rowmap, tidx, twt, tcst) = ops[k]
            cops[k].axis = axis
            cops[k].n = u.shape[axis]
            cops[k].W = len(co)
            cops[k].co = <const Py_ssize_t*>cnp.PyArray_DATA(co)
            cops[k].cw = <const double*>cnp.PyArray_DATA(cw)
            cops[k].i0 = i0
            cops[k].i1 = i1
            cops[k].rowmap = <const Py_ssize_t*>cnp.PyArray_DATA(rowmap)
            cops[k].TW = tidx.shape[1]
            cops[k].tidx = <const Py_ssize_t*>cnp.PyArray_DATA(tidx)
            cops[k].twt = <const double*>cnp.PyArray_DATA(twt)
            cops[k].tcst = <const double*>cnp.PyArray_DATA(tcst)
        m = 0
        for c in range(nout):
            k = 0
            for t in terms[c]:
                k += max(cops[<int>t].W, cops[<int>t].TW)
            if k > MAXTAPS:
                raise ValueError(f"internal: {k} taps in one output (at most {MAXTAPS})")
            term_start[c] = m
            for k in terms[c]:
                term_op[m] = k
                m += 1
            a = outs[c]
            optr[c] = cnp.PyArray_DATA(a)
            for d in range(ndim):
                ostr[c * ndim + d] = _estride(a, d)
        term_start[nout] = m
        if u.dtype.num == cnp.NPY_FLOAT64:
            with nogil:
                _run[double](&g, <const double*>cnp.PyArray_DATA(u), <double**>optr,
                             ostr, nout, term_start, term_op, cops, nthreads)
        elif u.dtype.num == cnp.NPY_FLOAT32:
            with nogil:
                _run[float](&g, <const float*>cnp.PyArray_DATA(u), <float**>optr,
                            ostr, nout, term_start, term_op, cops, nthreads)
        else:
            raise TypeError(f"internal: kernel dtype {u.dtype}")
    finally:
        free(cops); free(ostr); free(optr); free(term_start); free(term_op)
