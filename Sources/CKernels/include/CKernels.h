// CKernels: the numeric hot path of runner. GEMM for the recurrences and the
// fused per-element gate loops of the RNN, GRU and LSTM cells; SHA-256 for plans.
// Row-major everywhere; every function is single-threaded and deterministic
// (fixed reduction order for a given CPU path).
#ifndef RUNNER_CKERNELS_H
#define RUNNER_CKERNELS_H

#include <stddef.h>
#include "cells.h"
#include "partitioned.h"
#include "team.h"
#include "sha256.h"

#ifdef __cplusplus
extern "C" {
#endif

// MARK: - SGEMM (sgemm.c)

/// C = beta*C + op(A) * op(B), row-major, single precision.
///   op(A) is (M x K): A itself (lda >= K) or, with transA, A^T where A is (K x M) (lda >= M).
///   op(B) is (K x N): B itself (ldb >= N) or, with transB, B^T where B is (N x K) (ldb >= K).
///   C is (M x N), ldc >= N. beta is 0 (overwrite: C may hold garbage or NaN) or 1
///   (accumulate); other values compute beta*C + op(A)op(B).
/// Every element is summed over k in a fixed order (blocks of 512 k, each a chain of fused
/// multiply-adds from k = 0 up, the block sums added to C in order), so equal inputs give
/// equal bits on every call, whatever M, N, the tile the element falls in, or buffer
/// alignment. The FMA paths (avx512, avx512-folded, avx2, neon) give the same bits as each other; the
/// portable path rounds each product and differs in the last bits. No allocation after the
/// first calls on a thread (fixed-size packing buffers per thread, freed at thread exit).
void rk_sgemm(int transA, int transB, int M, int N, int K,
              const float *A, int lda, const float *B, int ldb,
              float beta, float *C, int ldc);

/// Two products with one left operand: C1 = beta*C1 + op(A) * B1 and C2 = beta*C2 + op(A) * B2,
/// op(A) (M x K) as in rk_sgemm, B1 (K x N1, ldb1) and B2 (K x N2, ldb2) untransposed. Each
/// block of A is packed once for both (the weight gradients dW_ih = dG^T x and dW_hh = dG^T a
/// share the large dG^T). Gives the same bits as the two rk_sgemm calls.
void rk_sgemm_shared_a(int transA, int M, int K, const float *A, int lda,
                       int N1, const float *B1, int ldb1, float *C1, int ldc1,
                       int N2, const float *B2, int ldb2, float *C2, int ldc2, float beta);

/// The name of the instruction-set path rk_sgemm dispatches to on this CPU
/// ("avx512", "avx512-folded", "avx2", "neon" or "portable").
const char *rk_sgemm_path(void);

/// For tests and benchmarks: makes rk_sgemm use the named path ("avx512", "avx512-folded", "avx2", "neon",
/// "portable") for all threads, or the automatic choice for NULL or "auto".
/// Returns 1 on success, 0 if the path is unknown or this CPU cannot run it (nothing changes).
int rk_sgemm_force_path(const char *name);

/// Pre-packed B operand, for a weight used in many products (e.g. all T steps of a pass).
/// Number of floats a packed copy of a (K x N) op(B) needs (the same for every path).
size_t rk_sgemm_packed_b_size(int K, int N);

/// Packs op(B) (K x N; B is (K x N) with ldb >= N, or with transB (N x K) with ldb >= K)
/// into packed, which holds rk_sgemm_packed_b_size(K, N) floats (64-byte alignment is best).
/// The packing is for the path active now; B may change afterwards without effect on packed.
/// Recurrence use: W is (G*H x H); rk_sgemm_pack_b(1, H, G*H, W, H, packedWT) packs W^T for
/// gates = h * W^T, and rk_sgemm_pack_b(0, G*H, H, W, H, packedW) packs W for dh = dgates * W.
void rk_sgemm_pack_b(int transB, int K, int N, const float *B, int ldb, float *packed);

/// Part `part` of `parts` of rk_sgemm_pack_b: the panels of columns in that share (part 0 also
/// writes the header). Calling it for every part in [0, parts), from any threads, gives the
/// same packed buffer as rk_sgemm_pack_b; the buffer is ready when all parts have returned.
void rk_sgemm_pack_b_part(int transB, int K, int N, const float *B, int ldb, float *packed, int part, int parts);

/// C = beta*C + op(A) * Bpacked, same rules as rk_sgemm, with Bpacked from rk_sgemm_pack_b
/// for this K and N. Gives the same bits as rk_sgemm with the unpacked B on the path that
/// packed it. Returns 1, or 0 without touching C if packed was not made for (K, N).
int rk_sgemm_packed(int transA, int M, int N, int K, const float *A, int lda,
                    const float *packed, float beta, float *C, int ldc);

/// Column blocks of a packed product (sgemm_packed.c): for each start j in columns[0..count),
/// C[:, j, j + width) (M x width) = beta*C[...] + A (M x K, lda) * columns [j, j + width) of
/// the packed (K x N) operand; C is the whole (M x N) product's matrix (ldc). Every element gets
/// the bits rk_sgemm_packed gives it (the sum over K does not depend on the columns computed
/// beside it), so threads that each compute their own blocks together produce the same C.
/// Returns 1, or 0 without touching C if packed was not made for (K, N), a start is not a
/// multiple of rk_sgemm_packed_panel_width(packed), a block runs past N, or count > 8.
int rk_sgemm_packed_columns(int M, int N, int K, const float *A, int lda, const float *packed,
                            int count, const int *columns, int width, float beta, float *C, int ldc);

/// The column-panel width of the path that packed `packed` (32 on avx512, 16 on avx2), 0 if it is not a packed buffer.
int rk_sgemm_packed_panel_width(const float *packed);

#ifdef __cplusplus
}
#endif
#endif
