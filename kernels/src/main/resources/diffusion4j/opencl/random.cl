// The Philox4x32-10 stream of diffusion4j.tensor.Philox, bit for bit.
// Tiling: 1-D over Philox blocks; work-item b computes block (offset + b) once and writes the
// outputs that block feeds: 4 uniforms, or 2 normals (Box-Muller on word pairs (0,1) and (2,3)).
// Uniforms are exact integer arithmetic. Normals are computed in double when the device has
// cl_khr_fp64 (-DUSE_FP64), as Philox.normal does, so they match the CPU except where the driver's
// double log/cos (a few ulp) flips the final float rounding (about 1 in 10^8); without fp64 they are
// float Box-Muller, within ~1e-6 relative.
#ifdef USE_FP64
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
#endif

inline uint4 d4j_philox(uint c0, uint c1, uint k0, uint k1) {
    uint c2 = 0, c3 = 0;
    for (int round = 0; round < 10; round++) {
        uint hi0 = mul_hi(0xD2511F53u, c0), lo0 = 0xD2511F53u * c0;
        uint hi1 = mul_hi(0xCD9E8D57u, c2), lo1 = 0xCD9E8D57u * c2;
        uint n0 = hi1 ^ c1 ^ k0, n2 = hi0 ^ c3 ^ k1;
        c0 = n0;
        c1 = lo1;
        c2 = n2;
        c3 = lo0;
        k0 += 0x9E3779B9u;
        k1 += 0xBB67AE85u;
    }
    return (uint4) (c0, c1, c2, c3);
}

inline float d4j_normal(uint w1, uint w2) {
#ifdef USE_FP64
    double u1 = ((double) ((w1 >> 8) + 1)) * 0x1.0p-24;
    double u2 = ((double) (w2 >> 8)) * 0x1.0p-24;
    return (float) (sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2));
#else
    float u1 = ((float) ((w1 >> 8) + 1)) * 0x1.0p-24f;
    float u2 = ((float) (w2 >> 8)) * 0x1.0p-24f;
    return sqrt(-2.0f * log(u1)) * cos(2.0f * M_PI_F * u2);
#endif
}

// kind 0: uniform, 1: normal. n outputs; seed and offset as (lo, hi) 32-bit halves.
__kernel void philox_fill(__global float* out, int n, int kind, uint seed_lo, uint seed_hi, uint off_lo, uint off_hi) {
    int b = get_global_id(0);
    int per = kind == 0 ? 4 : 2;
    int first = b * per;
    if (first >= n) return;
    ulong counter = (((ulong) off_hi) << 32 | off_lo) + (ulong) b;
    uint4 w = d4j_philox((uint) counter, (uint) (counter >> 32), seed_lo, seed_hi);
    if (kind == 0) {
        uint ws[4] = {w.x, w.y, w.z, w.w};
        for (int q = 0; q < 4 && first + q < n; q++) out[first + q] = (float) (ws[q] >> 8) * 0x1.0p-24f;
    } else {
        out[first] = d4j_normal(w.x, w.y);
        if (first + 1 < n) out[first + 1] = d4j_normal(w.z, w.w);
    }
}
