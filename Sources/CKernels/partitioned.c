// Strided helpers for partitioned work (see include/partitioned.h).
#include "partitioned.h"

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
