// Kernels for work split across a thread team: strided forms of the cell helpers, so a
// thread can work on its own columns of a matrix. Each gives the same bits per element as
// the whole-matrix kernel.
#ifndef RUNNER_PARTITIONED_H
#define RUNNER_PARTITIONED_H

#ifdef __cplusplus
extern "C" {
#endif

/// Adds the column sums of m (N, C), row stride ldm, to out (C), rows in order: the same
/// per-column order (and bits) as rk_column_sums on the whole rows.
void rk_column_sums_ld(int N, int C, const float *m, int ldm, float *out);

/// Sum of x[i]^2 over i in [0, n), accumulated in double in index order.
double rk_sum_squares(long n, const float *x);

#ifdef __cplusplus
}
#endif
#endif
