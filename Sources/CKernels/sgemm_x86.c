// SGEMM micro-kernels for x86-64: AVX-512 (12x32 tile, two forms of the broadcast) and AVX2+FMA (6x16 tile).
// Compiled for any x86-64 via target attributes; sgemm.c picks one at run time.
#if defined(__x86_64__)
#include <immintrin.h>
#include "sgemm_internal.h"

#define RK_INLINE static inline __attribute__((always_inline))
#define RK_AVX512 __attribute__((target("avx512f,avx512vl,avx2,fma")))
#define RK_AVX2 __attribute__((target("avx2,fma")))

// MARK: - Transposing copy for packing (AVX2; used by both x86 paths)

/// Stores the first n (0...8) lanes of v at p with plain stores (no masked stores: slow on AMD).
RK_INLINE RK_AVX2 void store_first_lanes(float *p, __m256 v, int n) {
    if (n == 8) { _mm256_storeu_ps(p, v); return; }
    __m128 part = _mm256_castps256_ps128(v);
    if (n >= 4) { _mm_storeu_ps(p, part); part = _mm256_extractf128_ps(v, 1); p += 4; n -= 4; }
    if (n >= 2) { _mm_storel_pi((__m64 *)p, part); part = _mm_movehl_ps(part, part); p += 2; n -= 2; }
    if (n == 1) _mm_store_ss(p, part);
}

/// Transposes the 8 x 8 block whose rows start at row[0..7] + c0 and stores its column c
/// (rows 0..rr-1) at d + c*dstride.
RK_INLINE RK_AVX2 void transpose8x8(const float *const row[8], long c0, float *d, long dstride, int rr) {
    __m256 r0v = _mm256_loadu_ps(row[0] + c0), r1v = _mm256_loadu_ps(row[1] + c0);
    __m256 r2v = _mm256_loadu_ps(row[2] + c0), r3v = _mm256_loadu_ps(row[3] + c0);
    __m256 r4v = _mm256_loadu_ps(row[4] + c0), r5v = _mm256_loadu_ps(row[5] + c0);
    __m256 r6v = _mm256_loadu_ps(row[6] + c0), r7v = _mm256_loadu_ps(row[7] + c0);
    __m256 t0 = _mm256_unpacklo_ps(r0v, r1v), t1 = _mm256_unpackhi_ps(r0v, r1v);
    __m256 t2 = _mm256_unpacklo_ps(r2v, r3v), t3 = _mm256_unpackhi_ps(r2v, r3v);
    __m256 t4 = _mm256_unpacklo_ps(r4v, r5v), t5 = _mm256_unpackhi_ps(r4v, r5v);
    __m256 t6 = _mm256_unpacklo_ps(r6v, r7v), t7 = _mm256_unpackhi_ps(r6v, r7v);
    __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE);
    __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
    __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE);
    __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
    store_first_lanes(d + 0 * dstride, _mm256_permute2f128_ps(u0, u4, 0x20), rr);
    store_first_lanes(d + 1 * dstride, _mm256_permute2f128_ps(u1, u5, 0x20), rr);
    store_first_lanes(d + 2 * dstride, _mm256_permute2f128_ps(u2, u6, 0x20), rr);
    store_first_lanes(d + 3 * dstride, _mm256_permute2f128_ps(u3, u7, 0x20), rr);
    store_first_lanes(d + 4 * dstride, _mm256_permute2f128_ps(u0, u4, 0x31), rr);
    store_first_lanes(d + 5 * dstride, _mm256_permute2f128_ps(u1, u5, 0x31), rr);
    store_first_lanes(d + 6 * dstride, _mm256_permute2f128_ps(u2, u6, 0x31), rr);
    store_first_lanes(d + 7 * dstride, _mm256_permute2f128_ps(u3, u7, 0x31), rr);
}

/// Transposes the 4 x 8 block whose rows start at row[0..3] + c0 (the last rows of a 12-row
/// tile): half the shuffles of the 8 x 8 case.
RK_INLINE RK_AVX2 void transpose4x8(const float *const row[4], long c0, float *d, long dstride) {
    __m256 r0v = _mm256_loadu_ps(row[0] + c0), r1v = _mm256_loadu_ps(row[1] + c0);
    __m256 r2v = _mm256_loadu_ps(row[2] + c0), r3v = _mm256_loadu_ps(row[3] + c0);
    __m256 t0 = _mm256_unpacklo_ps(r0v, r1v), t1 = _mm256_unpackhi_ps(r0v, r1v);
    __m256 t2 = _mm256_unpacklo_ps(r2v, r3v), t3 = _mm256_unpackhi_ps(r2v, r3v);
    __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE);
    __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
    _mm_storeu_ps(d + 0 * dstride, _mm256_castps256_ps128(u0));
    _mm_storeu_ps(d + 1 * dstride, _mm256_castps256_ps128(u1));
    _mm_storeu_ps(d + 2 * dstride, _mm256_castps256_ps128(u2));
    _mm_storeu_ps(d + 3 * dstride, _mm256_castps256_ps128(u3));
    _mm_storeu_ps(d + 4 * dstride, _mm256_extractf128_ps(u0, 1));
    _mm_storeu_ps(d + 5 * dstride, _mm256_extractf128_ps(u1, 1));
    _mm_storeu_ps(d + 6 * dstride, _mm256_extractf128_ps(u2, 1));
    _mm_storeu_ps(d + 7 * dstride, _mm256_extractf128_ps(u3, 1));
}

/// dst[c*dstride + r] = src[r*lds + c] for r < rows, c < cols, in 8-row register blocks.
static RK_AVX2 void transpose_avx2(const float *src, long lds, int rows, int cols, float *dst, long dstride) {
    static const float zeros[8] = {0};
    for (int r0 = 0; r0 < rows; r0 += 8) {
        int rr = rows - r0 < 8 ? rows - r0 : 8;
        const float *row[8];
        for (int r = 0; r < 8; r++) row[r] = src + (long)(r0 + (r < rr ? r : 0)) * lds;
        int c0 = 0;
        if (rr == 8) {
            for (; c0 + 8 <= cols; c0 += 8) transpose8x8(row, c0, dst + (long)c0 * dstride + r0, dstride, 8);
        } else if (rr == 4) {
            for (; c0 + 8 <= cols; c0 += 8) transpose4x8(row, c0, dst + (long)c0 * dstride + r0, dstride);
        } else {  // other row counts: rows past rr read a line of zeros
            for (; c0 + 8 <= cols; c0 += 8) {
                const float *shifted[8];
                for (int r = 0; r < 8; r++) shifted[r] = r < rr ? row[r] + c0 : zeros;
                transpose8x8(shifted, 0, dst + (long)c0 * dstride + r0, dstride, rr);
            }
        }
        for (; c0 < cols; c0++)
            for (int r = 0; r < rr; r++) dst[(long)c0 * dstride + r0 + r] = src[(long)(r0 + r) * lds + c0];
    }
}

// MARK: - AVX-512: 12 rows x 32 columns (24 zmm accumulators, 2 for B, 1 broadcast)

enum { MR512 = 12, NR512 = 32 };

/// Writes acc into the lanes m of c: c = acc (beta 0), c + acc (beta 1), or beta*c + acc.
RK_INLINE RK_AVX512 void store512(float *c, __m512 acc, __mmask16 m, float beta) {
    if (beta == 0.0f) {
        _mm512_mask_storeu_ps(c, m, acc);
    } else if (beta == 1.0f) {
        _mm512_mask_storeu_ps(c, m, _mm512_add_ps(_mm512_maskz_loadu_ps(m, c), acc));
    } else {
        __m512 old = _mm512_mul_ps(_mm512_maskz_loadu_ps(m, c), _mm512_set1_ps(beta));
        _mm512_mask_storeu_ps(c, m, _mm512_add_ps(old, acc));
    }
}

/// *acc += a[0] * b in every lane, the broadcast of a[0] folded into the FMA as its memory
/// operand ({1to16}). The same multiply-add as _mm512_fmadd_ps(_mm512_set1_ps(*a), b, *acc),
/// so the same bits, in one fused instruction instead of a broadcast plus two FMAs sharing it:
/// the compiler does not fold a broadcast that has two uses.
RK_INLINE RK_AVX512 void fmadd_broadcast(__m512 *acc, __m512 b, const float *a) {
    __asm__("vfmadd231ps %1%{1to16%}, %2, %0" : "+v"(*acc) : "m"(*a), "v"(b));
}

/// Row i's two multiply-adds of one k step: *c0 += a[i] * b0 and *c1 += a[i] * b1 in every
/// lane. Two forms of the same operations, so the same bits (README "Performance"):
/// - folded: the broadcast folded into each FMA as its memory operand (two loads of a[i],
///   no broadcast instruction). Measured on Sapphire Rapids with both alternating in one
///   process (12 x 32 tiles, B from L2 and L3): 5-12% faster than a broadcast register.
/// - register: one vbroadcastss into a register, used by both FMAs. On AMD Zen 5 the folded
///   form runs at ~90% of the FMA peak even in L1, this one at the peak; alternating in one
///   process on the LSTM step's GEMM shapes (H = 128-512, B = 32) it was 10-20% faster
///   on every shape.
RK_INLINE RK_AVX512 void fmadd_row(__m512 *c0, __m512 *c1, __m512 b0, __m512 b1, const float *a, const int folded) {
    if (folded) {
        fmadd_broadcast(c0, b0, a);
        fmadd_broadcast(c1, b1, a);
    } else {
        __m512 ai = _mm512_set1_ps(*a);
        *c0 = _mm512_fmadd_ps(ai, b0, *c0);
        *c1 = _mm512_fmadd_ps(ai, b1, *c1);
    }
}

RK_INLINE RK_AVX512 void kernel512_body(const int mr, const int folded, int kc, const float *a, const float *b, long bs,
                                        float *c, long ldc, int nr, float beta) {
    __m512 c0[MR512], c1[MR512];
    for (int i = 0; i < mr; i++) { c0[i] = _mm512_setzero_ps(); c1[i] = _mm512_setzero_ps(); }
    for (int i = 0; i < mr; i++) {  // C is needed only at the end: fetch both of its lines now
        _mm_prefetch((const char *)(c + i * ldc), _MM_HINT_T0);
        _mm_prefetch((const char *)(c + i * ldc + 31), _MM_HINT_T0);
    }
    // Unrolled by 4: the loop's own instructions would otherwise take issue slots from the
    // FMAs (measured on Sapphire Rapids: +6% at kc = 512, +20% at kc = 128; same bits).
#pragma clang loop unroll_count(4)
    for (int k = 0; k < kc; k++) {
        __m512 b0 = _mm512_loadu_ps(b), b1 = _mm512_loadu_ps(b + 16);
        for (int i = 0; i < mr; i++) fmadd_row(&c0[i], &c1[i], b0, b1, a + i, folded);
        a += MR512;
        b += bs;
    }
    __mmask16 m0 = nr >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << nr) - 1);
    __mmask16 m1 = nr >= 32 ? (__mmask16)0xFFFF : nr <= 16 ? (__mmask16)0 : (__mmask16)((1u << (nr - 16)) - 1);
    if (nr == NR512 && beta == 0.0f) {  // the common cases get unrolled loops without branches
        for (int i = 0; i < mr; i++) { _mm512_storeu_ps(c + i * ldc, c0[i]); _mm512_storeu_ps(c + i * ldc + 16, c1[i]); }
    } else if (nr == NR512 && beta == 1.0f) {
        for (int i = 0; i < mr; i++) {
            _mm512_storeu_ps(c + i * ldc, _mm512_add_ps(_mm512_loadu_ps(c + i * ldc), c0[i]));
            _mm512_storeu_ps(c + i * ldc + 16, _mm512_add_ps(_mm512_loadu_ps(c + i * ldc + 16), c1[i]));
        }
    } else {
#pragma GCC unroll 16
        for (int i = 0; i < mr; i++) {
            store512(c + i * ldc, c0[i], m0, beta);
            if (m1) store512(c + i * ldc + 16, c1[i], m1, beta);
        }
    }
}

/// The kernel for each row count (mr a constant in each body, so its loops unroll fully).
#define KERNEL512_ROWS(folded)                                                                         \
    switch (mr) {                                                                                      \
    case 12: kernel512_body(12, folded, kc, a, b, bs, c, ldc, nr, beta); break;                        \
    case 11: kernel512_body(11, folded, kc, a, b, bs, c, ldc, nr, beta); break;                        \
    case 10: kernel512_body(10, folded, kc, a, b, bs, c, ldc, nr, beta); break;                        \
    case 9: kernel512_body(9, folded, kc, a, b, bs, c, ldc, nr, beta); break;                          \
    case 8: kernel512_body(8, folded, kc, a, b, bs, c, ldc, nr, beta); break;                          \
    case 7: kernel512_body(7, folded, kc, a, b, bs, c, ldc, nr, beta); break;                          \
    case 6: kernel512_body(6, folded, kc, a, b, bs, c, ldc, nr, beta); break;                          \
    case 5: kernel512_body(5, folded, kc, a, b, bs, c, ldc, nr, beta); break;                          \
    case 4: kernel512_body(4, folded, kc, a, b, bs, c, ldc, nr, beta); break;                          \
    case 3: kernel512_body(3, folded, kc, a, b, bs, c, ldc, nr, beta); break;                          \
    case 2: kernel512_body(2, folded, kc, a, b, bs, c, ldc, nr, beta); break;                          \
    default: kernel512_body(1, folded, kc, a, b, bs, c, ldc, nr, beta); break;                         \
    }

static RK_AVX512 void kernel512(int kc, const float *a, const float *b, long bs,
                                float *c, long ldc, int mr, int nr, float beta) {
    KERNEL512_ROWS(0)
}

static RK_AVX512 void kernel512_folded(int kc, const float *a, const float *b, long bs,
                                       float *c, long ldc, int mr, int nr, float beta) {
    KERNEL512_ROWS(1)
}

/// Both AVX-512 paths pack alike and give the same bits; sgemm.c prefers the folded one on
/// Intel CPUs and this one elsewhere (see fmadd_row).
const rk_sgemm_path_desc rk_sgemm_path_avx512 = {
    .name = "avx512", .mr = MR512, .nr = NR512, .kc = RK_SGEMM_KC, .mc = 96, .nc = 2048, .kernel = kernel512, .transpose = transpose_avx2,
};

const rk_sgemm_path_desc rk_sgemm_path_avx512_folded = {
    .name = "avx512-folded", .mr = MR512, .nr = NR512, .kc = RK_SGEMM_KC, .mc = 96, .nc = 2048, .kernel = kernel512_folded,
    .transpose = transpose_avx2,
};

// MARK: - AVX2 + FMA: 6 rows x 16 columns (12 ymm accumulators, 2 for B, 1 broadcast)

enum { MR256 = 6, NR256 = 16 };

RK_INLINE RK_AVX2 __m256i mask256(int n) {  // lanes [0, n) set, n in 0...8
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), lane);
}

RK_INLINE RK_AVX2 void store256(float *c, __m256 acc, int n, float beta) {
    if (n >= 8) {
        if (beta == 0.0f) _mm256_storeu_ps(c, acc);
        else if (beta == 1.0f) _mm256_storeu_ps(c, _mm256_add_ps(_mm256_loadu_ps(c), acc));
        else _mm256_storeu_ps(c, _mm256_add_ps(_mm256_mul_ps(_mm256_loadu_ps(c), _mm256_set1_ps(beta)), acc));
    } else if (n > 0) {
        __m256i m = mask256(n);
        if (beta == 0.0f) _mm256_maskstore_ps(c, m, acc);
        else if (beta == 1.0f) _mm256_maskstore_ps(c, m, _mm256_add_ps(_mm256_maskload_ps(c, m), acc));
        else _mm256_maskstore_ps(c, m, _mm256_add_ps(_mm256_mul_ps(_mm256_maskload_ps(c, m), _mm256_set1_ps(beta)), acc));
    }
}

RK_INLINE RK_AVX2 void kernel256_body(const int mr, int kc, const float *a, const float *b, long bs,
                                      float *c, long ldc, int nr, float beta) {
    __m256 c0[MR256], c1[MR256];
    for (int i = 0; i < mr; i++) { c0[i] = _mm256_setzero_ps(); c1[i] = _mm256_setzero_ps(); }
    for (int i = 0; i < mr; i++) {
        _mm_prefetch((const char *)(c + i * ldc), _MM_HINT_T0);
        _mm_prefetch((const char *)(c + i * ldc + 15), _MM_HINT_T0);
    }
#pragma clang loop unroll_count(4)
    for (int k = 0; k < kc; k++) {
        __m256 b0 = _mm256_loadu_ps(b), b1 = _mm256_loadu_ps(b + 8);
        for (int i = 0; i < mr; i++) {
            __m256 ai = _mm256_broadcast_ss(a + i);
            c0[i] = _mm256_fmadd_ps(ai, b0, c0[i]);
            c1[i] = _mm256_fmadd_ps(ai, b1, c1[i]);
        }
        a += MR256;
        b += bs;
    }
    if (nr == NR256 && beta == 0.0f) {  // the common cases get unrolled loops without branches
        for (int i = 0; i < mr; i++) { _mm256_storeu_ps(c + i * ldc, c0[i]); _mm256_storeu_ps(c + i * ldc + 8, c1[i]); }
    } else if (nr == NR256 && beta == 1.0f) {
        for (int i = 0; i < mr; i++) {
            _mm256_storeu_ps(c + i * ldc, _mm256_add_ps(_mm256_loadu_ps(c + i * ldc), c0[i]));
            _mm256_storeu_ps(c + i * ldc + 8, _mm256_add_ps(_mm256_loadu_ps(c + i * ldc + 8), c1[i]));
        }
    } else {
#pragma GCC unroll 16
        for (int i = 0; i < mr; i++) {
            store256(c + i * ldc, c0[i], nr, beta);
            store256(c + i * ldc + 8, c1[i], nr - 8, beta);
        }
    }
}

static RK_AVX2 void kernel256(int kc, const float *a, const float *b, long bs,
                              float *c, long ldc, int mr, int nr, float beta) {
    switch (mr) {
    case 6: kernel256_body(6, kc, a, b, bs, c, ldc, nr, beta); break;
    case 5: kernel256_body(5, kc, a, b, bs, c, ldc, nr, beta); break;
    case 4: kernel256_body(4, kc, a, b, bs, c, ldc, nr, beta); break;
    case 3: kernel256_body(3, kc, a, b, bs, c, ldc, nr, beta); break;
    case 2: kernel256_body(2, kc, a, b, bs, c, ldc, nr, beta); break;
    default: kernel256_body(1, kc, a, b, bs, c, ldc, nr, beta); break;
    }
}

const rk_sgemm_path_desc rk_sgemm_path_avx2 = {
    .name = "avx2", .mr = MR256, .nr = NR256, .kc = RK_SGEMM_KC, .mc = 96, .nc = 2048, .kernel = kernel256, .transpose = transpose_avx2,
};
#endif
