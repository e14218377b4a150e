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
 * when `to_out`, else to `tmp`.
 *
 * With `stream` (to_out, osr == 1, AVX2 builds) the whole 64-byte lines of
 * the output are written with non-temporal stores from 4-wide (double) or
 * 8-wide (float) vectors: a large output then skips the read-for-ownership
 * of every destination line.  The partial lines at both ends get ordinary
 * stores, so no line mixes the two kinds.  Vector and scalar lanes compute
 * the same left-to-right sums, so results are bitwise identical.
 */
#ifndef FASTDIFF_COMBINE_H
#define FASTDIFF_COMBINE_H
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define FD_MAXG 8

/* outputs never overlap inputs (checked in Python), and tmp is private:
 * let the compiler vectorise without runtime alias checks (too many
 * pointers for it to version the loops otherwise) */
#if defined(__GNUC__) && !defined(__clang__)
#define FD_IVDEP _Pragma("GCC ivdep")
#else
#define FD_IVDEP
#endif

#if defined(__AVX2__)
#include <immintrin.h>
#define FD_CAN_STREAM 1
typedef double fd_v4d __attribute__((vector_size(32), aligned(8)));
typedef float fd_v8f __attribute__((vector_size(32), aligned(4)));
#else
#define FD_CAN_STREAM 0
#endif

/* s = b + w0*p0[j] + ... + w(G-1)*p(G-1)[j], left to right */
#define FD_S1(b, j) ((b) + w0 * (ACC)p0[j])
#define FD_S2(b, j) (FD_S1(b, j) + w1 * (ACC)p1[j])
#define FD_S3(b, j) (FD_S2(b, j) + w2 * (ACC)p2[j])
#define FD_S4(b, j) (FD_S3(b, j) + w3 * (ACC)p3[j])
#define FD_S5(b, j) (FD_S4(b, j) + w4 * (ACC)p4[j])
#define FD_S6(b, j) (FD_S5(b, j) + w5 * (ACC)p5[j])
#define FD_S7(b, j) (FD_S6(b, j) + w6 * (ACC)p6[j])
#define FD_S8(b, j) (FD_S7(b, j) + w7 * (ACC)p7[j])

/* the taps p[g .. g+G) as p0..p7 and their weights as w0..w7 (type WT),
 * for the sums above (the unused ones alias p[g] with weight 0) */
#define FD_TAP_VARS(T, WT, g)                                                 \
    const T *p0 = p[g], *p1 = p[g + (G > 1)], *p2 = p[g + 2 * (G > 2)];       \
    const T *p3 = p[g + 3 * (G > 3)], *p4 = p[g + 4 * (G > 4)];               \
    const T *p5 = p[g + 5 * (G > 5)], *p6 = p[g + 6 * (G > 6)];               \
    const T *p7 = p[g + 7 * (G > 7)];                                         \
    const WT w0 = (WT)w[g], w1 = G > 1 ? (WT)w[g + 1] : 0;                    \
    const WT w2 = G > 2 ? (WT)w[g + 2] : 0, w3 = G > 3 ? (WT)w[g + 3] : 0;    \
    const WT w4 = G > 4 ? (WT)w[g + 4] : 0, w5 = G > 5 ? (WT)w[g + 5] : 0;    \
    const WT w6 = G > 6 ? (WT)w[g + 6] : 0, w7 = G > 7 ? (WT)w[g + 7] : 0;    \
    (void)p1; (void)p2; (void)p3; (void)p4; (void)p5; (void)p6; (void)p7;     \
    (void)w1; (void)w2; (void)w3; (void)w4; (void)w5; (void)w6; (void)w7;

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

#define FD_TMP_FIRST(SUM) FD_IVDEP for (j = 0; j < n; j++) acc[j] = SUM(a0, j);
#define FD_TMP_NEXT(SUM) FD_IVDEP for (j = 0; j < n; j++) acc[j] = SUM(acc[j], j);
#define FD_OUT_FIRST(SUM) FD_IVDEP for (j = 0; j < n; j++) out[j] = (FD_T)FD_UNSCALE(SUM(a0, j));
#define FD_OUT_NEXT(SUM) FD_IVDEP for (j = 0; j < n; j++) out[j] = (FD_T)FD_UNSCALE(SUM(acc[j], j));
#define FD_OUTS_FIRST(SUM) for (j = 0; j < n; j++) out[j * osr] = (FD_T)FD_UNSCALE(SUM(a0, j));
#define FD_OUTS_NEXT(SUM) for (j = 0; j < n; j++) out[j * osr] = (FD_T)FD_UNSCALE(SUM(acc[j], j));

#if FD_CAN_STREAM
/* the same sums on vectors VT of ACC: loads of VW consecutive samples */
#define FD_L(ptr, j) (*(const VT *)((ptr) + (j)))
#define FD_VS1(b, j) ((b) + w0 * FD_L(p0, j))
#define FD_VS2(b, j) (FD_VS1(b, j) + w1 * FD_L(p1, j))
#define FD_VS3(b, j) (FD_VS2(b, j) + w2 * FD_L(p2, j))
#define FD_VS4(b, j) (FD_VS3(b, j) + w3 * FD_L(p3, j))
#define FD_VS5(b, j) (FD_VS4(b, j) + w4 * FD_L(p4, j))
#define FD_VS6(b, j) (FD_VS5(b, j) + w5 * FD_L(p5, j))
#define FD_VS7(b, j) (FD_VS6(b, j) + w6 * FD_L(p6, j))
#define FD_VS8(b, j) (FD_VS7(b, j) + w7 * FD_L(p7, j))
#define FD_SWITCH_VG(LOOP)                                                    \
    switch (G) {                                                              \
    case 1: LOOP(FD_VS1) break;                                               \
    case 2: LOOP(FD_VS2) break;                                               \
    case 3: LOOP(FD_VS3) break;                                               \
    case 4: LOOP(FD_VS4) break;                                               \
    case 5: LOOP(FD_VS5) break;                                               \
    case 6: LOOP(FD_VS6) break;                                               \
    case 7: LOOP(FD_VS7) break;                                               \
    default: LOOP(FD_VS8) break;                                              \
    }
#define FD_NT_FIRST(SUM) for (j = head; j < end; j += VW) {                   \
        VT v = FD_UNSCALE(SUM(a0 + (VT){0}, j)); NTSTORE(out + j, v); }
#define FD_NT_NEXT(SUM) for (j = head; j < end; j += VW) {                    \
        VT v = FD_UNSCALE(SUM(FD_L(acc, j), j)); NTSTORE(out + j, v); }
#define FD_NT_d(ptr, v) _mm256_stream_pd((ptr), (__m256d)(v))
#define FD_NT_f(ptr, v) _mm256_stream_ps((ptr), (__m256)(v))
#define FD_STREAM_PASS                                                        \
    {                                                                         \
        ptrdiff_t head = 0, end;                                              \
        const ptrdiff_t line = 64 / (ptrdiff_t)sizeof(FD_T);                  \
        if (((uintptr_t)out) % sizeof(FD_T)) head = n; /* never line-aligned */ \
        else head = (ptrdiff_t)(((64 - ((uintptr_t)out & 63)) & 63) / sizeof(FD_T)); \
        if (head > n) head = n;                                               \
        end = head + ((n - head) / line) * line;                              \
        if (first) {                                                          \
            lo = 0; hi = head; FD_EDGE_RANGE(FD_VR_FIRST, FD_RANGE_FIRST)     \
            FD_SWITCH_VG(FD_NT_FIRST)                                         \
            lo = end; hi = n; FD_EDGE_RANGE(FD_VR_FIRST, FD_RANGE_FIRST)      \
        } else {                                                              \
            lo = 0; hi = head; FD_EDGE_RANGE(FD_VR_NEXT, FD_RANGE_NEXT)       \
            FD_SWITCH_VG(FD_NT_NEXT)                                          \
            lo = end; hi = n; FD_EDGE_RANGE(FD_VR_NEXT, FD_RANGE_NEXT)        \
        }                                                                     \
    }
/* [lo, hi) with ordinary vector stores when it holds a whole vector (the
 * last one overlapping the previous: the same values are written twice),
 * else element by element */
#define FD_EDGE_RANGE(VLOOP, SLOOP)                                           \
    if (hi - lo >= VW) { FD_SWITCH_VG(VLOOP) } else { FD_SWITCH_G(SLOOP) }
#define FD_VR_FIRST(SUM) {                                                    \
        for (j = lo; j + VW <= hi; j += VW)                                   \
            *(VT *)(out + j) = FD_UNSCALE(SUM(a0 + (VT){0}, j));              \
        if (j < hi) { j = hi - VW; *(VT *)(out + j) = FD_UNSCALE(SUM(a0 + (VT){0}, j)); } }
#define FD_VR_NEXT(SUM) {                                                     \
        for (j = lo; j + VW <= hi; j += VW)                                   \
            *(VT *)(out + j) = FD_UNSCALE(SUM(FD_L(acc, j), j));              \
        if (j < hi) { j = hi - VW; *(VT *)(out + j) = FD_UNSCALE(SUM(FD_L(acc, j), j)); } }
/* ordinary stores over [lo, hi): the partial lines at both ends */
#define FD_RANGE_FIRST(SUM) FD_IVDEP for (j = lo; j < hi; j++) out[j] = (FD_T)FD_UNSCALE(SUM(a0, j));
#define FD_RANGE_NEXT(SUM) FD_IVDEP for (j = lo; j < hi; j++) out[j] = (FD_T)FD_UNSCALE(SUM(acc[j], j));
#else
#define FD_STREAM_PASS                                                        \
    {                                                                         \
        if (first) { FD_SWITCH_G(FD_OUT_FIRST) }                              \
        else { FD_SWITCH_G(FD_OUT_NEXT) }                                     \
    }
#endif

/* The address class (mod 64) to align the main loop on: the output's, or
 * that of the taps when more of them share one class than the weight of
 * the output (a split store costs about two split loads).  NumPy arrays are
 * only 16-byte aligned, so a source and an output usually differ in class;
 * aligning the output alone then splits every 64-byte load of every tap. */
#ifndef FD_STORE_WEIGHT
#define FD_STORE_WEIGHT 2
#endif
static inline unsigned fd_align_to(const void *const *p, int G, const void *out,
                                   unsigned esize)
{
    /* a histogram of the classes, in elements (8 or 16 of them) */
    unsigned char count[64 / 4] = {0};
    const unsigned oc = (unsigned)((uintptr_t)out & 63) / esize;
    unsigned c, best = oc, nbest, nc = 64 / esize;
    int t;
    for (t = 0; t < G; t++) count[((unsigned)((uintptr_t)p[t] & 63) / esize) & 15]++;
    nbest = count[oc & 15] + FD_STORE_WEIGHT;
    for (c = 0; c < nc; c++)
        if (count[c] > nbest) { nbest = count[c]; best = c; }
    return best * esize;
}

/* One pass straight to a contiguous output (at most FD_MAXG taps, no
 * streaming): the common case, in a function of its own so that the loop
 * keeps every pointer in a register (inside the large body the output
 * pointer was reloaded from the stack on every iteration). */
#define FD_ONE_PASS(NAME, T, ACC)                                             \
static void NAME(ptrdiff_t n, int G, const T *const *p, const double *w,     \
                 double c0, T *out, ACC us)                                   \
{                                                                             \
    ptrdiff_t j;                                                              \
    const ACC a0 = (ACC)c0;                                                   \
    (void)us;                                                                 \
    FD_TAP_VARS(T, ACC, 0)                                                    \
    /* the elements before the first 64-byte boundary of the output (or of \
     * the taps, see fd_align_to) first: the main loop's vector accesses to \
     * those arrays then never split a cache line */                         \
    ptrdiff_t head = (ptrdiff_t)(((64 - fd_align_to((const void *const *)p, G, out, sizeof(T))) \
                                  & 63) / sizeof(T));                         \
    if (((uintptr_t)out) % sizeof(T) || head > n) head = n;                  \
    ptrdiff_t lo = 0, hi = head;                                              \
    FD_SWITCH_G(FD_ONE_LOOP)                                                  \
    lo = head; hi = n;                                                        \
    FD_SWITCH_G(FD_ONE_LOOP)                                                  \
}
#define FD_ONE_LOOP(SUM) FD_IVDEP for (j = lo; j < hi; j++) out[j] = (FD_T)FD_UNSCALE(SUM(a0, j));

/* The body shared by both types: T the data type, ACC the accumulator. */
#define FD_COMBINE_BODY(T, ACC)                                               \
    ptrdiff_t j, lo, hi;                                                      \
    (void)lo; (void)hi;                                                       \
    int g = 0, G, t;                                                          \
    ACC *acc = (ACC *)tmp;                                                    \
    const ACC a0 = (ACC)c0;                                                   \
    if (ntaps > 0 && ntaps <= FD_MAXG && sr == 1 && to_out && osr == 1 && !stream) { \
        FD_ONE_NAME(n, ntaps, p, w, c0, out, us);                             \
        return;                                                               \
    }                                                                         \
    if (ntaps == 0 || sr != 1) {                                              \
        /* no taps, or strided rows: one plain loop, taps in order */         \
        for (j = 0; j < n; j++) {                                             \
            ACC s = a0;                                                       \
            for (t = 0; t < ntaps; t++) s = s + (ACC)w[t] * (ACC)p[t][j * sr]; \
            if (to_out) out[j * osr] = (T)FD_UNSCALE(s); else acc[j] = s;     \
        }                                                                     \
        return;                                                               \
    }                                                                         \
    while (g < ntaps) {                                                       \
        G = ntaps - g < FD_MAXG ? ntaps - g : FD_MAXG;                        \
        const int first = g == 0, last = g + G == ntaps;                      \
        FD_TAP_VARS(T, ACC, g)                                                \
        if (!(last && to_out)) {                                              \
            if (first) { FD_SWITCH_G(FD_TMP_FIRST) }                          \
            else { FD_SWITCH_G(FD_TMP_NEXT) }                                 \
        } else if (stream && osr == 1) {                                      \
            FD_STREAM_PASS                                                    \
        } else if (osr == 1) {                                                \
            if (first) { FD_SWITCH_G(FD_OUT_FIRST) }                          \
            else { FD_SWITCH_G(FD_OUT_NEXT) }                                 \
        } else {                                                              \
            if (first) { FD_SWITCH_G(FD_OUTS_FIRST) }                         \
            else { FD_SWITCH_G(FD_OUTS_NEXT) }                                \
        }                                                                     \
        g += G;                                                               \
    }

/* a hint: start loading the cache line at p */
static inline void fd_prefetch(const void *p)
{
#if defined(__GNUC__) || defined(__clang__)
    __builtin_prefetch(p, 0, 3);
#else
    (void)p;
#endif
}

static inline void fd_sfence(void)
{
#if FD_CAN_STREAM
    _mm_sfence();
#endif
}

/* dst[j] = src[j] for j < n (a mirrored Hessian row, still in cache);
 * whole lines with non-temporal stores when `stream` (AVX2 builds) */
#define FD_COPY_BODY(T, VT, VW, NTSTORE)                                      \
    ptrdiff_t j = 0;                                                          \
    if (stream && FD_CAN_STREAM) {                                            \
        ptrdiff_t head = 0, end;                                              \
        const ptrdiff_t line = 64 / (ptrdiff_t)sizeof(T);                     \
        while (head < n && (((uintptr_t)(dst + head)) & 63)) head++;          \
        end = head + ((n - head) / line) * line;                              \
        for (; j < head; j++) dst[j] = src[j];                                \
        FD_COPY_NT(VT, VW, NTSTORE)                                           \
    }                                                                         \
    memcpy(dst + j, src + j, (size_t)(n - j) * sizeof(T));
#if FD_CAN_STREAM
#define FD_COPY_NT(VT, VW, NTSTORE)                                           \
        for (; j < end; j += VW) NTSTORE(dst + j, *(const VT *)(src + j));
#else
#define FD_COPY_NT(VT, VW, NTSTORE) (void)end;
typedef double fd_v4d;
typedef float fd_v8f;
#define FD_NT_d(p, v)
#define FD_NT_f(p, v)
#endif

static inline void fd_copy_d(ptrdiff_t n, const double *src, double *dst, int stream)
{
    FD_COPY_BODY(double, fd_v4d, 4, FD_NT_d)
}

static inline void fd_copy_f(ptrdiff_t n, const float *src, float *dst, int stream)
{
    FD_COPY_BODY(float, fd_v8f, 8, FD_NT_f)
}

/* The store of a coefficient group's n sums s (the data's type) into a
 * contiguous output row o (see Put in _grid_impl.pxi), with t = al*(c*s)
 * when a coefficient row c is given (stride csr: 1, or 0 where it is
 * broadcast along the row), else t = al*s:
 *     FD_PUT_SET    o = t              FD_PUT_ADD  o = o + t
 *     FD_PUT_AXPBY  o = be*o + t       FD_PUT_SRC  o = src + t
 * the same operations, in the same order, as the element-wise stores; SET
 * and SRC write whole lines with non-temporal stores when `stream`.  Own
 * loops (no aliasing between s, c, src and o) so that they vectorise. */
enum { FD_PUT_SET = 0, FD_PUT_ADD = 1, FD_PUT_AXPBY = 2, FD_PUT_SRC = 3 };
/* one loop per mode, the term al*(c*s) (or al*s) computed in each */
#define FD_PUT_LOOPS(TERM, COPY)                                              \
    switch (mode) {                                                           \
    case FD_PUT_ADD: FD_IVDEP for (j = 0; j < n; j++) o[j] = o[j] + TERM(j); break; \
    case FD_PUT_AXPBY: FD_IVDEP for (j = 0; j < n; j++) o[j] = be * o[j] + TERM(j); break; \
    case FD_PUT_SET:                                                          \
        if (!stream) { FD_IVDEP for (j = 0; j < n; j++) o[j] = TERM(j); break; } \
        FD_IVDEP for (j = 0; j < n; j++) s[j] = TERM(j);                      \
        COPY(n, s, o, stream); break;                                         \
    default:                                                                  \
        if (!stream) { FD_IVDEP for (j = 0; j < n; j++) o[j] = src[j] + TERM(j); break; } \
        FD_IVDEP for (j = 0; j < n; j++) s[j] = src[j] + TERM(j);             \
        COPY(n, s, o, stream); break;                                         \
    }
#define FD_PUT_C(j) (al * (c[j] * s[j]))
#define FD_PUT_CS(j) (al * (c[j * csr] * s[j]))
#define FD_PUT_1(j) (al * s[j])
#define FD_PUT_BODY(COPY)                                                     \
    ptrdiff_t j;                                                              \
    if (!c) { FD_PUT_LOOPS(FD_PUT_1, COPY) }                                  \
    else if (csr == 1) { FD_PUT_LOOPS(FD_PUT_C, COPY) }                       \
    else { FD_PUT_LOOPS(FD_PUT_CS, COPY) }

static inline void fd_put_d(ptrdiff_t n, double *s, const double *c, ptrdiff_t csr,
                            int mode, double al, double be, const double *src, double *o,
                            int stream)
{
    FD_PUT_BODY(fd_copy_d)
}

static inline void fd_put_f(ptrdiff_t n, float *s, const float *c, ptrdiff_t csr,
                            int mode, float al, float be, const float *src, float *o,
                            int stream)
{
    FD_PUT_BODY(fd_copy_f)
}

/* A coefficient group's sum and its store in one loop (contiguous taps,
 * at most FD_MAXG of them, and a contiguous output row; c of stride 1 or
 * none): fd_combine into a buffer followed by fd_put, the same operations
 * in the same order, without the round trip through the buffer.  SET and
 * SRC with `stream` write whole lines with non-temporal stores (AVX2
 * builds), the partial lines at both ends with ordinary ones. */
#define FD_CP_TC(SUM) (al * (c[j] * SUM(a0, j)))
#define FD_CP_T1(SUM) (al * SUM(a0, j))
#define FD_CP_MODES(SUM, TERM)                                                \
    switch (mode) {                                                           \
    case FD_PUT_ADD: FD_IVDEP for (j = lo; j < hi; j++) o[j] = o[j] + TERM(SUM); break; \
    case FD_PUT_AXPBY: FD_IVDEP for (j = lo; j < hi; j++) o[j] = be * o[j] + TERM(SUM); break; \
    case FD_PUT_SET: FD_IVDEP for (j = lo; j < hi; j++) o[j] = TERM(SUM); break; \
    default: FD_IVDEP for (j = lo; j < hi; j++) o[j] = src[j] + TERM(SUM); break; \
    }
#define FD_CP_LOOP_C(SUM) FD_CP_MODES(SUM, FD_CP_TC)
#define FD_CP_LOOP_1(SUM) FD_CP_MODES(SUM, FD_CP_T1)
#define FD_CP_ALL                                                             \
    if (c) { FD_SWITCH_G(FD_CP_LOOP_C) } else { FD_SWITCH_G(FD_CP_LOOP_1) }
#if FD_CAN_STREAM
/* A streamed row o[0, n): the partial 64-byte lines at both ends by the
 * scalar loops ALL over [lo, hi), the whole lines [head, end) by VPART's
 * non-temporal stores; then the function returns. */
#define FD_NT_FRAME(ALL, VPART)                                               \
    {                                                                         \
        const ptrdiff_t line = 64 / (ptrdiff_t)sizeof(*o);                    \
        ptrdiff_t head = (ptrdiff_t)(((64 - ((uintptr_t)o & 63)) & 63) / sizeof(*o)), end; \
        if (head > n) head = n;                                               \
        end = head + ((n - head) / line) * line;                              \
        lo = 0; hi = head; ALL                                                \
        VPART                                                                 \
        lo = end; hi = n; ALL                                                 \
        return;                                                               \
    }
#define FD_CP_VTC(SUM) (al * (FD_L(c, j) * SUM(a0 + (VT){0}, j)))
#define FD_CP_VT1(SUM) (al * SUM(a0 + (VT){0}, j))
#define FD_CP_NT(SUM, TERM)                                                   \
    if (mode == FD_PUT_SET) {                                                 \
        for (j = head; j < end; j += VW) { VT v = TERM(SUM); NTSTORE(o + j, v); } \
    } else {                                                                  \
        for (j = head; j < end; j += VW) {                                    \
            VT v = FD_L(src, j) + TERM(SUM); NTSTORE(o + j, v); }             \
    }
#define FD_CP_NT_C(SUM) FD_CP_NT(SUM, FD_CP_VTC)
#define FD_CP_NT_1(SUM) FD_CP_NT(SUM, FD_CP_VT1)
#define FD_CP_STREAM                                                          \
    if (stream && (mode == FD_PUT_SET || mode == FD_PUT_SRC)                  \
        && !((uintptr_t)o % sizeof(*o)))                                      \
        FD_NT_FRAME(FD_CP_ALL,                                                \
                    if (c) { FD_SWITCH_VG(FD_CP_NT_C) } else { FD_SWITCH_VG(FD_CP_NT_1) })
#else
#define FD_CP_STREAM (void)stream;
#endif
#define FD_CPUT(NAME, T)                                                      \
static void NAME(ptrdiff_t n, int G, const T *const *p, const double *w,     \
                 double c0, const T *c, int mode, T al, T be, const T *src,   \
                 T *o, int stream)                                            \
{                                                                             \
    ptrdiff_t j, lo = 0, hi = n;                                              \
    const T a0 = (T)c0;                                                       \
    FD_TAP_VARS(T, T, 0)                                                      \
    (void)src; (void)be;                                                      \
    FD_CP_STREAM                                                              \
    FD_CP_ALL                                                                 \
}
#define ACC double
#define VT fd_v4d
#define VW 4
#define NTSTORE FD_NT_d
FD_CPUT(fd_cput_d, double)
#undef ACC
#undef VT
#undef VW
#undef NTSTORE
#define ACC float
#define VT fd_v8f
#define VW 8
#define NTSTORE FD_NT_f
FD_CPUT(fd_cput_f, float)
#undef ACC
#undef VT
#undef VW
#undef NTSTORE

/* Two coefficient groups in one loop, the second of one or two taps (an
 * advection term next to a diffusion term): o = t1 + t2 with t1 =
 * al*(c*S1) (or al*S1) rounded to T and t2 = al*(d*S2) (or al*S2), what
 * fd_cput of the first group into a buffer and of the second with that
 * buffer as src give, in one pass.  S1 sums the G taps p, S2 the H taps q
 * (constants c0 and d0). */
#define FD_Q1(b, j) ((b) + v0 * (ACC)q0[j])
#define FD_Q2(b, j) (FD_Q1(b, j) + v1 * (ACC)q1[j])
/* (each combination of coefficients a loop of its own: a conditional load
 * in the loop body kept GCC from vectorising it) */
#define FD_C2_TC(SUM) ((FD_T)(al * (c[j] * SUM(a0, j))))
#define FD_C2_T1(SUM) ((FD_T)(al * SUM(a0, j)))
#define FD_C2_LOOP(SUM, QSUM)                                                 \
    if (c && d) { FD_IVDEP for (j = lo; j < hi; j++)                          \
                 o[j] = FD_C2_TC(SUM) + al * (d[j] * QSUM(b0, j)); }           \
    else if (c) { FD_IVDEP for (j = lo; j < hi; j++)                          \
                 o[j] = FD_C2_TC(SUM) + al * QSUM(b0, j); }                    \
    else if (d) { FD_IVDEP for (j = lo; j < hi; j++)                          \
                 o[j] = FD_C2_T1(SUM) + al * (d[j] * QSUM(b0, j)); }           \
    else { FD_IVDEP for (j = lo; j < hi; j++) o[j] = FD_C2_T1(SUM) + al * QSUM(b0, j); }
#define FD_C2_H1(SUM) FD_C2_LOOP(SUM, FD_Q1)
#define FD_C2_H2(SUM) FD_C2_LOOP(SUM, FD_Q2)
#define FD_C2_ALL                                                             \
    if (H == 1) { FD_SWITCH_G(FD_C2_H1) } else { FD_SWITCH_G(FD_C2_H2) }
#if FD_CAN_STREAM
#define FD_C2_VTC(SUM) (al * (FD_L(c, j) * SUM(a0 + (VT){0}, j)))
#define FD_C2_VT1(SUM) (al * SUM(a0 + (VT){0}, j))
#define FD_VQ1(b, j) ((b) + v0 * FD_L(q0, j))
#define FD_VQ2(b, j) (FD_VQ1(b, j) + v1 * FD_L(q1, j))
#define FD_C2_NTL(T1, T2) for (j = head; j < end; j += VW) { VT v = T1 + T2; NTSTORE(o + j, v); }
#define FD_C2_NT(SUM, QSUM)                                                   \
    if (c && d) { FD_C2_NTL(FD_C2_VTC(SUM), al * (FD_L(d, j) * QSUM(b0 + (VT){0}, j))) } \
    else if (c) { FD_C2_NTL(FD_C2_VTC(SUM), al * QSUM(b0 + (VT){0}, j)) }    \
    else if (d) { FD_C2_NTL(FD_C2_VT1(SUM), al * (FD_L(d, j) * QSUM(b0 + (VT){0}, j))) } \
    else { FD_C2_NTL(FD_C2_VT1(SUM), al * QSUM(b0 + (VT){0}, j)) }
#define FD_C2_NT1(SUM) FD_C2_NT(SUM, FD_VQ1)
#define FD_C2_NT2(SUM) FD_C2_NT(SUM, FD_VQ2)
#define FD_C2_STREAM                                                          \
    if (stream && !((uintptr_t)o % sizeof(*o)))                               \
        FD_NT_FRAME(FD_C2_ALL,                                                \
                    if (H == 1) { FD_SWITCH_VG(FD_C2_NT1) } else { FD_SWITCH_VG(FD_C2_NT2) })
#else
#define FD_C2_STREAM (void)stream;
#endif
#define FD_CPUT2(NAME, T)                                                     \
static void NAME(ptrdiff_t n, int G, const T *const *p, const double *w,     \
                 double c0, const T *c, int H, const T *const *q,             \
                 const double *wq, double d0, const T *d, T al, T *o, int stream) \
{                                                                             \
    ptrdiff_t j, lo = 0, hi = n;                                              \
    const T a0 = (T)c0, b0 = (T)d0;                                           \
    FD_TAP_VARS(T, T, 0)                                                      \
    const T *q0 = q[0], *q1 = q[(H > 1)];                                     \
    const T v0 = (T)wq[0], v1 = H > 1 ? (T)wq[1] : 0;                         \
    (void)q1; (void)v1;                                                       \
    FD_C2_STREAM                                                              \
    FD_C2_ALL                                                                 \
}
#define ACC double
#define FD_T double
#define VT fd_v4d
#define VW 4
#define NTSTORE FD_NT_d
FD_CPUT2(fd_cput2_d, double)
#undef ACC
#undef FD_T
#undef VT
#undef VW
#undef NTSTORE
#define ACC float
#define FD_T float
#define VT fd_v8f
#define VW 8
#define NTSTORE FD_NT_f
FD_CPUT2(fd_cput2_f, float)
#undef ACC
#undef FD_T
#undef VT
#undef VW
#undef NTSTORE

/* The stores of a sum: double sums are stored as they are; float sums are
 * accumulated with weights scaled by a power of two, 1/us, that keeps the sum
 * of their magnitudes below 1, and stored times us.  Scaling by a power of
 * two commutes with rounding: the results are bitwise those of the unscaled
 * sum wherever that one stays in float's normal range, and a field near
 * float32's maximum no longer overflows in the partial sums (a constant
 * 3e38 field gave inf/NaN Laplacians where float64 gives 0).  Only sums of
 * magnitude below ~1e-35 (subnormal products) may differ in the last bits. */
#define FD_T double
#define ACC double
#define FD_UNSCALE(x) (x)
FD_ONE_PASS(fd_one_pass_d, double, double)
#undef FD_UNSCALE
#undef ACC
#undef FD_T
#define FD_T float
#define ACC float
#define FD_UNSCALE(x) ((x) * us)
FD_ONE_PASS(fd_one_pass_f, float, float)
#undef FD_UNSCALE
#undef ACC
#undef FD_T

#if defined(__GNUC__) || defined(__clang__)
#define FD_INLINE inline __attribute__((always_inline))
#else
#define FD_INLINE inline
#endif

/* always inlined: each call site gets the body specialised for its constant
 * arguments (to_out, stream) */
static FD_INLINE void fd_combine_d(ptrdiff_t n, int ntaps, const double *const *p,
                                const double *w, double c0, ptrdiff_t sr, void *tmp,
                                double *out, ptrdiff_t osr, int to_out, int stream)
{
#define ACC double
#define VT fd_v4d
#define VW 4
#define NTSTORE FD_NT_d
#define FD_UNSCALE(x) (x)
    typedef double FD_T;
    const double us = 1.0;
#define FD_ONE_NAME fd_one_pass_d
    FD_COMBINE_BODY(double, double)
#undef FD_UNSCALE
#undef FD_ONE_NAME
#undef ACC
#undef VT
#undef VW
#undef NTSTORE
}

/* Scale the T weights w (and c0) of a float32 sum by a power of two 2^-e so
 * that their magnitudes sum below 1, into ws (and *c0s); returns 2^e, the
 * factor its stores multiply by (see FD_UNSCALE).  Bit operations, no libm:
 * it runs once per tap pattern. */
static inline float fd_scale_taps(int T, const double *w, double c0, double *ws, double *c0s)
{
    double wsum = 0.0, sc;
    uint64_t b;
    uint32_t f;
    float us;
    int t, e;
    for (t = 0; t < T; t++) wsum += fabs(w[t]);
    if (!(wsum > 1.0 && wsum < 1e37)) {
        for (t = 0; t < T; t++) ws[t] = w[t];
        *c0s = c0;
        return 1.0f;
    }
    memcpy(&b, &wsum, sizeof b);
    e = (int)((b >> 52) & 0x7ff) - 1022;       /* wsum < 2^e */
    b = (uint64_t)(1023 - e) << 52;             /* 2^-e */
    memcpy(&sc, &b, sizeof sc);
    f = (uint32_t)(127 + e) << 23;              /* 2^e (e <= 124) */
    memcpy(&us, &f, sizeof us);
    for (t = 0; t < T; t++) ws[t] = w[t] * sc;
    *c0s = c0 * sc;
    return us;
}

static FD_INLINE void fd_combine_f(ptrdiff_t n, int ntaps, const float *const *p,
                                const double *w, double c0, ptrdiff_t sr, void *tmp,
                                float *out, ptrdiff_t osr, int to_out, int stream, float us)
{
#define ACC float
#define VT fd_v8f
#define VW 8
#define NTSTORE FD_NT_f
#define FD_UNSCALE(x) ((x) * us)
    typedef float FD_T;
#define FD_ONE_NAME fd_one_pass_f
    FD_COMBINE_BODY(float, float)
#undef FD_UNSCALE
#undef FD_ONE_NAME
#undef ACC
#undef VT
#undef VW
#undef NTSTORE
}

/* The edge elements of `nrows` rows sharing one tap pattern (see
 * _edge_batch in _grid_impl.pxi): o[k*osD] = c + sum_t w[t] * row_k[off[t]]
 * with row_k = row + k*sD, each sum adding its taps in order.  Eight rows
 * at a time in registers: their sums are independent chains of additions
 * that overlap (fewer than eight rows: one by one).  Scalar on purpose: the loads are a row apart, and the
 * vectoriser's emulated gathers were slower. */
#if defined(__GNUC__) && !defined(__clang__)
#define FD_NOVEC __attribute__((optimize("no-tree-vectorize")))
#else
#define FD_NOVEC
#endif
#define FD_EDGE_BATCH(NAME, T)                                                \
static FD_NOVEC void NAME(const T *row, ptrdiff_t sD, ptrdiff_t nrows,        \
                          const ptrdiff_t *off, const double *w, int ntaps,   \
                          double c, T *o, ptrdiff_t osD)                      \
{                                                                             \
    ptrdiff_t k = 0, k8;                                                      \
    int t;                                                                    \
    for (; k < nrows && nrows >= 8; k += 8) {                                 \
        /* the last eight rows overlap the previous group: rows summed twice \
         * get the same values */                                            \
        k8 = k + 8 <= nrows ? k : nrows - 8;                                  \
        const T *b = row + k8 * sD;                                           \
        double s0 = c, s1 = c, s2 = c, s3 = c, s4 = c, s5 = c, s6 = c, s7 = c; \
        for (t = 0; t < ntaps; t++) {                                         \
            const double wt = w[t];                                           \
            const T *q = b + off[t];                                          \
            s0 = s0 + wt * (double)q[0];                                      \
            s1 = s1 + wt * (double)q[sD];                                     \
            s2 = s2 + wt * (double)q[2 * sD];                                 \
            s3 = s3 + wt * (double)q[3 * sD];                                 \
            s4 = s4 + wt * (double)q[4 * sD];                                 \
            s5 = s5 + wt * (double)q[5 * sD];                                 \
            s6 = s6 + wt * (double)q[6 * sD];                                 \
            s7 = s7 + wt * (double)q[7 * sD];                                 \
        }                                                                     \
        T *ok = o + k8 * osD;                                                 \
        ok[0] = (T)s0; ok[osD] = (T)s1; ok[2 * osD] = (T)s2;                  \
        ok[3 * osD] = (T)s3; ok[4 * osD] = (T)s4; ok[5 * osD] = (T)s5;        \
        ok[6 * osD] = (T)s6; ok[7 * osD] = (T)s7;                             \
    }                                                                         \
    for (; k < nrows; k++) {                                                  \
        const T *b = row + k * sD;                                            \
        double s = c;                                                         \
        for (t = 0; t < ntaps; t++) s = s + w[t] * (double)b[off[t]];         \
        o[k * osD] = (T)s;                                                    \
    }                                                                         \
}
FD_EDGE_BATCH(fd_edge_batch_d, double)
FD_EDGE_BATCH(fd_edge_batch_f, float)

#endif
