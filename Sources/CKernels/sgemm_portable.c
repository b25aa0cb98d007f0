// Portable SGEMM micro-kernel (plain C, 4x16 tile): the fallback on CPUs without a SIMD path.
// Multiply and add are separate roundings here (the package builds with -ffp-contract=off).
#include "sgemm_internal.h"

enum { MRP = 4, NRP = 16 };

static void kernel_portable(int kc, const float *a, const float *b, long bs,
                            float *c, long ldc, int mr, int nr, float beta) {
    float acc[MRP][NRP] = {{0}};
    for (int k = 0; k < kc; k++) {
        for (int i = 0; i < mr; i++) {
            float ai = a[i];
            for (int j = 0; j < NRP; j++) acc[i][j] += ai * b[j];
        }
        a += MRP;
        b += bs;
    }
    for (int i = 0; i < mr; i++) {
        float *ci = c + i * ldc;
        for (int j = 0; j < nr; j++) {
            if (beta == 0.0f) ci[j] = acc[i][j];
            else if (beta == 1.0f) ci[j] = ci[j] + acc[i][j];
            else ci[j] = ci[j] * beta + acc[i][j];
        }
    }
}

const rk_sgemm_path_desc rk_sgemm_path_portable = {
    .name = "portable", .mr = MRP, .nr = NRP, .kc = RK_SGEMM_KC, .mc = 64, .nc = 1024, .kernel = kernel_portable,
};
