// Batched SGEMM, C = A B (+ C), with arbitrary strides on both operands.
//
// Tiling (after Nugteren, "OpenCL SGEMM tuning for Kepler", kernels 4-6, and CLBlast's Xgemm):
// a work-group computes one TSM x TSN tile of C; a work-item owns a WPTM x WPTN register block
// whose rows are strided by RTSM = TSM/WPTM and columns by RTSN = TSN/WPTN, so neighbouring
// work-items write neighbouring columns (coalesced stores) and read neighbouring local-memory
// words (no bank conflicts). K advances TSK at a time: the whole work-group stages a TSM x TSK
// slice of A and a TSK x TSN slice of B in local memory, each work-item loading LPTA and LPTB
// elements; which index runs fastest across work-items during that load follows the operand's
// unit stride, so a transposed operand is read as coalesced as a plain one and costs no copy.
// Edge tiles load zeros outside M, N, K and guard their stores.
//
// Global size (ceil(N/TSN)*RTSN, ceil(M/TSM)*RTSM, batch); local size (RTSN, RTSM, 1).
// Element (b, i, k) of A is A[aOff + (b % aMod)*aBs + i*aRs + k*aCs] (aMod lets conv reuse one
// weight matrix per group across a batch of images; pass aMod = batch for a plain batched product);
// element (b, k, j) of B is B[bOff + b*bBs + k*bRs + j*bCs]; C[cOff + b*cBs + i*cRs + j] is
// overwritten, or added to when accumulate != 0.

#ifndef TSM
#define TSM 64
#endif
#ifndef TSN
#define TSN 64
#endif
#ifndef TSK
#define TSK 16
#endif
#ifndef WPTM
#define WPTM 4
#endif
#ifndef WPTN
#define WPTN 4
#endif

#define RTSM (TSM / WPTM)
#define RTSN (TSN / WPTN)
#define THREADS (RTSM * RTSN)
#define LPTA ((TSM * TSK + THREADS - 1) / THREADS)
#define LPTB ((TSN * TSK + THREADS - 1) / THREADS)
// One word of padding per local row keeps column-wise stores (k fastest) off a single bank.
#define ASTRIDE (TSM + 1)
#define BSTRIDE (TSN + 1)

__kernel __attribute__((reqd_work_group_size(RTSN, RTSM, 1)))
void sgemm(const int M, const int N, const int K,
           __global const float* A, const int aOff, const int aMod, const int aBs, const int aRs, const int aCs,
           __global const float* B, const int bOff, const int bBs, const int bRs, const int bCs,
           __global float* C, const int cOff, const int cBs, const int cRs, const int accumulate) {
    __local float As[TSK * ASTRIDE];
    __local float Bs[TSK * BSTRIDE];

    const int tn = get_local_id(0), tm = get_local_id(1), tid = tm * RTSN + tn;
    const int n0 = get_group_id(0) * TSN, m0 = get_group_id(1) * TSM, b = get_global_id(2);
    const __global float* a = A + aOff + (long) (b % aMod) * aBs;
    const __global float* bb = B + bOff + (long) b * bBs;
    // Uniform across the work-group: which tile index runs fastest while loading.
    const bool aKFast = aCs == 1 && aRs != 1;
    const bool bKFast = bRs == 1 && bCs != 1;

    float acc[WPTM][WPTN];
    for (int wm = 0; wm < WPTM; wm++)
        for (int wn = 0; wn < WPTN; wn++) acc[wm][wn] = 0.0f;

    for (int k0 = 0; k0 < K; k0 += TSK) {
        for (int l = 0; l < LPTA; l++) {
            int idx = tid + l * THREADS;
            if (idx < TSM * TSK) {
                int m = aKFast ? idx / TSK : idx % TSM, k = aKFast ? idx % TSK : idx / TSM;
                int gm = m0 + m, gk = k0 + k;
                As[k * ASTRIDE + m] = (gm < M && gk < K) ? a[gm * aRs + gk * aCs] : 0.0f;
            }
        }
        for (int l = 0; l < LPTB; l++) {
            int idx = tid + l * THREADS;
            if (idx < TSN * TSK) {
                int n = bKFast ? idx / TSK : idx % TSN, k = bKFast ? idx % TSK : idx / TSN;
                int gn = n0 + n, gk = k0 + k;
                Bs[k * BSTRIDE + n] = (gn < N && gk < K) ? bb[gk * bRs + gn * bCs] : 0.0f;
            }
        }
        barrier(CLK_LOCAL_MEM_FENCE);
        for (int k = 0; k < TSK; k++) {
            float breg[WPTN];
            for (int wn = 0; wn < WPTN; wn++) breg[wn] = Bs[k * BSTRIDE + tn + wn * RTSN];
            for (int wm = 0; wm < WPTM; wm++) {
                float areg = As[k * ASTRIDE + tm + wm * RTSM];
                for (int wn = 0; wn < WPTN; wn++) acc[wm][wn] = fma(areg, breg[wn], acc[wm][wn]);
            }
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }

    __global float* c = C + cOff + (long) b * cBs;
    for (int wm = 0; wm < WPTM; wm++) {
        int gm = m0 + tm + wm * RTSM;
        if (gm >= M) continue;
        for (int wn = 0; wn < WPTN; wn++) {
            int gn = n0 + tn + wn * RTSN;
            if (gn < N) {
                float v = acc[wm][wn];
                c[gm * cRs + gn] = accumulate ? c[gm * cRs + gn] + v : v;
            }
        }
    }
}
