package diffusion4j.data;

import diffusion4j.tensor.Device;
import diffusion4j.tensor.Tensor;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Fashion-MNIST (Xiao, Rasul, Vollgraf 2017): 28x28 grey images of clothing in 10 classes,
 * 60,000 for training and 10,000 for testing.
 *
 * <p>{@link #load(Split)} looks, in order, in the directory named by the system property
 * {@value #DIR_PROPERTY}, in {@link #SYSTEM_DIR} (where Debian's {@code dataset-fashion-mnist}
 * installs the original gzipped IDX files), and finally falls back to the class-balanced subset
 * embedded in this jar (2,000 training and 500 test images; see
 * {@code resources/fashion-mnist/README.md}), so code and tests run anywhere.
 *
 * <p>Pixels stay bytes until asked for: {@link #images} builds the (N, 1, 28, 28) tensor in the
 * requested {@link Scale}.
 */
public final class FashionMnist {
    public static final int SIZE = 28;
    public static final Path SYSTEM_DIR = Path.of("/usr/share/datasets/fashion-mnist");
    public static final String DIR_PROPERTY = "diffusion4j.fashionmnist.dir";
    private static final String RESOURCE_DIR = "/fashion-mnist/";

    /** Class names by label id, from the dataset's README. */
    public static final List<String> CLASSES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
            "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

    /** The two splits, by the file-name prefix the dataset uses. */
    public enum Split {
        TRAIN("train"), TEST("t10k");

        private final String prefix;

        Split(String prefix) {
            this.prefix = prefix;
        }

        String imagesFile() { return prefix + "-images-idx3-ubyte"; }
        String labelsFile() { return prefix + "-labels-idx1-ubyte"; }
    }

    /** How bytes 0..255 become floats. */
    public enum Scale {
        /** {@code p / 255}, in [0, 1] (torchvision's ToTensor). */
        ZERO_TO_ONE,
        /** {@code (p / 255 - 0.5) / 0.5}, in [-1, 1], the range DDPM models (ToTensor then Normalize(0.5, 0.5)). */
        MINUS_ONE_TO_ONE;

        /** The float for byte value {@code p}, computed in float32 in the same order as torchvision. */
        public float apply(int p) {
            float unit = p / 255f;
            return this == ZERO_TO_ONE ? unit : (unit - 0.5f) / 0.5f;
        }
    }

    private final Idx.Images images;
    private final byte[] labels;
    private final String source;

    private FashionMnist(Idx.Images images, byte[] labels, String source) {
        this.images = images;
        this.labels = labels;
        this.source = source;
    }

    // ---- loading --------------------------------------------------------------------------------

    /** {@code split} from the property's directory, else {@link #SYSTEM_DIR}, else the embedded subset. */
    public static FashionMnist load(Split split) throws IOException {
        String named = System.getProperty(DIR_PROPERTY);
        if (named != null && !named.isBlank()) return load(Path.of(named), split);
        if (hasFiles(SYSTEM_DIR, split)) return load(SYSTEM_DIR, split);
        return embedded(split);
    }

    /** {@code split} from the IDX files in {@code dir}, gzipped ({@code .gz}) or not. */
    public static FashionMnist load(Path dir, Split split) throws IOException {
        Path img = find(dir, split.imagesFile()), lbl = find(dir, split.labelsFile());
        return of(Idx.readImages(img), Idx.readLabels(lbl), dir + " (" + split.prefix + ")");
    }

    /** The subset embedded in this jar: 200 images per class for TRAIN, 50 for TEST. */
    public static FashionMnist embedded(Split split) throws IOException {
        String img = RESOURCE_DIR + split.imagesFile() + ".gz", lbl = RESOURCE_DIR + split.labelsFile() + ".gz";
        try (InputStream i = resource(img); InputStream l = resource(lbl)) {
            return of(Idx.readImages(i, "classpath:" + img), Idx.readLabels(l, "classpath:" + lbl),
                    "classpath:" + RESOURCE_DIR + " (" + split.prefix + ")");
        }
    }

    /**
     * A dataset from parsed IDX contents; checks that images are 28x28, that there is one label
     * per image, and that every label is a class id.
     */
    public static FashionMnist of(Idx.Images images, byte[] labels, String source) throws Idx.FormatException {
        if (images.rows() != SIZE || images.cols() != SIZE) {
            throw new Idx.FormatException(source, "images are " + images.rows() + "x" + images.cols() + ", expected 28x28");
        }
        if (images.count() != labels.length) {
            throw new Idx.FormatException(source, "the images file has " + images.count() + " images but the labels file has "
                    + labels.length + " labels");
        }
        for (int i = 0; i < labels.length; i++) {
            int y = labels[i] & 0xFF;
            if (y >= CLASSES.size()) {
                throw new Idx.FormatException(source, "label " + y + " of example " + i + " is outside 0.." + (CLASSES.size() - 1));
            }
        }
        return new FashionMnist(images, labels, source);
    }

    private static boolean hasFiles(Path dir, Split split) {
        return Files.isDirectory(dir) && exists(dir, split.imagesFile()) && exists(dir, split.labelsFile());
    }

    private static boolean exists(Path dir, String name) {
        return Files.isRegularFile(dir.resolve(name + ".gz")) || Files.isRegularFile(dir.resolve(name));
    }

    private static Path find(Path dir, String name) throws IOException {
        Path gz = dir.resolve(name + ".gz");
        if (Files.isRegularFile(gz)) return gz;
        Path plain = dir.resolve(name);
        if (Files.isRegularFile(plain)) return plain;
        throw new FileNotFoundException("Fashion-MNIST: neither " + gz + " nor " + plain + " exists");
    }

    private static InputStream resource(String path) throws IOException {
        InputStream in = FashionMnist.class.getResourceAsStream(path);
        if (in == null) throw new FileNotFoundException("embedded Fashion-MNIST file " + path + " is missing from the class path");
        return in;
    }

    // ---- access ---------------------------------------------------------------------------------

    /** Number of examples. */
    public int size() {
        return labels.length;
    }

    /** Where the data came from: a directory or {@code classpath:/fashion-mnist/}, and the split's file prefix. */
    public String source() {
        return source;
    }

    /** Class id (0..9) of example {@code i}. */
    public int label(int i) {
        return labels[i] & 0xFF;
    }

    /** Pixel {@code (r, c)} of example {@code i}, 0..255. */
    public int pixel(int i, int r, int c) {
        return images.pixel(i, r, c);
    }

    /** Examples per class, indexed by class id. */
    public int[] classCounts() {
        int[] counts = new int[CLASSES.size()];
        for (byte y : labels) counts[y & 0xFF]++;
        return counts;
    }

    /**
     * All images.
     *
     * @return (N, 1, 28, 28) on {@code device}, scaled by {@code scale}
     */
    public Tensor images(Device device, Scale scale) {
        // 256 possible bytes: a table turns the per-pixel division into a lookup and guarantees every
        // occurrence of a byte gets the same float.
        float[] table = new float[256];
        for (int p = 0; p < 256; p++) table[p] = scale.apply(p);
        byte[] px = images.pixels();
        float[] out = new float[px.length];
        for (int i = 0; i < px.length; i++) out[i] = table[px[i] & 0xFF];
        return Tensor.of(device, out, size(), 1, SIZE, SIZE);
    }

    /** All images on the default device, (N, 1, 28, 28). */
    public Tensor images(Scale scale) {
        return images(Device.defaultDevice(), scale);
    }

    /** Class ids as FLOAT32, (N). */
    public Tensor labels(Device device) {
        float[] out = new float[size()];
        for (int i = 0; i < out.length; i++) out[i] = label(i);
        return Tensor.of(device, out, out.length);
    }

    public Tensor labels() {
        return labels(Device.defaultDevice());
    }

    @Override public String toString() {
        return "FashionMnist(" + size() + " examples from " + source + ")";
    }
}
