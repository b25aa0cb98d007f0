// Fused per-element loops of the RNN, GRU and LSTM cells and of the softmax
// head: one pass over memory per step, no allocation. Shapes are row-major;
// B = batch, H = hidden size; gate blocks of H columns as in ParameterLayout.
// Every cell loop works on units [u0, u0 + un) of each row (of every gate block and of the
// state), so threads that own disjoint units of a step together do the whole step; each
// element's value does not depend on the range it is computed in.
// The forward loops take the pre-activations without bias (x·W_ih^T + a·W_hh^T) and
// add bias (G*H, the gate blocks in the same order) as they read them.
#ifndef RUNNER_CELLS_H
#define RUNNER_CELLS_H
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

// ---- RNN (seed RNN eqs. (*), 1-5) -------------------------------------------------
/// gates (B,H) row stride ldg: pre-activation in, a = tanh(pre + bias) out; also copied to h (B,H).
void rk_rnn_forward(int B, int H, int u0, int un, float *gates, int ldg, const float *bias, float *h);
/// In place: gates (B,H, stride ldg) holds a in, the pre-activation gradient da * (1 - a^2) out.
void rk_rnn_backward(int B, int H, int u0, int un, float *gates, int ldg, const float *da);

// ---- GRU (seed GRU eqs. 1-6), gate blocks [r, u, c] ---------------------------------
/// gates (B,3H): blocks r,u pre-activation in, sigmoid(pre + bias) out; rc (B,H) = r * hPrev.
void rk_gru_forward_gates(int B, int H, int u0, int un, float *gates, const float *bias, const float *hPrev, float *rc);
/// block c pre-activation in, c~ = tanh(pre + bias) out; h (B,H) = u*c~ + (1-u)*hPrev (eq. 5).
void rk_gru_forward_candidate(int B, int H, int u0, int un, float *gates, const float *bias, const float *hPrev, float *h);
/// From dc (B,H), the total gradient on c<t>: replaces gates blocks u and c (activations) by
/// their pre-activation gradients, in place, and adds dc*(1-u) to dhPrev.
void rk_gru_backward_candidate(int B, int H, int u0, int un, float *gates, const float *hPrev, const float *dc, float *dhPrev);
/// From drc (B,H) = dL/d(r*hPrev): replaces gates block r by its pre-activation gradient, in
/// place, and adds drc*r to dhPrev.
void rk_gru_backward_reset(int B, int H, int u0, int un, float *gates, const float *hPrev, const float *drc, float *dhPrev);

// ---- GRU, PyTorch's reset-after form (nn.GRU), gate blocks [r, z, n] -----------------
/// gates (B,3H): x*W_ih^T (no bias) in, activations r, z, n out; gh (B,3H): hPrev*W_hh^T (no
/// bias), read only. r = sig(gi_r + b_ir + gh_r + b_hr), z likewise, n = tanh(gi_n + b_in +
/// r*(gh_n + b_hn)), h (B,H) = (1-z)*n + z*hPrev.
void rk_gru_ra_forward(int B, int H, int u0, int un, float *gates, const float *gh, const float *bih, const float *bhh,
                       const float *hPrev, float *h);
/// From dh (B,H), the total dL/dh<t>: in place, gates (activations in) receives the input-side
/// pre-activation gradients [dr, dz, dn] and gh (hPrev*W_hh^T in) the recurrent-side ones
/// [dr, dz, dn*r]; adds dh*z to dhPrev.
void rk_gru_ra_backward(int B, int H, int u0, int un, float *gates, float *gh, const float *bhh, const float *hPrev,
                        const float *dh, float *dhPrev);

// ---- Dropout ----------------------------------------------------------------------
/// out[i] = x[i] * mask[i] for i < n (out may be x).
void rk_multiply(long n, const float *x, const float *mask, float *out);

// ---- LSTM (seed LSTM eqs. 1-7 and 12-18, 28), gate blocks [u, f, c, o] --------------
/// gates (B,4H) pre-activation in, activations of pre + bias out; c, tanhC, h (B,H) out (eqs. 6-7).
void rk_lstm_forward(int B, int H, int u0, int un, float *gates, const float *bias, const float *cPrev, float *c, float *tanhC, float *h);
/// da (B,H) = dL/da<t> (head + da_next, eq. 12); dc (B,H): in dc_next, out dc_prev (eq. 28).
/// In place: gates (B,4H) holds the activations in, the pre-activation gradients of eqs. 15-18
/// out (the forward values are not needed after this step's backward).
void rk_lstm_backward(int B, int H, int u0, int un, float *gates, const float *cPrev, const float *tanhC, const float *da, float *dc);

// ---- Heads ------------------------------------------------------------------------
/// Softmax cross-entropy (seed eqs. 9-11) over N positions of V classes.
/// logits (N,V): replaced by probabilities. targets (N): class or -1 (no target).
/// Returns the sum over targeted positions of -log p[target] (in double).
/// If dlogits is not NULL it receives (p - onehot) * scale at targeted rows, 0 elsewhere.
double rk_softmax_xent(int N, int V, float *logits, const int32_t *targets, float scale, float *dlogits);
/// Squared error: returns sum over rows with mask != 0 of sum_v (z - y)^2 (in double);
/// if dz is not NULL it receives 2 (z - y) * scale on masked-in rows, 0 elsewhere.
double rk_squared_error(int N, int V, const float *z, const float *y, const float *mask, float scale, float *dz);

/// Adds the column sums of m (N,C) to out (C), rows in order (fixed reduction order).
void rk_column_sums(int N, int C, const float *m, float *out);

#ifdef __cplusplus
}
#endif
#endif
