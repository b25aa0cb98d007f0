// Fused per-element loops of the cells and heads (see include/cells.h for shapes).
#include <math.h>
#include "cells.h"

static inline float sigmoidf(float x) { return 1.0f / (1.0f + expf(-x)); }

void rk_rnn_forward(int B, int H, float *gates, int ldg, float *h) {
    for (int b = 0; b < B; b++) {
        float *g = gates + (long)b * ldg, *hb = h + (long)b * H;
        for (int i = 0; i < H; i++) { float a = tanhf(g[i]); g[i] = a; hb[i] = a; }
    }
}

void rk_rnn_backward(int B, int H, const float *gates, int ldg, const float *da, float *dgates) {
    for (int b = 0; b < B; b++) {
        const float *a = gates + (long)b * ldg, *d = da + (long)b * H;
        float *dg = dgates + (long)b * ldg;
        for (int i = 0; i < H; i++) dg[i] = d[i] * (1.0f - a[i] * a[i]);
    }
}

void rk_gru_forward_gates(int B, int H, float *gates, const float *hPrev, float *rc) {
    for (int b = 0; b < B; b++) {
        float *r = gates + (long)b * 3 * H, *u = r + H;
        const float *hp = hPrev + (long)b * H;
        float *rcb = rc + (long)b * H;
        for (int i = 0; i < H; i++) {
            r[i] = sigmoidf(r[i]);            // eq. 4
            u[i] = sigmoidf(u[i]);            // eq. 3
            rcb[i] = r[i] * hp[i];
        }
    }
}

void rk_gru_forward_candidate(int B, int H, float *gates, const float *hPrev, float *h) {
    for (int b = 0; b < B; b++) {
        float *u = gates + (long)b * 3 * H + H, *ct = u + H;
        const float *hp = hPrev + (long)b * H;
        float *hb = h + (long)b * H;
        for (int i = 0; i < H; i++) {
            ct[i] = tanhf(ct[i]);                              // eq. 2
            hb[i] = u[i] * ct[i] + (1.0f - u[i]) * hp[i];      // eq. 5 (a = c, eq. 6)
        }
    }
}

void rk_gru_backward_candidate(int B, int H, const float *gates, const float *hPrev, const float *dc,
                               float *dgates, float *dhPrev) {
    for (int b = 0; b < B; b++) {
        const float *u = gates + (long)b * 3 * H + H, *ct = u + H;
        const float *hp = hPrev + (long)b * H, *d = dc + (long)b * H;
        float *du = dgates + (long)b * 3 * H + H, *dct = du + H, *dh = dhPrev + (long)b * H;
        for (int i = 0; i < H; i++) {
            dct[i] = d[i] * u[i] * (1.0f - ct[i] * ct[i]);
            du[i] = d[i] * (ct[i] - hp[i]) * u[i] * (1.0f - u[i]);
            dh[i] = d[i] * (1.0f - u[i]);
        }
    }
}

void rk_gru_backward_reset(int B, int H, const float *gates, const float *hPrev, const float *drc,
                           float *dgates, float *dhPrev) {
    for (int b = 0; b < B; b++) {
        const float *r = gates + (long)b * 3 * H;
        const float *hp = hPrev + (long)b * H, *d = drc + (long)b * H;
        float *dr = dgates + (long)b * 3 * H, *dh = dhPrev + (long)b * H;
        for (int i = 0; i < H; i++) {
            dr[i] = d[i] * hp[i] * r[i] * (1.0f - r[i]);
            dh[i] += d[i] * r[i];
        }
    }
}

void rk_lstm_forward(int B, int H, float *gates, const float *cPrev, float *c, float *tanhC, float *h) {
    for (int b = 0; b < B; b++) {
        float *gu = gates + (long)b * 4 * H, *gf = gu + H, *gc = gf + H, *go = gc + H;
        const float *cp = cPrev + (long)b * H;
        float *cb = c + (long)b * H, *tc = tanhC + (long)b * H, *hb = h + (long)b * H;
        for (int i = 0; i < H; i++) {
            float u = sigmoidf(gu[i]), f = sigmoidf(gf[i]), ct = tanhf(gc[i]), o = sigmoidf(go[i]);
            gu[i] = u; gf[i] = f; gc[i] = ct; go[i] = o;
            float cn = u * ct + f * cp[i];                     // eq. 6
            float t = tanhf(cn);
            cb[i] = cn; tc[i] = t; hb[i] = o * t;              // eq. 7
        }
    }
}

void rk_lstm_backward(int B, int H, const float *gates, const float *cPrev, const float *tanhC,
                      const float *da, float *dc, float *dgates) {
    for (int b = 0; b < B; b++) {
        const float *gu = gates + (long)b * 4 * H, *gf = gu + H, *gc = gf + H, *go = gc + H;
        const float *cp = cPrev + (long)b * H, *tc = tanhC + (long)b * H, *d = da + (long)b * H;
        float *dcb = dc + (long)b * H;
        float *du = dgates + (long)b * 4 * H, *df = du + H, *dct = df + H, *dout = dct + H;
        for (int i = 0; i < H; i++) {
            float u = gu[i], f = gf[i], ct = gc[i], o = go[i], t = tc[i];
            float dcell = d[i] * o * (1.0f - t * t) + dcb[i];  // eq. 13
            dct[i] = dcell * u * (1.0f - ct * ct);             // eqs. 14-15
            du[i] = dcell * ct * u * (1.0f - u);               // eq. 16
            df[i] = dcell * cp[i] * f * (1.0f - f);            // eq. 17
            dout[i] = d[i] * t * o * (1.0f - o);               // eq. 18
            dcb[i] = dcell * f;                                // eq. 28
        }
    }
}

double rk_softmax_xent(int N, int V, float *logits, const int32_t *targets, float scale, float *dlogits) {
    double loss = 0.0;
    for (int n = 0; n < N; n++) {
        float *z = logits + (long)n * V;
        float m = z[0];
        for (int v = 1; v < V; v++) m = z[v] > m ? z[v] : m;
        float sum = 0.0f;
        for (int v = 0; v < V; v++) { z[v] = expf(z[v] - m); sum += z[v]; }
        float inv = 1.0f / sum;
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

double rk_squared_error(int N, int V, const float *z, const float *y, const float *mask, float scale, float *dz) {
    double loss = 0.0;
    for (int n = 0; n < N; n++) {
        const float *zn = z + (long)n * V, *yn = y + (long)n * V;
        float *d = dz ? dz + (long)n * V : 0;
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

void rk_column_sums(int N, int C, const float *m, float *out) {
    for (int n = 0; n < N; n++) {
        const float *row = m + (long)n * C;
        for (int c = 0; c < C; c++) out[c] += row[c];
    }
}
