package diffusion4j.tensor;

/** Reductions along dims. Mean and variance are compositions in the front end. */
public enum ReduceOp {
    SUM(0) { public double combine(double acc, double x) { return acc + x; } },
    /** NaN-propagating, like torch.amax. */
    MAX(Double.NEGATIVE_INFINITY) { public double combine(double acc, double x) { return Double.isNaN(acc) ? acc : (Double.isNaN(x) || x > acc ? x : acc); } },
    MIN(Double.POSITIVE_INFINITY) { public double combine(double acc, double x) { return Double.isNaN(acc) ? acc : (Double.isNaN(x) || x < acc ? x : acc); } };

    private final double identity;

    ReduceOp(double identity) {
        this.identity = identity;
    }

    /** The value of a reduction over no elements. */
    public double identity() {
        return identity;
    }

    public abstract double combine(double acc, double x);
}
