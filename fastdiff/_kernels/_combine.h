/* The innermost loop of every grid kernel: combine taps into an output row.
 *
 *     dst[j] = c0 + w[0]*p[0][j*sr] + w[1]*p[1][j*sr] + ... + w[T-1]*p[T-1][j*sr]
 *
 * for j < n.  Sums run left to right in double precision (float32 data is
 * widened), so the result of every element is the same whatever the blocking
 * or the thread count.  Taps are consumed up to eight per pass; partial sums
 * of earlier passes live in the double buffer `tmp`.  The destination of the
 * last pass is `out` (stride osr, converted to the output type) when
 * `to_out`, else `tmp`.
 *
 * With `stream` (to_out and osr == 1 only), the whole 64-byte lines of the
 * output are written with non-temporal stores (SSE2 movntpd/movntps): a
 * large output then skips the read-for-ownership of every destination line,
 * a third of the memory traffic of a write-heavy kernel.  The partial lines
 * at both ends get ordinary stores, so no line mixes the two kinds.
 */
#ifndef FASTDIFF_COMBINE_H
#define FASTDIFF_COMBINE_H
#include <stddef.h>
#include <stdint.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#define FD_HAVE_SSE2 1
#else
#define FD_HAVE_SSE2 0
#endif

#define FD_MAXG 8

/* s = base + w0*p0[j] + ... + w(G-1)*p(G-1)[j], left to right */
#define FD_S1(b, j) ((b) + w0 * (double)p0[j])
#define FD_S2(b, j) (FD_S1(b, j) + w1 * (double)p1[j])
#define FD_S3(b, j) (FD_S2(b, j) + w2 * (double)p2[j])
#define FD_S4(b, j) (FD_S3(b, j) + w3 * (double)p3[j])
#define FD_S5(b, j) (FD_S4(b, j) + w4 * (double)p4[j])
#define FD_S6(b, j) (FD_S5(b, j) + w5 * (double)p5[j])
#define FD_S7(b, j) (FD_S6(b, j) + w6 * (double)p6[j])
#define FD_S8(b, j) (FD_S7(b, j) + w7 * (double)p7[j])

/* one pass over [j0, j1) with G taps: LOOP(SUM) expands the loop body */
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

#if FD_HAVE_SSE2
#define FD_V1(b, j, LD) _mm_add_pd((b), _mm_mul_pd(v0, LD(p0, j)))
#define FD_V2(b, j, LD) _mm_add_pd(FD_V1(b, j, LD), _mm_mul_pd(v1, LD(p1, j)))
#define FD_V3(b, j, LD) _mm_add_pd(FD_V2(b, j, LD), _mm_mul_pd(v2, LD(p2, j)))
#define FD_V4(b, j, LD) _mm_add_pd(FD_V3(b, j, LD), _mm_mul_pd(v3, LD(p3, j)))
#define FD_V5(b, j, LD) _mm_add_pd(FD_V4(b, j, LD), _mm_mul_pd(v4, LD(p4, j)))
#define FD_V6(b, j, LD) _mm_add_pd(FD_V5(b, j, LD), _mm_mul_pd(v5, LD(p5, j)))
#define FD_V7(b, j, LD) _mm_add_pd(FD_V6(b, j, LD), _mm_mul_pd(v6, LD(p6, j)))
#define FD_V8(b, j, LD) _mm_add_pd(FD_V7(b, j, LD), _mm_mul_pd(v7, LD(p7, j)))
#define FD_LD_d(ptr, j) _mm_loadu_pd((ptr) + (j))
#define FD_LD_f(ptr, j) \
    _mm_cvtps_pd(_mm_castsi128_ps(_mm_loadl_epi64((const __m128i *)((ptr) + (j)))))
#define FD_SWITCH_V(LOOP)                                                     \
    switch (G) {                                                              \
    case 1: LOOP(FD_V1) break;                                                \
    case 2: LOOP(FD_V2) break;                                                \
    case 3: LOOP(FD_V3) break;                                                \
    case 4: LOOP(FD_V4) break;                                                \
    case 5: LOOP(FD_V5) break;                                                \
    case 6: LOOP(FD_V6) break;                                                \
    case 7: LOOP(FD_V7) break;                                                \
    default: LOOP(FD_V8) break;                                               \
    }
#endif

#define FD_LOAD_GROUP(T)                                                      \
    const T *p0 = p[g], *p1 = p[g + (G > 1)], *p2 = p[g + 2 * (G > 2)];       \
    const T *p3 = p[g + 3 * (G > 3)], *p4 = p[g + 4 * (G > 4)];               \
    const T *p5 = p[g + 5 * (G > 5)], *p6 = p[g + 6 * (G > 6)];               \
    const T *p7 = p[g + 7 * (G > 7)];                                         \
    const double w0 = w[g], w1 = G > 1 ? w[g + 1] : 0.0;                      \
    const double w2 = G > 2 ? w[g + 2] : 0.0, w3 = G > 3 ? w[g + 3] : 0.0;    \
    const double w4 = G > 4 ? w[g + 4] : 0.0, w5 = G > 5 ? w[g + 5] : 0.0;    \
    const double w6 = G > 6 ? w[g + 6] : 0.0, w7 = G > 7 ? w[g + 7] : 0.0;    \
    (void)p1; (void)p2; (void)p3; (void)p4; (void)p5; (void)p6; (void)p7;     \
    (void)w1; (void)w2; (void)w3; (void)w4; (void)w5; (void)w6; (void)w7;

#define FD_DEFINE_COMBINE(NAME, T, TS)                                        \
static inline void NAME(ptrdiff_t n, int ntaps, const T *const *p,            \
                        const double *w, double c0, ptrdiff_t sr,             \
                        double *tmp, T *out, ptrdiff_t osr, int to_out,       \
                        int stream)                                           \
{                                                                             \
    ptrdiff_t j;                                                              \
    int g = 0, G, t;                                                          \
    if (ntaps == 0 || sr != 1) {                                              \
        /* no taps, or strided rows: one plain loop, taps in order */         \
        for (j = 0; j < n; j++) {                                             \
            double s = c0;                                                    \
            for (t = 0; t < ntaps; t++) s = s + w[t] * (double)p[t][j * sr];  \
            if (to_out) out[j * osr] = (T)s; else tmp[j] = s;                 \
        }                                                                     \
        return;                                                               \
    }                                                                         \
    while (g < ntaps) {                                                       \
        G = ntaps - g < FD_MAXG ? ntaps - g : FD_MAXG;                        \
        const int first = g == 0, last = g + G == ntaps;                      \
        FD_LOAD_GROUP(T)                                                      \
        if (!(last && to_out)) {                                              \
            if (first) {                                                      \
                FD_SWITCH_G(FD_TMP_FIRST)                                     \
            } else {                                                          \
                FD_SWITCH_G(FD_TMP_NEXT)                                      \
            }                                                                 \
        } else if (stream && osr == 1) {                                      \
            FD_STREAM_##TS                                                    \
        } else if (osr == 1) {                                                \
            if (first) { FD_SWITCH_G(FD_OUT_FIRST) }                          \
            else { FD_SWITCH_G(FD_OUT_NEXT) }                                 \
        } else {                                                              \
            if (first) { FD_SWITCH_G(FD_OUTS_FIRST) }                         \
            else { FD_SWITCH_G(FD_OUTS_NEXT) }                                \
        }                                                                     \
        g += G;                                                               \
    }                                                                         \
}

#define FD_TMP_FIRST(SUM) for (j = 0; j < n; j++) tmp[j] = SUM(c0, j);
#define FD_TMP_NEXT(SUM) for (j = 0; j < n; j++) tmp[j] = SUM(tmp[j], j);
#define FD_OUT_FIRST(SUM) for (j = 0; j < n; j++) out[j] = (TYPE)SUM(c0, j);
#define FD_OUT_NEXT(SUM) for (j = 0; j < n; j++) out[j] = (TYPE)SUM(tmp[j], j);
#define FD_OUTS_FIRST(SUM) for (j = 0; j < n; j++) out[j * osr] = (TYPE)SUM(c0, j);
#define FD_OUTS_NEXT(SUM) for (j = 0; j < n; j++) out[j * osr] = (TYPE)SUM(tmp[j], j);

/* ---- streaming last pass ------------------------------------------------ */
#if FD_HAVE_SSE2
#define FD_HEAD_END(T)                                                        \
    ptrdiff_t head = 0, end;                                                  \
    while (head < n && (((uintptr_t)(out + head)) & 63)) head++;              \
    end = head + ((n - head) / (64 / (ptrdiff_t)sizeof(T)))                   \
                 * (64 / (ptrdiff_t)sizeof(T));                               \
    const __m128d v0 = _mm_set1_pd(w0), v1 = _mm_set1_pd(w1);                 \
    const __m128d v2 = _mm_set1_pd(w2), v3 = _mm_set1_pd(w3);                 \
    const __m128d v4 = _mm_set1_pd(w4), v5 = _mm_set1_pd(w5);                 \
    const __m128d v6 = _mm_set1_pd(w6), v7 = _mm_set1_pd(w7);                 \
    (void)v1; (void)v2; (void)v3; (void)v4; (void)v5; (void)v6; (void)v7;

#define FD_BASE_V(j) (first ? _mm_set1_pd(c0) : _mm_loadu_pd(tmp + (j)))
#define FD_SCALAR_RANGE(a, b)                                                 \
    for (j = (a); j < (b); j++) {                                             \
        double s;                                                             \
        const double b0 = first ? c0 : tmp[j];                                \
        switch (G) {                                                          \
        case 1: s = FD_S1(b0, j); break;                                      \
        case 2: s = FD_S2(b0, j); break;                                      \
        case 3: s = FD_S3(b0, j); break;                                      \
        case 4: s = FD_S4(b0, j); break;                                      \
        case 5: s = FD_S5(b0, j); break;                                      \
        case 6: s = FD_S6(b0, j); break;                                      \
        case 7: s = FD_S7(b0, j); break;                                      \
        default: s = FD_S8(b0, j); break;                                     \
        }                                                                     \
        out[j] = (TYPE)s;                                                     \
    }

#define FD_NT_d(V) for (j = head; j < end; j += 2)                            \
        _mm_stream_pd(out + j, V(FD_BASE_V(j), j, FD_LD_d));
#define FD_NT_f(V) for (j = head; j < end; j += 4) {                          \
        __m128 lo = _mm_cvtpd_ps(V(FD_BASE_V(j), j, FD_LD_f));                \
        __m128 hi = _mm_cvtpd_ps(V(FD_BASE_V(j + 2), j + 2, FD_LD_f));        \
        _mm_stream_ps(out + j, _mm_movelh_ps(lo, hi));                        \
    }
#define FD_STREAM_d { FD_HEAD_END(double) FD_SCALAR_RANGE(0, head)            \
                      FD_SWITCH_V(FD_NT_d) FD_SCALAR_RANGE(end, n) }
#define FD_STREAM_f { FD_HEAD_END(float) FD_SCALAR_RANGE(0, head)             \
                      FD_SWITCH_V(FD_NT_f) FD_SCALAR_RANGE(end, n) }
#else
#define FD_STREAM_d { if (first) { FD_SWITCH_G(FD_OUT_FIRST) }                \
                      else { FD_SWITCH_G(FD_OUT_NEXT) } }
#define FD_STREAM_f FD_STREAM_d
#endif

#define TYPE double
FD_DEFINE_COMBINE(fd_combine_d, double, d)
#undef TYPE
#define TYPE float
FD_DEFINE_COMBINE(fd_combine_f, float, f)
#undef TYPE

static inline void fd_sfence(void)
{
#if FD_HAVE_SSE2
    _mm_sfence();
#endif
}

#endif
