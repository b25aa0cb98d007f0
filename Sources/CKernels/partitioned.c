// Strided helpers for partitioned work (see include/partitioned.h).
#include "partitioned.h"

#if defined(__x86_64__) && defined(__clang__)
// Compiled for AVX-512, AVX2 and baseline x86-64 (picked at load time) like the cell loops:
// the sums run down each column in row order in every clone, so all give the same bits.
#define RK_CLONES __attribute__((target_clones("avx512f", "arch=x86-64-v3", "default")))
#else
#define RK_CLONES
#endif

RK_CLONES
void rk_column_sums_ld(int N, int C, const float *m, int ldm, float *out) {
    for (int n = 0; n < N; n++) {
        const float *restrict row = m + (long)n * ldm;
        for (int c = 0; c < C; c++) out[c] += row[c];
    }
}

double rk_sum_squares(long n, const float *x) {
    double s = 0;
    for (long i = 0; i < n; i++) s += (double)x[i] * (double)x[i];
    return s;
}
