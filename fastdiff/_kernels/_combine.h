/* The innermost loops of every grid kernel: combine taps into an output row.
 *
 *     dst[j] = c0 + w[0]*p[0][j*sr] + w[1]*p[1][j*sr] + ... + w[T-1]*p[T-1][j*sr]
 *
 * for j < n, summed left to right in the accumulator type ACC: double for
 * float64 data, float for float32 data (a few float32 ulps times the
 * stencil's weight norm, at twice the vector width).  Every element is
 * computed by the same operations whatever the blocking or thread count.
 *
 * Taps are consumed up to eight per pass; partial sums of earlier passes
 * live in the ACC buffer `tmp`.  The last pass goes to `out` (stride osr)
 * when `to_out`, else to `tmp`.  (Non-temporal stores for large outputs were
 * tried here and measured slower on 256^3 Laplacians, gradients and
 * Hessians, so the stores are ordinary.)
 */
#ifndef FASTDIFF_COMBINE_H
#define FASTDIFF_COMBINE_H
#include <stddef.h>
#include <stdint.h>

#define FD_MAXG 8

/* s = b + w0*p0[j] + ... + w(G-1)*p(G-1)[j], left to right */
#define FD_S1(b, j) ((b) + w0 * (ACC)p0[j])
#define FD_S2(b, j) (FD_S1(b, j) + w1 * (ACC)p1[j])
#define FD_S3(b, j) (FD_S2(b, j) + w2 * (ACC)p2[j])
#define FD_S4(b, j) (FD_S3(b, j) + w3 * (ACC)p3[j])
#define FD_S5(b, j) (FD_S4(b, j) + w4 * (ACC)p4[j])
#define FD_S6(b, j) (FD_S5(b, j) + w5 * (ACC)p5[j])
#define FD_S7(b, j) (FD_S6(b, j) + w6 * (ACC)p6[j])
#define FD_S8(b, j) (FD_S7(b, j) + w7 * (ACC)p7[j])

#define FD_SWITCH_G(LOOP)                                                     \
    switch (G) {                                                              \
    case 1: LOOP(FD_S1) break;                                                \
    case 2: LOOP(FD_S2) break;                                                \
    case 3: LOOP(FD_S3) break;                                                \
    case 4: LOOP(FD_S4) break;                                                \
    case 5: LOOP(FD_S5) break;                                                \
    case 6: LOOP(FD_S6) break;                                                \
    case 7: LOOP(FD_S7) break;                                                \
    default: LOOP(FD_S8) break;                                               \
    }

#define FD_TMP_FIRST(SUM) for (j = 0; j < n; j++) acc[j] = SUM(a0, j);
#define FD_TMP_NEXT(SUM) for (j = 0; j < n; j++) acc[j] = SUM(acc[j], j);
#define FD_OUT_FIRST(SUM) for (j = 0; j < n; j++) out[j] = (FD_T)SUM(a0, j);
#define FD_OUT_NEXT(SUM) for (j = 0; j < n; j++) out[j] = (FD_T)SUM(acc[j], j);
#define FD_OUTS_FIRST(SUM) for (j = 0; j < n; j++) out[j * osr] = (FD_T)SUM(a0, j);
#define FD_OUTS_NEXT(SUM) for (j = 0; j < n; j++) out[j * osr] = (FD_T)SUM(acc[j], j);

/* The body shared by both types: T the data type, ACC the accumulator. */
#define FD_COMBINE_BODY(T, ACC)                                               \
    ptrdiff_t j;                                                              \
    int g = 0, G, t;                                                          \
    ACC *acc = (ACC *)tmp;                                                    \
    const ACC a0 = (ACC)c0;                                                   \
    if (ntaps == 0 || sr != 1) {                                              \
        /* no taps, or strided rows: one plain loop, taps in order */         \
        for (j = 0; j < n; j++) {                                             \
            ACC s = a0;                                                       \
            for (t = 0; t < ntaps; t++) s = s + (ACC)w[t] * (ACC)p[t][j * sr]; \
            if (to_out) out[j * osr] = (T)s; else acc[j] = s;                 \
        }                                                                     \
        return;                                                               \
    }                                                                         \
    while (g < ntaps) {                                                       \
        G = ntaps - g < FD_MAXG ? ntaps - g : FD_MAXG;                        \
        const int first = g == 0, last = g + G == ntaps;                      \
        const T *p0 = p[g], *p1 = p[g + (G > 1)], *p2 = p[g + 2 * (G > 2)];   \
        const T *p3 = p[g + 3 * (G > 3)], *p4 = p[g + 4 * (G > 4)];           \
        const T *p5 = p[g + 5 * (G > 5)], *p6 = p[g + 6 * (G > 6)];           \
        const T *p7 = p[g + 7 * (G > 7)];                                     \
        const ACC w0 = (ACC)w[g], w1 = G > 1 ? (ACC)w[g + 1] : 0;             \
        const ACC w2 = G > 2 ? (ACC)w[g + 2] : 0, w3 = G > 3 ? (ACC)w[g + 3] : 0; \
        const ACC w4 = G > 4 ? (ACC)w[g + 4] : 0, w5 = G > 5 ? (ACC)w[g + 5] : 0; \
        const ACC w6 = G > 6 ? (ACC)w[g + 6] : 0, w7 = G > 7 ? (ACC)w[g + 7] : 0; \
        (void)p1; (void)p2; (void)p3; (void)p4; (void)p5; (void)p6; (void)p7; \
        (void)w1; (void)w2; (void)w3; (void)w4; (void)w5; (void)w6; (void)w7; \
        if (!(last && to_out)) {                                              \
            if (first) { FD_SWITCH_G(FD_TMP_FIRST) }                          \
            else { FD_SWITCH_G(FD_TMP_NEXT) }                                 \
        } else if (osr == 1) {                                                \
            if (first) { FD_SWITCH_G(FD_OUT_FIRST) }                          \
            else { FD_SWITCH_G(FD_OUT_NEXT) }                                 \
        } else {                                                              \
            if (first) { FD_SWITCH_G(FD_OUTS_FIRST) }                         \
            else { FD_SWITCH_G(FD_OUTS_NEXT) }                                \
        }                                                                     \
        g += G;                                                               \
    }

static inline void fd_combine_d(ptrdiff_t n, int ntaps, const double *const *p,
                                const double *w, double c0, ptrdiff_t sr, void *tmp,
                                double *out, ptrdiff_t osr, int to_out)
{
#define ACC double
    typedef double FD_T;
    FD_COMBINE_BODY(double, double)
#undef ACC
}

static inline void fd_combine_f(ptrdiff_t n, int ntaps, const float *const *p,
                                const double *w, double c0, ptrdiff_t sr, void *tmp,
                                float *out, ptrdiff_t osr, int to_out)
{
#define ACC float
    typedef float FD_T;
    FD_COMBINE_BODY(float, float)
#undef ACC
}

#endif
