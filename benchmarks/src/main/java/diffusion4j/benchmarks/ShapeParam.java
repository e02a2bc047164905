package diffusion4j.benchmarks;

/**
 * Parses the {@code @Param} shape strings, such as {@code "32x64x32x32"}. JMH splits {@code -p}
 * values on commas, so shapes use 'x' between sizes.
 */
final class ShapeParam {
    private ShapeParam() {}

    /**
     * @param text  sizes joined by 'x'
     * @param names what each size means, for example "N", "C", "H", "W"; fixes the expected count
     * @return the sizes, each >= 1
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
        return sizes;
    }
}
