package diffusion4j.benchmarks;

import diffusion4j.tensor.Device;
import diffusion4j.tensor.Tensor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;

/**
 * The memory-bound floor: a unary op ({@code silu}, {@link Tensor#silu}) and a binary one
 * ({@code add}, {@link Tensor#add} of two dense tensors of equal shape, no broadcast) over
 * {@link #elements} floats. The default, 8M floats = 32 MiB per tensor, is far past any cache, so
 * the GB/s that {@link FlopProfiler} reports (bytes counted analytically: silu reads n and writes
 * n floats, add reads 2n and writes n) compares with the device's memory bandwidth; the GPU
 * performance goal is at least 60% of it at 8 MB and above.
 *
 * <p>Validation: both outputs in full against the oracle (a few passes over the data).
 */
public class ElementwiseBenchmark extends KernelBenchmark {
    /** Element count of every operand and result. */
    @Param({"8388608"})
    public int elements;

    private Tensor a, b;

    @Setup(Level.Trial)
    public void setup() {
        Device dev = benchDevice();
        Twin ta = Twin.gaussian(dev, 51, elements), tb = Twin.gaussian(dev, 52, elements);
        a = ta.bench();
        b = tb.bench();
        double worst = Math.max(
                Validation.check("silu n=" + elements, a.silu(), ta.ref().silu()),
                Validation.check("add n=" + elements, a.add(b), ta.ref().add(tb.ref())));
        Validation.report("elementwise silu and add n=" + elements + " on " + checkedOn(), worst);
        FlopProfiler.declareBytes(ElementwiseBenchmark.class, "silu", 2.0 * Float.BYTES * elements);
        FlopProfiler.declareBytes(ElementwiseBenchmark.class, "add", 3.0 * Float.BYTES * elements);
    }

    @Benchmark
    public Tensor silu() {
        return synced(a.silu());
    }

    @Benchmark
    public Tensor add() {
        return synced(a.add(b));
    }
}
