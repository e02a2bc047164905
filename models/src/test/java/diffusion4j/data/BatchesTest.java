package diffusion4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import diffusion4j.tensor.Device;
import diffusion4j.tensor.Generator;
import diffusion4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import org.junit.jupiter.api.Test;

/** Coverage per epoch, drop-last, seed reproducibility, row gathering, and the shuffle's uniformity. */
class BatchesTest {
    private static final Device REF = Device.REFERENCE;

    /** x row i holds the values 100 i + 0..3 as (N, 1, 2, 2); y[i] = -i. Rows name their example. */
    private static Batches make(int n, int batch, boolean dropLast, Generator gen) {
        float[] x = new float[n * 4], y = new float[n];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < 4; k++) x[4 * i + k] = 100 * i + k;
            y[i] = -i;
        }
        return new Batches(Tensor.of(REF, x, n, 1, 2, 2), Tensor.of(REF, y, n), batch, dropLast, gen);
    }

    private static List<int[]> epoch(Batches b) {
        List<int[]> out = new ArrayList<>();
        for (Batches.Batch batch : b) out.add(batch.indices());
        return out;
    }

    @Test void everyExampleOnceGatheringTheRightRows() {
        Batches b = make(10, 3, false, new Generator(5));
        assertEquals(4, b.size());
        boolean[] seen = new boolean[10];
        List<Integer> sizes = new ArrayList<>();
        for (Batches.Batch batch : b) {
            int m = batch.indices().length;
            sizes.add(m);
            assertArrayEquals(new int[] {m, 1, 2, 2}, batch.x().shape());
            assertArrayEquals(new int[] {m}, batch.y().shape());
            for (int j = 0; j < m; j++) {
                int i = batch.indices()[j];
                assertFalse(seen[i], "example " + i + " twice");
                seen[i] = true;
                assertEquals(100f * i + 3, batch.x().get(j, 0, 1, 1));
                assertEquals(-i, batch.y().get(j));
            }
        }
        assertEquals(List.of(3, 3, 3, 1), sizes);
        for (boolean s : seen) assertTrue(s);
    }

    @Test void dropLastSkipsTheShortBatch() {
        Batches b = make(10, 3, true, new Generator(5));
        assertEquals(3, b.size());
        List<int[]> e = epoch(b);
        assertEquals(3, e.size());
        assertEquals(9, e.stream().flatMapToInt(Arrays::stream).distinct().count());
        assertEquals(2, make(8, 4, true, null).size()); // divides evenly: nothing dropped
    }

    @Test void withoutAGeneratorTheOrderIsFixed() {
        List<int[]> e = epoch(make(5, 2, false, null));
        assertArrayEquals(new int[] {0, 1}, e.get(0));
        assertArrayEquals(new int[] {2, 3}, e.get(1));
        assertArrayEquals(new int[] {4}, e.get(2));
    }

    @Test void reproducibleFromTheSeedAndNewOrderEachEpoch() {
        Batches a = make(50, 8, false, new Generator(42)), b = make(50, 8, false, new Generator(42));
        List<int[]> a1 = epoch(a), a2 = epoch(a), b1 = epoch(b), b2 = epoch(b);
        assertTrue(same(a1, b1) && same(a2, b2), "same seed, same epochs");
        assertFalse(same(a1, a2), "the second epoch reshuffles");
        assertFalse(same(a1, epoch(make(50, 8, false, new Generator(43)))), "another seed, another order");
    }

    private static boolean same(List<int[]> a, List<int[]> b) {
        if (a.size() != b.size()) return false;
        for (int i = 0; i < a.size(); i++) if (!Arrays.equals(a.get(i), b.get(i))) return false;
        return true;
    }

    @Test void permutationIsUniformOverAllOrders() {
        // 6000 shuffles of 3 items: each of the 6 orders expected 1000 times. Chi-square with 5 degrees
        // of freedom exceeds 20.5 with probability 0.001; a wrong swap range (say j in [0, i)) gives
        // some orders probability 0 and fails by thousands.
        Generator gen = new Generator(123);
        Map<String, Integer> counts = new HashMap<>();
        for (int t = 0; t < 6000; t++) counts.merge(Arrays.toString(Batches.permutation(3, gen)), 1, Integer::sum);
        assertEquals(6, counts.size(), counts.toString());
        double chi2 = 0;
        for (int c : counts.values()) chi2 += (c - 1000.0) * (c - 1000.0) / 1000.0;
        assertTrue(chi2 < 20.5, "chi-square " + chi2 + " for " + counts);
    }

    @Test void permutationConsumesTheGeneratorStream() {
        Generator gen = new Generator(9);
        int[] p = Batches.permutation(1001, gen);
        assertEquals(251, gen.offset(), "ceil(1001 / 4) Philox blocks reserved");
        int[] sorted = p.clone();
        Arrays.sort(sorted);
        for (int i = 0; i < sorted.length; i++) assertEquals(i, sorted[i]);
    }

    @Test void iteratorEndsCleanly() {
        Iterator<Batches.Batch> it = make(2, 2, false, null).iterator();
        it.next();
        NoSuchElementException e = assertThrows(NoSuchElementException.class, it::next);
        assertEquals("epoch finished after 1 batches", e.getMessage());
    }

    @Test void rejectsBadArguments() {
        Tensor x = Tensor.zeros(REF, 4, 2), y = Tensor.zeros(REF, 3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Batches(x, y, 2, false, null));
        assertEquals("Batches: x (4, 2) and y (3,) must share their first dim", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Batches(x, Tensor.zeros(REF, 4), 0, false, null));
        assertEquals("Batches: batch size must be at least 1, got 0", e.getMessage());
    }

    @Test void fashionMnistBatchesCarryImagesAndLabels() throws Exception {
        FashionMnist d = FashionMnist.embedded(FashionMnist.Split.TEST);
        Batches b = new Batches(d.images(REF, FashionMnist.Scale.MINUS_ONE_TO_ONE), d.labels(REF), 128, true, new Generator(1));
        assertEquals(3, b.size());
        Batches.Batch first = b.iterator().next();
        assertArrayEquals(new int[] {128, 1, 28, 28}, first.x().shape());
        int i = first.indices()[7];
        assertEquals(d.label(i), (int) first.y().get(7));
        assertEquals(FashionMnist.Scale.MINUS_ONE_TO_ONE.apply(d.pixel(i, 14, 14)), first.x().get(7, 0, 14, 14));
    }
}
