package diffusion4j.kernels.cpu;

import diffusion4j.tensor.ConvParams;
import diffusion4j.tensor.Device;
import diffusion4j.tensor.Storage;
import diffusion4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;

/**
 * A/B of the CPU convolution in one JVM (tools/perf/conv_ab.sh): {@code CpuConvOld} (a git revision
 * of CpuConv.java, renamed) against the working tree's {@link CpuConv}, on the Conv2dBenchmark cases
 * (3x3, stride 1, padding 1, C -> C, no bias). Checks agreement first, then times single calls of
 * each phase, old and new interleaved so both see the same machine load; prints medians.
 * Args: reps [shapes, comma-separated NxCxHxW]; {@code -Dab.warmup=N} untimed rounds first (default 3). With {@code -Ddiffusion4j.threads=1} the times are
 * the calling thread's CPU time, not wall time: on a loaded machine that still measures the kernel's
 * own cost (for tuning; the 2-thread wall times are what the targets are about).
 */
public final class ConvAB {
    public static void main(String[] args) {
        int reps = Integer.parseInt(args[0]);
        String[] shapes = (args.length > 1 ? args[1] : "32x64x32x32,32x128x16x16,32x256x8x8").split(",");
        ConvParams p = ConvParams.of(1, 1);
        for (String s : shapes) {
            int[] d = Arrays.stream(s.split("x")).mapToInt(Integer::parseInt).toArray();
            int c = d[1];
            Random r = new Random(1);
            Tensor x = Tensor.of(Device.CPU, gauss(r, d[0] * c * d[2] * d[3], 1), d);
            Tensor w = Tensor.of(Device.CPU, gauss(r, c * c * 9, 1 / Math.sqrt(9.0 * c)), c, c, 3, 3);
            Tensor dy = Tensor.of(Device.CPU, gauss(r, d[0] * c * d[2] * d[3], 1), d);
            int[] ws = {c, c, 3, 3};
            Map<String, Supplier<Storage>> ops = new LinkedHashMap<>();
            ops.put("old fwd", () -> CpuConvOld.conv2d(x, w, null, p));
            ops.put("new fwd", () -> CpuConv.conv2d(x, w, null, p));
            ops.put("old bwdI", () -> CpuConvOld.backwardInput(dy, w, d, p));
            ops.put("new bwdI", () -> CpuConv.backwardInput(dy, w, d, p));
            ops.put("old bwdW", () -> CpuConvOld.backwardWeight(x, dy, ws, p));
            ops.put("new bwdW", () -> CpuConv.backwardWeight(x, dy, ws, p));
            for (String phase : new String[] {"fwd", "bwdI", "bwdW"}) {
                AbCheck.agree(s, phase, ops.get("old " + phase).get(), ops.get("new " + phase).get());
            }
            Map<String, List<Double>> times = new LinkedHashMap<>();
            boolean cpu = Parallel.threads() == 1;
            var bean = java.lang.management.ManagementFactory.getThreadMXBean();
            int warmup = Integer.getInteger("ab.warmup", 3);
            for (int rep = -warmup; rep < reps; rep++) { // warm-up rounds first
                for (var e : ops.entrySet()) {
                    long t0 = cpu ? bean.getCurrentThreadCpuTime() : System.nanoTime();
                    e.getValue().get();
                    double ms = ((cpu ? bean.getCurrentThreadCpuTime() : System.nanoTime()) - t0) / 1e6;
                    if (rep >= 0) times.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(ms);
                }
            }
            for (String v : new String[] {"old", "new"}) {
                double f = median(times.get(v + " fwd")), bi = median(times.get(v + " bwdI")), bw = median(times.get(v + " bwdW"));
                System.out.printf("%-13s %s  fwd %7.2f ms  bwdI %7.2f  bwdW %7.2f  fwd+bwd %7.2f ms (medians of %d%s)%n",
                        s, v, f, bi, bw, f + bi + bw, reps, cpu ? ", CPU time, 1 thread" : "");
            }
        }
    }

    private static float[] gauss(Random r, int n, double scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (r.nextGaussian() * scale);
        return a;
    }

    private static double median(List<Double> l) {
        List<Double> s = new ArrayList<>(l);
        Collections.sort(s);
        return s.get(s.size() / 2);
    }
}
