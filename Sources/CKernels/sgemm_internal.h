// Internal interface between the SGEMM driver (sgemm.c) and the per-ISA micro-kernels
// (sgemm_x86.c, sgemm_neon.c, sgemm_portable.c). Not part of the public header.
#ifndef RUNNER_SGEMM_INTERNAL_H
#define RUNNER_SGEMM_INTERNAL_H

/// Micro-kernel: C[0..mr)[0..nr) = beta*C + Apanel * Bpanel over kc steps, where
///   a: packed A micro-panel, element (i, k) at a[k*MR + i] (MR = the path's mr);
///   b: B micro-panel, element (k, j) at b[k*bs + j], j < NR always readable
///      (zero padding beyond nr, or real columns when reading B in place);
///   c: C tile, element (i, j) at c[i*ldc + j]; only i < mr, j < nr are touched.
/// The sum over k runs from k = 0 upwards with one fused multiply-add per step into an
/// accumulator that starts at 0 (portable path: multiply then add); the accumulator is
/// then stored (beta == 0), added to C (beta == 1) or added to beta*C. This order is
/// fixed, so results do not depend on where the tile lies in C or on buffer addresses.
typedef void (*rk_sgemm_kernel_fn)(int kc, const float *a, const float *b, long bs,
                                   float *c, long ldc, int mr, int nr, float beta);

/// Every path sums over K in blocks of kc = 512 (RK_SGEMM_KC), so the paths with fused
/// multiply-add (AVX-512, AVX2, NEON) give identical bits; the portable path rounds each
/// product before adding it and differs from them in the last bits.
#define RK_SGEMM_KC 512

typedef struct {
    const char *name;
    int mr, nr;          // micro-tile of C
    int kc, mc, nc;      // cache blocking: K block, rows of A per packed block, columns of B per packed block
    rk_sgemm_kernel_fn kernel;
    /// dst[c*dstride + r] = src[r*lds + c] for r < rows, c < cols (packing transposed
    /// operands); NULL for the plain C loop.
    void (*transpose)(const float *src, long lds, int rows, int cols, float *dst, long dstride);
} rk_sgemm_path_desc;

extern const rk_sgemm_path_desc rk_sgemm_path_portable;
#if defined(__x86_64__)
extern const rk_sgemm_path_desc rk_sgemm_path_avx2;
extern const rk_sgemm_path_desc rk_sgemm_path_avx512;
extern const rk_sgemm_path_desc rk_sgemm_path_avx512_folded;
#endif
#if defined(__aarch64__)
extern const rk_sgemm_path_desc rk_sgemm_path_neon;
#endif

// MARK: - The driver, shared by sgemm.c and sgemm_packed.c

/// One right-hand operand and its product: C (M x N, ldc) = beta*C + op(A) op(B), with B read
/// through (transB, B, ldb) or, when prepacked is non-NULL, from panels packed over the whole
/// K: panel p at prepacked + p*K*nr.
typedef struct {
    int N, transB;
    const float *B;
    long ldb;
    const float *prepacked;
    float *C;
    long ldc;
} rk_sgemm_product;

/// The products of one op(A) (M x K) with each of count right-hand operands (every block of A
/// packed once for all of them); the same bits as one rk_sgemm_driver call per product.
void rk_sgemm_products(const rk_sgemm_path_desc *p, int transA, int M, int K, const float *A, long lda,
                       int count, const rk_sgemm_product *prods, float beta);
/// C = beta*C + op(A) op(B) on path p, B read through (transB, B, ldb) or from prepacked panels.
void rk_sgemm_driver(const rk_sgemm_path_desc *p, int transA, int transB, int M, int N, int K,
                     const float *A, long lda, const float *B, long ldb, const float *prepacked,
                     float beta, float *C, long ldc);
/// Packs rows [k0, k0+kb) x columns [j0, j0+nb) of op(B) into panels of p->nr columns:
/// panel q holds element (k, j) at dst[q*panel_stride + k*nr + j]; columns past the edge are zero.
void rk_sgemm_pack_b_block(const rk_sgemm_path_desc *p, int transB, const float *B, long ldb, int k0, int j0, int kb,
                           int nb, float *dst, long panel_stride);

/// The path rk_sgemm uses now; a path's index in this binary's list (-1 if absent) and back (NULL).
const rk_sgemm_path_desc *rk_sgemm_active_path(void);
int rk_sgemm_path_index(const rk_sgemm_path_desc *p);
const rk_sgemm_path_desc *rk_sgemm_path_at(int index);

#endif
