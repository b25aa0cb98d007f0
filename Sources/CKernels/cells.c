// Fused per-element loops of the cells and heads (see include/cells.h for shapes).
//
// The nonlinearities are branch-free polynomial approximations that the
// compiler vectorises (libm's expf/tanhf are scalar calls, ~13 ns each, and
// dominated the LSTM step). Measured worst relative error over [-30, 30]:
// tanh 2.4e-7, sigmoid 1.5e-7 — far inside the 1e-3 bound of the Float32 path
// against the Float64 reference. Each function is compiled for AVX-512, AVX2
// and baseline x86-64 (picked at load time); with -ffp-contract=off and the
// polynomials' multiply-adds written as fmaf (rounded once everywhere: one
// instruction on FMA hardware, glibc's exact but slow software fmaf on the
// rare x86-64 without it) every clone computes the same bits per element.
#include <math.h>
#include <stdint.h>
#include <string.h>
#include "cells.h"

#if defined(__x86_64__) && defined(__clang__)
#define RK_CLONES __attribute__((target_clones("avx512f", "arch=x86-64-v3", "default")))
#else
#define RK_CLONES
#endif

/// exp(x) = 2^n · exp(r), x = n·ln2 + r, |r| ≤ ln2/2, degree-6 polynomial (Cephes expf),
/// evaluated with fused multiply-adds (fmaf rounds once, so every clone gives the same bits:
/// one instruction with FMA hardware, glibc's exact software fmaf without).
static inline __attribute__((always_inline)) float rk_exp(float x) {
    x = x < -87.0f ? -87.0f : (x > 88.0f ? 88.0f : x);
    float n = __builtin_floorf(x * 1.44269504088896341f + 0.5f);
    float r = __builtin_fmaf(n, -0.693359375f, x);
    r = __builtin_fmaf(n, 2.12194440e-4f, r);
    float r2 = r * r;
    float p = 1.9875691500E-4f;
    p = __builtin_fmaf(p, r, 1.3981999507E-3f);
    p = __builtin_fmaf(p, r, 8.3334519073E-3f);
    p = __builtin_fmaf(p, r, 4.1665795894E-2f);
    p = __builtin_fmaf(p, r, 1.6666665459E-1f);
    p = __builtin_fmaf(p, r, 5.0000001201E-1f);
    p = __builtin_fmaf(p, r2, r) + 1.0f;
    int32_t bits = ((int32_t)n + 127) << 23;
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    return p * scale;
}

/// tanh(x) as x·P(x²)/Q(x²) on [-7.9, 7.9] (Eigen's rational approximation), ±1 beyond.
/// Accurate in relative terms near 0, where 1 − 2/(e^2x + 1) would cancel.
static inline __attribute__((always_inline)) float rk_tanh(float x) {
    const float limit = 7.90531110763549805f;
    x = x < -limit ? -limit : (x > limit ? limit : x);
    float x2 = x * x;
    float p = -2.76076847742355e-16f;
    p = __builtin_fmaf(p, x2, 2.00018790482477e-13f);
    p = __builtin_fmaf(p, x2, -8.60467152213735e-11f);
    p = __builtin_fmaf(p, x2, 5.12229709037114e-08f);
    p = __builtin_fmaf(p, x2, 1.48572235717979e-05f);
    p = __builtin_fmaf(p, x2, 6.37261928875436e-04f);
    p = __builtin_fmaf(p, x2, 4.89352455891786e-03f);
    p = p * x;
    float q = 1.19825839466702e-06f;
    q = __builtin_fmaf(q, x2, 1.18534705686654e-04f);
    q = __builtin_fmaf(q, x2, 2.26843463243900e-03f);
    q = __builtin_fmaf(q, x2, 4.89352518554385e-03f);
    return p / q;
}

static inline __attribute__((always_inline)) float sigmoidf(float x) { return 1.0f / (1.0f + rk_exp(-x)); }

#define RK_ROW static inline __attribute__((always_inline)) void

RK_ROW rnn_forward_row(int H, float *restrict g, const float *restrict bias, float *restrict hb) {
    for (int i = 0; i < H; i++) { float a = rk_tanh(g[i] + bias[i]); g[i] = a; hb[i] = a; }
}

RK_CLONES
void rk_rnn_forward(int B, int H, int u0, int un, float *gates, int ldg, const float *bias, float *h) {
    for (int b = 0; b < B; b++) rnn_forward_row(un, gates + (long)b * ldg + u0, bias + u0, h + (long)b * H + u0);
}

/// In place: a (the activation) in, its pre-activation gradient d * (1 - a^2) out.
RK_ROW rnn_backward_row(int H, float *restrict g, const float *restrict d) {
    for (int i = 0; i < H; i++) g[i] = d[i] * (1.0f - g[i] * g[i]);
}

RK_CLONES
void rk_rnn_backward(int B, int H, int u0, int un, float *gates, int ldg, const float *da) {
    for (int b = 0; b < B; b++) rnn_backward_row(un, gates + (long)b * ldg + u0, da + (long)b * H + u0);
}

RK_ROW gru_gates_row(int H, float *restrict r, float *restrict u, const float *restrict br, const float *restrict bu,
                     const float *restrict hp, float *restrict rc) {
    for (int i = 0; i < H; i++) {
        r[i] = sigmoidf(r[i] + br[i]);    // eq. 4
        u[i] = sigmoidf(u[i] + bu[i]);    // eq. 3
        rc[i] = r[i] * hp[i];
    }
}

RK_CLONES
void rk_gru_forward_gates(int B, int H, int u0, int un, float *gates, const float *bias, const float *hPrev, float *rc) {
    for (int b = 0; b < B; b++) {
        float *g = gates + (long)b * 3 * H + u0;
        long o = (long)b * H + u0;
        gru_gates_row(un, g, g + H, bias + u0, bias + H + u0, hPrev + o, rc + o);
    }
}

RK_ROW gru_candidate_row(int H, const float *restrict u, float *restrict ct, const float *restrict bc,
                         const float *restrict hp, float *restrict hb) {
    for (int i = 0; i < H; i++) {
        ct[i] = rk_tanh(ct[i] + bc[i]);                    // eq. 2
        hb[i] = u[i] * ct[i] + (1.0f - u[i]) * hp[i];      // eq. 5 (a = c, eq. 6)
    }
}

RK_CLONES
void rk_gru_forward_candidate(int B, int H, int u0, int un, float *gates, const float *bias, const float *hPrev, float *h) {
    for (int b = 0; b < B; b++) {
        float *g = gates + (long)b * 3 * H + u0;
        long o = (long)b * H + u0;
        gru_candidate_row(un, g + H, g + 2 * H, bias + 2 * H + u0, hPrev + o, h + o);
    }
}

/// In place: gate blocks u and c~ (activations) in, their pre-activation gradients out.
RK_ROW gru_backward_candidate_row(int H, float *restrict gu, float *restrict gc, const float *restrict hp,
                                  const float *restrict d, float *restrict dh) {
    for (int i = 0; i < H; i++) {
        float u = gu[i], ct = gc[i];
        gc[i] = d[i] * u * (1.0f - ct * ct);
        gu[i] = d[i] * (ct - hp[i]) * u * (1.0f - u);
        dh[i] += d[i] * (1.0f - u);
    }
}

RK_CLONES
void rk_gru_backward_candidate(int B, int H, int u0, int un, float *gates, const float *hPrev, const float *dc, float *dhPrev) {
    for (int b = 0; b < B; b++) {
        float *g = gates + (long)b * 3 * H + u0;
        long o = (long)b * H + u0;
        gru_backward_candidate_row(un, g + H, g + 2 * H, hPrev + o, dc + o, dhPrev + o);
    }
}

/// In place: gate block r (activation) in, its pre-activation gradient out.
RK_ROW gru_backward_reset_row(int H, float *restrict gr, const float *restrict hp, const float *restrict d,
                              float *restrict dh) {
    for (int i = 0; i < H; i++) {
        float r = gr[i];
        gr[i] = d[i] * hp[i] * r * (1.0f - r);
        dh[i] += d[i] * r;
    }
}

RK_CLONES
void rk_gru_backward_reset(int B, int H, int u0, int un, float *gates, const float *hPrev, const float *drc, float *dhPrev) {
    for (int b = 0; b < B; b++) {
        long o = (long)b * H + u0;
        gru_backward_reset_row(un, gates + (long)b * 3 * H + u0, hPrev + o, drc + o, dhPrev + o);
    }
}

/// Units [0, count) of a row; the biases of gate g at bih + g*H, bhh + g*H.
RK_ROW gru_ra_forward_row(int count, int H, float *restrict gr, float *restrict gz, float *restrict gn,
                          const float *restrict hr, const float *restrict hz, const float *restrict hn,
                          const float *restrict bih, const float *restrict bhh,
                          const float *restrict hp, float *restrict hb) {
    for (int i = 0; i < count; i++) {
        float r = sigmoidf(gr[i] + bih[i] + (hr[i] + bhh[i]));
        float z = sigmoidf(gz[i] + bih[H + i] + (hz[i] + bhh[H + i]));
        float n = rk_tanh(gn[i] + bih[2 * H + i] + r * (hn[i] + bhh[2 * H + i]));
        gr[i] = r; gz[i] = z; gn[i] = n;
        hb[i] = (1.0f - z) * n + z * hp[i];
    }
}

RK_CLONES
void rk_gru_ra_forward(int B, int H, int u0, int un, float *gates, const float *gh, const float *bih, const float *bhh,
                       const float *hPrev, float *h) {
    for (int b = 0; b < B; b++) {
        float *g = gates + (long)b * 3 * H + u0;
        const float *r = gh + (long)b * 3 * H + u0;
        long o = (long)b * H + u0;
        gru_ra_forward_row(un, H, g, g + H, g + 2 * H, r, r + H, r + 2 * H, bih + u0, bhh + u0, hPrev + o, h + o);
    }
}

/// In place: the activations r, z, n in gr, gz, gn and W_h h in hr, hz, hn; the input-side and
/// recurrent-side pre-activation gradients out (README, "gru_reset_after" backward).
RK_ROW gru_ra_backward_row(int H, float *restrict gr, float *restrict gz, float *restrict gn,
                           float *restrict hr, float *restrict hz, float *restrict hn,
                           const float *restrict bhn, const float *restrict hp,
                           const float *restrict d, float *restrict dh) {
    for (int i = 0; i < H; i++) {
        float r = gr[i], z = gz[i], n = gn[i], hnb = hn[i] + bhn[i];
        float dpn = d[i] * (1.0f - z) * (1.0f - n * n);
        float dpz = d[i] * (hp[i] - n) * z * (1.0f - z);
        float dpr = dpn * hnb * r * (1.0f - r);
        gr[i] = dpr; gz[i] = dpz; gn[i] = dpn;
        hr[i] = dpr; hz[i] = dpz; hn[i] = dpn * r;
        dh[i] += d[i] * z;
    }
}

RK_CLONES
void rk_gru_ra_backward(int B, int H, int u0, int un, float *gates, float *gh, const float *bhh, const float *hPrev,
                        const float *dh, float *dhPrev) {
    for (int b = 0; b < B; b++) {
        float *g = gates + (long)b * 3 * H + u0, *r = gh + (long)b * 3 * H + u0;
        long o = (long)b * H + u0;
        gru_ra_backward_row(un, g, g + H, g + 2 * H, r, r + H, r + 2 * H, bhh + 2 * H + u0, hPrev + o, dh + o, dhPrev + o);
    }
}

RK_CLONES
void rk_multiply(long n, const float *x, const float *mask, float *out) {
    for (long i = 0; i < n; i++) out[i] = x[i] * mask[i];
}

// One row (one sequence) of the LSTM step; restrict parameters let the
// compiler vectorise without runtime overlap checks.
/// Units [0, n) of a row; gate g's bias at bias + g*H.
RK_ROW lstm_forward_row(int n, int H, float *restrict gu, float *restrict gf, float *restrict gc,
                                    float *restrict go, const float *restrict bias, const float *restrict cp,
                                    float *restrict cb, float *restrict tc, float *restrict hb) {
    const float *restrict bu = bias, *restrict bf = bias + H, *restrict bc = bias + 2 * H, *restrict bo = bias + 3 * H;
    for (int i = 0; i < n; i++) {
        float u = sigmoidf(gu[i] + bu[i]), f = sigmoidf(gf[i] + bf[i]);
        float ct = rk_tanh(gc[i] + bc[i]), o = sigmoidf(go[i] + bo[i]);
        gu[i] = u; gf[i] = f; gc[i] = ct; go[i] = o;
        float cn = u * ct + f * cp[i];                         // eq. 6
        float t = rk_tanh(cn);
        cb[i] = cn; tc[i] = t; hb[i] = o * t;                  // eq. 7
    }
}

RK_CLONES
void rk_lstm_forward(int B, int H, int u0, int un, float *gates, const float *bias, const float *cPrev, float *c,
                     float *tanhC, float *h) {
    for (int b = 0; b < B; b++) {
        float *g = gates + (long)b * 4 * H + u0;
        long o = (long)b * H + u0;
        lstm_forward_row(un, H, g, g + H, g + 2 * H, g + 3 * H, bias + u0, cPrev + o, c + o, tanhC + o, h + o);
    }
}

/// In place: each gate block's activations in, its pre-activation gradients out (each block
/// through its own restrict pointer: the four blocks do not overlap).
RK_ROW lstm_backward_row(int H, float *restrict gu, float *restrict gf, float *restrict gc, float *restrict go,
                         const float *restrict cp, const float *restrict tc, const float *restrict d,
                         float *restrict dcb) {
    for (int i = 0; i < H; i++) {
        float u = gu[i], f = gf[i], ct = gc[i], o = go[i], t = tc[i];
        float dcell = d[i] * o * (1.0f - t * t) + dcb[i];      // eq. 13
        gc[i] = dcell * u * (1.0f - ct * ct);                  // eqs. 14-15
        gu[i] = dcell * ct * u * (1.0f - u);                   // eq. 16
        gf[i] = dcell * cp[i] * f * (1.0f - f);                // eq. 17
        go[i] = d[i] * t * o * (1.0f - o);                     // eq. 18
        dcb[i] = dcell * f;                                    // eq. 28
    }
}

RK_CLONES
void rk_lstm_backward(int B, int H, int u0, int un, float *gates, const float *cPrev, const float *tanhC, const float *da,
                      float *dc) {
    for (int b = 0; b < B; b++) {
        float *g = gates + (long)b * 4 * H + u0;
        long o = (long)b * H + u0;
        lstm_backward_row(un, g, g + H, g + 2 * H, g + 3 * H, cPrev + o, tanhC + o, da + o, dc + o);
    }
}

/// Lanes of the fixed-order reductions below: element v goes to partial result v % 16 (the
/// first V - V % 16 elements; the rest are added after the lanes are combined in a fixed
/// tree). Written out as 16 independent scalar chains, so the compiler can vectorise them
/// and every clone still gives the same bits.
enum { reduce_lanes = 16 };

static inline __attribute__((always_inline)) float row_max(const float *restrict z, int V) {
    if (V < reduce_lanes) {
        float m = z[0];
        for (int v = 1; v < V; v++) m = z[v] > m ? z[v] : m;
        return m;
    }
    float lane[reduce_lanes];
    for (int i = 0; i < reduce_lanes; i++) lane[i] = z[i];
    int v = reduce_lanes;
    for (; v + reduce_lanes <= V; v += reduce_lanes)
        for (int i = 0; i < reduce_lanes; i++) lane[i] = z[v + i] > lane[i] ? z[v + i] : lane[i];
    float m = lane[0];
    for (int i = 1; i < reduce_lanes; i++) m = lane[i] > m ? lane[i] : m;
    for (; v < V; v++) m = z[v] > m ? z[v] : m;
    return m;
}

static inline __attribute__((always_inline)) float row_sum(const float *restrict z, int V) {
    float lane[reduce_lanes] = {0};
    int v = 0;
    for (; v + reduce_lanes <= V; v += reduce_lanes)
        for (int i = 0; i < reduce_lanes; i++) lane[i] += z[v + i];
    for (int w = reduce_lanes / 2; w > 0; w /= 2)  // fixed tree: lane i += lane i + w
        for (int i = 0; i < w; i++) lane[i] += lane[i + w];
    float sum = lane[0];
    for (; v < V; v++) sum += z[v];
    return sum;
}

RK_CLONES
double rk_softmax_xent(int N, int V, float *logits, const int32_t *targets, float scale, float *dlogits) {
    double loss = 0.0;
    for (int n = 0; n < N; n++) {
        float *restrict z = logits + (long)n * V;    // dlogits may be logits itself (in place)
        float m = row_max(z, V);
        for (int v = 0; v < V; v++) z[v] = rk_exp(z[v] - m);
        float inv = 1.0f / row_sum(z, V);
        for (int v = 0; v < V; v++) z[v] *= inv;
        int y = targets ? targets[n] : -1;
        if (y >= 0) loss -= log((double)z[y]);
        if (dlogits) {
            float *dz = dlogits + (long)n * V;
            if (y >= 0) {
                for (int v = 0; v < V; v++) dz[v] = z[v] * scale;
                dz[y] -= scale;
            } else {
                for (int v = 0; v < V; v++) dz[v] = 0.0f;
            }
        }
    }
    return loss;
}

RK_CLONES
double rk_squared_error(int N, int V, const float *z, const float *y, const float *mask, float scale, float *dz) {
    double loss = 0.0;
    for (int n = 0; n < N; n++) {
        const float *restrict zn = z + (long)n * V, *restrict yn = y + (long)n * V;
        float *restrict d = dz ? dz + (long)n * V : 0;
        if (mask[n] != 0.0f) {
            for (int v = 0; v < V; v++) {
                float diff = zn[v] - yn[v];
                loss += (double)diff * diff;
                if (d) d[v] = 2.0f * diff * scale;
            }
        } else if (d) {
            for (int v = 0; v < V; v++) d[v] = 0.0f;
        }
    }
    return loss;
}

RK_CLONES
void rk_column_sums(int N, int C, const float *m, float *out) {
    for (int n = 0; n < N; n++) {
        const float *restrict row = m + (long)n * C;
        for (int c = 0; c < C; c++) out[c] += row[c];
    }
}
