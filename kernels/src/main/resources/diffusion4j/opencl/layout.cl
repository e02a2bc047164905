// Strided operand addressing, included by the light-op kernels (ProgramCache inlines #include).
// A kernel operand is (buffer, meta): meta is a small int buffer built by ClLaunch.meta from the
// tensor's Layout after dropping size-1 dims and merging mergeable neighbours:
//   m[0] = rank r, m[1..r] = shape, m[r+1..2r] = strides (elements, 0 = broadcast), m[2r+1] = offset.
// A dense operand collapses to rank 1 with stride 1, which d4j_offset turns into base + i: that is
// the contiguous fast path, and the branch is uniform across a work-group.

// Storage index of the element at row-major position i of the operand described by m.
inline int d4j_offset(__global const int* m, int i) {
    int r = m[0];
    if (r == 1 && m[2] == 1) return m[3] + i;
    int off = m[2 * r + 1];
    for (int d = r - 1; d >= 0; d--) {
        int s = m[1 + d];
        off += (i % s) * m[1 + r + d];
        i /= s;
    }
    return off;
}
