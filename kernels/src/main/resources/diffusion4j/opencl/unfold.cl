// unfold (im2col) and fold (col2im), shared by the unfold/fold ops and by conv2d.
//
// Geometry arguments, in this order everywhere: C, H, W (input planes), KH, KW (window),
// SH, SW (stride), PH, PW (padding), DH, DW (dilation), OH, OW (window grid).
// Window position q = oy*OW + ox, tap t = ki*KW + kj; column row r = c*KH*KW + t.

#define GEOMETRY const int C, const int H, const int W, const int KH, const int KW, \
                 const int SH, const int SW, const int PH, const int PW, const int DH, const int DW, \
                 const int OH, const int OW

// im2col over window positions [p0, p0 + pc) of nImages images. A work-item owns one column
// element: it reads at most one input element (or padValue outside the image).
// 1-D global size >= total = nImages*C*KH*KW*pc. x element (n, c, y, x) is
// x[xOff + n*xsN + c*xsC + y*xsH + x*xsW]; output cols (nImages, C*KH*KW, pc), dense from colsOff.
__kernel void im2col(const int total, __global const float* x, const int xOff, const int xsN, const int xsC,
                     const int xsH, const int xsW, GEOMETRY, const int p0, const int pc, const float padValue,
                     __global float* cols, const int colsOff) {
    const int id = get_global_id(0);
    if (id >= total) return;
    const int q = id % pc, rows = C * KH * KW, r = (id / pc) % rows, n = id / pc / rows;
    const int taps = KH * KW, c = r / taps, t = r % taps, ki = t / KW, kj = t % KW;
    const int pos = p0 + q, oy = pos / OW, ox = pos % OW;
    const int iy = oy * SH - PH + ki * DH, ix = ox * SW - PW + kj * DW;
    float v = padValue;
    if (iy >= 0 && iy < H && ix >= 0 && ix < W) v = x[xOff + n * xsN + c * xsC + iy * xsH + ix * xsW];
    cols[colsOff + id] = v;
}

// col2im, owner-computes: a work-item owns one input element (n, c, iy, ix) and sums, over the
// taps, the one window position (if any) that reads it, restricted to positions [p0, p0 + pc);
// nothing is shared between work-items, so no atomics. Column element (n, c, t, oy, ox) is
// cols[colsOff + n*csN + c*csC + t*csT + oy*csY + ox*csX] (any strides; a chunk of positions
// passes colsOff = -p0 with dense strides, so its first position lands on element 0). 1-D global
// size >= total = nImages*C*H*W; the output x is dense from xOff, overwritten, or added to when
// accumulate != 0 (later chunks of one image).
__kernel void col2im(const int total, __global const float* cols, const int colsOff, const int csN, const int csC,
                     const int csT, const int csY, const int csX, GEOMETRY, const int p0, const int pc,
                     const int accumulate, __global float* x, const int xOff) {
    const int id = get_global_id(0);
    if (id >= total) return;
    const int ix = id % W, iy = (id / W) % H, nc = id / W / H, n = nc / C, c = nc % C;
    const long base = (long) colsOff + (long) n * csN + (long) c * csC;
    float sum = 0.0f;
    for (int ki = 0; ki < KH; ki++) {
        const int ty = iy + PH - ki * DH;
        if (ty < 0 || ty % SH != 0 || ty / SH >= OH) continue;
        const int oy = ty / SH;
        for (int kj = 0; kj < KW; kj++) {
            const int tx = ix + PW - kj * DW;
            if (tx < 0 || tx % SW != 0 || tx / SW >= OW) continue;
            const int ox = tx / SW, pos = oy * OW + ox;
            if (pos < p0 || pos >= p0 + pc) continue;
            sum += cols[base + (ki * KW + kj) * csT + oy * csY + ox * csX];
        }
    }
    x[xOff + id] = accumulate ? x[xOff + id] + sum : sum;
}
