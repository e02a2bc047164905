package diffusion4j.optim;

/**
 * A learning rate as a function of the optimizer step (0 for the first update). Schedules compose:
 * {@link #warmupCosine} is a linear warm-up {@link #then} a cosine decay.
 */
@FunctionalInterface
public interface LrSchedule {
    /** The learning rate of update number {@code step} (0-based). */
    double at(long step);

    static LrSchedule constant(double lr) {
        checkLr(lr);
        return step -> lr;
    }

    /**
     * Linear warm-up (Goyal et al. 2017, section 2.2): lr * (step + 1) / steps for the first
     * {@code steps} updates, then lr. Counting from step + 1 means the first update is not wasted at 0.
     */
    static LrSchedule linearWarmup(double lr, long steps) {
        checkLr(lr);
        if (steps <= 0) throw new IllegalArgumentException("linearWarmup: steps must be positive, got " + steps);
        return step -> lr * Math.min(1.0, (step + 1) / (double) steps);
    }

    /**
     * Cosine annealing (Loshchilov and Hutter 2017, SGDR eq. 5, one cycle):
     * min + (max - min) * (1 + cos(pi * step / steps)) / 2, held at min after {@code steps}.
     */
    static LrSchedule cosine(double max, double min, long steps) {
        checkLr(max);
        checkLr(min);
        if (steps <= 0) throw new IllegalArgumentException("cosine: steps must be positive, got " + steps);
        return step -> min + (max - min) * 0.5 * (1 + Math.cos(Math.PI * Math.min(step, steps) / steps));
    }

    /** This schedule for steps below {@code boundary}, then {@code next} counted from 0 at the boundary. */
    default LrSchedule then(long boundary, LrSchedule next) {
        if (boundary < 0) throw new IllegalArgumentException("then: negative boundary " + boundary);
        LrSchedule first = this;
        return step -> step < boundary ? first.at(step) : next.at(step - boundary);
    }

    /** The schedule times {@code factor}. */
    default LrSchedule scaled(double factor) {
        LrSchedule s = this;
        return step -> factor * s.at(step);
    }

    /**
     * Warm-up to {@code peak} over {@code warmup} steps, then cosine down to {@code min} at
     * {@code total} steps: the usual schedule for AdamW training.
     */
    static LrSchedule warmupCosine(double peak, double min, long warmup, long total) {
        if (warmup < 0 || total <= warmup) {
            throw new IllegalArgumentException("warmupCosine: need 0 <= warmup < total, got warmup=" + warmup + " total=" + total);
        }
        LrSchedule decay = cosine(peak, min, total - warmup);
        return warmup == 0 ? decay : linearWarmup(peak, warmup).then(warmup, decay);
    }

    private static void checkLr(double lr) {
        if (!(lr >= 0) || Double.isInfinite(lr)) throw new IllegalArgumentException("learning rate must be finite and >= 0, got " + lr);
    }
}
