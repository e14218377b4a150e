# Grid engine of fd.data: derivatives of gridded samples at arbitrary query
# points.  Per query and axis: the window of nodes (the local stencil), the
# weights of every derivative order needed at the query coordinate
# (Lagrange/Fornberg through the window, least squares of a given degree
# over it, or fd.grid's own table row when the query sits on a node); then
# the tensor-product contraction for every requested multi-index, axis by
# axis from the last (sum factorisation: one read of the neighbourhood
# serves all of them).  OpenMP over queries; the GIL is released; results do
# not depend on the thread count.
from cython.parallel cimport parallel, prange, threadid
from libc.math cimport floor, fabs, sqrt, NAN
from libc.stdlib cimport malloc, free

cdef enum:
    MAXDIM = 8       # axes of the data
    MAXK = 8         # highest derivative order along one axis, plus one
    MAXW = 128       # nodes in one axis window
    MAXDEG = 15      # least-squares degree
    # per-thread scratch beyond the contraction buffers: weights, nodes,
    # Fornberg/least-squares output and the least-squares work space
    SCRATCH = (MAXDIM * MAXK * MAXW + MAXW + MAXW * MAXK
               + MAXW * (MAXDEG + 1) + (MAXDEG + 1) * (MAXDEG + 2) + 16)

LIMITS = {"max_ndim": MAXDIM, "max_order": MAXK - 1, "max_window": MAXW,
          "max_degree": MAXDEG}


cdef inline Py_ssize_t _locate(const double* x, Py_ssize_t n, double h, double t) noexcept nogil:
    """i with x[i] <= t <= x[i+1] (clamped to [0, n-2]); n >= 2."""
    cdef Py_ssize_t lo, hi, mid, i
    if h > 0.0:
        i = <Py_ssize_t>floor((t - x[0]) / h)
        if i < 0:
            i = 0
        if i > n - 2:
            i = n - 2
        while i > 0 and t < x[i]:
            i -= 1
        while i < n - 2 and t >= x[i + 1]:      # on a node: the interval it starts
            i += 1
        return i
    lo = 0
    hi = n - 1
    if t <= x[0]:
        return 0
    if t >= x[n - 1]:
        return n - 2
    while hi - lo > 1:          # x[lo] <= t < x[hi]
        mid = (lo + hi) // 2
        if x[mid] <= t:
            lo = mid
        else:
            hi = mid
    return lo


cdef void _fornberg(const double* z, int n, int m, double* c) noexcept nogil:
    """Weights c[j*(m+1) + k] of the k-th derivative at 0 (k <= m) of the
    interpolating polynomial through the n nodes z (Fornberg 1988)."""
    cdef int i, j, k, mn
    cdef double c1, c2, c3, c4, c5
    cdef int M = m + 1
    for j in range(n * M):
        c[j] = 0.0
    c[0] = 1.0
    c1 = 1.0
    c4 = z[0]
    for i in range(1, n):
        mn = i if i < m else m
        c2 = 1.0
        c5 = c4
        c4 = z[i]
        for j in range(i):
            c3 = z[i] - z[j]
            c2 = c2 * c3
            if j == i - 1:
                for k in range(mn, 0, -1):
                    c[i * M + k] = c1 * (k * c[(i - 1) * M + k - 1] - c5 * c[(i - 1) * M + k]) / c2
                c[i * M] = -c1 * c5 * c[(i - 1) * M] / c2
            for k in range(mn, 0, -1):
                c[j * M + k] = (c4 * c[j * M + k] - k * c[j * M + k - 1]) / c3
            c[j * M] = c4 * c[j * M] / c3
        c1 = c2


cdef double _RECIP[MAXW]
_RECIP[0] = 0.0
for _i in range(1, MAXW):
    _RECIP[_i] = 1.0 / _i


cdef void _fornberg_unit(double theta, int n, int m, double* c) noexcept nogil:
    """``_fornberg`` on the unit-spaced nodes z_j = j - theta: the node
    differences are the integers i - j, so no division is needed beyond the
    table of their reciprocals."""
    cdef int i, j, k, mn
    cdef double c1, c2, c4, c5, r3, r2
    cdef int M = m + 1
    for j in range(n * M):
        c[j] = 0.0
    c[0] = 1.0
    c1 = 1.0
    c4 = -theta
    for i in range(1, n):
        mn = i if i < m else m
        c2 = 1.0
        c5 = c4
        c4 = i - theta
        for j in range(i):
            c2 = c2 * (i - j)
            r3 = _RECIP[i - j]
            if j == i - 1:
                r2 = 1.0 / c2
                for k in range(mn, 0, -1):
                    c[i * M + k] = c1 * (k * c[(i - 1) * M + k - 1] - c5 * c[(i - 1) * M + k]) * r2
                c[i * M] = -c1 * c5 * c[(i - 1) * M] * r2
            for k in range(mn, 0, -1):
                c[j * M + k] = (c4 * c[j * M + k] - k * c[j * M + k - 1]) * r3
            c[j * M] = c4 * c[j * M] * r3
        c1 = c2


cdef int _lsq(const double* z, int n, int p, int m, double* c, double* work) noexcept nogil:
    """Weights c[j*(m+1) + k] of the k-th derivative at 0 (k <= m <= p) of the
    least-squares polynomial of degree p through the n >= p+1 nodes z.

    Scaled coordinates u = z/s, modified Gram-Schmidt run twice on the
    Vandermonde columns (Q, R), then row k of R^-1 Q^T times k!/s^k.
    ``work`` holds n*(p+1) + (p+1)^2 + (p+1) doubles.  Returns -1 when the
    nodes do not determine the polynomial."""
    cdef int P = p + 1, M = m + 1
    cdef double* Q = work
    cdef double* R = work + n * P
    cdef double* y = R + P * P
    cdef double s = 0.0, d, nrm, f
    cdef int i, a, b, k, it
    for i in range(n):
        if fabs(z[i]) > s:
            s = fabs(z[i])
    if s == 0.0:
        s = 1.0
    for i in range(n):
        d = 1.0
        for a in range(P):
            Q[i * P + a] = d
            d = d * (z[i] / s)
    for a in range(P * P):
        R[a] = 0.0
    for a in range(P):
        for it in range(2):
            for b in range(a):
                d = 0.0
                for i in range(n):
                    d = d + Q[i * P + b] * Q[i * P + a]
                R[b * P + a] = R[b * P + a] + d
                for i in range(n):
                    Q[i * P + a] = Q[i * P + a] - d * Q[i * P + b]
        nrm = 0.0
        for i in range(n):
            nrm = nrm + Q[i * P + a] * Q[i * P + a]
        if not (nrm > 1e-26 * n):
            return -1
        nrm = sqrt(nrm)
        R[a * P + a] = nrm
        for i in range(n):
            Q[i * P + a] = Q[i * P + a] / nrm
    f = 1.0
    for k in range(M):
        # y R = e_k (y is row k of R^-1: zero before k)
        for a in range(P):
            y[a] = 0.0
        y[k] = 1.0 / R[k * P + k]
        for a in range(k + 1, P):
            d = 0.0
            for b in range(k, a):
                d = d + y[b] * R[b * P + a]
            y[a] = -d / R[a * P + a]
        if k > 0:
            f = f * k / s
        for i in range(n):
            d = 0.0
            for a in range(k, P):
                d = d + y[a] * Q[i * P + a]
            c[i * M + k] = f * d
    return 0


cdef int _axis_weights(const double* x, Py_ssize_t n, double h, double t, int K, int G,
                       int deg, bint use_nodes, const Py_ssize_t* nstart, const double* nw,
                       int GW, Py_ssize_t* S, double* w, double* z, double* c,
                       double* work) noexcept nogil:
    """Window start S and width W (returned) of one axis for coordinate t,
    with w[k*MAXW + j] the weight of node S+j for derivative order k <= K."""
    cdef Py_ssize_t i, j, node, s0
    cdef int k, W
    cdef double sc, f
    i = _locate(x, n, h, t)
    node = -1
    if use_nodes:
        if t == x[i]:
            node = i
        elif t == x[i + 1]:
            node = i + 1
    if node >= 0:
        S[0] = nstart[node]
        for k in range(K + 1):
            for j in range(GW):
                w[k * MAXW + j] = nw[(node * (K + 1) + k) * GW + j]
        return GW
    W = G
    if W % 2 == 1:
        j = i if t - x[i] <= x[i + 1] - t else i + 1
        s0 = j - (W - 1) // 2
    else:
        s0 = i - W // 2 + 1
    if s0 > n - W:
        s0 = n - W
    if s0 < 0:
        s0 = 0
    S[0] = s0
    if deg < 0 and h > 0.0:
        # uniform axis: nodes at unit spacing around theta, then 1/h^k
        _fornberg_unit((t - x[s0]) / h, W, K, c)
        sc = 1.0 / h
        f = 1.0
        for k in range(K + 1):
            for j in range(W):
                w[k * MAXW + j] = c[j * (K + 1) + k] * f
            f = f * sc
        return W
    for j in range(W):
        z[j] = x[s0 + j] - t
    if deg < 0:
        _fornberg(z, W, K, c)
    elif _lsq(z, W, deg, K, c, work) < 0:
        return -1
    for k in range(K + 1):
        for j in range(W):
            w[k * MAXW + j] = c[j * (K + 1) + k]
    return W


def order_queries(const double[:, ::1] q,      # (M, n) query points
                  const double[::1] lo,         # (n,) first coordinate of each axis
                  const double[::1] hi,         # (n,) last coordinate
                  const Py_ssize_t[::1] nb,     # (n,) blocks per axis
                  Py_ssize_t[::1] order):       # OUT (M,) queries in block order
    """A counting sort of the queries by the block of the grid they fall in
    (row-major over blocks, stable within a block): queries that share
    samples are then evaluated together, while those samples are in cache."""
    cdef Py_ssize_t M = q.shape[0], n = q.shape[1], i, d, b, key, nkeys = 1, acc, t
    cdef double f
    for d in range(n):
        nkeys *= nb[d]
    cdef Py_ssize_t[::1] keys = cvarray_intp(M)
    cdef Py_ssize_t[::1] count = cvarray_intp(nkeys + 1)
    with nogil:
        for key in range(nkeys + 1):
            count[key] = 0
        for i in range(M):
            key = 0
            for d in range(n):
                f = (q[i, d] - lo[d]) / (hi[d] - lo[d]) * nb[d]
                b = <Py_ssize_t>f if f > 0 else 0
                if b >= nb[d]:
                    b = nb[d] - 1
                key = key * nb[d] + b
            keys[i] = key
            count[key + 1] += 1
        acc = 0
        for key in range(nkeys + 1):
            acc += count[key]
            count[key] = acc
        for i in range(M):
            t = count[keys[i]]
            order[t] = i
            count[keys[i]] = t + 1


cdef Py_ssize_t[::1] cvarray_intp(Py_ssize_t n):
    import numpy as np
    return np.empty(max(n, 1), dtype=np.intp)


def grid_eval(const double[::1] vals,          # values, C order, shape lens + (m,)
              const Py_ssize_t[::1] vstr,      # (n,) element strides of the spatial axes
              Py_ssize_t m,                    # components (stride 1)
              const double[::1] coords,        # every axis' coordinates, concatenated
              const Py_ssize_t[::1] coff,      # (n+1,) offsets into coords
              const double[::1] h,             # (n,) uniform spacing, 0 for non-uniform
              const double[:, ::1] q,          # (M, n) query points
              const Py_ssize_t[::1] order,     # (M,) evaluation order, or empty: 0..M-1
              Py_ssize_t q0,                   # output row of q[0]
              const int[::1] K,                # (n,) highest order per axis
              const int[::1] G,                # (n,) window width off the nodes
              int deg,                         # -1: interpolate; else least-squares degree
              bint use_nodes,                  # a query on a node takes the node table
              const Py_ssize_t[::1] nstart,    # node windows' starts, axes concatenated (coff)
              const double[::1] nw,            # node weights, (N_d, K_d+1, GW_d) per axis
              const Py_ssize_t[::1] nwoff,     # (n+1,) offsets into nw
              const int[::1] GW,               # (n,) node window width
              const int[::1] lvl,              # (n+1,) suffixes of level d: lvl[d]..lvl[d+1]
              const int[::1] sorder,           # (S,) order of the suffix along its level's axis
              const int[::1] sparent,          # (S,) parent suffix (level d+1), -1 at n-1
              const Py_ssize_t[::1] boff,      # (n,) buffer offset of each level
              Py_ssize_t bsize,                # doubles of one thread's buffers
              const int[::1] rsuf,             # (P,) level-0 suffix of each output term
              const Py_ssize_t[:, ::1] dest,   # (P, 2) element offsets in an output row, -1
              const double[:, ::1] dcoef,      # (P, 2) coefficients (out += coef * term)
              double[::1] out,                 # outputs, row (query) stride ostride
              Py_ssize_t ostride,              # (each row's first ostride elements are set)
              Py_ssize_t cstride,              # component stride in the outputs
              int nthreads):
    """out[(q0+i)*ostride + dest[p,j] + c*cstride] = sum of dcoef[p,j] * D^alpha_p v(q_i).

    Returns the number of queries whose least-squares window was singular
    (their outputs are NaN)."""
    cdef Py_ssize_t M = q.shape[0], n = q.shape[1]
    cdef Py_ssize_t k, i, bad = 0, per = bsize + SCRATCH
    cdef bint ordered = order.shape[0] == M
    cdef double* bufall
    cdef double* buf
    if M == 0:
        return 0
    if n > MAXDIM:
        raise ValueError(f"internal: {n} axes > {MAXDIM}")
    if nthreads < 1:
        nthreads = 1
    bufall = <double*>malloc(nthreads * per * sizeof(double))
    if bufall == NULL:
        raise MemoryError("fd.data: no memory for the per-thread buffers")
    try:
        with nogil, parallel(num_threads=nthreads):
            buf = bufall + threadid() * per
            for k in prange(M, schedule="guided", chunksize=64):
                i = order[k] if ordered else k
                bad += _one(i, &vals[0], &vstr[0], m, &coords[0], &coff[0], &h[0],
                            &q[0, 0], n, q0, &K[0], &G[0], deg, use_nodes,
                            &nstart[0], &nw[0], &nwoff[0], &GW[0], &lvl[0], &sorder[0],
                            &sparent[0], &boff[0], rsuf.shape[0], &rsuf[0], &dest[0, 0],
                            &dcoef[0, 0], &out[0], ostride, cstride, buf, bsize)
    finally:
        free(bufall)
    return bad


cdef int _one(Py_ssize_t i, const double* vals, const Py_ssize_t* vstr, Py_ssize_t m,
              const double* coords, const Py_ssize_t* coff, const double* h,
              const double* q, Py_ssize_t n, Py_ssize_t q0, const int* K, const int* G,
              int deg, bint use_nodes, const Py_ssize_t* nstart, const double* nw,
              const Py_ssize_t* nwoff, const int* GW, const int* lvl, const int* sorder,
              const int* sparent, const Py_ssize_t* boff, Py_ssize_t P, const int* rsuf,
              const Py_ssize_t* dest, const double* dcoef, double* out,
              Py_ssize_t ostride, Py_ssize_t cstride, double* buf,
              Py_ssize_t bsize) noexcept nogil:
    """One query: weights per axis, then the contraction level by level."""
    cdef double* wts = buf + bsize                      # (MAXDIM, MAXK, MAXW)
    cdef double* z = wts + MAXDIM * MAXK * MAXW         # MAXW
    cdef double* c = z + MAXW                           # MAXW * MAXK
    cdef double* work = c + MAXW * MAXK                 # MAXW*(MAXDEG+1) + ...
    cdef Py_ssize_t S[MAXDIM]
    cdef Py_ssize_t W[MAXDIM]
    cdef Py_ssize_t idx[MAXDIM]
    cdef const double* wl[MAXK]
    cdef double a[MAXK]
    cdef Py_ssize_t d, j, e, npre, pf, s, par, cc, base, t, nS, Wl, vs, Wd2
    cdef int Wd
    cdef double acc, wk, vj, a0, a1, a2
    cdef const double* w0
    cdef const double* w1
    cdef const double* w2
    cdef const double* src
    cdef const double* wrow
    cdef double* dst
    cdef double* pb
    cdef double* row = out + (q0 + i) * ostride
    for t in range(ostride):
        row[t] = 0.0
    for d in range(n):
        Wd = _axis_weights(coords + coff[d], coff[d + 1] - coff[d], h[d], q[i * n + d], K[d],
                           G[d], deg, use_nodes, nstart + coff[d], nw + nwoff[d], GW[d],
                           &S[d], wts + d * MAXK * MAXW, z, c, work)
        if Wd < 0:
            for t in range(ostride):
                row[t] = NAN
            return 1
        W[d] = Wd
    # level n-1: the last axis, straight from the values: each row of the
    # window is read once for all the orders wanted along it
    nS = lvl[n] - lvl[n - 1]
    Wl = W[n - 1]
    vs = vstr[n - 1]
    for s in range(nS):
        wl[s] = wts + ((n - 1) * MAXK + sorder[lvl[n - 1] + s]) * MAXW
    npre = 1
    base = S[n - 1] * vs
    for d in range(n - 1):
        npre = npre * W[d]
        idx[d] = 0
        base = base + S[d] * vstr[d]
    dst = buf + boff[n - 1]
    for pf in range(npre):
        src = vals + base
        if m == 1 and nS <= 3:
            # the common cases, accumulators in registers
            a0 = 0.0
            a1 = 0.0
            a2 = 0.0
            w0 = wl[0]
            w1 = wl[1] if nS > 1 else wl[0]
            w2 = wl[2] if nS > 2 else wl[0]
            if nS == 1:
                for j in range(Wl):
                    a0 = a0 + w0[j] * src[j * vs]
            elif nS == 2:
                for j in range(Wl):
                    vj = src[j * vs]
                    a0 = a0 + w0[j] * vj
                    a1 = a1 + w1[j] * vj
            else:
                for j in range(Wl):
                    vj = src[j * vs]
                    a0 = a0 + w0[j] * vj
                    a1 = a1 + w1[j] * vj
                    a2 = a2 + w2[j] * vj
            dst[pf] = a0
            if nS > 1:
                dst[npre + pf] = a1
            if nS > 2:
                dst[2 * npre + pf] = a2
        else:
            for cc in range(m):
                for s in range(nS):
                    a[s] = 0.0
                for j in range(Wl):
                    vj = src[j * vs + cc]
                    for s in range(nS):
                        a[s] = a[s] + wl[s][j] * vj
                for s in range(nS):
                    dst[(s * npre + pf) * m + cc] = a[s]
        # next prefix (odometer, last index fastest)
        d = n - 2
        while d >= 0:
            idx[d] += 1
            base = base + vstr[d]
            if idx[d] < W[d]:
                break
            base = base - W[d] * vstr[d]
            idx[d] = 0
            d -= 1
    # levels n-2 .. 0: contract axis d of the parent's array
    for d in range(n - 2, -1, -1):
        npre = 1
        for e in range(d):
            npre = npre * W[e]
        Wd2 = W[d]
        for s in range(lvl[d], lvl[d + 1]):
            par = sparent[s] - lvl[d + 1]
            wrow = wts + (d * MAXK + sorder[s]) * MAXW
            pb = buf + boff[d + 1] + par * npre * Wd2 * m
            dst = buf + boff[d] + (s - lvl[d]) * npre * m
            if m == 1:
                for pf in range(npre):
                    acc = 0.0
                    for j in range(Wd2):
                        acc = acc + wrow[j] * pb[pf * Wd2 + j]
                    dst[pf] = acc
            else:
                for pf in range(npre):
                    for cc in range(m):
                        acc = 0.0
                        for j in range(Wd2):
                            acc = acc + wrow[j] * pb[(pf * Wd2 + j) * m + cc]
                        dst[pf * m + cc] = acc
    # outputs
    for t in range(P):
        s = rsuf[t]
        src = buf + boff[0] + (s - lvl[0]) * m
        for j in range(2):
            if dest[t * 2 + j] >= 0:
                wk = dcoef[t * 2 + j]
                for cc in range(m):
                    row[dest[t * 2 + j] + cc * cstride] += wk * src[cc]
    return 0


# -- the scattered engine ------------------------------------------------------
#
# Per query: its k nearest samples (found by the caller), local coordinates
# u = (x - q)/R with R a little beyond the farthest neighbour, weights
# (1 - (d/R)^2)^2, and the weighted least-squares polynomial of degree p in
# u through the neighbours' values: normal equations A c = b in the monomial
# basis (graded order, so the leading C' x C' block of A is the fit of the
# next lower degree), Cholesky with a pivot check.  The derivative D^alpha at
# q is alpha! c_alpha / R^|alpha|: every requested derivative comes from one
# solve, and the lower-degree fit (for error estimates) from the same factor.

cdef enum:
    MAXC = 210       # monomials (degree 4 in 6-D, degree 2 in 19-D)

cdef extern from "_data_kernels.h":
    double fd_dot(const double* x, const double* y, Py_ssize_t k) noexcept nogil
    void fd_gram(const double* psi, Py_ssize_t C, Py_ssize_t k, double* A) noexcept nogil


def scattered_eval(const double[:, ::1] P,          # (N, n) samples
                   const double[:, ::1] vals,       # (N, m) values
                   const double[:, ::1] q,          # (M, n) queries
                   const Py_ssize_t[:, ::1] nbr,    # (M, k) neighbour indices
                   const double[:, ::1] dist,       # (M, k) their distances, ascending
                   const int[:, ::1] E,             # (C, n) monomial exponents, graded
                   const int[::1] par,              # (C,) monomial a = par[a] * u[var[a]]
                   const int[::1] var,              # (C,) (a >= 1)
                   int C2,                          # monomials of the lower-degree fit
                   double rscale,                   # R = rscale * farthest distance
                   const int[::1] mono,             # (P,) monomial of each output term
                   const double[::1] fact,          # (P,) alpha! of each term
                   const int[::1] order,            # (P,) |alpha| of each term
                   const Py_ssize_t[:, ::1] dest,   # (P, 2) offsets in an output row, -1
                   const double[:, ::1] dcoef,      # (P, 2)
                   double[::1] out,                 # (M * ostride) outputs
                   double[::1] out2,                # the lower-degree fit's, or empty
                   Py_ssize_t ostride, Py_ssize_t cstride,
                   double rcond,                    # smallest pivot / largest diagonal
                   unsigned char[::1] ok,           # OUT (M,) the fit was well conditioned
                   int nthreads):
    """Weighted local polynomial fits at every query; see the comment above."""
    cdef Py_ssize_t M = q.shape[0], n = q.shape[1], k = nbr.shape[1], m = vals.shape[1]
    cdef Py_ssize_t C = E.shape[0], i, per
    cdef bint two = out2.shape[0] > 0
    cdef double* bufall
    cdef double* buf
    if M == 0:
        return
    if C > MAXC:
        raise ValueError(f"internal: {C} monomials > {MAXC}")
    if nthreads < 1:
        nthreads = 1
    per = C * C + 2 * C * m + C * k + k + n * k + m * k + 64
    bufall = <double*>malloc(nthreads * per * sizeof(double))
    if bufall == NULL:
        raise MemoryError("fd.data: no memory for the per-thread buffers")
    try:
        with nogil, parallel(num_threads=nthreads):
            buf = bufall + threadid() * per
            for i in prange(M, schedule="guided", chunksize=16):
                ok[i] = _fit_one(i, &P[0, 0], &vals[0, 0], &q[0, 0], n, m, &nbr[0, 0],
                                 &dist[0, 0], k, &par[0], &var[0], C, C2, rscale, &mono[0],
                                 &fact[0],
                                 &order[0], mono.shape[0], &dest[0, 0], &dcoef[0, 0],
                                 &out[0], &out2[0] if two else NULL, ostride, cstride,
                                 rcond, buf)
    finally:
        free(bufall)


cdef int _chol(double* A, Py_ssize_t C, Py_ssize_t lda, double rcond) noexcept nogil:
    """In-place Cholesky of the leading C x C block (lower triangle); 0 when a
    pivot falls below rcond times the largest diagonal entry."""
    cdef Py_ssize_t a, b, j
    cdef double s, dmax = 0.0
    for a in range(C):
        if A[a * lda + a] > dmax:
            dmax = A[a * lda + a]
    if not (dmax > 0.0):
        return 0
    for a in range(C):
        s = A[a * lda + a]
        for j in range(a):
            s = s - A[a * lda + j] * A[a * lda + j]
        if not (s > rcond * dmax):
            return 0
        s = sqrt(s)
        A[a * lda + a] = s
        for b in range(a + 1, C):
            A[b * lda + a] = A[b * lda + a]
            for j in range(a):
                A[b * lda + a] = A[b * lda + a] - A[b * lda + j] * A[a * lda + j]
            A[b * lda + a] = A[b * lda + a] / s
    return 1


cdef void _chol_solve(const double* L, Py_ssize_t C, Py_ssize_t lda, double* x,
                      Py_ssize_t m) noexcept nogil:
    """Solve L L^T X = B in place (B: C x m, row-major)."""
    cdef Py_ssize_t a, j, c
    for c in range(m):
        for a in range(C):
            s = x[a * m + c]
            for j in range(a):
                s = s - L[a * lda + j] * x[j * m + c]
            x[a * m + c] = s / L[a * lda + a]
        for a in range(C - 1, -1, -1):
            s = x[a * m + c]
            for j in range(a + 1, C):
                s = s - L[j * lda + a] * x[j * m + c]
            x[a * m + c] = s / L[a * lda + a]


cdef unsigned char _fit_one(Py_ssize_t i, const double* P, const double* vals, const double* q,
                            Py_ssize_t n, Py_ssize_t m, const Py_ssize_t* nbr,
                            const double* dist, Py_ssize_t k, const int* par,
                            const int* var, Py_ssize_t C,
                            Py_ssize_t C2, double rscale, const int* mono, const double* fact,
                            const int* order, Py_ssize_t NP, const Py_ssize_t* dest,
                            const double* dcoef, double* out, double* out2,
                            Py_ssize_t ostride, Py_ssize_t cstride, double rcond,
                            double* buf) noexcept nogil:
    cdef double* A = buf                     # C x C
    cdef double* b = A + C * C               # C x m
    cdef double* b2 = b + C * m              # C x m (lower-degree right-hand side)
    cdef double* psi = b2 + C * m            # C columns of k: sqrt(w) * monomials
    cdef double* w = psi + C * k             # k square roots of the weights
    cdef double* U = w + k                   # n columns of k local coordinates
    cdef double* wy = U + n * k              # m columns of k: sqrt(w) * values
    cdef double* col
    cdef Py_ssize_t j, a, c, t, d, e, src
    cdef double R, r, wt, v, s, sc
    cdef double* row = out + i * ostride
    cdef double* row2 = out2 + i * ostride if out2 != NULL else NULL
    cdef unsigned char good
    cdef const double* pa
    cdef const double* ua
    R = dist[i * k + k - 1] * rscale
    if not (R > 0.0):
        R = 1.0
    for t in range(ostride):
        row[t] = 0.0
        if row2 != NULL:
            row2[t] = 0.0
    # local coordinates and the square roots of the weights (1 - r^2)^2
    for j in range(k):
        src = nbr[i * k + j]
        r = dist[i * k + j] / R
        wt = 1.0 - r * r
        if wt < 0.0:
            wt = 0.0
        w[j] = wt
        for d in range(n):
            U[d * k + j] = (P[src * n + d] - q[i * n + d]) / R
        for c in range(m):
            wy[c * k + j] = wt * vals[src * m + c]
    # the monomials (graded order: each a parent monomial times one
    # coordinate), scaled by sqrt(w), one column of k per monomial
    for j in range(k):
        psi[j] = w[j]
    for a in range(1, C):
        col = psi + a * k
        pa = psi + par[a] * k
        ua = U + var[a] * k
        for j in range(k):
            col[j] = pa[j] * ua[j]
    # normal equations (lower triangle) and right-hand sides
    fd_gram(psi, C, k, A)
    for a in range(C):
        for c in range(m):
            b[a * m + c] = fd_dot(psi + a * k, wy + c * k, k)
    for a in range(C * m):
        b2[a] = b[a]
    good = _chol(A, C, C, rcond)
    if not good:
        for t in range(ostride):
            row[t] = NAN
            if row2 != NULL:
                row2[t] = NAN
        return 0
    _chol_solve(A, C, C, b, m)
    if row2 != NULL:
        _chol_solve(A, C2, C, b2, m)      # the leading block: the lower degree
    for t in range(NP):
        a = mono[t]
        sc = fact[t]
        for d in range(order[t]):
            sc = sc / R
        for j in range(2):
            if dest[t * 2 + j] >= 0:
                for c in range(m):
                    row[dest[t * 2 + j] + c * cstride] += dcoef[t * 2 + j] * sc * b[a * m + c]
                    if row2 != NULL:
                        row2[dest[t * 2 + j] + c * cstride] += (
                            dcoef[t * 2 + j] * sc * (b2[a * m + c] if a < C2 else 0.0))
    return 1


def outside_hull(const double[:, ::1] q,      # (M, n) points
                 const double[:, ::1] eq,     # (F, n+1) facets: normal . x + offset <= 0 inside
                 double tol,
                 int nthreads):
    """Index of the first point outside the convex hull (beyond tol), or -1."""
    cdef Py_ssize_t M = q.shape[0], n = q.shape[1], F = eq.shape[0], i, f, d
    cdef Py_ssize_t first = M
    cdef double s
    cdef unsigned char[::1] bad = bytearray(max(M, 1))
    with nogil:
        for i in prange(M, schedule="static", num_threads=nthreads):
            bad[i] = 0
            for f in range(F):
                s = eq[f, n]
                for d in range(n):
                    s = s + eq[f, d] * q[i, d]
                if s > tol:
                    bad[i] = 1
                    break
    for i in range(M):
        if bad[i]:
            return i
    return -1
