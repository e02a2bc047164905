// conv2d pieces that are not GEMM or im2col (those live in matmul.cl and unfold.cl).

// y (N, O, P) = bias[o] broadcast over images and positions, before the GEMM adds W * cols into it.
// A work-item owns one output element. 1-D global size >= total = N*O*P.
__kernel void bias_fill(const int total, __global const float* bias, const int biasOff, const int O, const int P,
                        __global float* y) {
    const int id = get_global_id(0);
    if (id >= total) return;
    y[id] = bias[biasOff + (id / P) % O];
}
