// Elementwise unary, binary and where over strided, broadcast operands.
// Tiling: 1-D; each work-item owns one output element at row-major position i (dense output) and
// reads each input through its layout meta (layout.cl). The op table is generated: ClElementwise
// appends one UNARY_KERNEL / BINARY_KERNEL line per enum row from an exhaustive Java switch, so
// the program holds every op and is compiled once, not once per op.
#include "layout.cl"

// The stable two-sided form of UnaryOp.SIGMOID: exp never overflows.
inline float d4j_sigmoid(float x) {
    return x >= 0.0f ? 1.0f / (1.0f + exp(-x)) : exp(x) / (1.0f + exp(x));
}

// Math.pow differs from C pow where an argument is NaN or |a| == 1 with b infinite: Java gives NaN, C gives 1.
inline float d4j_pow(float a, float b) {
    if (isnan(b) || (fabs(a) == 1.0f && isinf(b))) return NAN;
    return pow(a, b);
}

#define UNARY_KERNEL(NAME, EXPR) \
__kernel void unary_##NAME(__global const float* xs, __global const int* xm, __global float* out, int n) { \
    int i = get_global_id(0); \
    if (i >= n) return; \
    float x = xs[d4j_offset(xm, i)]; \
    out[i] = (EXPR); \
}

#define BINARY_KERNEL(NAME, EXPR) \
__kernel void binary_##NAME(__global const float* as, __global const int* am, __global const float* bs, \
                            __global const int* bm, __global float* out, int n) { \
    int i = get_global_id(0); \
    if (i >= n) return; \
    float a = as[d4j_offset(am, i)], b = bs[d4j_offset(bm, i)]; \
    out[i] = (EXPR); \
}

// cond != 0 picks a; a NaN condition counts as true, as != says.
__kernel void where_select(__global const float* cs, __global const int* cm, __global const float* as, __global const int* am,
                           __global const float* bs, __global const int* bm, __global float* out, int n) {
    int i = get_global_id(0);
    if (i >= n) return;
    float c = cs[d4j_offset(cm, i)];
    out[i] = c != 0.0f ? as[d4j_offset(am, i)] : bs[d4j_offset(bm, i)];
}

// ---- generated op table follows ----
