// SGEMM micro-kernels for x86-64: AVX-512 (12x32 tile) and AVX2+FMA (6x16 tile).
// Compiled for any x86-64 via target attributes; sgemm.c picks one at run time.
#if defined(__x86_64__)
#include <immintrin.h>
#include "sgemm_internal.h"

#define RK_INLINE static inline __attribute__((always_inline))
#define RK_AVX512 __attribute__((target("avx512f,avx512vl,avx2,fma")))
#define RK_AVX2 __attribute__((target("avx2,fma")))

// MARK: - AVX-512: 12 rows x 32 columns (24 zmm accumulators, 2 for B, 1 broadcast)

enum { MR512 = 12, NR512 = 32 };

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

RK_INLINE RK_AVX512 void kernel512_body(const int mr, int kc, const float *a, const float *b, long bs,
                                        float *c, long ldc, int nr, float beta) {
    __m512 c0[MR512], c1[MR512];
    for (int i = 0; i < mr; i++) { c0[i] = _mm512_setzero_ps(); c1[i] = _mm512_setzero_ps(); }
    for (int i = 0; i < mr; i++) _mm_prefetch((const char *)(c + i * ldc), _MM_HINT_T0);
    for (int k = 0; k < kc; k++) {
        __m512 b0 = _mm512_loadu_ps(b), b1 = _mm512_loadu_ps(b + 16);
        for (int i = 0; i < mr; i++) {
            __m512 ai = _mm512_set1_ps(a[i]);
            c0[i] = _mm512_fmadd_ps(ai, b0, c0[i]);
            c1[i] = _mm512_fmadd_ps(ai, b1, c1[i]);
        }
        a += MR512;
        b += bs;
    }
    __mmask16 m0 = nr >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << nr) - 1);
    __mmask16 m1 = nr >= 32 ? (__mmask16)0xFFFF : nr <= 16 ? (__mmask16)0 : (__mmask16)((1u << (nr - 16)) - 1);
    for (int i = 0; i < mr; i++) {
        store512(c + i * ldc, c0[i], m0, beta);
        if (m1) store512(c + i * ldc + 16, c1[i], m1, beta);
    }
}

static RK_AVX512 void kernel512(int kc, const float *a, const float *b, long bs,
                                float *c, long ldc, int mr, int nr, float beta) {
    switch (mr) {
    case 12: kernel512_body(12, kc, a, b, bs, c, ldc, nr, beta); break;
    case 11: kernel512_body(11, kc, a, b, bs, c, ldc, nr, beta); break;
    case 10: kernel512_body(10, kc, a, b, bs, c, ldc, nr, beta); break;
    case 9: kernel512_body(9, kc, a, b, bs, c, ldc, nr, beta); break;
    case 8: kernel512_body(8, kc, a, b, bs, c, ldc, nr, beta); break;
    case 7: kernel512_body(7, kc, a, b, bs, c, ldc, nr, beta); break;
    case 6: kernel512_body(6, kc, a, b, bs, c, ldc, nr, beta); break;
    case 5: kernel512_body(5, kc, a, b, bs, c, ldc, nr, beta); break;
    case 4: kernel512_body(4, kc, a, b, bs, c, ldc, nr, beta); break;
    case 3: kernel512_body(3, kc, a, b, bs, c, ldc, nr, beta); break;
    case 2: kernel512_body(2, kc, a, b, bs, c, ldc, nr, beta); break;
    default: kernel512_body(1, kc, a, b, bs, c, ldc, nr, beta); break;
    }
}

const rk_sgemm_path_desc rk_sgemm_path_avx512 = {
    .name = "avx512", .mr = MR512, .nr = NR512, .kc = 384, .mc = 96, .nc = 2048, .kernel = kernel512,
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
    for (int i = 0; i < mr; i++) _mm_prefetch((const char *)(c + i * ldc), _MM_HINT_T0);
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
    for (int i = 0; i < mr; i++) {
        store256(c + i * ldc, c0[i], nr, beta);
        store256(c + i * ldc + 8, c1[i], nr - 8, beta);
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
    .name = "avx2", .mr = MR256, .nr = NR256, .kc = 384, .mc = 96, .nc = 2048, .kernel = kernel256,
};
#endif
