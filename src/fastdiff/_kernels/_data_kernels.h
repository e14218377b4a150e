/* Inner loops of fd.data's scattered engine: dot products over the
 * neighbours of one query, vectorised with OpenMP SIMD reductions (the
 * summation order is fixed for a build, so results do not depend on the
 * thread count; the baseline and AVX2 builds may differ in the last bits). */
#ifndef FASTDIFF_DATA_KERNELS_H
#define FASTDIFF_DATA_KERNELS_H
#include <stddef.h>

#if defined(_OPENMP)
#define FD_SIMD_SUM _Pragma("omp simd reduction(+:s)")
#else
#define FD_SIMD_SUM
#endif

static inline double fd_dot(const double *x, const double *y, ptrdiff_t k)
{
    double s = 0.0;
    ptrdiff_t j;
    FD_SIMD_SUM
    for (j = 0; j < k; j++) s += x[j] * y[j];
    return s;
}

/* A[a*C + c] = <psi_a, psi_c> for c <= a (psi: C columns of k, contiguous) */
static void fd_gram(const double *psi, ptrdiff_t C, ptrdiff_t k, double *A)
{
    ptrdiff_t a, c;
    for (a = 0; a < C; a++)
        for (c = 0; c <= a; c++)
            A[a * C + c] = fd_dot(psi + a * k, psi + c * k, k);
}
#endif
