package diffusion4j.benchmarks;

import diffusion4j.tensor.Device;
import diffusion4j.tensor.Functional;
import diffusion4j.tensor.Tensor;
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
 * <p>Validation: batch rows are independent, so the reference runs the first and last
 * {@link #ROWS} rows (forward, then backward from its own out and lse) and out, lse, dq, dk, dv of
 * those rows of the full benchmarked result must match.
 */
public class AttentionBenchmark extends KernelBenchmark {
    static final int ROWS = 2;

    /** B x L x D: batch rows (batch times heads), sequence length, head size. */
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

        Functional.Attention got = Functional.attention(q, k, v, null, false, scale);
        Functional.AttentionGrads gotGrads = Functional.attentionBackward(q, k, v, got.out(), got.lse(), dout, null, false, scale);
        double worst = 0;
        for (int start : Validation.edgeStarts(b, ROWS)) {
            int len = Math.min(ROWS, b);
            Tensor qs = tq.ref().narrow(0, start, len), ks = tk.ref().narrow(0, start, len), vs = tv.ref().narrow(0, start, len);
            Functional.Attention ref = Functional.attention(qs, ks, vs, null, false, scale);
            Functional.AttentionGrads refGrads = Functional.attentionBackward(qs, ks, vs, ref.out(), ref.lse(),
                    tdout.ref().narrow(0, start, len), null, false, scale);
            String rows = "rows " + start + ".." + (start + len - 1);
            worst = Math.max(worst, Validation.check(what("out", rows), got.out().narrow(0, start, len), ref.out()));
            worst = Math.max(worst, Validation.check(what("lse", rows), got.lse().narrow(0, start, len), ref.lse()));
            worst = Math.max(worst, Validation.check(what("dq", rows), gotGrads.dq().narrow(0, start, len), refGrads.dq()));
            worst = Math.max(worst, Validation.check(what("dk", rows), gotGrads.dk().narrow(0, start, len), refGrads.dk()));
            worst = Math.max(worst, Validation.check(what("dv", rows), gotGrads.dv().narrow(0, start, len), refGrads.dv()));
        }
        Validation.report("attention " + attnShape + " on " + device, worst);

        double matmul = 2.0 * b * l * l * d;
        FlopProfiler.declare(AttentionBenchmark.class, "forward", 2 * matmul);
        FlopProfiler.declare(AttentionBenchmark.class, "forwardBackward", 6 * matmul);
    }

    private String what(String output, String rows) {
        return "attention " + attnShape + " " + output + " (" + rows + ")";
    }

    @Benchmark
    public void forward(Blackhole bh) {
        Functional.Attention a = Functional.attention(q, k, v, null, false, scale);
        bh.consume(a.out());
        bh.consume(a.lse());
    }

    @Benchmark
    public void forwardBackward(Blackhole bh) {
        Functional.Attention a = Functional.attention(q, k, v, null, false, scale);
        Functional.AttentionGrads g = Functional.attentionBackward(q, k, v, a.out(), a.lse(), dout, null, false, scale);
        bh.consume(g.dq());
        bh.consume(g.dk());
        bh.consume(g.dv());
    }
}
