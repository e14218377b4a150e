# Grid kernels: table-driven finite-difference operators applied row by row.
#
# The array u (any ndim, any strides) is walked as a set of *rows* along its
# smallest-stride axis r.  Every output row is a sum of *terms*; a term applies
# one 1-D operator (an ``AxisOp``: central interior stencil + per-row tables
# for boundary rows / non-uniform grids) along some axis a:
#   * a == r ("along"): a stencil along the row itself;
#   * a != r ("cross"): a weighted sum of whole neighbouring rows.
# A term may also be the product of two operators (a mixed partial) and read
# another component of a stacked input.  A derivative is one output with one
# term, a gradient k outputs with one term each, a Laplacian one output with k
# terms: one pass over memory for all.
#
# Work units are (run of rows, segment) pairs under OpenMP's guided schedule
# (large contiguous chunks first, small ones to even out the end); every
# output element is computed by the same sequence of operations whatever the
# thread count or the unit it falls in, so results are bitwise reproducible.
from cython.parallel cimport parallel, prange
from libc.stdlib cimport malloc, free
from libc.math cimport isfinite
from cpython.pyport cimport PY_SSIZE_T_MAX

import numpy as np
cimport numpy as cnp
from cython cimport floating

from fastdiff._kernels._omp cimport FD_HAVE_OPENMP, omp_get_max_threads, omp_get_num_procs

import threading

cdef extern from "Python.h":
    int PyErr_CheckSignals() except -1

cnp.import_array()

cdef extern from "_combine.h":
    int FD_MAXG
    void fd_combine_d(Py_ssize_t n, int T, const double* const* p, const double* w,
                      double c0, Py_ssize_t sr, void* tmp, double* out, Py_ssize_t osr,
                      bint to_out, bint stream) noexcept nogil
    void fd_combine_f(Py_ssize_t n, int T, const float* const* p, const double* w,
                      double c0, Py_ssize_t sr, void* tmp, float* out, Py_ssize_t osr,
                      bint to_out, bint stream, float us) noexcept nogil
    float fd_scale_taps(int T, const double* w, double c0, double* ws,
                        double* c0s) noexcept nogil
    void fd_sfence() noexcept nogil
    void fd_prefetch(const void* p) noexcept nogil
    void fd_copy_d(Py_ssize_t n, const double* src, double* dst, bint stream) noexcept nogil
    void fd_copy_f(Py_ssize_t n, const float* src, float* dst, bint stream) noexcept nogil
    enum: FD_PUT_SET, FD_PUT_ADD, FD_PUT_AXPBY, FD_PUT_SRC
    void fd_put_d(Py_ssize_t n, double* s, const double* c, Py_ssize_t csr, int mode,
                  double al, double be, const double* src, double* o,
                  bint stream) noexcept nogil
    void fd_put_f(Py_ssize_t n, float* s, const float* c, Py_ssize_t csr, int mode,
                  float al, float be, const float* src, float* o, bint stream) noexcept nogil
    void fd_cput_d(Py_ssize_t n, int G, const double* const* p, const double* w, double c0,
                   const double* c, int mode, double al, double be, const double* src,
                   double* o, bint stream) noexcept nogil
    void fd_cput_f(Py_ssize_t n, int G, const float* const* p, const double* w, double c0,
                   const float* c, int mode, float al, float be, const float* src,
                   float* o, bint stream) noexcept nogil
    void fd_cput2_d(Py_ssize_t n, int G, const double* const* p, const double* w, double c0,
                    const double* c, int H, const double* const* q, const double* wq,
                    double d0, const double* d, double al, double* o,
                    bint stream) noexcept nogil
    void fd_cput2_f(Py_ssize_t n, int G, const float* const* p, const double* w, double c0,
                    const float* c, int H, const float* const* q, const double* wq,
                    double d0, const float* d, float al, float* o, bint stream) noexcept nogil
    void fd_edge_batch_d(const double* row, Py_ssize_t sD, Py_ssize_t nrows,
                         const Py_ssize_t* off, const double* w, int ntaps, double c,
                         double* o, Py_ssize_t osD) noexcept nogil
    void fd_edge_batch_f(const float* row, Py_ssize_t sD, Py_ssize_t nrows,
                         const Py_ssize_t* off, const double* w, int ntaps, double c,
                         float* o, Py_ssize_t osD) noexcept nogil

cdef extern from *:
    """
    /* Ctrl-C during a long kernel call: a SIGINT handler that only sets a
     * flag, installed for the call (main thread only); the work units check
     * the flag and return, and the caller re-raises the signal for Python. */
    #include <string.h>
    #if defined(__unix__) || defined(__APPLE__)
    #include <signal.h>
    static volatile sig_atomic_t fd_sigint_flag = 0;
    static struct sigaction fd_sigint_old;
    static void fd_sigint_handler(int s) { (void)s; fd_sigint_flag = 1; }
    static int fd_sigint_install(void) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = fd_sigint_handler;
        sigemptyset(&sa.sa_mask);
        fd_sigint_flag = 0;
        return sigaction(SIGINT, &sa, &fd_sigint_old) == 0;
    }
    static void fd_sigint_restore(void) { sigaction(SIGINT, &fd_sigint_old, NULL); }
    static void fd_sigint_reraise(void) { raise(SIGINT); }
    static int *fd_sigint_flag_ptr(void) { return (int *)&fd_sigint_flag; }
    /* a fresh read every time (the serial loop must not hoist it) */
    static inline int fd_stopped(const int *p) { return p && *(const volatile int *)p; }
    #else
    static volatile int fd_sigint_flag = 0;
    static int fd_sigint_install(void) { return 0; }
    static void fd_sigint_restore(void) {}
    static void fd_sigint_reraise(void) {}
    static int *fd_sigint_flag_ptr(void) { return (int *)&fd_sigint_flag; }
    static inline int fd_stopped(const int *p) { return p && *(const volatile int *)p; }
    #endif
    """
    int fd_sigint_flag
    int* fd_sigint_flag_ptr() noexcept nogil
    int fd_stopped(const int* p) noexcept nogil
    int fd_sigint_install() noexcept nogil
    void fd_sigint_restore() noexcept nogil
    void fd_sigint_reraise() noexcept nogil


cdef enum:
    INTERRUPTIBLE = 1 << 20   # output elements of a call from which Ctrl-C is watched
    BLK = 256          # elements per accumulation block (stack buffer)
    MAXDIM = 32
    MAXTAPS = 1024     # taps of one output row (checked in apply)
    MAXTERMS = 64      # terms of one output
    MAXW = 64          # taps of one 1-D operator row
    MAXCOPY = 512      # copied outputs
    MAXEDGE = 64       # edge elements of a block with precomputed taps
    MAXGROUPS = 8      # coefficient groups of an output summed in one pass


ctypedef struct AxisOp:
    int axis                 # axis of u this operator differentiates
    Py_ssize_t n             # length of that axis
    Py_ssize_t W             # central taps
    const Py_ssize_t* co     # central offsets (W)
    const double* cw         # central weights (W), spacing folded in
    Py_ssize_t i0            # interior rows [i0, i1) use the central stencil
    Py_ssize_t i1
    # rows outside [i0, i1) use table rows, in row order: row i < i0 is table
    # row i, row i >= i1 is table row i0 + i - i1 (see _trow)
    Py_ssize_t TW            # taps per table row
    const Py_ssize_t* tidx   # (R, TW) absolute indices
    const double* twt        # (R, TW) weights
    const double* tcst       # (R) constant added (``constant`` mode)


ctypedef struct Term:
    int a                    # operator index
    int b                    # second operator (mixed partial) or -1
    Py_ssize_t off           # element offset of this term's input from u
    int coef                 # coefficient array multiplying the term, or -1


ctypedef struct Geometry:
    int ndim
    int r                        # row axis
    Py_ssize_t L                 # row length
    Py_ssize_t seg               # elements per work unit along the row
    Py_ssize_t nseg
    Py_ssize_t nrows             # work units per row segment (runs, with padding)
    Py_ssize_t tile              # rows of the innermost row dim per cache tile
    int D                        # innermost row dim (runs of rows go along it), -1 if none
    Py_ssize_t run               # rows per run (taps gathered once, shifted per row)
    Py_ssize_t nrun              # runs per tile
    bint stream                  # non-temporal stores for contiguous output rows
    Py_ssize_t cblk              # elements of a row per block (<= BLK)
    int ncopy                    # trailing outputs that copy computed ones
    int copy_src[MAXCOPY]
    int nrd                      # number of row dims (ndim - 1)
    int rdims[MAXDIM]            # row dims, outermost first
    Py_ssize_t shape[MAXDIM]
    Py_ssize_t ustr[MAXDIM]      # strides of u, in elements


# the kernel's limits, for the Python layer (never repeated there)
LIMITS = {"max_ndim": MAXDIM, "max_taps": MAXTAPS, "max_terms": MAXTERMS,
          "max_op_width": MAXW, "max_copies": MAXCOPY, "block": BLK}


def openmp_enabled():
    """True when the kernels were compiled with OpenMP."""
    return bool(FD_HAVE_OPENMP)


def max_threads():
    """OpenMP's current maximum thread count (1 in a serial build)."""
    return omp_get_max_threads()


def num_procs():
    return omp_get_num_procs()


cdef inline Py_ssize_t _trow(const AxisOp* op, Py_ssize_t i) noexcept nogil:
    """Table row of output row i (outside the interior [i0, i1))."""
    return i if i < op.i0 else op.i0 + (i - op.i1)


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
        rr = _trow(op, i)
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
    rr = _trow(op, j)
    s = op.tcst[rr]
    for t in range(op.TW):
        w = op.twt[rr * op.TW + t]
        if w != 0.0:
            s = s + w * row[op.tidx[rr * op.TW + t] * sr]
    return s


cdef inline void _combine(Py_ssize_t n, int T, const floating** p, const double* w,
                          double c0, Py_ssize_t sr, double* tmp,
                          floating* o, Py_ssize_t osr, bint to_out,
                          bint stream, float us) noexcept nogil:
    """dst[j] = us * (c0 + sum_t w[t] * p[t][j*sr]) for j < n (see ``_combine.h``).

    Accumulates in the data's precision.  dst is ``o`` (stride osr) when
    ``to_out``, else the buffer ``tmp``.  ``us`` (float32 stores to ``o``
    only) undoes the scaling of ``fd_scale_taps``; 1 elsewhere.
    """
    if floating is double:
        fd_combine_d(n, T, p, w, c0, sr, <void*>tmp, o, osr, to_out, stream)
    else:
        fd_combine_f(n, T, p, w, c0, sr, <void*>tmp, o, osr, to_out, stream, us)


cdef int _term_rows(const Geometry* g, const floating* row, const Py_ssize_t* idx,
                    const Term* tm, const AxisOp* ops, const floating** rp, double* rw,
                    int R, double* c0, const AxisOp** along) noexcept nogil:
    """Append the *row taps* of one term: the input rows it combines (pointers
    to element 0) and their weights; return the new count.

    A cross-row operator gives its rows directly.  A product (mixed partial)
    of a cross operator A with an inner operator B gives A's rows, each
    combined with B: B's rows shifted by A's (two cross operators), or B
    applied along each of A's rows (B along the row, returned in ``along``).
    The outer operator's ``constant``-mode term is dropped there (the inner
    derivative of a constant ghost row is zero) and the inner one's is
    weighted by the outer weights.
    """
    cdef const AxisOp* A = &ops[tm.a]
    cdef const AxisOp* B = NULL
    cdef const floating* base = row + tm.off
    cdef const floating* ap[MAXW]
    cdef double aw[MAXW]
    cdef double ca = 0.0, cb
    cdef int nA, k, R0
    along[0] = NULL
    if tm.b >= 0:
        B = &ops[tm.b]
        if A.axis == g.r:      # keep the cross operator outside
            A, B = B, A
    if B == NULL:
        if A.axis == g.r:
            rp[R] = base
            rw[R] = 1.0
            along[0] = A
            return R + 1
        return _add_cross_taps(A, base, idx[A.axis], g.ustr[A.axis], rp, rw, R, c0)
    nA = _add_cross_taps(A, base, idx[A.axis], g.ustr[A.axis], ap, aw, 0, &ca)
    if B.axis == g.r:
        for k in range(nA):
            rp[R] = ap[k]
            rw[R] = aw[k]
            R += 1
        along[0] = B
        return R
    for k in range(nA):
        cb = 0.0
        R0 = R
        R = _add_cross_taps(B, ap[k], idx[B.axis], g.ustr[B.axis], rp, rw, R, &cb)
        while R0 < R:
            rw[R0] = rw[R0] * aw[k]
            R0 += 1
        c0[0] += aw[k] * cb
    return R


cdef inline int _add_tap(const floating** p, double* w, int T, const floating* ptr,
                         double wt) noexcept nogil:
    """Append a tap, or add its weight to an earlier tap reading the same
    samples with a weight of the same sign (the centre of a Laplacian appears
    once per axis).  Weights of opposite signs stay apart so that an inf
    sample still gives inf - inf = NaN, as the unmerged sum does."""
    cdef int t
    for t in range(T):
        if p[t] == ptr and (w[t] > 0.0) == (wt > 0.0):
            w[t] = w[t] + wt
            return T
    p[T] = ptr
    w[T] = wt
    return T + 1


ctypedef struct Put:
    # how the sum S of an output's terms (one coefficient group) is stored:
    # o = beta*o + alpha*c*S when ``first`` (o = alpha*c*S if beta == 0: o
    # is then never read), else o = o + alpha*c*S; c is 1 when ``c`` is NULL.
    # With ``src`` (the last group, the earlier ones summed in a scratch
    # block): o = src + alpha*c*S, o never read, streamed when ``stream``.
    const void* c            # coefficient at the block's first row, element 0
    Py_ssize_t csr           # its stride along the row (elements)
    Py_ssize_t csD           # and along the run axis D
    const void* src          # earlier groups' sum at the block's first row, element 0
    Py_ssize_t srcD          # its stride along D (along the row: 1)
    double alpha
    double beta
    bint first
    bint stream


cdef inline void _put_one(const Put* put, double s, floating* o,
                          const floating* c, const floating* src) noexcept nogil:
    """One element of ``_put_range`` (s in double)."""
    cdef floating v = <floating>s
    if c != NULL:
        v = c[0] * v
    v = (<floating>put.alpha) * v
    if src != NULL:
        o[0] = src[0] + v
    elif not put.first:
        o[0] = o[0] + v
    elif put.beta != 0.0:
        o[0] = (<floating>put.beta) * o[0] + v
    else:
        o[0] = v


cdef inline void _put_range(const Put* put, Py_ssize_t n, double* tmp, floating* o,
                            Py_ssize_t osr, const floating* c,
                            const floating* src) noexcept nogil:
    """Store n sums held in ``tmp`` (accumulator type: the data's) as ``put``
    says: a contiguous output row by the vector loops of ``fd_put``, a
    strided one element by element (`_put_one`, the same operations)."""
    cdef floating* s = <floating*>tmp
    cdef Py_ssize_t j, csr = put.csr
    cdef int mode
    if osr == 1:
        if src != NULL:
            mode = FD_PUT_SRC
        elif not put.first:
            mode = FD_PUT_ADD
        elif put.beta != 0.0:
            mode = FD_PUT_AXPBY
        else:
            mode = FD_PUT_SET
        if floating is double:
            fd_put_d(n, s, c, csr, mode, put.alpha, put.beta, src, o, put.stream)
        else:
            fd_put_f(n, s, c, csr, mode, <float>put.alpha, <float>put.beta, src, o,
                     put.stream)
        return
    for j in range(n):
        _put_one(put, s[j], o + j * osr, c + j * csr if c != NULL else NULL,
                 src + j if src != NULL else NULL)


cdef inline void _prefetch_lines(const void* p, Py_ssize_t nbytes) noexcept nogil:
    """Start loading the cache lines of nbytes from p (one hint per 64 bytes)."""
    cdef const char* q = <const char*>p
    cdef Py_ssize_t i
    for i in range(0, nbytes, 64):
        fd_prefetch(q + i)


cdef inline void _combine_put(const Put* put, Py_ssize_t n, int T, const floating** p,
                              const double* w, double c0, double* tmp, floating* o,
                              Py_ssize_t osr, const floating* c, const floating* src) noexcept nogil:
    """``_combine`` of n contiguous elements into ``tmp``, then ``_put_range``;
    one loop (``fd_cput``, the same operations) where the taps fit one
    pass (``FD_MAXG``), the output row is contiguous and so is c (or none)."""
    cdef int mode
    if not (0 < T <= FD_MAXG and osr == 1 and (c == NULL or put.csr == 1)):
        _combine(n, T, p, w, c0, 1, tmp, o, osr, False, False, 1.0)
        _put_range(put, n, tmp, o, osr, c, src)
        return
    if src != NULL:
        mode = FD_PUT_SRC
    elif not put.first:
        mode = FD_PUT_ADD
    elif put.beta != 0.0:
        mode = FD_PUT_AXPBY
    else:
        mode = FD_PUT_SET
    if floating is double:
        fd_cput_d(n, T, p, w, c0, c, mode, put.alpha, put.beta, src, o, put.stream)
    else:
        fd_cput_f(n, T, p, w, c0, c, mode, <float>put.alpha, <float>put.beta, src, o,
                  put.stream)


cdef void _block(const Geometry* g, const floating* row, Py_ssize_t* idx, Py_ssize_t nk,
                 Py_ssize_t j0, Py_ssize_t jl, Py_ssize_t a, Py_ssize_t b,
                 floating* o, Py_ssize_t osr, Py_ssize_t osD, bint stream, int tb, int te,
                 const Term* terms, const AxisOp* ops, double* tmp, const Put* put,
                 int ng, const int* gterm) noexcept nogil:
    """Output elements [j0, j0 + jl) (jl <= BLK) of ``nk`` consecutive rows
    along the run axis D (row k at ``row + k*sD``, output ``o + k*osD``; ``o``
    is the output row at element 0, stride osr), for the terms tb..te-1.

    ``[a, b)`` is where every along-row operator of the output uses its
    central stencil: there all terms become taps of one combine; elsewhere
    the along-row operators are evaluated element by element.  The taps are
    gathered once and shifted from row to row while the operators along D
    stay central (the interior rows of a run).

    ``put`` (NULL: plain stores of the sum) says how the sum S of the terms
    reaches the output otherwise: ``o = beta*o + alpha*c*S`` (or ``o += ...``),
    c a coefficient array or 1 (see ``Put``).

    ``ng`` > 1 (with ``put``): the terms are ``ng`` coefficient groups, group
    k the terms gterm[k]..gterm[k+1]-1 stored as ``put[k]`` says, all in one
    pass over the rows: groups 0..ng-2 go to a row buffer (their puts SET
    then ADD), the last writes the output from it (its put's ``src`` is the
    buffer), the same operations as group by group through a scratch block.
    """
    cdef const floating* rp[MAXTAPS]
    cdef double rw[MAXTAPS]
    cdef const floating* p[MAXTAPS]
    cdef double w[MAXTAPS]
    cdef int rstart[MAXTERMS + 1]
    cdef const AxisOp* along[MAXTERMS]
    cdef double c0 = 0.0
    # per coefficient group k: its constant, its first tap, its first term
    cdef double c0g[MAXGROUPS]
    cdef int tstart[MAXGROUPS + 1]
    cdef int gt[MAXGROUPS + 1]
    cdef int k, e
    cdef bint fused
    cdef double rbuf[BLK]
    cdef floating* dk
    cdef Py_ssize_t dsr
    # the weights of stores straight to the output (float32: scaled, see
    # fd_scale_taps; us undoes it as the sums are stored)
    cdef double ws[MAXTAPS]
    cdef const double* wo = w
    cdef double c0o = 0.0
    cdef float us = 1.0
    cdef int T = 0, R = 0, m, q, t
    cdef Py_ssize_t sr = g.ustr[g.r], sD = 0, j, ia, ib, kk, i_base = 0
    cdef Py_ssize_t je = j0 + jl
    cdef const AxisOp* op
    cdef bint reuse = False, edges_ok = False
    cdef Py_ssize_t eoff[MAXTAPS]
    cdef double ew[MAXTAPS]
    cdef int estart[MAXEDGE + 1]
    cdef double ec[MAXEDGE]
    cdef int E = 0, nedge = 0
    cdef Py_ssize_t kb = 0, nb = 0
    cdef const floating* rowk
    cdef const floating* ck
    cdef const floating* sk
    cdef floating* ok
    cdef double v
    if gterm == NULL:
        ng = 1
        gt[0] = tb
        gt[1] = te
    else:
        for k in range(ng + 1):
            gt[k] = gterm[k]
    if g.D >= 0:
        sD = g.ustr[g.D]
        i_base = idx[g.D]
    ia = a if a > j0 else j0
    ib = b if b < je else je
    if ib < ia:
        ia = je
        ib = je
    # rows [dlo, dhi) along D are where every operator along D of these terms
    # uses its central stencil (the tap pattern is then the same for all
    # such rows, shifted by the row distance)
    cdef Py_ssize_t dlo = 0, dhi = PY_SSIZE_T_MAX
    if g.D >= 0:
        for m in range(tb, te):
            for t in range(2):
                q = terms[m].a if t == 0 else terms[m].b
                if q >= 0 and ops[q].axis == g.D:
                    if ops[q].i0 > dlo:
                        dlo = ops[q].i0
                    if ops[q].i1 < dhi:
                        dhi = ops[q].i1
    # flat: rows follow each other in memory, input and output alike, and the
    # block is whole rows; a group of rows sharing a pattern is then one long
    # combine (see below)
    cdef bint flat = (put == NULL and not stream and g.D >= 0 and sr == 1 and osr == 1
                      and sD == g.L and osD == g.L and j0 == 0 and je == g.L)
    cdef Py_ssize_t ke
    kk = 0
    while kk < nk:
        rowk = row + kk * sD
        ok = o + kk * osD
        if reuse and dlo <= i_base + kk < dhi:
            # same pattern as the previous row, one row further along D (the
            # row taps are only read again by the element-wise edge path)
            for t in range(T):
                p[t] = p[t] + sD
            if not edges_ok:
                for t in range(R):
                    rp[t] = rp[t] + sD
        else:
            if nb > 0:
                # the edge elements of the rows that shared the last pattern
                _edge_batch(row + kb * sD, sD, o + kb * osD, osD, osr, nb, j0, ia, ib,
                            nedge, estart, eoff, ew, ec)
                nb = 0
            kb = kk
            if g.D >= 0:
                idx[g.D] = i_base + kk
            R = 0
            T = 0
            for k in range(ng):
                c0g[k] = 0.0
                for m in range(gt[k], gt[k + 1]):
                    rstart[m - tb] = R
                    R = _term_rows(g, rowk, idx, &terms[m], ops, rp, rw, R, &c0g[k],
                                   &along[m - tb])
            rstart[te - tb] = R
            c0 = c0g[0]
            for k in range(ng):
                tstart[k] = T
                if ia >= ib:
                    continue
                # (a group's taps merge only among themselves)
                for m in range(gt[k] - tb, gt[k + 1] - tb):
                    op = along[m]
                    for q in range(rstart[m], rstart[m + 1]):
                        if op == NULL:
                            T = tstart[k] + _add_tap(p + tstart[k], w + tstart[k], T - tstart[k],
                                                     rp[q] + ia * sr, rw[q])
                        else:
                            for t in range(op.W):
                                T = tstart[k] + _add_tap(p + tstart[k], w + tstart[k],
                                                         T - tstart[k],
                                                         rp[q] + (ia + op.co[t]) * sr,
                                                         rw[q] * op.cw[t])
            tstart[ng] = T
            c0o = c0
            if floating is float:
                if ia < ib:
                    us = fd_scale_taps(T, w, c0, ws, &c0o)
                    wo = ws
            reuse = g.D >= 0 and dlo <= i_base + kk < dhi
            # the edge elements' taps, as offsets from the row (they move
            # with it), gathered once per pattern
            E = 0
            nedge = 0
            # (entry q*ng + k: edge element q's sum of group k)
            edges_ok = ((ia - j0) + (je - ib)) * ng <= MAXEDGE
            if edges_ok:
                estart[0] = 0
                for q in range((ia - j0) + (je - ib)):
                    j = j0 + q if q < ia - j0 else ib + q - (ia - j0)
                    for k in range(ng):
                        E = _edge_taps(sr, j, gt[k + 1] - gt[k], rstart + (gt[k] - tb), rp,
                                       rw, along + (gt[k] - tb), rowk, eoff, ew, E,
                                       &ec[nedge], c0g[k])
                        if E < 0:
                            break
                        nedge += 1
                        estart[nedge] = E
                    if E < 0:
                        edges_ok = False
                        break
            if flat and reuse and edges_ok and ia < ib:
                ke = dhi - i_base
                if ke > nk:
                    ke = nk
                if ke - kk > 1:
                    # rows kk..ke-1 as one run from element ia of the first
                    # to ib of the last: every element in it is an interior
                    # element of some row, or an edge element of one (its
                    # taps then read the next or previous row; it is
                    # overwritten by the edge sums just after)
                    _combine_long((ke - kk - 1) * g.L + (ib - ia), T, p, wo, c0o, tmp,
                                  ok + ia, us)
                    _edge_batch(rowk, sD, ok, osD, osr, ke - kk, j0, ia, ib,
                                nedge, estart, eoff, ew, ec)
                    kk = ke
                    reuse = False
                    continue
        if put != NULL:
            # start loading the output (and coefficient) lines this block
            # and the next row's block store to (the next row's arrive while
            # this row's taps are combined)
            # (one prefetch per 64-byte line; only for outputs of at least
            # the streaming size, g.stream: smaller ones come from cache,
            # where the hints cost 100 of a row's 540 instructions)
            if (g.stream and ng == 1 and osr == 1 and put.src == NULL
                    and (put.beta != 0.0 or not put.first)):
                if kk == 0:
                    _prefetch_lines(ok + j0, (je - j0) * sizeof(floating))
                if kk + 1 < nk:
                    _prefetch_lines(ok + osD + j0, (je - j0) * sizeof(floating))
            for k in range(ng):
                if g.stream and put[k].c != NULL and put[k].csr == 1:
                    ck = <const floating*>put[k].c + kk * put[k].csD
                    if kk == 0:
                        _prefetch_lines(ck + j0, (je - j0) * sizeof(floating))
                    if kk + 1 < nk:
                        _prefetch_lines(ck + put[k].csD + j0, (je - j0) * sizeof(floating))
            # two groups, one of at most two taps (an advection term): their
            # interior in one loop (fd_cput2: t_big + t_small, which IEEE
            # addition makes bitwise t0 + t1); the edge elements below,
            # group by group
            fused = False
            if ng == 2 and ia < ib and sr == 1 and osr == 1:
                k = 1 if tstart[2] - tstart[1] <= 2 else 0    # the small group
                e = 1 - k
                fused = (0 < tstart[k + 1] - tstart[k] <= 2
                         and 0 < tstart[e + 1] - tstart[e] <= FD_MAXG
                         and (put[0].c == NULL or put[0].csr == 1)
                         and (put[1].c == NULL or put[1].csr == 1))
            if fused:
                ck = <const floating*>put[e].c + kk * put[e].csD + ia if put[e].c != NULL else NULL
                sk = <const floating*>put[k].c + kk * put[k].csD + ia if put[k].c != NULL else NULL
                if floating is double:
                    fd_cput2_d(ib - ia, tstart[e + 1] - tstart[e], p + tstart[e], w + tstart[e],
                               c0g[e], ck, tstart[k + 1] - tstart[k], p + tstart[k],
                               w + tstart[k], c0g[k], sk, put[0].alpha, ok + ia,
                               put[1].stream)
                else:
                    fd_cput2_f(ib - ia, tstart[e + 1] - tstart[e], p + tstart[e], w + tstart[e],
                               c0g[e], ck, tstart[k + 1] - tstart[k], p + tstart[k],
                               w + tstart[k], c0g[k], sk, <float>put[0].alpha, ok + ia,
                               put[1].stream)
            for k in range(ng):
                ck = <const floating*>put[k].c + kk * put[k].csD if put[k].c != NULL else NULL
                if k + 1 < ng:      # an earlier group: to the row buffer
                    dk = <floating*>rbuf - j0
                    dsr = 1
                    sk = NULL
                else:
                    dk = ok
                    dsr = osr
                    if ng > 1:
                        sk = <const floating*>rbuf - j0
                    elif put.src != NULL:
                        sk = <const floating*>put.src + kk * put.srcD
                    else:
                        sk = NULL
                if fused:
                    pass
                elif ia < ib and sr == 1:
                    _combine_put(&put[k], ib - ia, tstart[k + 1] - tstart[k], p + tstart[k],
                                 w + tstart[k], c0g[k], tmp, dk + ia * dsr, dsr,
                                 ck + ia * put[k].csr if ck != NULL else NULL,
                                 sk + ia if sk != NULL else NULL)
                elif ia < ib:
                    _combine(ib - ia, tstart[k + 1] - tstart[k], p + tstart[k], w + tstart[k],
                             c0g[k], sr, tmp, ok, osr, False, False, 1.0)
                    _put_range(&put[k], ib - ia, tmp, dk + ia * dsr, dsr,
                               ck + ia * put[k].csr if ck != NULL else NULL,
                               sk + ia if sk != NULL else NULL)
                # the edge elements: [j0, ia) and [ib, je) (q counts them in order)
                for q in range((ia - j0) + (je - ib)):
                    j = j0 + q if q < ia - j0 else ib + q - (ia - j0)
                    if edges_ok:
                        e = q * ng + k
                        v = _edge_sum(rowk, eoff, ew, estart[e], estart[e + 1], ec[e])
                    else:
                        v = _edge_elem(sr, j, c0g[k], gt[k + 1] - gt[k], rstart + (gt[k] - tb),
                                       rp, rw, along + (gt[k] - tb))
                    _put_one(&put[k], v, dk + j * dsr,
                             ck + j * put[k].csr if ck != NULL else NULL,
                             sk + j if sk != NULL else NULL)
            kk += 1
            continue
        if ia < ib:
            _combine(ib - ia, T, p, wo, c0o, sr, tmp, ok + ia * osr, osr, True, stream, us)
        if edges_ok:
            nb += 1  # its edge elements come with the other rows of the pattern
        else:
            for j in range(j0, ia):
                ok[j * osr] = <floating>_edge_elem(sr, j, c0, te - tb, rstart, rp, rw, along)
            for j in range(ib, je):
                ok[j * osr] = <floating>_edge_elem(sr, j, c0, te - tb, rstart, rp, rw, along)
        kk += 1
    if nb > 0:
        _edge_batch(row + kb * sD, sD, o + kb * osD, osD, osr, nb, j0, ia, ib,
                    nedge, estart, eoff, ew, ec)
    if g.D >= 0:
        idx[g.D] = i_base


cdef void _combine_long(Py_ssize_t n, int T, const floating** p, const double* w,
                        double c0, double* tmp, floating* o, float us) noexcept nogil:
    """``_combine`` of a contiguous run of any length straight to ``o``:
    taps beyond one pass (``FD_MAXG``) accumulate in ``tmp``, so longer
    runs go in pieces of BLK elements."""
    cdef const floating* pc[MAXTAPS]
    cdef Py_ssize_t j, m
    cdef int t
    if T <= FD_MAXG:
        _combine(n, T, p, w, c0, 1, tmp, o, 1, True, False, us)
        return
    j = 0
    while j < n:
        m = n - j
        if m > BLK:
            m = BLK
        for t in range(T):
            pc[t] = p[t] + j
        _combine(m, T, pc, w, c0, 1, tmp, o + j, 1, True, False, us)
        j += m


cdef void _edge_batch(const floating* row, Py_ssize_t sD, floating* o, Py_ssize_t osD,
                      Py_ssize_t osr, Py_ssize_t nrows, Py_ssize_t j0, Py_ssize_t ia,
                      Py_ssize_t ib, int nedge, const int* estart, const Py_ssize_t* eoff,
                      const double* ew, const double* ec) noexcept nogil:
    """The edge elements of ``nrows`` rows that share one tap pattern (row k
    at ``row + k*sD``, its output row at ``o + k*osD``), several rows at a
    time (``fd_edge_batch`` in ``_combine.h``).  Each sum adds its taps in
    the order ``_edge_sum`` does."""
    cdef Py_ssize_t j
    cdef int q
    for q in range(nedge):
        j = j0 + q if q < ia - j0 else ib + q - (ia - j0)
        if floating is double:
            fd_edge_batch_d(row, sD, nrows, &eoff[estart[q]], &ew[estart[q]],
                            estart[q + 1] - estart[q], ec[q], o + j * osr, osD)
        else:
            fd_edge_batch_f(row, sD, nrows, &eoff[estart[q]], &ew[estart[q]],
                            estart[q + 1] - estart[q], ec[q], o + j * osr, osD)


cdef inline double _edge_sum(const floating* row, const Py_ssize_t* eoff, const double* ew,
                             int e0, int e1, double c) noexcept nogil:
    cdef int t
    cdef double s = c
    for t in range(e0, e1):
        s = s + ew[t] * row[eoff[t]]
    return s


cdef inline int _edge_taps(Py_ssize_t sr, Py_ssize_t j, int nterms, const int* rstart,
                           const floating** rp, const double* rw, const AxisOp** along,
                           const floating* row, Py_ssize_t* eoff, double* ew, int E,
                           double* ec, double c0) noexcept nogil:
    """Append the taps of edge element j (offsets from ``row``), in the order
    ``_edge_elem`` sums them; its constant goes to ``ec``.  -1 when full."""
    cdef int m, q, t
    cdef Py_ssize_t rr
    cdef const AxisOp* op
    cdef double c = c0, wt
    for m in range(nterms):
        op = along[m]
        for q in range(rstart[m], rstart[m + 1]):
            if op == NULL:
                if E >= MAXTAPS:
                    return -1
                eoff[E] = (rp[q] - row) + j * sr
                ew[E] = rw[q]
                E += 1
            elif op.i0 <= j < op.i1:
                if E + op.W > MAXTAPS:
                    return -1
                for t in range(op.W):
                    eoff[E] = (rp[q] - row) + (j + op.co[t]) * sr
                    ew[E] = rw[q] * op.cw[t]
                    E += 1
            else:
                rr = _trow(op, j)
                c = c + rw[q] * op.tcst[rr]
                if E + op.TW > MAXTAPS:
                    return -1
                for t in range(op.TW):
                    wt = op.twt[rr * op.TW + t]
                    if wt != 0.0:
                        eoff[E] = (rp[q] - row) + op.tidx[rr * op.TW + t] * sr
                        ew[E] = rw[q] * wt
                        E += 1
    ec[0] = c
    return E


cdef inline double _edge_elem(Py_ssize_t sr, Py_ssize_t j, double c0,
                              int nterms, const int* rstart, const floating** rp,
                              const double* rw, const AxisOp** along) noexcept nogil:
    """Output element j outside the along-row interior, term by term."""
    cdef double s = c0
    cdef int m, q
    for m in range(nterms):
        for q in range(rstart[m], rstart[m + 1]):
            if along[m] == NULL:
                s = s + rw[q] * rp[q][j * sr]
            else:
                s = s + rw[q] * _along_elem(along[m], rp[q], sr, j)
    return s


ctypedef struct Coefs:
    # what the general store path needs (see ``Put``)
    bint general             # alpha != 1 or beta != 0: every output takes the general path
    const bint* has_coef     # per computed output: some term has a coefficient
    const void* const* cptr  # coefficient arrays (the data's type), broadcast to u's shape
    const Py_ssize_t* cstr   # their strides in elements (ncoef, ndim), 0 on broadcast axes
    double alpha
    double beta
    int* stop                # the interrupt flag of a watched call, or NULL


cdef int _groups(const Term* terms, int tb, int te, int* gterm) noexcept nogil:
    """The coefficient groups (runs of consecutive terms sharing a
    coefficient) of terms tb..te-1: group k is gterm[k]..gterm[k+1]-1.
    Returns their count, or MAXGROUPS + 1 when there are more."""
    cdef int n = 0, t = tb
    gterm[0] = tb
    while t < te:
        t += 1
        while t < te and terms[t].coef == terms[t - 1].coef:
            t += 1
        n += 1
        gterm[n] = t
        if n > MAXGROUPS:
            break
    return n


cdef inline void _group_coef(Put* put, const Geometry* g, const Coefs* co,
                             const Py_ssize_t* idx, int q, size_t esize) noexcept nogil:
    """Point ``put`` at coefficient array q (or none: q < 0; elements of
    esize bytes) at the rows idx."""
    cdef Py_ssize_t coff = 0
    cdef int m
    if q < 0:
        put.c = NULL
        return
    for m in range(g.nrd):
        coff = coff + idx[g.rdims[m]] * co.cstr[q * g.ndim + g.rdims[m]]
    put.c = <const void*>((<const char*>co.cptr[q]) + coff * <Py_ssize_t>esize)
    put.csr = co.cstr[q * g.ndim + g.r]
    put.csD = co.cstr[q * g.ndim + g.D] if g.D >= 0 else 0


cdef void _unit(Py_ssize_t unit, const Geometry* g, const floating* u,
                floating** outs, const Py_ssize_t* ostr, int nout,
                const int* term_start, const Term* terms, const AxisOp* ops,
                const Coefs* co) noexcept nogil:
    cdef double tmp[BLK]
    cdef Put put
    cdef int tb, te
    cdef Py_ssize_t idx[MAXDIM]
    cdef Py_ssize_t t = unit // g.nseg
    cdef Py_ssize_t s = unit - t * g.nseg
    cdef Py_ssize_t jstart = s * g.seg
    cdef Py_ssize_t jend = jstart + g.seg
    cdef Py_ssize_t uoff = 0, ooff, q, osr, osD, a, b, jr, j0, jl, nk = 1, kk, end
    cdef int d, c, m, k
    cdef const AxisOp* op
    cdef const floating* row
    # the earlier coefficient groups' sums of a block (beta == 0): the last
    # group then writes the output once (streamed when large) instead of
    # every group reading and writing it
    cdef floating* scratch = NULL
    cdef bint use_scratch
    cdef Put puts[MAXGROUPS]
    cdef int gterm[MAXGROUPS + 2]
    cdef int ngr
    if fd_stopped(co.stop):
        return      # interrupted: the caller discards the result
    if jend > g.L:
        jend = g.L
    # unit order: tile of the innermost row dim D (outermost loop), the other
    # row dims, the run of rows within the tile, the segment of the row
    if g.nrd > 0:
        q = t // g.nrun
        jr = t - q * g.nrun
        t = q
        for m in range(g.nrd - 2, -1, -1):
            d = g.rdims[m]
            q = t // g.shape[d]
            idx[d] = t - q * g.shape[d]
            t = q
            uoff = uoff + idx[d] * g.ustr[d]
        d = g.D
        idx[d] = t * g.tile + jr * g.run
        if idx[d] >= g.shape[d]:
            return  # past the end of the last, partial tile
        end = t * g.tile + g.tile
        if end > g.shape[d]:
            end = g.shape[d]
        nk = end - idx[d]
        if nk > g.run:
            nk = g.run
        uoff = uoff + idx[d] * g.ustr[d]
    idx[g.r] = 0
    row = u + uoff
    # blocks of the row segment outermost, outputs inside: the input rows a
    # block reads stay in cache while every output is computed from them
    j0 = jstart
    while j0 < jend:
        jl = jend - j0
        if jl > g.cblk:
            jl = g.cblk
        for c in range(nout):
            ooff = 0
            for m in range(g.nrd):
                d = g.rdims[m]
                ooff = ooff + idx[d] * ostr[c * g.ndim + d]
            osr = ostr[c * g.ndim + g.r]
            osD = ostr[c * g.ndim + g.D] if g.D >= 0 else 0
            # where every along-row operator of this output is central: [a, b)
            a = 0
            b = g.L
            for m in range(term_start[c], term_start[c + 1]):
                for k in range(2):
                    q = terms[m].a if k == 0 else terms[m].b
                    if q < 0:
                        continue
                    op = &ops[q]
                    if op.axis == g.r:
                        if op.i0 > a:
                            a = op.i0
                        if op.i1 < b:
                            b = op.i1
            if b < a:
                b = a
            if not (co.general or co.has_coef[c]):
                _block(g, row, idx, nk, j0, jl, a, b, outs[c] + ooff, osr, osD, g.stream,
                       term_start[c], term_start[c + 1], terms, ops, tmp, NULL, 1, NULL)
                continue
            # coefficient groups (consecutive terms sharing a coefficient):
            # with beta == 0 and at most MAXGROUPS of them, all in one pass
            ngr = _groups(terms, term_start[c], term_start[c + 1], gterm)
            if co.beta == 0.0 and 2 <= ngr <= MAXGROUPS:
                for k in range(ngr):
                    puts[k].alpha = co.alpha
                    puts[k].beta = 0.0
                    puts[k].first = k == 0
                    puts[k].src = NULL
                    puts[k].srcD = 0
                    puts[k].stream = g.stream and k == ngr - 1
                    _group_coef(&puts[k], g, co, idx, terms[gterm[k]].coef, sizeof(floating))
                _block(g, row, idx, nk, j0, jl, a, b, outs[c] + ooff, osr, osD, False,
                       gterm[0], gterm[ngr], terms, ops, tmp, puts, ngr, gterm)
                continue
            # coefficient groups (consecutive terms sharing a coefficient),
            # each summed and stored on its own: o = beta*o + alpha*c1*S1,
            # then o += alpha*c_k*S_k
            put.alpha = co.alpha
            put.beta = co.beta
            put.first = True
            put.src = NULL
            put.srcD = 0
            put.stream = False
            use_scratch = False
            # (an output without terms still takes one empty group: out = beta*out)
            tb = term_start[c]
            while True:
                te = tb
                if te < term_start[c + 1]:
                    te += 1
                    while te < term_start[c + 1] and terms[te].coef == terms[tb].coef:
                        te += 1
                if put.first and co.beta == 0.0 and te < term_start[c + 1]:
                    # several groups: sum all but the last in the scratch block
                    if scratch == NULL:
                        scratch = <floating*>malloc(g.run * g.cblk * sizeof(floating))
                    use_scratch = scratch != NULL
                _group_coef(&put, g, co, idx, terms[tb].coef if tb < te else -1,
                            sizeof(floating))
                if use_scratch and te < term_start[c + 1]:
                    # (scratch row k at element j: scratch[k*cblk + j - j0])
                    _block(g, row, idx, nk, j0, jl, a, b, scratch - j0, 1, g.cblk, False,
                           tb, te, terms, ops, tmp, &put, 1, NULL)
                else:
                    if use_scratch:
                        put.src = <const void*>(scratch - j0)
                        put.srcD = g.cblk
                    # the output is written once here (no later group adds to it)
                    put.stream = g.stream and (use_scratch or (put.first and co.beta == 0.0))
                    _block(g, row, idx, nk, j0, jl, a, b, outs[c] + ooff, osr, osD, False,
                           tb, te, terms, ops, tmp, &put, 1, NULL)
                put.first = False
                tb = te
                if tb >= term_start[c + 1]:
                    break
        # outputs that copy computed ones (the mirrored half of a Hessian):
        # copy the block while it is still in cache
        for c in range(nout, nout + g.ncopy):
            m = g.copy_src[c - nout]
            ooff = 0
            q = 0
            for k in range(g.nrd):
                d = g.rdims[k]
                ooff = ooff + idx[d] * ostr[c * g.ndim + d]
                q = q + idx[d] * ostr[m * g.ndim + d]
            osr = ostr[c * g.ndim + g.r]
            a = ostr[m * g.ndim + g.r]
            osD = ostr[c * g.ndim + g.D] if g.D >= 0 else 0
            b = ostr[m * g.ndim + g.D] if g.D >= 0 else 0
            for kk in range(nk):
                if osr == 1 and a == 1:
                    if floating is double:
                        fd_copy_d(jl, outs[m] + q + kk * b + j0,
                                  outs[c] + ooff + kk * osD + j0, g.stream)
                    else:
                        fd_copy_f(jl, outs[m] + q + kk * b + j0,
                                  outs[c] + ooff + kk * osD + j0, g.stream)
                else:
                    for jr in range(j0, j0 + jl):
                        outs[c][ooff + kk * osD + jr * osr] = outs[m][q + kk * b + jr * a]
        j0 += jl
    free(scratch)


cdef void _run(const Geometry* g, const floating* u, floating** outs,
               const Py_ssize_t* ostr, int nout, const int* term_start,
               const Term* terms, const AxisOp* ops, const Coefs* co,
               int nthreads) noexcept nogil:
    cdef Py_ssize_t nunits = g.nrows * g.nseg
    cdef Py_ssize_t unit
    if nthreads <= 1:
        for unit in range(nunits):
            _unit(unit, g, u, outs, ostr, nout, term_start, terms, ops, co)
        fd_sfence()
    else:
        with parallel(num_threads=nthreads):
            # static: each thread writes the same rows on every call, so a
            # reused plan's output (and a time step's next input) stays in
            # that core's cache.  The guided schedule handed rows to
            # whichever thread came first and moved the lines between cores
            # on every call: 256^2 took 1.9-2.2x np.copyto, now 1.4-1.5x
            for unit in prange(nunits, schedule="static"):
                _unit(unit, g, u, outs, ostr, nout, term_start, terms, ops, co)
            fd_sfence()  # this thread's streaming stores are visible after the join


cdef bint _extent(cnp.ndarray a, char** lo, char** hi):
    """The bytes a spans, [lo, hi) (False when a is empty)."""
    cdef int d
    cdef Py_ssize_t n, st
    cdef Py_ssize_t isz = cnp.PyArray_ITEMSIZE(a)
    lo[0] = <char*>cnp.PyArray_DATA(a)
    hi[0] = lo[0] + isz
    for d in range(a.ndim):
        n = a.shape[d]
        if n == 0:
            return False
        st = a.strides[d] * (n - 1)
        if st < 0:
            lo[0] += st
        else:
            hi[0] += st
    return True


cdef bint _same_layout(cnp.ndarray a, tuple shape, tuple strides):
    cdef int d
    if a.ndim != len(shape):
        return False
    for d in range(a.ndim):
        if a.shape[d] != <Py_ssize_t>shape[d] or a.strides[d] != <Py_ssize_t>strides[d]:
            return False
    return True


cdef class Prepared:
    """One kernel call of a plan, prepared for one memory layout.

    Everything the kernel needs except the data pointers is built here once
    (operator and term structs, geometry, output strides); ``run`` only
    checks the layout, takes the pointers and releases the GIL.  The
    executor (``fastdiff.grid._execute``) keeps one per layout it has seen.

    Parameters
    ----------
    ushape, ustrides : the input's shape and byte strides: the field, or a
        stack of fields (one more leading dim than ``ostrides``); complex
        data run as their real or imaginary part (same strides).
    real_dtype : numpy dtype, float32 or float64: the type the kernel runs on.
    rshape, rstrides : shape and byte strides of the result array the outputs
        live in; ``out_offsets`` the byte offset of each output from its data
        (computed outputs first, then the copied ones), ``ostrides`` the
        outputs' byte strides along the field's axes.
    ops : (axis, co, cw, i0, i1, tidx, twt, tcst) per 1-D operator, arrays
        contiguous int64 / float64 (tidx/twt 2-D (R, TW)).
    terms : per computed output, a list of (a, b, off, coef): operator a, or
        the product of a and b (b >= 0), applied to the input at element
        offset ``off`` (a component of a stacked field), multiplied by
        coefficient array ``coef`` (-1: none).  Terms sharing a coefficient
        are consecutive.
    copies : the source output of each copied output.
    coefs : coefficient arrays of ``real_dtype`` and shape ``shape`` (any
        strides, 0 on broadcast axes).
    row_axis, row_dims, seg, tile, stream, cblk, run : the walk (see the
        module header and ``_execute``); nthreads : OpenMP threads of each run.
    """
    cdef Geometry g
    cdef AxisOp* cops
    cdef Term* cterms
    cdef int* term_start
    cdef bint* has_coef
    cdef Py_ssize_t* ostr
    cdef Py_ssize_t* ooff
    cdef const void** cptr
    cdef Py_ssize_t* cstr
    cdef int nout, ncopy, ncoef
    cdef int typenum
    cdef readonly int nthreads
    cdef Py_ssize_t isz
    cdef bint empty
    cdef object keep
    cdef readonly tuple ushape, ustrides, rshape, rstrides

    def __cinit__(self, ushape, ustrides, real_dtype, rshape, rstrides, list out_offsets,
                  ostrides, list ops, list terms, list copies, list coefs, int row_axis,
                  list row_dims, Py_ssize_t seg, Py_ssize_t tile, bint stream,
                  Py_ssize_t cblk, Py_ssize_t run, int nthreads):
        cdef int lead_in = 1 if len(ushape) == len(ostrides) + 1 else 0
        shape = tuple(ushape)[lead_in:]
        cdef int ndim = len(shape)
        cdef int nops = len(ops)
        cdef int d, c, m, k, q
        cdef Py_ssize_t nrows = 1, width, wa
        cdef cnp.ndarray arr
        self.cops = NULL
        self.cterms = NULL
        self.term_start = NULL
        self.has_coef = NULL
        self.ostr = NULL
        self.ooff = NULL
        self.cptr = NULL
        self.cstr = NULL
        dt = np.dtype(real_dtype)
        if dt == np.float64:
            self.typenum = cnp.NPY_FLOAT64
        elif dt == np.float32:
            self.typenum = cnp.NPY_FLOAT32
        else:
            raise TypeError(f"internal: kernel dtype {dt}")
        self.isz = dt.itemsize
        self.nthreads = nthreads if nthreads > 0 else 1
        self.ushape = tuple(ushape)
        self.ustrides = tuple(ustrides)
        ustrides = tuple(ustrides)[lead_in:]
        self.rshape = tuple(rshape)
        self.rstrides = tuple(rstrides)
        self.keep = (ops, coefs)
        self.ncopy = len(copies)
        self.nout = len(terms)
        self.ncoef = len(coefs)
        if ndim < 1 or ndim > MAXDIM:
            raise ValueError(f"internal: ndim {ndim} not supported (at most {MAXDIM})")
        if len(out_offsets) != self.nout + self.ncopy:
            raise ValueError("internal: one offset per output")
        if self.ncopy > MAXCOPY:
            raise ValueError(f"internal: more than {MAXCOPY} copied outputs")
        g = &self.g
        g.ncopy = self.ncopy
        for c in range(self.ncopy):
            if not 0 <= copies[c] < self.nout:
                raise ValueError("internal: copy source out of range")
            g.copy_src[c] = copies[c]
        g.ndim = ndim
        g.r = row_axis
        g.L = shape[row_axis]
        g.nrd = len(row_dims)
        for d in range(ndim):
            g.shape[d] = shape[d]
            if ustrides[d] % self.isz or ostrides[d] % self.isz:
                raise ValueError("internal: stride not a multiple of the item size")
            g.ustr[d] = ustrides[d] // self.isz
        for m in range(g.nrd):
            g.rdims[m] = row_dims[m]
            nrows *= shape[row_dims[m]]
        g.run = run if run > 0 else 1
        self.empty = g.L == 0 or nrows == 0
        if g.nrd > 0:
            d = row_dims[g.nrd - 1]
            g.D = d
            if tile < 1 or tile > shape[d]:
                tile = shape[d]
            if shape[d] > 0:
                g.nrun = (tile + g.run - 1) // g.run
                # units: whole tiles of whole runs along D, padded past the end of D
                nrows = (nrows // shape[d]) * ((shape[d] + tile - 1) // tile) * g.nrun
            else:
                g.nrun = 1
        else:
            tile = 1
            g.D = -1
            g.run = 1
            g.nrun = 1
        g.tile = tile if tile > 0 else 1
        g.stream = stream
        g.cblk = cblk if 0 < cblk <= BLK else BLK
        g.nrows = nrows
        if seg < 1:
            seg = 1
        if seg > g.L:
            seg = g.L if g.L > 0 else 1
        g.seg = seg
        g.nseg = (g.L + seg - 1) // seg

        cdef int nall = self.nout + self.ncopy
        cdef int nterms = 0
        for c in range(self.nout):
            nterms += len(terms[c])
        self.cops = <AxisOp*>malloc(max(nops, 1) * sizeof(AxisOp))
        self.cterms = <Term*>malloc(max(nterms, 1) * sizeof(Term))
        self.term_start = <int*>malloc((self.nout + 1) * sizeof(int))
        self.has_coef = <bint*>malloc((self.nout + 1) * sizeof(bint))
        self.ostr = <Py_ssize_t*>malloc((nall + 1) * ndim * sizeof(Py_ssize_t))
        self.ooff = <Py_ssize_t*>malloc((nall + 1) * sizeof(Py_ssize_t))
        self.cptr = <const void**>malloc((self.ncoef + 1) * sizeof(void*))
        self.cstr = <Py_ssize_t*>malloc((self.ncoef + 1) * ndim * sizeof(Py_ssize_t))
        if (not self.cops or not self.cterms or not self.term_start or not self.has_coef
                or not self.ostr or not self.ooff or not self.cptr
                or not self.cstr):
            raise MemoryError()
        for k in range(nops):
            (axis, co, cw, i0, i1, tidx, twt, tcst) = ops[k]
            if not 0 <= axis < ndim:
                raise ValueError("internal: operator axis out of range")
            self.cops[k].axis = axis
            self.cops[k].n = shape[axis]
            self.cops[k].W = len(co)
            self.cops[k].co = <const Py_ssize_t*>cnp.PyArray_DATA(co)
            self.cops[k].cw = <const double*>cnp.PyArray_DATA(cw)
            self.cops[k].i0 = i0
            self.cops[k].i1 = i1
            self.cops[k].TW = tidx.shape[1]
            self.cops[k].tidx = <const Py_ssize_t*>cnp.PyArray_DATA(tidx)
            self.cops[k].twt = <const double*>cnp.PyArray_DATA(twt)
            self.cops[k].tcst = <const double*>cnp.PyArray_DATA(tcst)
            if max(self.cops[k].W, self.cops[k].TW) > MAXW:
                raise ValueError(f"internal: operator with more than {MAXW} taps per row")
        for q in range(self.ncoef):
            arr = coefs[q]
            if arr.dtype != dt or arr.ndim != ndim or (<object>arr).shape != tuple(shape):
                raise ValueError("internal: coefficient array of the wrong dtype or shape")
            self.cptr[q] = cnp.PyArray_DATA(arr)
            for d in range(ndim):
                if arr.strides[d] % self.isz:
                    raise ValueError("internal: stride not a multiple of the item size")
                self.cstr[q * ndim + d] = arr.strides[d] // self.isz
        m = 0
        for c in range(self.nout):
            if len(terms[c]) > MAXTERMS:
                raise ValueError(f"internal: more than {MAXTERMS} terms in one output")
            width = 0
            self.term_start[c] = m
            self.has_coef[c] = False
            for (ta, tb, toff, tc) in terms[c]:
                if not (0 <= ta < nops and -1 <= tb < nops and -1 <= tc < self.ncoef):
                    raise ValueError("internal: term index out of range")
                self.cterms[m].a = ta
                self.cterms[m].b = tb
                self.cterms[m].off = toff
                self.cterms[m].coef = tc
                if tc >= 0:
                    self.has_coef[c] = True
                wa = max(self.cops[<int>ta].W, self.cops[<int>ta].TW)
                width += wa * (max(self.cops[<int>tb].W, self.cops[<int>tb].TW) if tb >= 0 else 1)
                m += 1
            if width > MAXTAPS:
                raise ValueError(f"internal: {width} taps in one output (at most {MAXTAPS})")
        self.term_start[self.nout] = m
        for c in range(nall):
            self.ooff[c] = out_offsets[c]
            for d in range(ndim):
                self.ostr[c * ndim + d] = ostrides[d] // self.isz

    def __dealloc__(self):
        free(self.cops); free(self.cterms); free(self.term_start); free(self.has_coef)
        free(self.ostr); free(self.ooff); free(<void*>self.cptr)
        free(self.cstr)

    def run(self, cnp.ndarray u, Py_ssize_t uoff, cnp.ndarray res, Py_ssize_t roff,
            double alpha=1.0, double beta=0.0):
        """Compute every output: ``out = beta*out + alpha*A(u)`` (plain stores
        when alpha == 1 and beta == 0), on the prepared number of threads.

        ``u`` and ``res`` must have the shapes and strides this object was
        prepared for; ``uoff``/``roff`` are byte offsets added to their data
        pointers (0, or the imaginary part's offset).
        """
        if not _same_layout(u, self.ushape, self.ustrides):
            raise ValueError("internal: input layout differs from the prepared one")
        if not _same_layout(res, self.rshape, self.rstrides):
            raise ValueError("internal: result layout differs from the prepared one")
        if not cnp.PyArray_ISWRITEABLE(res):
            raise ValueError("internal: read-only result")
        if (u.descr.type_num != self.typenum and not
                (cnp.PyTypeNum_ISCOMPLEX(u.descr.type_num) and u.itemsize == 2 * self.isz)):
            raise TypeError("internal: input dtype differs from the prepared one")
        if res.itemsize != u.itemsize:
            raise TypeError("internal: result dtype differs from the input's")
        if self.ncopy and beta != 0.0:
            raise ValueError("internal: copied outputs with beta != 0")
        self._go(u, uoff, res, roff, alpha, beta)

    def fast_run(self, u, res, alpha, beta):
        """A reused plan's call without the Python checks: run and return True
        when ``u`` and ``res`` are exact ndarrays of the prepared dtype
        (native byte order) and layouts, aligned, ``res`` writeable and not
        overlapping ``u``'s bytes, and ``alpha``/``beta`` finite Python
        floats; else do nothing and return False (the caller's checked path
        then runs or raises).  Real plans only (``uoff = roff = 0``)."""
        cdef cnp.ndarray a, r
        cdef char *alo
        cdef char *ahi
        cdef char *rlo
        cdef char *rhi
        if type(u) is not np.ndarray or type(res) is not np.ndarray:
            return False
        if type(alpha) is not float or type(beta) is not float:
            return False
        if not (isfinite(<double>alpha) and isfinite(<double>beta)):
            return False
        a = u
        r = res
        if (a.descr.type_num != self.typenum or r.descr.type_num != self.typenum
                or not cnp.PyArray_ISNOTSWAPPED(a) or not cnp.PyArray_ISNOTSWAPPED(r)
                or not cnp.PyArray_ISALIGNED(a) or not cnp.PyArray_ISALIGNED(r)
                or not cnp.PyArray_ISWRITEABLE(r)):
            return False
        if not (_same_layout(a, self.ushape, self.ustrides)
                and _same_layout(r, self.rshape, self.rstrides)):
            return False
        if self.ncopy and <double>beta != 0.0:
            return False
        if _extent(a, &alo, &ahi) and _extent(r, &rlo, &rhi) and alo < rhi and rlo < ahi:
            return False        # (bounds overlap, as np.may_share_memory)
        self._go(a, 0, r, 0, alpha, beta)
        return True

    cdef int _go(self, cnp.ndarray u, Py_ssize_t uoff, cnp.ndarray res, Py_ssize_t roff,
                 double alpha, double beta) except -1:
        """`run` once its arguments are checked."""
        cdef int c
        cdef Coefs co
        cdef char* rbase
        if self.empty:
            return 0
        co.general = alpha != 1.0 or beta != 0.0
        co.has_coef = self.has_coef
        co.cptr = self.cptr
        co.cstr = self.cstr
        co.alpha = alpha
        co.beta = beta
        # output pointers of this call (on the stack: a Prepared may be run by
        # several Python threads at once)
        cdef void* local[16]
        cdef void** optr = local
        cdef int nall = self.nout + self.ncopy
        if nall > 16:
            optr = <void**>malloc(nall * sizeof(void*))
            if not optr:
                raise MemoryError()
        rbase = <char*>cnp.PyArray_DATA(res) + roff
        for c in range(nall):
            optr[c] = <void*>(rbase + self.ooff[c])
        # long calls from the main thread can be interrupted (Ctrl-C): the
        # units stop, the signal goes back to Python, and if its handler
        # does not raise, the call is run again in full -- only calls that
        # do not read the output (beta == 0): a rerun of out = beta*out + ...
        # added the rows done before the signal twice (a handler that only
        # records the signal left 34 M of 64 M elements wrong); those calls
        # finish, and Python sees the signal when they return
        cdef Py_ssize_t size = 1
        cdef int d
        for d in range(self.g.ndim):
            size *= self.g.shape[d]
        cdef bint watch = (size >= INTERRUPTIBLE and beta == 0.0
                           and threading.current_thread() is threading.main_thread())
        cdef bint interrupted = True
        try:
            while interrupted:
                co.stop = NULL
                if watch:
                    PyErr_CheckSignals()      # a Ctrl-C that came just before the call
                    watch = fd_sigint_install()
                    if watch:
                        co.stop = fd_sigint_flag_ptr()
                if self.typenum == cnp.NPY_FLOAT64:
                    with nogil:
                        _run[double](&self.g,
                                     <const double*>(<char*>cnp.PyArray_DATA(u) + uoff),
                                     <double**>optr, self.ostr, self.nout, self.term_start,
                                     self.cterms, self.cops, &co, self.nthreads)
                else:
                    with nogil:
                        _run[float](&self.g, <const float*>(<char*>cnp.PyArray_DATA(u) + uoff),
                                    <float**>optr, self.ostr, self.nout, self.term_start,
                                    self.cterms, self.cops, &co, self.nthreads)
                interrupted = watch and fd_sigint_flag
                if watch:
                    fd_sigint_restore()
                    watch = False
                if interrupted:
                    fd_sigint_reraise()
                    PyErr_CheckSignals()      # KeyboardInterrupt (or the user's handler)
        finally:
            if optr != local:
                free(optr)
        return 0
