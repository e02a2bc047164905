package diffusion4j.kernels.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import diffusion4j.tensor.Layout;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link StridedCopy} against the definition ({@code dst[to(i)] = src[from(i)]} for every index i,
 * nothing else written) on layouts chosen to take each of its three forms, with vector tails,
 * transpose edges, long runs cut into pieces, and sizes that split over threads.
 */
class StridedCopyTest {
    private static final Random R = new Random(11);

    @Test void runs() {
        check("heads split, runs of 37", Layout.contiguous(3, 40, 5, 37).permute(0, 2, 1, 3), dense(3, 5, 40, 37));
        check("heads split, threads", Layout.contiguous(4, 256, 4, 64).permute(0, 2, 1, 3), dense(4, 4, 256, 64));
        check("short runs", Layout.contiguous(6, 50, 3).permute(1, 0, 2), dense(50, 6, 3));
        check("long runs (arraycopy)", Layout.contiguous(3, 4, 700).permute(1, 0, 2), dense(4, 3, 700));
        check("one run cut into pieces", new Layout(new int[] {300_001}, new int[] {1}, 9), dense(300_001));
        // cat and pad write into a narrowed destination
        check("into a narrowed destination", Layout.contiguous(5, 7, 300), Layout.contiguous(5, 9, 310).narrow(1, 1, 7).narrow(2, 4, 300));
    }

    @Test void transposes() {
        check("(N, C, HW) to (N, HW, C), edges", Layout.contiguous(3, 37, 50).permute(0, 2, 1), dense(3, 50, 37));
        check("(N, C, HW) to (N, HW, C), threads", Layout.contiguous(8, 128, 300).permute(0, 2, 1), dense(8, 300, 128));
        check("2-d, narrower than a block", Layout.contiguous(70, 9).transpose(0, 1), dense(9, 70));
        check("2-d at an offset", new Layout(new int[] {48, 130}, new int[] {1, 64}, 3), dense(48, 130));
        check("unit dim first, a dim between", Layout.contiguous(33, 4, 20).permute(2, 1, 0), dense(20, 4, 33));
        check("into a narrowed destination", Layout.contiguous(40, 35).transpose(0, 1), Layout.contiguous(36, 50).narrow(0, 1, 35).narrow(1, 3, 40));
    }

    @Test void elements() {
        check("broadcast", Layout.contiguous(1, 37).expand(50, 37), dense(50, 37));
        check("broadcast last dim", Layout.contiguous(20, 1).expand(20, 300), dense(20, 300));
        check("stepped", Layout.contiguous(9, 101).slice(1, 1, 101, 2), dense(9, 50));
        check("strided destination", Layout.contiguous(200, 700), new Layout(new int[] {200, 700}, new int[] {1400, 2}, 1));
        check("scalar", new Layout(new int[0], new int[0], 4), new Layout(new int[0], new int[0], 2));
        check("size-1 dims", Layout.contiguous(1, 5, 1).permute(2, 1, 0), dense(1, 5, 1));
        check("empty", Layout.contiguous(3, 0, 4).permute(2, 1, 0), dense(4, 0, 3));
    }

    @Test void rejectsDifferentShapes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> StridedCopy.copy(new float[12], Layout.contiguous(3, 4), new float[12], Layout.contiguous(4, 3)));
        assertTrue(e.getMessage().contains("[3, 4]") && e.getMessage().contains("[4, 3]"), e.getMessage());
    }

    private static Layout dense(int... shape) {
        return Layout.contiguous(shape);
    }

    private static void check(String what, Layout from, Layout to) {
        float[] src = new float[(int) from.extent() + from.offset() + 2];
        for (int i = 0; i < src.length; i++) src[i] = R.nextFloat();
        int length = (int) to.extent() + to.offset() + 2;
        float[] want = new float[length], got = new float[length];
        Arrays.fill(want, Float.NaN);
        Arrays.fill(got, Float.NaN);
        int[] shape = from.shape(), idx = new int[shape.length];
        for (int n = from.numel(), p = 0; p < n; p++) {
            want[to.offsetOf(idx)] = src[from.offsetOf(idx)];
            for (int i = shape.length - 1; i >= 0 && ++idx[i] == shape[i]; i--) idx[i] = 0;
        }
        StridedCopy.copy(src, from, got, to);
        assertArrayEquals(want, got, what);
    }
}
