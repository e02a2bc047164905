// Fused scaled-dot-product attention, flash style (Dao et al. 2022/2023): the Lq x Lk score
// matrix never reaches global memory.
//
// Every kernel gives a work-group WG rows of one batch and each work-item one row of its own
// (a query in attn_fwd and attn_bwd_dq, a key in attn_bwd_dkv), held in private arrays padded
// to DMAX / DVMAX (compile-time head-dim bounds, chosen 16..128 by the launcher, so every loop has
// a constant trip count and unrolls). The other operand streams through local memory TILE rows at
// a time, loaded by the whole work-group and zero-padded past D / Dv and past the sequence end;
// every work-item then reads the same local word at once (a broadcast). Visibility of key j to
// query i: the key mask (B, Lk) is non-zero there and, when causal, j <= i + (Lk - Lq).
// A row that sees no key gets output 0 and lse -inf; backward skips such rows.

#ifndef WG
#define WG 64
#endif
#ifndef TILE
#define TILE 32
#endif
#ifndef DMAX
#define DMAX 64
#endif
// Keys per online-softmax step inside a tile (TILE is a power of two, so SUB divides it).
#define SUB (TILE < 16 ? TILE : 16)
#ifndef DVMAX
#define DVMAX 64
#endif

// Arguments shared by all kernels: sizes, the mask, and the contiguous q, k, v with offsets.
#define SIZES const int Lq, const int Lk, const int D, const int Dv, const float scale, const int causal
#define MASK __global const float* mask, const int maskOff, const int maskSB, const int maskSJ, const int hasMask
#define QKV __global const float* q, const int qOff, __global const float* k, const int kOff, \
            __global const float* v, const int vOff

// rows [r0, r0 + TILE) of a (L, width) row-major matrix into a (TILE, PAD) local tile, zero-padded.
inline void stage(__local float* dst, const __global float* src, const int r0, const int L, const int width,
                  const int pad) {
    for (int idx = get_local_id(0); idx < TILE * pad; idx += WG) {
        const int rr = idx / pad, t = idx % pad;
        dst[idx] = (r0 + rr < L && t < width) ? src[(long) (r0 + rr) * width + t] : 0.0f;
    }
}

inline bool keyOn(MASK, const int b, const int j) {
    return !hasMask || mask[maskOff + b * maskSB + j * maskSJ] != 0.0f;
}

// Forward. Work-item owns query row i: scaled q_i, the unnormalized output o, the running max m
// and sum l (online softmax, rescaled once per SUB keys). Global (ceil(Lq/WG)*WG, B).
__kernel __attribute__((reqd_work_group_size(WG, 1, 1)))
void attn_fwd(SIZES, QKV, MASK, __global float* out, __global float* lse) {
    __local float Ks[TILE * DMAX];
    __local float Vs[TILE * DVMAX];
    __local int Ms[TILE];
    const int b = get_group_id(1), i0 = get_group_id(0) * WG, i = i0 + get_local_id(0), off = Lk - Lq;
    const bool live = i < Lq;
    float qr[DMAX], o[DVMAX], s[SUB];
    for (int t = 0; t < DMAX; t++) qr[t] = (live && t < D) ? scale * q[qOff + ((long) b * Lq + i) * D + t] : 0.0f;
    for (int t = 0; t < DVMAX; t++) o[t] = 0.0f;
    float m = -INFINITY, l = 0.0f;
    // Uniform over the work-group: keys past the last query's horizon are never seen.
    const int keyEnd = causal ? clamp(min(i0 + WG, Lq) + off, 0, Lk) : Lk;
    for (int j0 = 0; j0 < keyEnd; j0 += TILE) {
        stage(Ks, k + kOff + (long) b * Lk * D, j0, Lk, D, DMAX);
        stage(Vs, v + vOff + (long) b * Lk * Dv, j0, Lk, Dv, DVMAX);
        for (int jj = get_local_id(0); jj < TILE; jj += WG) Ms[jj] = j0 + jj < Lk && keyOn(mask, maskOff, maskSB, maskSJ, hasMask, b, j0 + jj);
        barrier(CLK_LOCAL_MEM_FENCE);
        if (live) {
            const int seen = causal ? clamp(i + off + 1 - j0, 0, TILE) : TILE;
            // SUB keys at a time: the rescale of o costs Dv per SUB keys, and s stays small in registers.
            for (int sb = 0; sb < seen; sb += SUB) {
                float subMax = -INFINITY;
                for (int jj = 0; jj < SUB; jj++) {
                    float dot = 0.0f;
                    for (int t = 0; t < DMAX; t++) dot = fma(qr[t], Ks[(sb + jj) * DMAX + t], dot);
                    s[jj] = (sb + jj < seen && Ms[sb + jj]) ? dot : -INFINITY;
                    subMax = fmax(subMax, s[jj]);
                }
                if (subMax == -INFINITY) continue; // nothing visible here: adds nothing
                const float mNew = fmax(m, subMax), alpha = exp(m - mNew);
                l *= alpha;
                for (int t = 0; t < DVMAX; t++) o[t] *= alpha;
                for (int jj = 0; jj < SUB; jj++) {
                    const float p = exp(s[jj] - mNew);
                    l += p;
                    for (int t = 0; t < DVMAX; t++) o[t] = fma(p, Vs[(sb + jj) * DVMAX + t], o[t]);
                }
                m = mNew;
            }
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (!live) return;
    const float inv = l > 0.0f ? 1.0f / l : 0.0f;
    for (int t = 0; t < Dv; t++) out[((long) b * Lq + i) * Dv + t] = o[t] * inv;
    lse[(long) b * Lq + i] = l > 0.0f ? m + log(l) : -INFINITY;
}

// delta_i = dout_i . out_i (B*Lq rows; a work-item owns one), the softmax-backward row term.
__kernel void attn_delta(const int rows, const int Dv, __global const float* out, const int outOff,
                         __global const float* dout, const int doutOff, __global float* delta) {
    const int r = get_global_id(0);
    if (r >= rows) return;
    float sum = 0.0f;
    for (int t = 0; t < Dv; t++) sum = fma(out[outOff + (long) r * Dv + t], dout[doutOff + (long) r * Dv + t], sum);
    delta[r] = sum;
}

// dQ. Work-item owns query row i: p_ij = exp(s_ij - lse_i) recomputed, dp_ij = dout_i . v_j,
// dq_i = scale sum_j p_ij (dp_ij - delta_i) k_j. Global (ceil(Lq/WG)*WG, B).
__kernel __attribute__((reqd_work_group_size(WG, 1, 1)))
void attn_bwd_dq(SIZES, QKV, MASK, __global const float* lse, const int lseOff,
                 __global const float* dout, const int doutOff, __global const float* delta, __global float* dq) {
    __local float Ks[TILE * DMAX];
    __local float Vs[TILE * DVMAX];
    __local int Ms[TILE];
    const int b = get_group_id(1), i0 = get_group_id(0) * WG, i = i0 + get_local_id(0), off = Lk - Lq;
    const long row = (long) b * Lq + i;
    const float L = i < Lq ? lse[lseOff + row] : -INFINITY;
    const bool live = L > -INFINITY;
    const float di = live ? delta[row] : 0.0f;
    float qr[DMAX], dor[DVMAX], acc[DMAX];
    for (int t = 0; t < DMAX; t++) {
        qr[t] = (live && t < D) ? scale * q[qOff + row * D + t] : 0.0f;
        acc[t] = 0.0f;
    }
    for (int t = 0; t < DVMAX; t++) dor[t] = (live && t < Dv) ? dout[doutOff + row * Dv + t] : 0.0f;
    const int keyEnd = causal ? clamp(min(i0 + WG, Lq) + off, 0, Lk) : Lk;
    for (int j0 = 0; j0 < keyEnd; j0 += TILE) {
        stage(Ks, k + kOff + (long) b * Lk * D, j0, Lk, D, DMAX);
        stage(Vs, v + vOff + (long) b * Lk * Dv, j0, Lk, Dv, DVMAX);
        for (int jj = get_local_id(0); jj < TILE; jj += WG) Ms[jj] = j0 + jj < Lk && keyOn(mask, maskOff, maskSB, maskSJ, hasMask, b, j0 + jj);
        barrier(CLK_LOCAL_MEM_FENCE);
        if (live) {
            const int seen = causal ? clamp(i + off + 1 - j0, 0, TILE) : TILE;
            for (int jj = 0; jj < seen; jj++) {
                if (!Ms[jj]) continue;
                float s = 0.0f, dp = 0.0f;
                for (int t = 0; t < DMAX; t++) s = fma(qr[t], Ks[jj * DMAX + t], s);
                for (int t = 0; t < DVMAX; t++) dp = fma(dor[t], Vs[jj * DVMAX + t], dp);
                const float ds = exp(s - L) * (dp - di);
                for (int t = 0; t < DMAX; t++) acc[t] = fma(ds, Ks[jj * DMAX + t], acc[t]);
            }
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (i >= Lq) return;
    for (int t = 0; t < D; t++) dq[row * D + t] = scale * acc[t];
}

// dK and dV. Work-item owns key row j: dv_j = sum_i p_ij dout_i, dk_j = scale sum_i p_ij (dp_ij - delta_i) q_i,
// over the query tiles that can see it; each key's sums belong to one work-item, so no atomics.
// Global (ceil(Lk/WG)*WG, B).
__kernel __attribute__((reqd_work_group_size(WG, 1, 1)))
void attn_bwd_dkv(SIZES, QKV, MASK, __global const float* lse, const int lseOff,
                  __global const float* dout, const int doutOff, __global const float* delta,
                  __global float* dk, __global float* dv) {
    __local float Qs[TILE * DMAX];
    __local float Os[TILE * DVMAX];
    __local float Ls[TILE];
    __local float Ds[TILE];
    const int b = get_group_id(1), j0 = get_group_id(0) * WG, j = j0 + get_local_id(0), off = Lk - Lq;
    const bool live = j < Lk && keyOn(mask, maskOff, maskSB, maskSJ, hasMask, b, j);
    float kr[DMAX], vr[DVMAX], dkr[DMAX], dvr[DVMAX];
    for (int t = 0; t < DMAX; t++) {
        kr[t] = (live && t < D) ? scale * k[kOff + ((long) b * Lk + j) * D + t] : 0.0f;
        dkr[t] = 0.0f;
    }
    for (int t = 0; t < DVMAX; t++) {
        vr[t] = (live && t < Dv) ? v[vOff + ((long) b * Lk + j) * Dv + t] : 0.0f;
        dvr[t] = 0.0f;
    }
    // Uniform: queries before the first key's horizon see none of this block's keys.
    const int first = causal ? max(0, j0 - off) / TILE * TILE : 0;
    for (int i0 = first; i0 < Lq; i0 += TILE) {
        stage(Qs, q + qOff + (long) b * Lq * D, i0, Lq, D, DMAX);
        stage(Os, dout + doutOff + (long) b * Lq * Dv, i0, Lq, Dv, DVMAX);
        for (int ii = get_local_id(0); ii < TILE; ii += WG) {
            const bool in = i0 + ii < Lq;
            Ls[ii] = in ? lse[lseOff + (long) b * Lq + i0 + ii] : -INFINITY;
            Ds[ii] = in ? delta[(long) b * Lq + i0 + ii] : 0.0f;
        }
        barrier(CLK_LOCAL_MEM_FENCE);
        if (live) {
            for (int ii = 0; ii < TILE; ii++) {
                if (Ls[ii] == -INFINITY || (causal && j > i0 + ii + off)) continue;
                float s = 0.0f, dp = 0.0f;
                for (int t = 0; t < DMAX; t++) s = fma(kr[t], Qs[ii * DMAX + t], s);
                for (int t = 0; t < DVMAX; t++) dp = fma(vr[t], Os[ii * DVMAX + t], dp);
                const float p = exp(s - Ls[ii]), ds = p * (dp - Ds[ii]);
                for (int t = 0; t < DVMAX; t++) dvr[t] = fma(p, Os[ii * DVMAX + t], dvr[t]);
                for (int t = 0; t < DMAX; t++) dkr[t] = fma(ds, Qs[ii * DMAX + t], dkr[t]);
            }
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (j >= Lk) return;
    for (int t = 0; t < D; t++) dk[((long) b * Lk + j) * D + t] = scale * dkr[t];
    for (int t = 0; t < Dv; t++) dv[((long) b * Lk + j) * Dv + t] = dvr[t];
}
