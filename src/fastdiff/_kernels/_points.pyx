# Point-batch kernels: lay out the stencil points of a chunk of input points,
# and combine f's values at them with the stencil weights.  OpenMP over the
# input points; the GIL is released; every output element is computed by the
# same operations whatever the thread count.
from cython.parallel cimport prange, threadid

import numpy as np


def layout(const double[:, ::1] X,        # IN  (N, n) points
           const double[:, :, ::1] dirs,   # IN  (N, k, n) directions, or (0, 0, 0): axes
           const double[:, :, ::1] OFF,    # IN  (N, k, K) stencil offsets (0 = padding)
           const double[:, :, ::1] hl,     # IN  (L, N, k) steps per level
           double[:, :, ::1] P,            # OUT (N, 1 + L*k*K, n)
           int nthreads):
    """P[i, 0] = x_i; P[i, 1 + (l*k + j)*K + t] = x_i + hl[l,i,j] * OFF[i,j,t] * d_ij."""
    cdef Py_ssize_t N = X.shape[0], n = X.shape[1]
    cdef Py_ssize_t k = OFF.shape[1], K = OFF.shape[2], L = hl.shape[0]
    cdef Py_ssize_t R = 1 + L * k * K
    cdef bint axes = dirs.shape[0] == 0
    cdef Py_ssize_t task, i, l, j, t, c, r
    cdef double s
    if N == 0:
        return
    # one task per stencil point (rows of few input points are many)
    for task in prange(N * R, nogil=True, schedule="static", num_threads=nthreads):
        i = task // R
        r = task - i * R
        if r == 0:
            for c in range(n):
                P[i, 0, c] = X[i, c]
            continue
        t = (r - 1) % K
        j = ((r - 1) // K) % k
        l = (r - 1) // (K * k)
        s = hl[l, i, j] * OFF[i, j, t]
        if axes:
            for c in range(n):
                P[i, r, c] = X[i, c]
            P[i, r, j] = X[i, j] + s
        else:
            for c in range(n):
                P[i, r, c] = X[i, c] + s * dirs[i, j, c]


def combine(const double[:, :, ::1] F,    # IN  (N, 1 + L*k*K, m) values
            const double[:, :, ::1] W,    # IN  (N, k, K) weights
            const double[:, ::1] W0,      # IN  (N, k) weight of f(x)
            const double[:, :, ::1] hl,   # IN  (L, N, k) steps
            int order,
            double[:, :, :, ::1] D,       # OUT (L, N, k, m)
            int nthreads):
    """D[l, i, j] = (W0[i,j] f(x_i) + sum_t W[i,j,t] F[i, 1+(l*k+j)*K+t]) / hl^order."""
    cdef Py_ssize_t N = F.shape[0], m = F.shape[2]
    cdef Py_ssize_t k = W.shape[1], K = W.shape[2], L = hl.shape[0]
    cdef Py_ssize_t i, l, j, t, q, r
    cdef double s, hp
    cdef int e
    if N == 0:
        return
    for i in prange(N, nogil=True, schedule="static", num_threads=nthreads):
        for l in range(L):
            for j in range(k):
                hp = 1.0
                for e in range(order):
                    hp = hp * hl[l, i, j]
                for q in range(m):
                    s = W0[i, j] * F[i, 0, q]
                    for t in range(K):
                        r = 1 + (l * k + j) * K + t
                        s = s + W[i, j, t] * F[i, r, q]
                    D[l, i, j, q] = s / hp


def layout2(const double[:, ::1] X,       # IN  (N, n) points
            const double[:, ::1] h,       # IN  (N, n) base steps
            int L,                        # levels (steps h / 2^l)
            const Py_ssize_t[::1] I,      # IN  (npairs,) first axis of each mixed pair
            const Py_ssize_t[::1] J,      # IN  (npairs,) second axis
            double[:, :, ::1] P,          # OUT (N, 1 + L*(2n + 4*npairs), n)
            int nthreads):
    """Second-derivative stencil points: x; then per level x - h_i e_i (i < n),
    x + h_i e_i, and for each pair (i, j): x + h_i e_i + h_j e_j, x + h_i e_i -
    h_j e_j, x - h_i e_i + h_j e_j, x - h_i e_i - h_j e_j (four blocks)."""
    cdef Py_ssize_t N = X.shape[0], n = X.shape[1], npairs = I.shape[0]
    cdef Py_ssize_t per = 2 * n + 4 * npairs
    cdef Py_ssize_t i, l, a, c, r, q, ii, jj
    cdef double scale, hi, hj
    if N == 0:
        return
    for i in prange(N, nogil=True, schedule="static", num_threads=nthreads):
        for r in range(1 + L * per):
            for c in range(n):
                P[i, r, c] = X[i, c]
        for l in range(L):
            scale = 1.0
            for a in range(l):
                scale = scale * 0.5
            r = 1 + l * per
            for a in range(n):
                P[i, r + a, a] = X[i, a] - h[i, a] * scale
                P[i, r + n + a, a] = X[i, a] + h[i, a] * scale
            r = r + 2 * n
            for q in range(npairs):
                ii = I[q]
                jj = J[q]
                hi = h[i, ii] * scale
                hj = h[i, jj] * scale
                P[i, r + q, ii] = X[i, ii] + hi
                P[i, r + q, jj] = X[i, jj] + hj
                P[i, r + npairs + q, ii] = X[i, ii] + hi
                P[i, r + npairs + q, jj] = X[i, jj] - hj
                P[i, r + 2 * npairs + q, ii] = X[i, ii] - hi
                P[i, r + 2 * npairs + q, jj] = X[i, jj] + hj
                P[i, r + 3 * npairs + q, ii] = X[i, ii] - hi
                P[i, r + 3 * npairs + q, jj] = X[i, jj] - hj


cdef extern from "math.h" nogil:
    double fabs(double)
    double pow(double, double)
    double ldexp(double, int)
    bint isnan(double)
    double INFINITY
    double NAN


cdef inline double _power(double h, int order) noexcept nogil:
    """h**order as NumPy computes it (exact for orders 1 and 2)."""
    if order == 1:
        return h
    if order == 2:
        return h * h
    return pow(h, order)


cdef enum:
    _QB = 32        # elements per block of the fused kernel (its stack arrays; with
                    # 32 the best of 100 one-thread runs was 4.3 ms against 5.5 for
                    # 128, the 20th percentiles equal within this VM's noise)
    _LMAX = 16      # levels at most


cdef extern from "_points_kernels.h" nogil:
    void fd_extrapolate_3x2(const double* F, const double* a0, const double* b0,
                            const double* a1, const double* b1, const double* a2,
                            const double* b2, Py_ssize_t nb, double w0, double wa,
                            double wb, double i0, double i1, double i2, double h1, double h2,
                            double den1, double den2, double rnd_scale, double safety,
                            double* value, double* err, double* step,
                            unsigned char* bound) noexcept


cdef void _extrapolate_block(const double* F, const double** taps, Py_ssize_t nb,
                             const double* W, double w0, const double* hl, Py_ssize_t hstride,
                             int s_gain, Py_ssize_t L, Py_ssize_t K,
                             int order, int acc, double eps, double safety,
                             double* value, double* err, double* step,
                             unsigned char* bound) noexcept nogil:
    """``nb`` <= _QB consecutive elements of one direction of one point: F
    points at their f(x), taps[l*K + t] at their f values of tap t at level
    l, W at the direction's K weights, hl at its step of level 0 (level l at
    hl[l*hstride]).  The blocks live on this call's stack (each thread has
    its own); the loops over the block vectorise."""
    cdef double D[_LMAX][_QB]
    cdef double row[_LMAX][_QB]
    cdef double prev[_LMAX][_QB]
    cdef double fm[_QB]
    cdef double best[_QB]
    cdef double e[_QB]
    cdef double v[_QB]
    cdef double st[_QB]
    cdef double nan[_QB]
    cdef double dd[_QB]
    cdef double tk[_QB]
    cdef Py_ssize_t l, t, mm, qq
    cdef const double* Fr
    cdef double hp, w, den, d, ws, rnd, hlev, r, b
    cdef double inv[3]
    if L == 3 and K == 2:
        # (the default central first derivatives: one fused loop, same bits)
        for l in range(3):
            hp = 1.0
            for t in range(order):
                hp = hp * hl[l * hstride]
            inv[l] = 1.0 / hp
        if inv[0] < INFINITY and inv[1] < INFINITY and inv[2] < INFINITY:
            ws = (0.0 + fabs(W[0])) + fabs(W[1])
            ws = ws + fabs(w0)
            fd_extrapolate_3x2(F, taps[0], taps[1], taps[2], taps[3], taps[4], taps[5],
                               nb, w0, W[0], W[1], inv[0],
                               inv[1], inv[2], hl[hstride], hl[2 * hstride],
                               1.0 / (ldexp(1.0, acc) - 1.0),
                               1.0 / (ldexp(1.0, acc + s_gain) - 1.0),
                               eps * ws / _power(hl[2 * hstride], order), safety, value, err,
                               step, bound)
            return
    # (every loop over the block is branch-free, so that it vectorises)
    for qq in range(nb):
        d = fabs(F[qq])
        fm[qq] = d
        nan[qq] = 1.0 if d != d else 0.0
    for l in range(L):
        hp = 1.0
        for t in range(order):
            hp = hp * hl[l * hstride]
        for qq in range(nb):
            D[l][qq] = w0 * F[qq]
        for t in range(K):
            Fr = taps[l * K + t]
            w = W[t]
            for qq in range(nb):
                D[l][qq] = D[l][qq] + w * Fr[qq]
            if l == L - 1:      # (a NaN stays: it spoils the estimate, as in NumPy)
                for qq in range(nb):
                    d = fabs(Fr[qq])
                    w = fm[qq]
                    fm[qq] = d if d > w else w
                    r = nan[qq]
                    nan[qq] = 1.0 if d != d else r
        # (multiplies by reciprocals: no division per element; a step so
        # small that h^order's reciprocal overflows divides instead)
        w = 1.0 / hp
        if w < INFINITY:
            for qq in range(nb):
                D[l][qq] = D[l][qq] * w
        else:
            for qq in range(nb):
                D[l][qq] = D[l][qq] / hp
    # the tableau, row by row: diagonal entry l and its difference with
    # entry l - 1 (the first difference kept even if NaN); the smallest
    # difference picks the value, its step and its estimate
    for qq in range(nb):
        prev[0][qq] = D[0][qq]
    for l in range(1, L):
        for qq in range(nb):
            row[0][qq] = D[l][qq]
        for mm in range(1, l + 1):
            den = 1.0 / (ldexp(1.0, acc + s_gain * (mm - 1)) - 1.0)
            for qq in range(nb):
                row[mm][qq] = row[mm - 1][qq] + (row[mm - 1][qq] - prev[mm - 1][qq]) * den
        hlev = hl[l * hstride]
        if l == 1:
            for qq in range(nb):
                d = fabs(row[1][qq] - prev[0][qq])
                v[qq] = row[1][qq]
                e[qq] = d
                best[qq] = d if d == d else INFINITY
                st[qq] = hl[hstride]
        else:
            # (GCC vectorises one select per loop, of operands loaded first)
            for qq in range(nb):
                d = fabs(row[l][qq] - prev[l - 1][qq])
                b = best[qq]
                dd[qq] = d
                tk[qq] = 1.0 if d < b else 0.0     # (d < b: False for a NaN)
            for qq in range(nb):
                d = dd[qq]
                b = best[qq]
                best[qq] = d if tk[qq] != 0.0 else b
            for qq in range(nb):
                r = row[l][qq]
                w = v[qq]
                v[qq] = r if tk[qq] != 0.0 else w
            for qq in range(nb):
                d = dd[qq]
                w = e[qq]
                e[qq] = d if tk[qq] != 0.0 else w
            for qq in range(nb):
                w = st[qq]
                st[qq] = hlev if tk[qq] != 0.0 else w
        for mm in range(l + 1):
            for qq in range(nb):
                prev[mm][qq] = row[mm][qq]
    ws = 0.0
    for t in range(K):
        ws = ws + fabs(W[t])
    ws = ws + fabs(w0)
    hp = eps * ws / _power(hl[(L - 1) * hstride], order)
    for qq in range(nb):
        d = fm[qq]
        w = nan[qq]
        fm[qq] = NAN if w != 0.0 else d
    for qq in range(nb):
        rnd = hp * fm[qq]
        dd[qq] = rnd
        value[qq] = v[qq]
        err[qq] = safety * (e[qq] + rnd)
        step[qq] = st[qq]
    for qq in range(nb):
        # (NaN or infinite estimates count too: a stencil that left f's domain)
        bound[qq] = not (e[qq] <= dd[qq] and dd[qq] < INFINITY)


def combine_extrapolate(const double[:, :, ::1] F,    # IN  (N, 1 + L*k*K, m) values
                        const double[:, :, ::1] W,    # IN  (N, k, K) weights
                        const double[:, ::1] W0,      # IN  (N, k) weight of f(x)
                        const double[:, :, ::1] hl,   # IN  (L, N, k) steps
                        const signed char[:, ::1] S,  # IN  (N, k) orders gained per level
                        int order, int acc, double eps, double safety,
                        double[:, :, ::1] value,      # OUT (N, k, m)
                        double[:, :, ::1] err,        # OUT (N, k, m)
                        double[:, :, ::1] step,       # OUT (N, k, m)
                        unsigned char[:, :, ::1] bound,   # OUT (N, k, m)
                        int nthreads):
    """The levels, their Richardson tableau and the error estimate in one
    pass over f's values (the NumPy steps of `_engine._extrapolate` fused):
    per element the diagonal entry whose difference with the previous one is
    smallest (NaN counting as infinite, the first on ties); error =
    safety * (that difference + eps * sum|w| * fmax / h_min^order), fmax the
    largest |f| over the finest level's stencil and at x; bound: the
    difference exceeds the rounding term.  Needs 2 <= L <= 16.  Divisions
    by the steps' powers and the tableau's 2^q - 1 are multiplications by
    their reciprocals (a division per element and level cost a fifth to a
    third of the kernel): results agree with the NumPy steps to a few ulps,
    not bitwise."""
    cdef Py_ssize_t N = F.shape[0], R = F.shape[1], m = F.shape[2]
    _extrapolate_checks(N, R, m, W, W0, hl, S, value, err, step, bound)
    if N == 0 or m == 0 or W.shape[1] == 0:
        return
    _extrapolate_all(&F[0, 0, 0], NULL, N, R, m, W, W0, hl, S, order, acc, eps, safety,
                     value, err, step, bound, nthreads)


def combine_extrapolate_rows(const size_t[::1] rows,   # IN  (R,) addresses of f's values
                             Py_ssize_t m,
                             const double[:, :, ::1] W, const double[:, ::1] W0,
                             const double[:, :, ::1] hl, const signed char[:, ::1] S,
                             int order, int acc, double eps, double safety,
                             double[:, :, ::1] value, double[:, :, ::1] err,
                             double[:, :, ::1] step, unsigned char[:, :, ::1] bound,
                             int nthreads):
    """`combine_extrapolate` for one point whose R rows of f's values (m
    each, float64, contiguous) lie in separate arrays, ``rows`` their
    addresses (the caller keeps the arrays alive): f's values in pieces,
    as f returned them, without assembling them first."""
    cdef Py_ssize_t R = rows.shape[0]
    _extrapolate_checks(1, R, m, W, W0, hl, S, value, err, step, bound)
    if m == 0 or W.shape[1] == 0:
        return
    _extrapolate_all(NULL, <const double**> &rows[0], 1, R, m, W, W0, hl, S, order, acc, eps,
                     safety, value, err, step, bound, nthreads)


cdef _extrapolate_checks(Py_ssize_t N, Py_ssize_t R, Py_ssize_t m,
                         const double[:, :, ::1] W, const double[:, ::1] W0,
                         const double[:, :, ::1] hl, const signed char[:, ::1] S,
                         double[:, :, ::1] value, double[:, :, ::1] err,
                         double[:, :, ::1] step, unsigned char[:, :, ::1] bound):
    cdef Py_ssize_t k = W.shape[1], K = W.shape[2], L = hl.shape[0]
    if L < 2 or L > _LMAX:
        raise ValueError("internal: combine_extrapolate needs 2 <= L <= 16")
    if (R != 1 + L * k * K or W.shape[0] != N or W0.shape[0] != N or W0.shape[1] != k
            or hl.shape[1] != N or hl.shape[2] != k or S.shape[0] != N or S.shape[1] != k):
        raise ValueError("internal: combine_extrapolate inputs disagree in shape")
    if (value.shape[0] != N or value.shape[1] != k or value.shape[2] != m
            or err.shape[0] != N or err.shape[1] != k or err.shape[2] != m
            or step.shape[0] != N or step.shape[1] != k or step.shape[2] != m
            or bound.shape[0] != N or bound.shape[1] != k or bound.shape[2] != m):
        raise ValueError("internal: combine_extrapolate outputs need shape (N, k, m)")


cdef void _extrapolate_all(const double* Fp, const double** rows, Py_ssize_t N, Py_ssize_t R,
                           Py_ssize_t m, const double[:, :, ::1] W, const double[:, ::1] W0,
                           const double[:, :, ::1] hl, const signed char[:, ::1] S,
                           int order, int acc, double eps, double safety,
                           double[:, :, ::1] value, double[:, :, ::1] err,
                           double[:, :, ::1] step, unsigned char[:, :, ::1] bound,
                           int nthreads):
    """The blocks of every (point, direction): f's values of point i in
    rows of ``Fp`` (row r at Fp + (i*R + r)*m) or, if Fp is NULL, at
    rows[r] (one point).  Each thread keeps its table of the L*K taps'
    addresses."""
    cdef Py_ssize_t k = W.shape[1], K = W.shape[2], L = hl.shape[0]
    cdef Py_ssize_t nq, task, i, j, b, q0, o, r, lt
    cdef const double* Wp = &W[0, 0, 0]
    cdef const double* W0p = &W0[0, 0]
    cdef const double* hp = &hl[0, 0, 0]
    cdef const signed char* Sp = &S[0, 0]
    cdef double* vp = &value[0, 0, 0]
    cdef double* ep = &err[0, 0, 0]
    cdef double* sp = &step[0, 0, 0]
    cdef unsigned char* bp = &bound[0, 0, 0]
    cdef const double** taps
    cdef const double* f0
    # (one table per thread, made here: no allocation inside the loop; 16
    # addresses apart at least, so that no two threads write one cache line)
    cdef size_t[:, ::1] tables = np.empty((max(nthreads, 1), L * K + 16), dtype=np.uintp)
    nq = (m + _QB - 1) // _QB
    for task in prange(N * k * nq, nogil=True, schedule="static", num_threads=nthreads):
        taps = <const double**> &tables[threadid(), 0]
        b = task % nq
        j = (task // nq) % k
        i = task // (nq * k)
        q0 = b * _QB
        o = (i * k + j) * m + q0
        for lt in range(L):
            for r in range(1 + (lt * k + j) * K, 1 + (lt * k + j + 1) * K):
                taps[lt * K + r - 1 - (lt * k + j) * K] = (
                    (Fp + (i * R + r) * m + q0) if Fp != NULL else rows[r] + q0)
        f0 = (Fp + i * R * m + q0) if Fp != NULL else rows[0] + q0
        _extrapolate_block(f0, taps, min(_QB, m - q0), Wp + (i * k + j) * K,
                           W0p[i * k + j], hp + i * k + j, N * k, Sp[i * k + j], L, K,
                           order, acc, eps, safety, vp + o, ep + o, sp + o, bp + o)


cdef inline bint _heap_less(const long long* a, const long long* b) noexcept nogil:
    """Lexicographic (key1, key2, key3) order of two heap entries."""
    if a[0] != b[0]:
        return a[0] < b[0]
    if a[1] != b[1]:
        return a[1] < b[1]
    return a[2] < b[2]


cdef inline void _heap_swap(long long* heap, Py_ssize_t a, Py_ssize_t b) noexcept nogil:
    """Exchange heap entries a and b (three keys each)."""
    cdef long long tmp
    cdef int c
    for c in range(3):
        tmp = heap[3 * a + c]
        heap[3 * a + c] = heap[3 * b + c]
        heap[3 * b + c] = tmp


cdef void _heap_push(long long* heap, Py_ssize_t* size, long long k1, long long k2,
                     long long k3) noexcept nogil:
    cdef Py_ssize_t i = size[0], parent
    size[0] += 1
    heap[3 * i] = k1
    heap[3 * i + 1] = k2
    heap[3 * i + 2] = k3
    while i > 0:
        parent = (i - 1) // 2
        if not _heap_less(&heap[3 * i], &heap[3 * parent]):
            break
        _heap_swap(heap, i, parent)
        i = parent


cdef void _heap_pop(long long* heap, Py_ssize_t* size, long long* out) noexcept nogil:
    cdef Py_ssize_t i = 0, l, r, small, n
    cdef int c
    for c in range(3):
        out[c] = heap[c]
    size[0] -= 1
    n = size[0]
    for c in range(3):
        heap[c] = heap[3 * n + c]
    while True:
        l = 2 * i + 1
        r = l + 1
        small = i
        if l < n and _heap_less(&heap[3 * l], &heap[3 * small]):
            small = l
        if r < n and _heap_less(&heap[3 * r], &heap[3 * small]):
            small = r
        if small == i:
            break
        _heap_swap(heap, i, small)
        i = small


def dsatur(const long long[::1] indptr, const long long[::1] indices, long long[::1] colors):
    """DSATUR colouring of a graph in CSR form (no self loops) into ``colors``
    (n,): the next vertex is the uncoloured one whose neighbours use the
    most distinct colours (ties: larger degree, then smaller index), and it
    takes the smallest colour they do not use (the order of
    `fastdiff.points._sparse`'s former heapq version, entry for entry)."""
    cdef Py_ssize_t n = colors.shape[0]
    cdef Py_ssize_t cap = n + indices.shape[0] + 1, size = 0
    cdef Py_ssize_t j, u, w, a, b, c, cnt
    cdef long long top[3]
    if n == 0:
        return
    cdef long long[::1] heap_arr = np.empty(3 * cap, dtype=np.int64)
    cdef long long[::1] sat_arr = np.zeros(n, dtype=np.int64)
    cdef long long[::1] stamp_arr = np.full(n + 1, -1, dtype=np.int64)
    cdef long long* heap = &heap_arr[0]
    cdef long long* sat = &sat_arr[0]
    cdef long long* stamp = &stamp_arr[0]
    with nogil:
        for j in range(n):
            colors[j] = -1
            _heap_push(heap, &size, 0, -(indptr[j + 1] - indptr[j]), j)
        while size > 0:
            _heap_pop(heap, &size, top)
            j = top[2]
            if colors[j] >= 0 or -top[0] != sat[j]:
                continue        # coloured, or a stale entry
            # the smallest colour no neighbour uses
            for a in range(indptr[j], indptr[j + 1]):
                w = indices[a]
                if colors[w] >= 0 and colors[w] <= n:
                    stamp[colors[w]] = j
            c = 0
            while stamp[c] == j:
                c += 1
            colors[j] = c
            for a in range(indptr[j], indptr[j + 1]):
                u = indices[a]
                if colors[u] >= 0:
                    continue
                # is c new among u's coloured neighbours (j the only one)?
                cnt = 0
                for b in range(indptr[u], indptr[u + 1]):
                    if colors[indices[b]] == c:
                        cnt += 1
                if cnt == 1:
                    sat[u] += 1
                    _heap_push(heap, &size, -sat[u], -(indptr[u + 1] - indptr[u]), u)


ctypedef fused csr_index:      # scipy.sparse index arrays: int32 or int64
    int
    long long


def colors_conflict(const csr_index[::1] indptr, const csr_index[::1] indices,
                    const long long[::1] colors, Py_ssize_t ncolors):
    """(the first row of a CSR pattern in which two columns have the same
    colour, or -1; whether every colour 0 .. ncolors-1 has a column): one
    pass over the pattern with a stamp per colour, one over the colours
    (each in [0, ncolors))."""
    cdef Py_ssize_t m = indptr.shape[0] - 1, n = colors.shape[0], r, a, c, bad = -1
    cdef Py_ssize_t seen = 0
    if indices.shape[0] and (indptr[0] != 0 or indptr[m] > indices.shape[0]):
        raise ValueError("internal: colors_conflict's CSR pattern is not consistent")
    cdef long long[::1] stamp_arr = np.full(max(ncolors, 1), -1, dtype=np.int64)
    cdef long long* stamp = &stamp_arr[0]
    with nogil:
        for r in range(m):
            for a in range(indptr[r], indptr[r + 1]):
                c = colors[indices[a]]
                if stamp[c] == r:
                    bad = r
                    break
                stamp[c] = r
            if bad >= 0:
                break
        # (the stamps of unused colours are still -1 after the rows: mark
        # every column's colour with m, a row that does not exist)
        for a in range(n):
            c = colors[a]
            if stamp[c] != m:
                stamp[c] = m
                seen += 1
    return bad, seen == ncolors


def pattern_gather(const double[:, :, ::1] value,     # IN  (N, k, m) group derivatives
                   const csr_index[::1] indptr,         # IN  (m + 1,) CSR pattern
                   const csr_index[::1] indices,        # IN  (nnz,) its columns
                   const long long[::1] colors,         # IN  (n,) colour of each column
                   double[:, ::1] data,                 # OUT (N, nnz) CSR values
                   int nthreads):
    """data[i, a] = value[i, colors[indices[a]], r] for each entry a of row
    r: the Jacobian entries of a pattern from its colour groups' directional
    derivatives (one pass; parallel over points and rows)."""
    cdef Py_ssize_t N = value.shape[0], k = value.shape[1], m = value.shape[2]
    cdef Py_ssize_t nnz = indices.shape[0], n = colors.shape[0]
    cdef Py_ssize_t task, i, r, a, c, bad = 0
    if indptr.shape[0] != m + 1 or data.shape[0] != N or data.shape[1] != nnz:
        raise ValueError("internal: pattern_gather inputs disagree in shape")
    if N == 0 or m == 0:
        return
    if indptr[0] != 0 or indptr[m] != nnz:
        raise ValueError("internal: pattern_gather's CSR pattern is not consistent")
    # (the range checks ride along in the one parallel pass: a reduction)
    for task in prange(N * m, nogil=True, schedule="static", num_threads=nthreads):
        i = task // m
        r = task - i * m
        for a in range(indptr[r], indptr[r + 1]):
            c = indices[a]
            if c < 0 or c >= n or colors[c] < 0 or colors[c] >= k:
                bad += 1
            else:
                data[i, a] = value[i, colors[c], r]
    if bad:
        raise ValueError("internal: pattern_gather column or colour out of range")


def csr_canonical_colors(const csr_index[::1] indptr, const csr_index[::1] indices,
                         Py_ssize_t ncols, const long long[::1] colors, Py_ssize_t ncolors,
                         const double[::1] data, int nthreads):
    """How a CSR pattern's index arrays stand, and `colors_conflict`'s row
    test, in one pass parallel over ranges of rows: (status: 2 canonical
    (indptr from 0, not decreasing, within indices; each row's columns
    strictly increasing in [0, ncols)), 1 valid but not canonical (unsorted
    or repeated columns), 0 invalid; the first row in which two columns
    have the same colour, or -1, meaningful when the status is 2; whether
    every colour 0 .. ncolors-1 has a column).  ``colors`` (ncols,) in [0,
    ncolors), or empty: no colour test.  A stored zero in ``data`` (float64
    values, or an empty array: not checked) makes a canonical status 1."""
    cdef Py_ssize_t m = indptr.shape[0] - 1, T, t, r, a, lo, hi, c, col, r0, r1
    cdef long long prev
    cdef bint colored = colors.shape[0] > 0
    if m < 0 or (colored and colors.shape[0] != ncols):
        return 0, -1, False
    if indptr[0] != 0 or indptr[m] > indices.shape[0]:
        return 0, -1, False
    cdef bint values = data.shape[0] > 0
    if values and data.shape[0] < indptr[m]:
        raise ValueError("internal: csr_canonical_colors's data is shorter than the pattern")
    T = max(1, min(nthreads, m // 4096))
    cdef long long[:, ::1] stamps = np.full((T, max(ncolors, 1) + 8), -1, dtype=np.int64)
    cdef Py_ssize_t[::1] status = np.full(T, 2, dtype=np.intp)
    cdef Py_ssize_t[::1] bad = np.full(T, -1, dtype=np.intp)
    for t in prange(T, nogil=True, schedule="static", num_threads=T):
        r0 = m * t // T
        r1 = m * (t + 1) // T
        for r in range(r0, r1):
            lo = indptr[r]
            hi = indptr[r + 1]
            if hi < lo:
                status[t] = 0
                break
            prev = -1
            for a in range(lo, hi):
                c = indices[a]
                if c < 0 or c >= ncols:
                    status[t] = 0
                    break
                if c <= prev or (values and data[a] == 0.0):
                    status[t] = 1
                prev = c
                if colored and bad[t] < 0:
                    col = colors[c]
                    if stamps[t, col] == r:
                        bad[t] = r
                    else:
                        stamps[t, col] = r
            if status[t] == 0:
                break
    first = -1
    for t in range(T):
        if bad[t] >= 0:
            first = bad[t]
            break
    # every colour 0 .. ncolors-1 has a column (stamps of thread 0 reused)
    cdef Py_ssize_t seen = 0
    if not colored:
        return min(status), -1, True
    with nogil:
        for a in range(ncols):
            col = colors[a]
            if stamps[0, col] != m:
                stamps[0, col] = m
                seen += 1
    return min(status), first, seen == ncolors
