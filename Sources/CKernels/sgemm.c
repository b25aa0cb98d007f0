// SGEMM driver: cache blocking, packing into per-thread buffers, pre-packed weights, and
// run-time choice of the micro-kernel path (AVX-512, AVX2+FMA, NEON or portable C).
#include "CKernels.h"
#include "sgemm_internal.h"
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

// MARK: - Paths and dispatch

/// Every path compiled into this binary, fastest first (but see detect_path); index = id
/// stored in packed buffers.
static const rk_sgemm_path_desc *const all_paths[] = {
#if defined(__x86_64__)
    &rk_sgemm_path_avx512,
    &rk_sgemm_path_avx512_folded,
    &rk_sgemm_path_avx2,
#endif
#if defined(__aarch64__)
    &rk_sgemm_path_neon,
#endif
    &rk_sgemm_path_portable,
};
enum { path_count = sizeof(all_paths) / sizeof(all_paths[0]) };

static int path_supported(const rk_sgemm_path_desc *p) {
#if defined(__x86_64__)
    if (p == &rk_sgemm_path_avx512 || p == &rk_sgemm_path_avx512_folded) {
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    }
    if (p == &rk_sgemm_path_avx2) {
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    }
#endif
    (void)p;
    return 1;  // NEON is part of arm64; portable runs anywhere
}

static _Atomic(const rk_sgemm_path_desc *) current_path = NULL;

/// The first supported path of the list, except that Intel CPUs with AVX-512 get the form
/// with folded broadcasts, faster there and slower on AMD's (sgemm_x86.c, fmadd_row).
static const rk_sgemm_path_desc *detect_path(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (__builtin_cpu_is("intel") && path_supported(&rk_sgemm_path_avx512_folded)) return &rk_sgemm_path_avx512_folded;
#endif
    for (int i = 0; i < path_count; i++)
        if (path_supported(all_paths[i])) return all_paths[i];
    return &rk_sgemm_path_portable;
}

const rk_sgemm_path_desc *rk_sgemm_active_path(void) {
    const rk_sgemm_path_desc *p = atomic_load_explicit(&current_path, memory_order_acquire);
    if (__builtin_expect(p == NULL, 0)) {
        p = detect_path();  // every thread that races here computes the same answer
        atomic_store_explicit(&current_path, p, memory_order_release);
    }
    return p;
}

const char *rk_sgemm_path(void) { return rk_sgemm_active_path()->name; }

int rk_sgemm_path_index(const rk_sgemm_path_desc *p) {
    for (int i = 0; i < path_count; i++)
        if (all_paths[i] == p) return i;
    return -1;
}

const rk_sgemm_path_desc *rk_sgemm_path_at(int index) {
    return index >= 0 && index < path_count ? all_paths[index] : NULL;
}

int rk_sgemm_force_path(const char *name) {
    if (name == NULL || strcmp(name, "auto") == 0) {
        atomic_store_explicit(&current_path, detect_path(), memory_order_release);
        return 1;
    }
    for (int i = 0; i < path_count; i++) {
        if (strcmp(all_paths[i]->name, name) == 0 && path_supported(all_paths[i])) {
            atomic_store_explicit(&current_path, all_paths[i], memory_order_release);
            return 1;
        }
    }
    return 0;
}

// MARK: - Per-thread packing buffers (grown on demand, freed at thread exit)

typedef struct {
    float *a, *b;
    size_t a_cap, b_cap;  // in floats
} workspace;

static _Thread_local workspace *thread_workspace;
static pthread_key_t workspace_key;
static pthread_once_t workspace_key_once = PTHREAD_ONCE_INIT;

static void workspace_free(void *p) {
    workspace *w = p;
    free(w->a);
    free(w->b);
    free(w);
}
static void workspace_key_create(void) { pthread_key_create(&workspace_key, workspace_free); }

static workspace *get_workspace(void) {
    workspace *w = thread_workspace;
    if (__builtin_expect(w != NULL, 1)) return w;
    pthread_once(&workspace_key_once, workspace_key_create);
    w = calloc(1, sizeof *w);
    if (!w) abort();
    pthread_setspecific(workspace_key, w);
    thread_workspace = w;
    return w;
}

static float *ensure(float **buf, size_t *cap, size_t need) {
    if (*cap < need) {
        free(*buf);
        void *p = NULL;
        if (posix_memalign(&p, 64, need * sizeof(float)) != 0) abort();
        *buf = p;
        *cap = need;
    }
    return *buf;
}

// MARK: - Packing

/// dst[c*dstride + r] = src[r*lds + c] for r < rows, c < cols: the transposing copy of
/// paths without a SIMD one.
static void transpose_plain(const float *src, long lds, int rows, int cols, float *dst, long dstride) {
    for (int r = 0; r < rows; r++)
        for (int c = 0; c < cols; c++) dst[(long)c * dstride + r] = src[(long)r * lds + c];
}

/// Splits each of rows rows of src (n contiguous floats each, row stride lds) into chunks of
/// w: chunk t of row r goes to dst[t*tile_stride + r*w ...], the last chunk zero-padded to w
/// (kernels load whole rows of a B panel). Source rows are read whole and in order (reading
/// chunk by chunk instead strides through memory by lds, which the caches and prefetchers
/// handle badly when lds is a power of two).
static inline __attribute__((always_inline)) void split_rows_w(const float *src, long lds, int rows, int n, const int w,
                                                               float *dst, long tile_stride) {
    const int full = n / w, rest = n - full * w;
    for (int r = 0; r < rows; r++) {
        const float *s = src + (long)r * lds;
        float *d = dst + (long)r * w;
        for (int t = 0; t < full; t++)  // constant size: inlined as vector moves
            memcpy(d + t * tile_stride, s + t * w, (size_t)w * sizeof(float));
        if (rest) {
            float *dl = d + full * tile_stride;
            for (int c = 0; c < rest; c++) dl[c] = s[full * w + c];
            for (int c = rest; c < w; c++) dl[c] = 0.0f;
        }
    }
}

static void split_rows(const float *src, long lds, int rows, int n, int w, float *dst, long tile_stride) {
    switch (w) {  // the paths' nr
    case 32: split_rows_w(src, lds, rows, n, 32, dst, tile_stride); break;
    case 16: split_rows_w(src, lds, rows, n, 16, dst, tile_stride); break;
    default: split_rows_w(src, lds, rows, n, w, dst, tile_stride); break;
    }
}

/// Rows of the micro-tile that starts with `remaining` rows of the block left: full tiles of
/// mr, except that a tail of a full tile plus fewer than mr/2 rows is split into two
/// near-equal tiles (32 rows with mr = 6 become 6,6,6,6,4,4 rather than 6,6,6,6,6,2: a 2-row
/// tile has too few independent accumulators to hide the FMA latency; measured +8% on AVX2).
/// The tiling never changes the result: each element is summed in the same order whatever
/// tile it lands in.
static inline int tile_rows(int remaining, int mr) {
    if (remaining > mr && remaining < mr + mr / 2) return (remaining + 1) / 2;
    return remaining < mr ? remaining : mr;
}

/// Packs op(A) = A^T: row k of A holds column k of op(A) for all tiles (tile t: tiles[t]
/// rows, at dst[t*mr*kb + k*mr]). Works through 16 rows of A at a time, tile by tile: the 16
/// row pieces stay in L1 while each tile's writes stay contiguous (walking all of k per tile
/// strides through A by lda, walking all tiles per k scatters writes mr*kb apart; both thrash
/// the caches when those strides are powers of two).
static inline __attribute__((always_inline)) void pack_a_transposed(const float *A, long lda, int kb, const int mr,
                                                                    const int *tiles, int tile_count, float *dst) {
    enum { chunk = 16 };
    for (int k0 = 0; k0 < kb; k0 += chunk) {
        int kn = kb - k0 < chunk ? kb - k0 : chunk;
        const float *src = A + (long)k0 * lda;
        float *d = dst + (long)k0 * mr;
        for (int t = 0; t < tile_count; t++) {
            if (tiles[t] == mr)
                for (int k = 0; k < kn; k++) memcpy(d + k * mr, src + k * lda, (size_t)mr * sizeof(float));
            else
                for (int k = 0; k < kn; k++)
                    for (int i = 0; i < tiles[t]; i++) d[k * mr + i] = src[k * lda + i];
            src += tiles[t];
            d += (long)mr * kb;
        }
    }
}

/// Packs rows [i0, i0+mb) x columns [k0, k0+kb) of op(A) into micro-tiles (rows from
/// tile_rows): tile t holds element (i, k) at dst[t*mr*kb + k*mr + i]. Lanes i >= rows of a
/// short tile are left unwritten: the kernel is called with that tile's row count and never
/// reads them.
static void pack_a(const rk_sgemm_path_desc *p, int transA, const float *A, long lda, int i0, int k0, int mb, int kb,
                   float *dst) {
    const int mr = p->mr;
    int tiles[128], tile_count = 0;  // mb <= mc <= 128 * mr
    for (int r0 = 0; r0 < mb; r0 += tiles[tile_count++]) tiles[tile_count] = tile_rows(mb - r0, mr);
    if (transA) {
        const float *src = A + (long)k0 * lda + i0;
        switch (mr) {  // the paths' mr
        case 12: pack_a_transposed(src, lda, kb, 12, tiles, tile_count, dst); break;
        case 6: pack_a_transposed(src, lda, kb, 6, tiles, tile_count, dst); break;
        case 4: pack_a_transposed(src, lda, kb, 4, tiles, tile_count, dst); break;
        default: pack_a_transposed(src, lda, kb, mr, tiles, tile_count, dst); break;
        }
        return;
    }
    for (int t = 0, r0 = 0; t < tile_count; r0 += tiles[t++])
        (p->transpose ? p->transpose : transpose_plain)(A + (long)(i0 + r0) * lda + k0, lda, tiles[t], kb,
                                                        dst + (long)t * mr * kb, mr);
}

/// Packs rows [k0, k0+kb) x columns [j0, j0+nb) of op(B) into panels of nr columns:
/// panel p holds element (k, j) at dst[p*panel_stride + k*nr + j]; columns past the edge are zero.
void rk_sgemm_pack_b_block(const rk_sgemm_path_desc *pd, int transB, const float *B, long ldb, int k0, int j0, int kb, int nb,
                   float *dst, long panel_stride) {
    const int nr = pd->nr;
    if (!transB) {  // row k of op(B) is the contiguous row k0 + k of B
        split_rows(B + (long)k0 * ldb + j0, ldb, kb, nb, nr, dst, panel_stride);
        return;
    }
    for (int p = 0; p * nr < nb; p++) {
        int jp = p * nr, cols = nb - jp < nr ? nb - jp : nr;
        float *d = dst + (long)p * panel_stride;
        (pd->transpose ? pd->transpose : transpose_plain)(B + (long)(j0 + jp) * ldb + k0, ldb, cols, kb, d, nr);
        if (cols < nr)
            for (int k = 0; k < kb; k++)
                for (int j = cols; j < nr; j++) d[(long)k * nr + j] = 0.0f;
    }
}

// MARK: - Driver

static void scale_c(int M, int N, float beta, float *C, long ldc) {
    if (beta == 1.0f) return;
    for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) C[(long)i * ldc + j] = beta == 0.0f ? 0.0f : C[(long)i * ldc + j] * beta;
}

/// The products of one op(A) (M x K) with each of count right-hand operands: every block of A
/// is packed once and used for all of them. The blocking over K depends only on K and the
/// path, so every call with the same K on the same path sums in the same order, with or
/// without prepacking, alone or beside other operands.
void rk_sgemm_products(const rk_sgemm_path_desc *p, int transA, int M, int K, const float *A, long lda,
                       int count, const rk_sgemm_product *prods, float beta) {
    if (M <= 0) return;
    if (K <= 0) {
        for (int o = 0; o < count; o++) scale_c(M, prods[o].N, beta, prods[o].C, prods[o].ldc);
        return;
    }
    const int mr = p->mr, nr = p->nr;
    const int kc = p->kc, mc = p->mc, nc = p->nc;
    int maxN = 0, anyUnpacked = 0;
    for (int o = 0; o < count; o++) {
        if (prods[o].N > maxN) maxN = prods[o].N;
        if (!prods[o].prepacked) anyUnpacked = 1;
    }
    if (maxN <= 0) return;
    workspace *w = get_workspace();
    float *abuf = ensure(&w->a, &w->a_cap, (size_t)mc * kc);
    // How B reaches the kernel when it is not pre-packed. With one block of A (M <= mc) each
    // panel of B serves only the few micro-tiles of that block, and a copy of all of B would
    // cost about as much as the product (measured: M = 32, 2048 x 512 B, 112 -> 72 GFLOP/s):
    // an untransposed B is then read in place (only a ragged last panel is copied), and B^T is
    // transposed panel by panel just before use (the copy stays in L1/L2). Otherwise a whole
    // kc x nc block of each B is packed once and reused by every block of A.
    const int one_a_block = M <= mc;
    const int b_by_block = anyUnpacked && !one_a_block;
    long panels = 0;  // panels of nr columns in one jc block of all the operands together
    for (int o = 0; o < count; o++) {
        int n = prods[o].N < nc ? prods[o].N : nc;
        if (n > 0) panels += (n + nr - 1) / nr;
    }
    float *bbuf = !anyUnpacked ? NULL : ensure(&w->b, &w->b_cap, (size_t)kc * nr * (b_by_block ? panels : 1));

    for (int jc = 0; jc < maxN; jc += nc) {
        for (int pc = 0; pc < K; pc += kc) {
            int kb = K - pc < kc ? K - pc : kc;
            float blockBeta = pc == 0 ? beta : 1.0f;
            if (b_by_block) {  // operand o's panels follow those of operands before it
                float *dst = bbuf;
                for (int o = 0; o < count; o++) {
                    const rk_sgemm_product *q = &prods[o];
                    int nb = q->N - jc < nc ? q->N - jc : nc;
                    if (nb <= 0 || q->prepacked) continue;
                    rk_sgemm_pack_b_block(p, q->transB, q->B, q->ldb, pc, jc, kb, nb, dst, (long)kb * nr);
                    dst += (long)((nb + nr - 1) / nr) * kb * nr;
                }
            }
            for (int ic = 0; ic < M; ic += mc) {
                int mb = M - ic < mc ? M - ic : mc;
                pack_a(p, transA, A, lda, ic, pc, mb, kb, abuf);
                const float *blocks = bbuf;  // this operand's packed block (b_by_block)
                for (int o = 0; o < count; o++) {
                    const rk_sgemm_product *q = &prods[o];
                    int nb = q->N - jc < nc ? q->N - jc : nc;
                    if (nb <= 0) continue;
                    const int b_in_place = !q->prepacked && one_a_block && !q->transB;
                    for (int jr = 0; jr < nb; jr += nr) {
                        int nrr = nb - jr < nr ? nb - jr : nr;
                        const float *bp;
                        long bs = nr;
                        if (q->prepacked) {
                            bp = q->prepacked + (long)((jc + jr) / nr) * K * nr + (long)pc * nr;
                        } else if (b_by_block) {
                            bp = blocks + (long)(jr / nr) * kb * nr;
                        } else if (b_in_place && nrr == nr) {  // full panel: read B itself
                            bp = q->B + (long)pc * q->ldb + jc + jr;
                            bs = q->ldb;
                        } else {  // B^T panel by panel, or the ragged last panel of an in-place B
                            rk_sgemm_pack_b_block(p, q->transB, q->B, q->ldb, pc, jc + jr, kb, nrr, bbuf, (long)kb * nr);
                            bp = bbuf;
                        }
                        for (int ir = 0, t = 0; ir < mb; t++) {
                            int mrr = tile_rows(mb - ir, mr);
                            p->kernel(kb, abuf + (long)t * mr * kb, bp, bs,
                                      q->C + (long)(ic + ir) * q->ldc + jc + jr, q->ldc, mrr, nrr, blockBeta);
                            ir += mrr;
                        }
                    }
                    if (b_by_block && !q->prepacked) blocks += (long)((nb + nr - 1) / nr) * kb * nr;
                }
            }
        }
    }
}

/// C = beta*C + op(A) op(B), B read through (transB, B, ldb) or from prepacked panels.
void rk_sgemm_driver(const rk_sgemm_path_desc *p, int transA, int transB, int M, int N, int K,
                     const float *A, long lda, const float *B, long ldb, const float *prepacked,
                     float beta, float *C, long ldc) {
    if (N <= 0) return;
    rk_sgemm_product q = {N, transB, B, ldb, prepacked, C, ldc};
    rk_sgemm_products(p, transA, M, K, A, lda, 1, &q, beta);
}

void rk_sgemm(int transA, int transB, int M, int N, int K,
              const float *A, int lda, const float *B, int ldb,
              float beta, float *C, int ldc) {
    rk_sgemm_driver(rk_sgemm_active_path(), transA, transB, M, N, K, A, lda, B, ldb, NULL, beta, C, ldc);
}

void rk_sgemm_shared_a(int transA, int M, int K, const float *A, int lda,
                       int N1, const float *B1, int ldb1, float *C1, int ldc1,
                       int N2, const float *B2, int ldb2, float *C2, int ldc2, float beta) {
    rk_sgemm_product q[2] = {{N1, 0, B1, ldb1, NULL, C1, ldc1}, {N2, 0, B2, ldb2, NULL, C2, ldc2}};
    rk_sgemm_products(rk_sgemm_active_path(), transA, M, K, A, lda, 2, q, beta);
}
