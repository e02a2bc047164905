package diffusion4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import diffusion4j.data.FashionMnist.Scale;
import diffusion4j.data.FashionMnist.Split;
import diffusion4j.tensor.Device;
import diffusion4j.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedded subset against facts about the original files (counts, labels, pixel sums), and the loader's checks. */
class FashionMnistTest {
    private static final Device REF = Device.REFERENCE;

    private static Idx.Images blank(int n, int rows, int cols) {
        return new Idx.Images(n, rows, cols, new byte[n * rows * cols]);
    }

    @Test void embeddedTrainSubsetIsBalancedAndStartsLikeTheOriginal() throws IOException {
        FashionMnist d = FashionMnist.embedded(Split.TRAIN);
        assertEquals(2000, d.size());
        int[] per = new int[10];
        Arrays.fill(per, 200);
        assertArrayEquals(per, d.classCounts());
        // The first ten labels of the original training file (all kept: the rule keeps file order).
        int[] first = new int[10];
        for (int i = 0; i < 10; i++) first[i] = d.label(i);
        assertArrayEquals(new int[] {9, 0, 0, 3, 0, 2, 7, 2, 5, 5}, first);
        // Pixel sums of the first two original images and the centre pixel of the first, from Python.
        assertEquals(76247, pixelSum(d, 0));
        assertEquals(84598, pixelSum(d, 1));
        assertEquals(217, d.pixel(0, 14, 14));
    }

    @Test void embeddedTestSubsetIsBalancedAndStartsLikeTheOriginal() throws IOException {
        FashionMnist d = FashionMnist.embedded(Split.TEST);
        assertEquals(500, d.size());
        int[] per = new int[10];
        Arrays.fill(per, 50);
        assertArrayEquals(per, d.classCounts());
        assertEquals(9, d.label(0));
        assertEquals(2, d.label(1));
        assertEquals(33456, pixelSum(d, 0));
        assertEquals(110, d.pixel(0, 14, 14));
    }

    private static int pixelSum(FashionMnist d, int i) {
        int s = 0;
        for (int r = 0; r < 28; r++) for (int c = 0; c < 28; c++) s += d.pixel(i, r, c);
        return s;
    }

    @Test void tensorsHaveTheDocumentedShapesAndScales() throws IOException {
        FashionMnist d = FashionMnist.embedded(Split.TEST);
        Tensor unit = d.images(REF, Scale.ZERO_TO_ONE), signed = d.images(REF, Scale.MINUS_ONE_TO_ONE);
        assertArrayEquals(new int[] {500, 1, 28, 28}, unit.shape());
        assertEquals(217 / 255f, FashionMnist.embedded(Split.TRAIN).images(REF, Scale.ZERO_TO_ONE).get(0, 0, 14, 14));
        assertEquals(110 / 255f, unit.get(0, 0, 14, 14));
        assertEquals(0f, unit.min().item());
        assertEquals(1f, unit.max().item());
        assertEquals(-1f, signed.min().item());
        assertEquals(1f, signed.max().item());
        // Sum of all test-subset pixels (from Python) / 255, up to float summation error.
        assertEquals(28931962 / 255.0, unit.sum().item(), 28931962 / 255.0 * 1e-5);
        Tensor y = d.labels(REF);
        assertArrayEquals(new int[] {500}, y.shape());
        float[] labels = y.toFloatArray();
        for (int i = 0; i < labels.length; i++) assertEquals(d.label(i), labels[i]);
    }

    @Test void scalesMatchTorchvisionArithmetic() {
        assertEquals(0f, Scale.ZERO_TO_ONE.apply(0));
        assertEquals(0.2f, Scale.ZERO_TO_ONE.apply(51));
        assertEquals(1f, Scale.ZERO_TO_ONE.apply(255));
        assertEquals(-1f, Scale.MINUS_ONE_TO_ONE.apply(0));
        assertEquals(1f, Scale.MINUS_ONE_TO_ONE.apply(255));
        // torch: ((torch.tensor([128.]) / 255 - 0.5) / 0.5).item() == 0.003921627998352051
        assertEquals(0.003921627998352051f, Scale.MINUS_ONE_TO_ONE.apply(128));
    }

    @Test void classNames() {
        assertEquals(10, FashionMnist.CLASSES.size());
        assertEquals("T-shirt/top", FashionMnist.CLASSES.get(0));
        assertEquals("Ankle boot", FashionMnist.CLASSES.get(9));
    }

    @Test void rejectsMismatchedCountsBadLabelsAndWrongImageSize() {
        Idx.FormatException e = assertThrows(Idx.FormatException.class, () -> FashionMnist.of(blank(3, 28, 28), new byte[2], "src"));
        assertEquals("src: the images file has 3 images but the labels file has 2 labels", e.getMessage());
        e = assertThrows(Idx.FormatException.class, () -> FashionMnist.of(blank(2, 28, 28), new byte[] {9, 10}, "src"));
        assertEquals("src: label 10 of example 1 is outside 0..9", e.getMessage());
        e = assertThrows(Idx.FormatException.class, () -> FashionMnist.of(blank(2, 28, 28), new byte[] {(byte) 255, 0}, "src"));
        assertEquals("src: label 255 of example 0 is outside 0..9", e.getMessage());
        e = assertThrows(Idx.FormatException.class, () -> FashionMnist.of(blank(1, 27, 28), new byte[1], "src"));
        assertEquals("src: images are 27x28, expected 28x28", e.getMessage());
    }

    @Test void loadsADirectoryOfPlainOrGzippedFiles(@TempDir Path dir) throws IOException {
        byte[] px = new byte[2 * 784];
        px[784 + 29] = (byte) 255; // image 1, row 1, col 1
        Files.write(dir.resolve("t10k-images-idx3-ubyte"), IdxTest.idx(0x803, new int[] {2, 28, 28}, px));
        Files.write(dir.resolve("t10k-labels-idx1-ubyte.gz"), IdxTest.gzip(IdxTest.idx(0x801, new int[] {2}, new byte[] {4, 8})));
        FashionMnist d = FashionMnist.load(dir, Split.TEST);
        assertEquals(2, d.size());
        assertEquals(8, d.label(1));
        assertEquals(1f, d.images(REF, Scale.ZERO_TO_ONE).get(1, 0, 1, 1));
        assertEquals(dir + " (t10k)", d.source());
        assertThrows(java.io.FileNotFoundException.class, () -> FashionMnist.load(dir, Split.TRAIN));
    }

    @Test void embeddedSubsetIsTheFirstImagesOfEachClassInTheSystemCopy() throws IOException {
        assumeTrue(Files.isDirectory(FashionMnist.SYSTEM_DIR), "no " + FashionMnist.SYSTEM_DIR);
        // The test split is 10x smaller than train and the rule is the same; checking it keeps the suite fast.
        FashionMnist full = FashionMnist.load(FashionMnist.SYSTEM_DIR, Split.TEST);
        assertEquals(10_000, full.size());
        int[] thousand = new int[10];
        Arrays.fill(thousand, 1000);
        assertArrayEquals(thousand, full.classCounts());
        FashionMnist sub = FashionMnist.embedded(Split.TEST);
        int[] taken = new int[10];
        int k = 0;
        for (int i = 0; i < full.size() && k < sub.size(); i++) {
            if (taken[full.label(i)]++ >= 50) continue;
            assertEquals(full.label(i), sub.label(k), "label of subset example " + k);
            for (int r = 0; r < 28; r++) for (int c = 0; c < 28; c++) assertEquals(full.pixel(i, r, c), sub.pixel(k, r, c));
            k++;
        }
        assertEquals(500, k);
    }
}
