package diffusion4j.kernels.cpu;

import diffusion4j.tensor.HeapStorage;
import diffusion4j.tensor.Storage;

/** The agreement check shared by the A/B harnesses (tools/perf/ab_common.sh copies it next to them). */
final class AbCheck {
    private AbCheck() {}

    /** Prints the largest difference of old against new and stops the run past 1e-4 of the largest value. */
    static void agree(String shape, String what, Storage oldS, Storage newS) {
        float[] a = HeapStorage.of(oldS), b = HeapStorage.of(newS);
        double diff = 0, max = 0;
        for (int i = 0; i < a.length; i++) {
            diff = Math.max(diff, Math.abs(a[i] - b[i]));
            max = Math.max(max, Math.abs(a[i]));
        }
        System.out.printf("%-13s %-5s old vs new: max |diff| %.2e (max |value| %.3g)%n", shape, what, diff, max);
        if (!(diff <= 1e-4 * Math.max(1, max))) throw new AssertionError(shape + " " + what + ": old and new disagree");
    }
}
