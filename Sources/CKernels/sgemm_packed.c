// Pre-packed right-hand operands (see include/CKernels.h): a weight matrix packed once into
// the active path's column panels, then used by every product of a pass, whole or by column
// blocks (a thread's share of the recurrence's output units).
#include "CKernels.h"
#include "sgemm_internal.h"
#include <stdint.h>
#include <string.h>

enum { packed_header_floats = 16, packed_max_nr = 32 };
static const int32_t packed_magic = 0x42504B52;  // "RKPB"

typedef struct {
    int32_t magic, path_index, K, N;
} packed_header;

size_t rk_sgemm_packed_b_size(int K, int N) {
    if (K < 0) K = 0;
    if (N < 0) N = 0;
    size_t panels = ((size_t)N + packed_max_nr - 1) / packed_max_nr;
    return packed_header_floats + panels * packed_max_nr * (size_t)K;
}

static void write_header(const rk_sgemm_path_desc *p, int K, int N, float *packed) {
    packed_header h = {packed_magic, rk_sgemm_path_index(p), K, N};
    memcpy(packed, &h, sizeof h);
}

void rk_sgemm_pack_b(int transB, int K, int N, const float *B, int ldb, float *packed) {
    const rk_sgemm_path_desc *p = rk_sgemm_active_path();
    write_header(p, K, N, packed);
    if (K > 0 && N > 0) rk_sgemm_pack_b_block(p, transB, B, ldb, 0, 0, K, N, packed + packed_header_floats, (long)K * p->nr);
}

void rk_sgemm_pack_b_part(int transB, int K, int N, const float *B, int ldb, float *packed, int part, int parts) {
    const rk_sgemm_path_desc *p = rk_sgemm_active_path();
    if (part == 0) write_header(p, K, N, packed);
    if (K <= 0 || N <= 0 || parts < 1) return;
    const int nr = p->nr;
    const long panels = (N + nr - 1) / nr;
    const int j0 = (int)(panels * part / parts) * nr, j1 = (int)(panels * (part + 1) / parts) * nr;
    const int jend = j1 < N ? j1 : N;
    if (jend > j0)
        rk_sgemm_pack_b_block(p, transB, B, ldb, 0, j0, K, jend - j0,
                              packed + packed_header_floats + (long)(j0 / nr) * K * nr, (long)K * nr);
}

/// The path that packed `packed` (its header in *h), or NULL if it is not a packed operand.
static const rk_sgemm_path_desc *header_path(const float *packed, packed_header *h) {
    memcpy(h, packed, sizeof *h);
    return h->magic == packed_magic ? rk_sgemm_path_at(h->path_index) : NULL;
}

/// The path that packed `packed` for (K, N), or NULL if it was not packed for them.
static const rk_sgemm_path_desc *packing_path(const float *packed, int K, int N) {
    packed_header h;
    const rk_sgemm_path_desc *p = header_path(packed, &h);
    return p && h.K == K && h.N == N ? p : NULL;
}

int rk_sgemm_packed(int transA, int M, int N, int K, const float *A, int lda,
                    const float *packed, float beta, float *C, int ldc) {
    const rk_sgemm_path_desc *p = packing_path(packed, K, N);
    if (!p) return 0;
    rk_sgemm_driver(p, transA, 0, M, N, K, A, lda, NULL, 0, packed + packed_header_floats, beta, C, ldc);
    return 1;
}

int rk_sgemm_packed_panel_width(const float *packed) {
    packed_header h;
    const rk_sgemm_path_desc *p = header_path(packed, &h);
    return p ? p->nr : 0;
}

int rk_sgemm_packed_columns(int M, int N, int K, const float *A, int lda, const float *packed,
                            int count, const int *columns, int width, float beta, float *C, int ldc) {
    const rk_sgemm_path_desc *p = packing_path(packed, K, N);
    enum { max_blocks = 8 };
    if (!p || count < 0 || count > max_blocks || width < 0) return 0;
    rk_sgemm_product prods[max_blocks];
    for (int i = 0; i < count; i++) {
        const int j0 = columns[i];
        if (j0 < 0 || j0 % p->nr != 0 || j0 + width > N) return 0;
        // Panel j0/nr onwards holds columns [j0, j0 + width) packed over the whole K, exactly
        // as a product of that width alone would read them.
        prods[i] = (rk_sgemm_product){width, 0, NULL, 0, packed + packed_header_floats + (long)(j0 / p->nr) * K * p->nr,
                                      C + j0, ldc};
    }
    if (width > 0) rk_sgemm_products(p, 0, M, K, A, lda, count, prods, beta);
    return 1;
}
