// The fused Adam/AdamW update (AdamUpdate in the tensor module spells out the arithmetic). One
// work-item per element; contiguous w, g, m, v at their offsets. Contraction into fma is off so
// the operations round as the CPU's and the unfused op sequence's do.
#pragma OPENCL FP_CONTRACT OFF

__kernel void adam_step(__global const float* w, const int wOff, __global const float* g, const int gOff,
                        __global const float* m, const int mOff, __global const float* v, const int vOff,
                        const float beta1, const float oneMinusBeta1, const float beta2, const float oneMinusBeta2,
                        const float eps, const int decoupled, const float decayFactor, const int hasL2, const float l2,
                        const float sqrtBc2, const float stepSize, const int n,
                        __global float* w2, __global float* m2, __global float* v2) {
    const int i = get_global_id(0);
    if (i >= n) return;
    const float wi = w[wOff + i];
    float gi = g[gOff + i];
    if (hasL2) gi = gi + wi * l2;
    const float w1 = decoupled ? wi * decayFactor : wi;
    const float mi = m[mOff + i] * beta1 + gi * oneMinusBeta1;
    const float vi = v[vOff + i] * beta2 + gi * gi * oneMinusBeta2;
    w2[i] = w1 - mi / (sqrt(vi) / sqrtBc2 + eps) * stepSize;
    m2[i] = mi;
    v2[i] = vi;
}
