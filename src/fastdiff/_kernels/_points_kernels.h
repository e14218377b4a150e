/* The one-loop block of fd.points' fused kernel for three levels of two
 * taps (central first derivatives at acc=2, the default): the operations
 * and their order of `_extrapolate_block` in _points.pyx, so the same bits,
 * in one loop that GCC vectorises (restrict pointers: the Cython version of
 * this loop stayed scalar, its ten pointers possibly aliasing). */
#ifndef FASTDIFF_POINTS_KERNELS_H
#define FASTDIFF_POINTS_KERNELS_H
#include <math.h>
#include <stddef.h>

#define FD_QB 32   /* the largest block (_QB in _points.pyx) */

/* F: f(x) of the block's elements; a0, a1, a2: the first tap's values at
 * levels 0-2, b0, b1, b2: the second tap's (rows of one array, or of the
 * separate arrays f returned for a point's rows); i0..i2: the reciprocals
 * of the levels' h^order; den1, den2: those of the tableau's 2^q - 1;
 * rnd_scale: eps * sum|w| / h_2^order. */
static void fd_extrapolate_3x2(const double *restrict F, const double *restrict a0,
                               const double *restrict b0, const double *restrict a1,
                               const double *restrict b1, const double *restrict a2,
                               const double *restrict b2, ptrdiff_t nb, double w0, double wa,
                               double wb,
                               double i0, double i1, double i2, double h1, double h2,
                               double den1, double den2, double rnd_scale, double safety,
                               double *restrict value, double *restrict err,
                               double *restrict step, unsigned char *restrict bound)
{
    double es[FD_QB], rs[FD_QB];
    ptrdiff_t q;
    for (q = 0; q < nb; q++) {
        double f0 = F[q];
        double d0 = ((w0 * f0 + wa * a0[q]) + wb * b0[q]) * i0;
        double d1 = ((w0 * f0 + wa * a1[q]) + wb * b1[q]) * i1;
        double x0 = a2[q], x1 = b2[q];
        double d2 = ((w0 * f0 + wa * x0) + wb * x1) * i2;
        /* |f| over the finest stencil and at x; a NaN anywhere: NaN */
        double fm = fabs(f0), g = fabs(x0);
        fm = g > fm ? g : fm;
        g = fabs(x1);
        fm = g > fm ? g : fm;
        fm = ((f0 != f0) | (x0 != x0) | (x1 != x1)) ? NAN : fm;
        /* the tableau: level 1 (its difference kept even if NaN), level 2 */
        double p1 = d1 + (d1 - d0) * den1;
        double c1 = fabs(p1 - d0);
        double best = c1 == c1 ? c1 : INFINITY;
        double r1 = d2 + (d2 - d1) * den1;
        double r2 = r1 + (r1 - p1) * den2;
        double c2 = fabs(r2 - p1);
        int take = c2 < best;
        double v = take ? r2 : p1, e = take ? c2 : c1, st = take ? h2 : h1;
        double rnd = rnd_scale * fm;
        value[q] = v;
        err[q] = safety * (e + rnd);
        step[q] = st;
        es[q] = e;
        rs[q] = rnd;
    }
    /* (apart: a byte store in the loop above kept it scalar) */
    for (q = 0; q < nb; q++)
        bound[q] = !((es[q] <= rs[q]) & (rs[q] < INFINITY));
}

#endif
