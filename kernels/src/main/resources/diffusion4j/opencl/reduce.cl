// Reductions over dims and arg-max/min along one dim.
// Tiling: one work-group per output element. Work-item l of a group of size G owns reduced
// positions l, l+G, l+2G, ... (coalesced when the reduced run is dense), keeps a private partial,
// and the group combines partials in local memory (group.cl). The op is a runtime argument, not a
// build option: one compiled program serves SUM, MAX and MIN.
#include "layout.cl"
#include "group.cl"

// out[o] = op over the reduced sub-view of output o.
// km: kept dims (shape, strides, offset of x) enumerating outputs; rm: reduced dims (offset 0); k = their count.
__kernel void reduce_dims(__global const float* xs, __global const int* km, __global const int* rm, int k, int op,
                          __global float* out, __local float* tmp) {
    int o = get_group_id(0), lid = get_local_id(0), g = get_local_size(0);
    int base = d4j_offset(km, o);
    float acc = d4j_identity(op);
    for (int j = lid; j < k; j += g) acc = d4j_combine(op, acc, xs[base + d4j_offset(rm, j)]);
    acc = d4j_group_reduce(tmp, acc, op);
    if (lid == 0) out[o] = acc;
}

// Is (v, i) a better pick than (bv, bi)? First NaN wins, then the extremum, then the lower index.
inline bool d4j_better(float v, int i, float bv, int bi, int is_max) {
    if (isnan(bv)) return isnan(v) && i < bi;
    if (isnan(v)) return true;
    if (v == bv) return i < bi;
    return is_max ? v > bv : v < bv;
}

// out[o] = index of the first max (is_max) or min along the dim; om: the outer dims (dim removed), s: the dim's stride.
__kernel void arg_reduce(__global const float* xs, __global const int* om, int s, int n, int is_max,
                         __global float* out, __local float* tv, __local int* ti) {
    int o = get_group_id(0), lid = get_local_id(0), g = get_local_size(0);
    int base = d4j_offset(om, o);
    float bv = NAN;
    int bi = -1;
    for (int j = lid; j < n; j += g) {
        float v = xs[base + j * s];
        if (bi < 0 || d4j_better(v, j, bv, bi, is_max)) { bv = v; bi = j; }
    }
    tv[lid] = bv;
    ti[lid] = bi;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int h = g / 2; h > 0; h >>= 1) {
        if (lid < h && ti[lid + h] >= 0 && (ti[lid] < 0 || d4j_better(tv[lid + h], ti[lid + h], tv[lid], ti[lid], is_max))) {
            tv[lid] = tv[lid + h];
            ti[lid] = ti[lid + h];
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (lid == 0) out[o] = ti[0] < 0 ? 0.0f : (float) ti[0];
}
