// Portable GEMM (a correct baseline; faster paths are dispatched by CPU feature).
#include "CKernels.h"

static void sgemm_portable(int transA, int transB, int M, int N, int K,
                           const float *A, int lda, const float *B, int ldb,
                           float beta, float *C, int ldc) {
    for (int i = 0; i < M; i++) {
        float *c = C + (long)i * ldc;
        if (beta == 0.0f) for (int j = 0; j < N; j++) c[j] = 0.0f;
        for (int k = 0; k < K; k++) {
            float a = transA ? A[(long)k * lda + i] : A[(long)i * lda + k];
            if (!transB) {
                const float *b = B + (long)k * ldb;
                for (int j = 0; j < N; j++) c[j] += a * b[j];
            } else {
                for (int j = 0; j < N; j++) c[j] += a * B[(long)j * ldb + k];
            }
        }
    }
}

void rk_sgemm(int transA, int transB, int M, int N, int K,
              const float *A, int lda, const float *B, int ldb,
              float beta, float *C, int ldc) {
    sgemm_portable(transA, transB, M, N, K, A, lda, B, ldb, beta, C, ldc);
}

const char *rk_sgemm_path(void) { return "portable"; }
