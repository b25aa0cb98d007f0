// CKernels: the numeric hot path of runner. GEMM for the recurrences and the
// fused per-element gate loops of the RNN, GRU and LSTM cells.
// Row-major everywhere; every function is single-threaded and deterministic
// (fixed reduction order for a given CPU path).
#ifndef RUNNER_CKERNELS_H
#define RUNNER_CKERNELS_H

#include "cells.h"

#ifdef __cplusplus
extern "C" {
#endif

/// C = beta*C + op(A) * op(B), row-major.
///   op(A) is (M x K): A itself (lda >= K) or, with transA, A^T where A is (K x M) (lda >= M).
///   op(B) is (K x N): B itself (ldb >= N) or, with transB, B^T where B is (N x K) (ldb >= K).
///   C is (M x N), ldc >= N. beta is 0 (overwrite, C may hold garbage) or 1 (accumulate).
void rk_sgemm(int transA, int transB, int M, int N, int K,
              const float *A, int lda, const float *B, int ldb,
              float beta, float *C, int ldc);

/// The name of the instruction-set path rk_sgemm dispatches to on this CPU
/// ("avx512", "avx2", "neon" or "portable").
const char *rk_sgemm_path(void);

#ifdef __cplusplus
}
#endif
#endif
