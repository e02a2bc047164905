// gather and scatter-add along one dim, with index validation.
// Tiling: 1-D over fibers; a fiber is every index position that differs only along dim. Work-item f
// owns fiber f and walks it in order. In scatter-add two fibers differ in a non-dim coordinate, so
// they never write the same output element: owner-computes, no atomics on floats, duplicate indices
// add in index order exactly like a serial loop (deterministic).
// Every fiber meta (fm) enumerates fibers of the index's shape with dim set to 1, through the strides
// and offset of one operand; the matching *_d argument is that operand's stride along dim.
// A bad index (not an integer, or outside [0, size)) records its row-major position in *bad with
// atomic_min, so the host reports the first one, as the reference backend does.
#include "layout.cl"

inline bool d4j_bad_index(float v, int size) {
    return v != rint(v) || v < 0.0f || v >= (float) size;
}

// out (index's shape, dense) = x[.. index ..]; out's fiber meta doubles as the row-major position.
__kernel void gather(__global const float* x, __global const int* xfm, int x_d, __global const float* idx, __global const int* ifm,
                     int i_d, __global const int* ofm, int o_d, int n, int size, int fibers, __global float* out, __global int* bad) {
    int f = get_global_id(0);
    if (f >= fibers) return;
    int xb = d4j_offset(xfm, f), ib = d4j_offset(ifm, f), ob = d4j_offset(ofm, f);
    for (int j = 0; j < n; j++) {
        float v = idx[ib + j * i_d];
        int p = ob + j * o_d;
        if (d4j_bad_index(v, size)) { atomic_min(bad, p); out[p] = 0.0f; continue; }
        out[p] = x[xb + (int) v * x_d];
    }
}

// out (zeros of the output shape) += src at [.. index ..]; pfm / p_d give the row-major position of an index element.
__kernel void scatter_add(__global const float* src, __global const int* sfm, int s_d, __global const float* idx, __global const int* ifm,
                          int i_d, __global const int* ofm, int o_d, __global const int* pfm, int p_d, int n, int size, int fibers,
                          __global float* out, __global int* bad) {
    int f = get_global_id(0);
    if (f >= fibers) return;
    int sb = d4j_offset(sfm, f), ib = d4j_offset(ifm, f), ob = d4j_offset(ofm, f), pb = d4j_offset(pfm, f);
    for (int j = 0; j < n; j++) {
        float v = idx[ib + j * i_d];
        if (d4j_bad_index(v, size)) { atomic_min(bad, pb + j * p_d); continue; }
        out[ob + (int) v * o_d] += src[sb + j * s_d];
    }
}
