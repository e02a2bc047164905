package diffusion4j.kernels.cpu;

import static diffusion4j.kernels.cpu.VecMath.S;

import diffusion4j.tensor.AdamUpdate;
import diffusion4j.tensor.Backend.AdamOutput;
import diffusion4j.tensor.HeapStorage;
import diffusion4j.tensor.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * The fused Adam/AdamW update: one pass reading w, g, m, v and writing the new three, with the
 * float operations in {@link AdamUpdate}'s order (separate multiplies and adds, no fma), so the
 * vector body, the scalar tail and the unfused op sequence all give the same bits.
 */
final class CpuOptim {
    private CpuOptim() {}

    /** Elements per thread below which splitting costs more than it saves. */
    private static final int GRAIN = 1 << 15;

    /** @param w, g, m, v contiguous, same shape */
    static AdamOutput adam(Tensor w, Tensor g, Tensor m, Tensor v, AdamUpdate u) {
        int n = w.numel();
        float[] wa = HeapStorage.of(w.storage()), ga = HeapStorage.of(g.storage());
        float[] ma = HeapStorage.of(m.storage()), va = HeapStorage.of(v.storage());
        int wo = w.layout().offset(), go = g.layout().offset(), mo = m.layout().offset(), vo = v.layout().offset();
        float[] w2 = new float[n], m2 = new float[n], v2 = new float[n];
        Parallel.range(n, GRAIN, (start, end) -> {
            int i = start;
            for (int bound = start + S.loopBound(end - start); i < bound; i += S.length()) {
                FloatVector wi = FloatVector.fromArray(S, wa, wo + i), gi = FloatVector.fromArray(S, ga, go + i);
                if (u.hasL2()) gi = gi.add(wi.mul(u.l2()));
                FloatVector w1 = u.decoupled() ? wi.mul(u.decayFactor()) : wi;
                FloatVector mi = FloatVector.fromArray(S, ma, mo + i).mul(u.beta1()).add(gi.mul(u.oneMinusBeta1()));
                FloatVector vi = FloatVector.fromArray(S, va, vo + i).mul(u.beta2()).add(gi.mul(gi).mul(u.oneMinusBeta2()));
                FloatVector denom = vi.lanewise(VectorOperators.SQRT).div(u.sqrtBc2()).add(u.eps());
                w1.sub(mi.div(denom).mul(u.stepSize())).intoArray(w2, i);
                mi.intoArray(m2, i);
                vi.intoArray(v2, i);
            }
            for (; i < end; i++) {
                float wi = wa[wo + i], gi = ga[go + i];
                if (u.hasL2()) gi = gi + wi * u.l2();
                float w1 = u.decoupled() ? wi * u.decayFactor() : wi;
                float mi = ma[mo + i] * u.beta1() + gi * u.oneMinusBeta1();
                float vi = va[vo + i] * u.beta2() + gi * gi * u.oneMinusBeta2();
                w2[i] = w1 - mi / ((float) Math.sqrt(vi) / u.sqrtBc2() + u.eps()) * u.stepSize();
                m2[i] = mi;
                v2[i] = vi;
            }
        });
        return new AdamOutput(new HeapStorage(w2), new HeapStorage(m2), new HeapStorage(v2));
    }
}
