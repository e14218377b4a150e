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
 * when `to_out`, else to `tmp`.  With `stream` (to_out and osr == 1 only)
 * the whole 64-byte lines of the output are written with non-temporal
 * stores (SSE2 movntpd/movntps): a large output then skips the
 * read-for-ownership of every destination line, a third of the memory
 * traffic of a write-heavy kernel.  The partial lines at both ends get
 * ordinary stores, so no line mixes the two kinds.
 */
#ifndef FASTDIFF_COMBINE_H
#define FASTDIFF_COMBINE_H
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#define FD_HAVE_SSE2 1
#else
#define FD_HAVE_SSE2 0
#endif

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
#define FD_ONE(SUM) s = SUM(first ? a0 : acc[j], j);

/* The body shared by both types: T the data type, ACC the accumulator,
 * STREAM(first, g, G) the streaming last pass. */
#define FD_COMBINE_BODY(T, ACC, STREAM)                                       \
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
        } else if (stream && osr == 1) {                                      \
            /* ordinary stores up to the first line boundary and after the   \
               last; non-temporal stores for the whole lines between */       \
            ptrdiff_t head = 0, end;                                          \
            const ptrdiff_t line = 64 / (ptrdiff_t)sizeof(T);                 \
            while (head < n && (((uintptr_t)(out + head)) & 63)) head++;      \
            end = head + ((n - head) / line) * line;                          \
            for (j = 0; j < head; j++) {                                      \
                ACC s; FD_SWITCH_G(FD_ONE) out[j] = (T)s;                     \
            }                                                                 \
            STREAM                                                            \
            for (j = end; j < n; j++) {                                       \
                ACC s; FD_SWITCH_G(FD_ONE) out[j] = (T)s;                     \
            }                                                                 \
        } else if (osr == 1) {                                                \
            if (first) { FD_SWITCH_G(FD_OUT_FIRST) }                          \
            else { FD_SWITCH_G(FD_OUT_NEXT) }                                 \
        } else {                                                              \
            if (first) { FD_SWITCH_G(FD_OUTS_FIRST) }                         \
            else { FD_SWITCH_G(FD_OUTS_NEXT) }                                \
        }                                                                     \
        g += G;                                                               \
    }

#if FD_HAVE_SSE2
/* non-temporal last pass over [head, end), taps g..g+G-1, vectors of 2
 * doubles / 4 floats, the same left-to-right sums as the scalar loops */
#define FD_STREAM_D                                                           \
    for (j = head; j < end; j += 2) {                                         \
        __m128d s = first ? _mm_set1_pd(c0) : _mm_loadu_pd(acc + j);         \
        for (t = 0; t < G; t++)                                               \
            s = _mm_add_pd(s, _mm_mul_pd(_mm_set1_pd(w[g + t]),               \
                                         _mm_loadu_pd(p[g + t] + j)));        \
        _mm_stream_pd(out + j, s);                                            \
    }
#define FD_STREAM_F                                                           \
    for (j = head; j < end; j += 4) {                                         \
        __m128 s = first ? _mm_set1_ps(a0) : _mm_loadu_ps(acc + j);           \
        for (t = 0; t < G; t++)                                               \
            s = _mm_add_ps(s, _mm_mul_ps(_mm_set1_ps((float)w[g + t]),        \
                                         _mm_loadu_ps(p[g + t] + j)));        \
        _mm_stream_ps(out + j, s);                                            \
    }
#else
#define FD_STREAM_D                                                           \
    for (j = head; j < end; j++) { ACC s; FD_SWITCH_G(FD_ONE) out[j] = (FD_T)s; }
#define FD_STREAM_F FD_STREAM_D
#endif

static inline void fd_combine_d(ptrdiff_t n, int ntaps, const double *const *p,
                                const double *w, double c0, ptrdiff_t sr, void *tmp,
                                double *out, ptrdiff_t osr, int to_out, int stream)
{
#define ACC double
    typedef double FD_T;
    FD_COMBINE_BODY(double, double, FD_STREAM_D)
#undef ACC
}

static inline void fd_combine_f(ptrdiff_t n, int ntaps, const float *const *p,
                                const double *w, double c0, ptrdiff_t sr, void *tmp,
                                float *out, ptrdiff_t osr, int to_out, int stream)
{
#define ACC float
    typedef float FD_T;
    FD_COMBINE_BODY(float, float, FD_STREAM_F)
#undef ACC
}

/* dst[j*ds] = src[j*ss] for j < n; non-temporal for whole lines when
 * `stream` and both strides are 1 (the mirrored half of a Hessian) */
#define FD_COPY_BODY(T, VT, LOADU, STREAMV, VW)                               \
    ptrdiff_t j = 0;                                                          \
    if (stream && ss == 1 && ds == 1) {                                       \
        ptrdiff_t head = 0, end;                                              \
        const ptrdiff_t line = 64 / (ptrdiff_t)sizeof(T);                     \
        while (head < n && (((uintptr_t)(dst + head)) & 63)) head++;          \
        end = head + ((n - head) / line) * line;                              \
        for (; j < head; j++) dst[j] = src[j];                                \
        for (; j < end; j += VW) STREAMV(dst + j, LOADU(src + j));            \
    }                                                                         \
    for (; j < n; j++) dst[j * ds] = src[j * ss];

#if FD_HAVE_SSE2
static inline void fd_copy_d(ptrdiff_t n, const double *src, ptrdiff_t ss, double *dst,
                             ptrdiff_t ds, int stream)
{
    FD_COPY_BODY(double, __m128d, _mm_loadu_pd, _mm_stream_pd, 2)
}
static inline void fd_copy_f(ptrdiff_t n, const float *src, ptrdiff_t ss, float *dst,
                             ptrdiff_t ds, int stream)
{
    FD_COPY_BODY(float, __m128, _mm_loadu_ps, _mm_stream_ps, 4)
}
#else
static inline void fd_copy_d(ptrdiff_t n, const double *src, ptrdiff_t ss, double *dst,
                             ptrdiff_t ds, int stream)
{
    (void)stream;
    for (ptrdiff_t j = 0; j < n; j++) dst[j * ds] = src[j * ss];
}
static inline void fd_copy_f(ptrdiff_t n, const float *src, ptrdiff_t ss, float *dst,
                             ptrdiff_t ds, int stream)
{
    (void)stream;
    for (ptrdiff_t j = 0; j < n; j++) dst[j * ds] = src[j * ss];
}
#endif

static inline void fd_sfence(void)
{
#if FD_HAVE_SSE2
    _mm_sfence();
#endif
}

#endif
