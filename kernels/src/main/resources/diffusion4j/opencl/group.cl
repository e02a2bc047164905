// Work-group reductions in local memory, included by reduce.cl and softmax.cl.
// Every work-item of the group calls d4j_group_reduce with its partial value; all get the result.
// The group size must be a power of two (ClTuning.reduceWorkGroup and the launchers ensure it).

#define D4J_SUM 0
#define D4J_MAX 1
#define D4J_MIN 2

// NaN-propagating combine, the same rule as ReduceOp.combine: once NaN, always NaN.
inline float d4j_combine(int op, float acc, float x) {
    if (op == D4J_SUM) return acc + x;
    if (isnan(acc)) return acc;
    if (isnan(x)) return x;
    return op == D4J_MAX ? (x > acc ? x : acc) : (x < acc ? x : acc);
}

inline float d4j_identity(int op) {
    return op == D4J_SUM ? 0.0f : (op == D4J_MAX ? -INFINITY : INFINITY);
}

// Tree reduction over the group: log2(size) halving steps with a barrier each.
inline float d4j_group_reduce(__local float* tmp, float v, int op) {
    int lid = get_local_id(0), size = get_local_size(0);
    barrier(CLK_LOCAL_MEM_FENCE); // tmp may still be read by a previous call
    tmp[lid] = v;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int s = size / 2; s > 0; s >>= 1) {
        if (lid < s) tmp[lid] = d4j_combine(op, tmp[lid], tmp[lid + s]);
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    return tmp[0];
}
