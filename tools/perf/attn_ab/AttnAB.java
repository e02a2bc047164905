package diffusion4j.kernels.cpu;

import diffusion4j.tensor.Backend;
import diffusion4j.tensor.Device;
import diffusion4j.tensor.HeapStorage;
import diffusion4j.tensor.Tensor;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;

/**
 * A/B of the CPU attention in one JVM (tools/perf/attn_ab.sh): {@code CpuAttentionOld} (a git
 * revision of CpuAttention.java, renamed) against the working tree's {@link CpuAttention}, on the
 * AttentionBenchmark cases (no mask, not causal, scale 1/sqrt(D)). Checks agreement first, then
 * times single calls of forward and backward (each from its own side's saved out and lse), old and
 * new interleaved so both see the same machine load; prints medians.
 * Args: reps [shapes, comma-separated BxLxD].
 */
public final class AttnAB {
    public static void main(String[] args) {
        int reps = Integer.parseInt(args[0]);
        String[] shapes = (args.length > 1 ? args[1] : "128x256x32,128x64x64").split(",");
        for (String s : shapes) {
            int[] d = Arrays.stream(s.split("x")).mapToInt(Integer::parseInt).toArray();
            Random r = new Random(1);
            Tensor q = gauss(r, d), k = gauss(r, d), v = gauss(r, d), dout = gauss(r, d);
            float scale = (float) (1 / Math.sqrt(d[2]));
            Backend.AttentionOutput oldOut = CpuAttentionOld.forward(q, k, v, null, false, scale);
            Backend.AttentionOutput newOut = CpuAttention.forward(q, k, v, null, false, scale);
            Tensor oo = Tensor.of(Device.CPU, HeapStorage.of(oldOut.out()), d), ol = Tensor.of(Device.CPU, HeapStorage.of(oldOut.lse()), d[0], d[1]);
            Tensor no = Tensor.of(Device.CPU, HeapStorage.of(newOut.out()), d), nl = Tensor.of(Device.CPU, HeapStorage.of(newOut.lse()), d[0], d[1]);
            Map<String, Supplier<Object>> ops = new LinkedHashMap<>();
            ops.put("old fwd", () -> CpuAttentionOld.forward(q, k, v, null, false, scale));
            ops.put("new fwd", () -> CpuAttention.forward(q, k, v, null, false, scale));
            ops.put("old bwd", () -> CpuAttentionOld.backward(q, k, v, oo, ol, dout, null, false, scale));
            ops.put("new bwd", () -> CpuAttention.backward(q, k, v, no, nl, dout, null, false, scale));
            Backend.AttentionGrads og = (Backend.AttentionGrads) ops.get("old bwd").get(), ng = (Backend.AttentionGrads) ops.get("new bwd").get();
            AbCheck.agree(s, "out", oldOut.out(), newOut.out());
            AbCheck.agree(s, "lse", oldOut.lse(), newOut.lse());
            AbCheck.agree(s, "dq", og.dq(), ng.dq());
            AbCheck.agree(s, "dk", og.dk(), ng.dk());
            AbCheck.agree(s, "dv", og.dv(), ng.dv());
            // What the JVM spends zeroing the outputs on the calling thread (out, lse; dq, dk, dv): part of both sides.
            int elems = d[0] * d[1] * d[2];
            ops.put("alloc", () -> new float[][] {new float[elems], new float[d[0] * d[1]], new float[elems], new float[elems], new float[elems]});
            Map<String, List<Double>> times = new LinkedHashMap<>(), cpu = new LinkedHashMap<>();
            ThreadMXBean mx = ManagementFactory.getThreadMXBean();
            for (int rep = -20; rep < reps; rep++) { // 20 warm-up rounds: on a loaded machine C2 can take that long to settle
                for (var e : ops.entrySet()) {
                    long c0 = mx.getCurrentThreadCpuTime(), t0 = System.nanoTime();
                    e.getValue().get();
                    double ms = (System.nanoTime() - t0) / 1e6, cms = (mx.getCurrentThreadCpuTime() - c0) / 1e6;
                    if (rep >= 0) {
                        times.computeIfAbsent(e.getKey(), key -> new ArrayList<>()).add(ms);
                        cpu.computeIfAbsent(e.getKey(), key -> new ArrayList<>()).add(cms);
                    }
                }
            }
            // With one thread the calling thread does all the work, so its CPU time is the call's,
            // and unlike wall time it does not grow when other processes take the core.
            boolean oneThread = Parallel.threads() == 1;
            for (String side : new String[] {"old", "new"}) {
                double f = median(times.get(side + " fwd")), b = median(times.get(side + " bwd"));
                System.out.printf("%-11s %s  fwd %7.2f ms  bwd %7.2f  fwd+bwd %7.2f ms wall", s, side, f, b, f + b);
                if (oneThread) {
                    double cf = median(cpu.get(side + " fwd")), cb = median(cpu.get(side + " bwd"));
                    System.out.printf("; cpu fwd %7.2f  bwd %7.2f  fwd+bwd %7.2f ms", cf, cb, cf + cb);
                }
                System.out.printf(" (medians of %d)%n", reps);
            }
            System.out.printf("%-11s output allocation (fwd+bwd outputs) %.2f ms wall, %.2f ms calling-thread cpu%n", s,
                    median(times.get("alloc")), median(cpu.get("alloc")));
        }
    }

    private static Tensor gauss(Random r, int[] shape) {
        float[] a = new float[shape[0] * shape[1] * shape[2]];
        for (int i = 0; i < a.length; i++) a[i] = (float) r.nextGaussian();
        return Tensor.of(Device.CPU, a, shape);
    }

    private static double median(List<Double> l) {
        List<Double> s = new ArrayList<>(l);
        Collections.sort(s);
        return s.get(s.size() / 2);
    }
}
