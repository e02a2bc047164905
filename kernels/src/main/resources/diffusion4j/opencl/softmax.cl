// Softmax and log-softmax along one dim, forward and backward.
// Tiling: one work-group per row (every index but dim). Work-item l owns row elements l, l+G, ...;
// forward is three sweeps over the row (max, sum of exp(x - max), write), each partial combined in
// local memory (group.cl); backward is two (the dot or sum, then write). Rows are read in place
// through their layout (xm: the outer dims of x, xs_: the stride along dim); the output is dense.
#include "layout.cl"
#include "group.cl"

__kernel void softmax_fwd(__global const float* x, __global const int* xm, int xs_, __global const int* om, int os_, int n,
                          int logsm, __global float* out, __local float* tmp) {
    int r = get_group_id(0), lid = get_local_id(0), g = get_local_size(0);
    int xb = d4j_offset(xm, r), ob = d4j_offset(om, r);
    float m = -INFINITY;
    for (int j = lid; j < n; j += g) m = d4j_combine(D4J_MAX, m, x[xb + j * xs_]);
    m = d4j_group_reduce(tmp, m, D4J_MAX);
    float s = 0.0f;
    for (int j = lid; j < n; j += g) s += exp(x[xb + j * xs_] - m);
    s = d4j_group_reduce(tmp, s, D4J_SUM);
    float shift = m + log(s), inv = 1.0f / s;
    for (int j = lid; j < n; j += g) {
        float v = x[xb + j * xs_];
        out[ob + j * os_] = logsm ? v - shift : exp(v - m) * inv;
    }
}

// dx = y (dy - sum(dy y)) for softmax, dy - exp(y) sum(dy) for log-softmax.
__kernel void softmax_bwd(__global const float* y, __global const int* ym, int ys_, __global const float* dy, __global const int* gm,
                          int gs_, __global const int* om, int os_, int n, int logsm, __global float* out, __local float* tmp) {
    int r = get_group_id(0), lid = get_local_id(0), g = get_local_size(0);
    int yb = d4j_offset(ym, r), gb = d4j_offset(gm, r), ob = d4j_offset(om, r);
    float s = 0.0f;
    for (int j = lid; j < n; j += g) s += logsm ? dy[gb + j * gs_] : dy[gb + j * gs_] * y[yb + j * ys_];
    s = d4j_group_reduce(tmp, s, D4J_SUM);
    for (int j = lid; j < n; j += g) {
        float yv = y[yb + j * ys_], gv = dy[gb + j * gs_];
        out[ob + j * os_] = logsm ? gv - exp(yv) * s : yv * (gv - s);
    }
}
