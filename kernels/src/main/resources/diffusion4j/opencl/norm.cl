// Group norm over (N, C, S) and layer norm over (R, D), forward and backward, as one family:
// both normalize contiguous blocks of m elements (a block is one (n, group): m = C/groups * S;
// or one row: m = D, S = 1, groups = 1), and element e of block `task` takes its affine
// parameters from channel (task % groups) * (m / S) + e / S.
//
// A work-group of LS work-items owns one block (forward, dx) or one channel (dgamma, dbeta);
// each work-item strides over the elements with step LS (coalesced), keeps float partial sums
// in registers, and the work-group folds them with a local-memory tree. The forward statistics
// sum x - p and (x - p)^2 for a pivot p = the block's first element: shifting by a value near
// the mean keeps E[d^2] - E[d]^2 free of the cancellation that ruins the plain form when
// |mean| >> std, in a single pass.

#ifndef LS
#define LS 256
#endif

// Sum of (a, b) over the work-group, returned to every work-item.
inline float2 groupSum(float a, float b, __local float2* scratch) {
    const int t = get_local_id(0);
    scratch[t] = (float2) (a, b);
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int s = LS / 2; s > 0; s >>= 1) {
        if (t < s) scratch[t] += scratch[t + s];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    const float2 r = scratch[0];
    barrier(CLK_LOCAL_MEM_FENCE); // before anyone reuses the scratch
    return r;
}

inline float affine(const __global float* p, const int off, const int has, const int ch, const float none) {
    return has ? p[off + ch] : none;
}

// y = (x - mean) rstd gamma + beta; mean and rstd (biased variance) per block. Global (tasks*LS).
__kernel __attribute__((reqd_work_group_size(LS, 1, 1)))
void norm_fwd(__global const float* x, const int xOff, __global const float* gamma, const int gOff, const int hasG,
              __global const float* beta, const int bOff, const int hasB, const int m, const int S, const int groups,
              const float eps, __global float* y, __global float* mean, __global float* rstd) {
    __local float2 scratch[LS];
    const int task = get_group_id(0), lid = get_local_id(0);
    const __global float* xb = x + xOff + (long) task * m;
    const float pivot = xb[0];
    float s1 = 0.0f, s2 = 0.0f;
    for (int e = lid; e < m; e += LS) {
        const float d = xb[e] - pivot;
        s1 += d;
        s2 = fma(d, d, s2);
    }
    const float2 sum = groupSum(s1, s2, scratch);
    const float m1 = sum.x / m, var = fmax(0.0f, sum.y / m - m1 * m1);
    const float mu = pivot + m1, rs = 1.0f / sqrt(var + eps);
    if (lid == 0) {
        mean[task] = mu;
        rstd[task] = rs;
    }
    const int c0 = (task % groups) * (m / S);
    for (int e = lid; e < m; e += LS) {
        const int ch = c0 + e / S;
        y[(long) task * m + e] = fma((xb[e] - mu) * rs, affine(gamma, gOff, hasG, ch, 1.0f), affine(beta, bOff, hasB, ch, 0.0f));
    }
}

// dx = rstd (g dy - mean(g dy) - xhat mean(g dy xhat)) per block, xhat = (x - mean) rstd. Global (tasks*LS).
__kernel __attribute__((reqd_work_group_size(LS, 1, 1)))
void norm_bwd(__global const float* dy, const int dyOff, __global const float* x, const int xOff,
              __global const float* mean, const int meanOff, __global const float* rstd, const int rstdOff,
              __global const float* gamma, const int gOff, const int hasG, const int m, const int S, const int groups,
              __global float* dx) {
    __local float2 scratch[LS];
    const int task = get_group_id(0), lid = get_local_id(0), c0 = (task % groups) * (m / S);
    const __global float* xb = x + xOff + (long) task * m;
    const __global float* gb = dy + dyOff + (long) task * m;
    const float mu = mean[meanOff + task], r = rstd[rstdOff + task];
    float s1 = 0.0f, s2 = 0.0f;
    for (int e = lid; e < m; e += LS) {
        const float gdy = gb[e] * affine(gamma, gOff, hasG, c0 + e / S, 1.0f);
        s1 += gdy;
        s2 = fma(gdy, (xb[e] - mu) * r, s2);
    }
    const float2 sum = groupSum(s1, s2, scratch);
    const float m1 = sum.x / m, m2 = sum.y / m;
    for (int e = lid; e < m; e += LS) {
        const float gdy = gb[e] * affine(gamma, gOff, hasG, c0 + e / S, 1.0f);
        dx[(long) task * m + e] = r * (gdy - m1 - (xb[e] - mu) * r * m2);
    }
}

// dgamma[c] = sum dy xhat, dbeta[c] = sum dy over every element of channel c: element (o, c, s)
// of an (outer, C, S) tensor, with statistics (o, c / (C / groups)). Layer norm is outer = R,
// C = D, S = 1, groups = 1. A work-group owns one channel. Global (C*LS).
__kernel __attribute__((reqd_work_group_size(LS, 1, 1)))
void norm_affine_grad(__global const float* dy, const int dyOff, __global const float* x, const int xOff,
                      __global const float* mean, const int meanOff, __global const float* rstd, const int rstdOff,
                      const int outer, const int C, const int S, const int groups,
                      __global float* dgamma, __global float* dbeta) {
    __local float2 scratch[LS];
    const int c = get_group_id(0), lid = get_local_id(0), g = c / (C / groups);
    float a = 0.0f, bsum = 0.0f;
    for (long idx = lid; idx < (long) outer * S; idx += LS) {
        const int o = idx / S, s = idx % S, st = o * groups + g;
        const long e = ((long) o * C + c) * S + s;
        const float d = dy[dyOff + e];
        a = fma(d, (x[xOff + e] - mean[meanOff + st]) * rstd[rstdOff + st], a);
        bsum += d;
    }
    const float2 sum = groupSum(a, bsum, scratch);
    if (lid == 0) {
        dgamma[c] = sum.x;
        dbeta[c] = sum.y;
    }
}
