// Strided-to-strided copy (copyInto, download of a non-contiguous view, Tensor.contiguous).
// Tiling: 1-D; each work-item owns one element at row-major position i of the common shape and
// moves it from the source layout to the destination layout. The destination must not map two
// positions to one element (Backend.copyInto's contract), so work-items never race.
#include "layout.cl"

__kernel void copy_strided(__global const float* src, __global const int* sm, __global float* dst, __global const int* dm, int n) {
    int i = get_global_id(0);
    if (i >= n) return;
    dst[d4j_offset(dm, i)] = src[d4j_offset(sm, i)];
}
