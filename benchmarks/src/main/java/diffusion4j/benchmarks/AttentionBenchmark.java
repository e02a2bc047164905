package diffusion4j.benchmarks;

import diffusion4j.tensor.Device;
import diffusion4j.tensor.Functional;
import diffusion4j.tensor.Tensor;
import diffusion4j.tensor.TensorScope;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Fused scaled-dot-product attention, one head per batch row, no mask, not causal, scale
 * 1/sqrt(D). {@code forward} times {@link Functional#attention}; {@code forwardBackward} adds
 * {@link Functional#attentionBackward} from the saved out and lse with a fixed dout.
 *
 * <p>Work counted (the useful matmuls, not any recomputation a kernel chooses): forward
 * {@code q k^T} and {@code p v}, 4 B L^2 D flop; backward {@code dv = p^T dout}, {@code dp = dout v^T},
 * {@code dq = ds k}, {@code dk = ds^T q}, 8 B L^2 D flop.
 *
 * <p>Validation: batch rows are independent, so the oracle runs the first and last
 * {@link #validationRows} rows (forward, then backward from its own out and lse) and out, lse, dq,
 * dk, dv of those rows of the full benchmarked result must match.
 */
public class AttentionBenchmark extends KernelBenchmark {
    static final int ROWS = 2;

    /** Oracle work (12 L^2 D flop per row) above which a single row per edge is checked. */
    static final double ROW_BUDGET = 1e9;

    /**
     * B x L x D: batch rows (batch times heads folded into one), sequence length, head size. GPU
     * suite: {@code -p attnShape=128x1024x64,32x4096x64}, i.e. (B16, H8, L1024, D64) and (B4, H8, L4096, D64).
     */
    @Param({"128x256x32", "128x64x64"})
    public String attnShape;

    private Tensor q, k, v, dout;
    private float scale;

    @Setup(Level.Trial)
    public void setup() {
        Device dev = benchDevice();
        int[] s = ShapeParam.parse(attnShape, "B", "L", "D");
        int b = s[0], l = s[1], d = s[2];
        scale = (float) (1 / Math.sqrt(d));
        Twin tq = Twin.gaussian(dev, 41, s), tk = Twin.gaussian(dev, 42, s), tv = Twin.gaussian(dev, 43, s);
        Twin tdout = Twin.gaussian(dev, 44, s);
        q = tq.bench();
        k = tk.bench();
        v = tv.bench();
        dout = tdout.bench();

        Tensor[] got = outputs(null);
        // The scoped case as timed: in a scope, over the arrays a first scope gave back (old
        // contents), its outputs kept so they are validated like the plain ones.
        try (TensorScope warm = TensorScope.open()) {
            outputs(null);
        }
        Tensor[] scoped;
        try (TensorScope scope = TensorScope.open()) {
            scoped = outputs(scope);
        }
        String[] names = {"out", "lse", "dq", "dk", "dv"};
        double worst = 0;
        int rows = validationRows(l, d);
        for (int start : Validation.edgeStarts(b, rows)) {
            int len = Math.min(rows, b);
            Tensor qs = tq.ref().narrow(0, start, len), ks = tk.ref().narrow(0, start, len), vs = tv.ref().narrow(0, start, len);
            Functional.Attention ref = Functional.attention(qs, ks, vs, null, false, scale);
            Functional.AttentionGrads refGrads = Functional.attentionBackward(qs, ks, vs, ref.out(), ref.lse(),
                    tdout.ref().narrow(0, start, len), null, false, scale);
            Tensor[] want = {ref.out(), ref.lse(), refGrads.dq(), refGrads.dk(), refGrads.dv()};
            String slice = "rows " + start + ".." + (start + len - 1);
            for (int i = 0; i < names.length; i++) {
                worst = Math.max(worst, Validation.check(what(names[i], slice), got[i].narrow(0, start, len), want[i]));
                worst = Math.max(worst, Validation.check(what(names[i], slice + ", scoped"), scoped[i].narrow(0, start, len), want[i]));
            }
        }
        Validation.report("attention " + attnShape + " on " + checkedOn(), worst);

        double matmul = 2.0 * b * l * l * d;
        FlopProfiler.declare(AttentionBenchmark.class, "forward", 2 * matmul);
        FlopProfiler.declare(AttentionBenchmark.class, "forwardBackward", 6 * matmul);
        FlopProfiler.declare(AttentionBenchmark.class, "forwardBackwardScoped", 6 * matmul);
    }

    /** out, lse, dq, dk and dv of one forward and backward; kept past {@code scope} when it is given. */
    private Tensor[] outputs(TensorScope scope) {
        Functional.Attention a = Functional.attention(q, k, v, null, false, scale);
        Functional.AttentionGrads g = Functional.attentionBackward(q, k, v, a.out(), a.lse(), dout, null, false, scale);
        Tensor[] all = {a.out(), a.lse(), g.dq(), g.dk(), g.dv()};
        if (scope != null) for (Tensor t : all) scope.keep(t);
        return all;
    }

    /**
     * Batch rows checked at each edge: {@link #ROWS}, or 1 when a row's forward and backward cost
     * the oracle more than {@link #ROW_BUDGET} (L = 4096, D = 64: 13 GFLOP a row), so validating a
     * GPU-sized shape stays seconds on the CPU backend.
     */
    static int validationRows(int l, int d) {
        return 12.0 * l * l * d > ROW_BUDGET ? 1 : ROWS;
    }

    private String what(String output, String rows) {
        return "attention " + attnShape + " " + output + " (" + rows + ")";
    }

    @Benchmark
    public void forward(Blackhole bh) {
        Functional.Attention a = Functional.attention(q, k, v, null, false, scale);
        bh.consume(a.out());
        bh.consume(a.lse());
        sync();
    }

    @Benchmark
    public void forwardBackward(Blackhole bh) {
        Functional.Attention a = Functional.attention(q, k, v, null, false, scale);
        Functional.AttentionGrads g = Functional.attentionBackward(q, k, v, a.out(), a.lse(), dout, null, false, scale);
        bh.consume(g.dq());
        bh.consume(g.dk());
        bh.consume(g.dv());
        sync();
    }

    /**
     * {@link #forwardBackward} inside a {@link TensorScope}, as in a training step: the five
     * outputs' arrays are recycled instead of freshly allocated (and zeroed by the JVM) each call.
     */
    @Benchmark
    public void forwardBackwardScoped(Blackhole bh) {
        try (TensorScope scope = TensorScope.open()) {
            forwardBackward(bh);
        }
    }
}
