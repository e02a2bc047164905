package diffusion4j.benchmarks;

/**
 * Parses the {@code @Param} shape strings, such as {@code "32x64x32x32"}. JMH splits {@code -p}
 * values on commas, so shapes use 'x' between sizes. Any shape may be given with {@code -p}, not
 * only the defaults: the GPU-sized ones (docs/benchmarks.md, "GPU suite") go through here too.
 */
final class ShapeParam {
    private ShapeParam() {}

    /**
     * @param text  sizes joined by 'x'
     * @param names what each size means, for example "N", "C", "H", "W"; fixes the expected count
     * @return the sizes, each >= 1, whose product fits an int (a tensor's element count)
     */
    static int[] parse(String text, String... names) {
        String[] parts = text.trim().split("x");
        String form = String.join("x", names);
        if (parts.length != names.length) {
            throw new IllegalArgumentException("shape '" + text + "' must have the form " + form);
        }
        int[] sizes = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                sizes[i] = Integer.parseInt(parts[i]);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("shape '" + text + "': " + names[i] + " is not a number (form " + form + ")");
            }
            if (sizes[i] < 1) throw new IllegalArgumentException("shape '" + text + "': " + names[i] + " must be >= 1");
        }
        long numel = 1;
        for (int size : sizes) {
            numel *= size;
            // Checked per factor, so the long product itself cannot overflow before the test.
            if (numel > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("shape '" + text + "' has more than 2^31-1 elements");
            }
        }
        return sizes;
    }
}
