# Point-batch kernels: lay out the stencil points of a chunk of input points,
# and combine f's values at them with the stencil weights.  OpenMP over the
# input points; the GIL is released; every output element is computed by the
# same operations whatever the thread count.
from cython.parallel cimport prange


def layout(const double[:, ::1] X,        # IN  (N, n) points
           const double[:, :, ::1] dirs,   # IN  (N, k, n) directions, or (0, 0, 0): axes
           const double[:, :, ::1] OFF,    # IN  (N, k, K) stencil offsets (0 = padding)
           const double[:, :, ::1] hl,     # IN  (L, N, k) steps per level
           double[:, :, ::1] P,            # OUT (N, 1 + L*k*K, n)
           int nthreads):
    """P[i, 0] = x_i; P[i, 1 + (l*k + j)*K + t] = x_i + hl[l,i,j] * OFF[i,j,t] * d_ij."""
    cdef Py_ssize_t N = X.shape[0], n = X.shape[1]
    cdef Py_ssize_t k = OFF.shape[1], K = OFF.shape[2], L = hl.shape[0]
    cdef bint axes = dirs.shape[0] == 0
    cdef Py_ssize_t i, l, j, t, c, r
    cdef double s
    if N == 0:
        return
    for i in prange(N, nogil=True, schedule="static", num_threads=nthreads):
        for c in range(n):
            P[i, 0, c] = X[i, c]
        for l in range(L):
            for j in range(k):
                for t in range(K):
                    r = 1 + (l * k + j) * K + t
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
