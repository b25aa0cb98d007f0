// SGEMM micro-kernel for arm64 NEON: 6 rows x 16 columns (24 q-register accumulators).
// Built only on aarch64; sgemm.c dispatches to it there (NEON is always present on arm64).
#if defined(__aarch64__)
#include <arm_neon.h>
#include "sgemm_internal.h"

enum { MRN = 6, NRN = 16 };

static inline __attribute__((always_inline)) void storeq(float *c, float32x4_t acc, int n, float beta) {
    if (n >= 4) {
        if (beta == 0.0f) vst1q_f32(c, acc);
        else if (beta == 1.0f) vst1q_f32(c, vaddq_f32(vld1q_f32(c), acc));
        else vst1q_f32(c, vaddq_f32(vmulq_n_f32(vld1q_f32(c), beta), acc));
    } else if (n > 0) {
        float lanes[4];
        vst1q_f32(lanes, acc);
        for (int j = 0; j < n; j++) {
            if (beta == 0.0f) c[j] = lanes[j];
            else if (beta == 1.0f) c[j] = c[j] + lanes[j];
            else c[j] = c[j] * beta + lanes[j];
        }
    }
}

static inline __attribute__((always_inline)) void kernel_neon_body(const int mr, int kc, const float *a, const float *b,
                                                                   long bs, float *c, long ldc, int nr, float beta) {
    float32x4_t acc[MRN][4];
    for (int i = 0; i < mr; i++)
        for (int v = 0; v < 4; v++) acc[i][v] = vdupq_n_f32(0.0f);
    for (int k = 0; k < kc; k++) {
        float32x4_t b0 = vld1q_f32(b), b1 = vld1q_f32(b + 4), b2 = vld1q_f32(b + 8), b3 = vld1q_f32(b + 12);
        for (int i = 0; i < mr; i++) {
            float ai = a[i];
            acc[i][0] = vfmaq_n_f32(acc[i][0], b0, ai);
            acc[i][1] = vfmaq_n_f32(acc[i][1], b1, ai);
            acc[i][2] = vfmaq_n_f32(acc[i][2], b2, ai);
            acc[i][3] = vfmaq_n_f32(acc[i][3], b3, ai);
        }
        a += MRN;
        b += bs;
    }
    for (int i = 0; i < mr; i++)
        for (int v = 0; v < 4; v++) storeq(c + i * ldc + 4 * v, acc[i][v], nr - 4 * v, beta);
}

static void kernel_neon(int kc, const float *a, const float *b, long bs,
                        float *c, long ldc, int mr, int nr, float beta) {
    switch (mr) {
    case 6: kernel_neon_body(6, kc, a, b, bs, c, ldc, nr, beta); break;
    case 5: kernel_neon_body(5, kc, a, b, bs, c, ldc, nr, beta); break;
    case 4: kernel_neon_body(4, kc, a, b, bs, c, ldc, nr, beta); break;
    case 3: kernel_neon_body(3, kc, a, b, bs, c, ldc, nr, beta); break;
    case 2: kernel_neon_body(2, kc, a, b, bs, c, ldc, nr, beta); break;
    default: kernel_neon_body(1, kc, a, b, bs, c, ldc, nr, beta); break;
    }
}

const rk_sgemm_path_desc rk_sgemm_path_neon = {
    .name = "neon", .mr = MRN, .nr = NRN, .kc = RK_SGEMM_KC, .mc = 96, .nc = 2048, .kernel = kernel_neon,
};
#endif
