package diffusion4j.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Layout arithmetic that kernels rely on, checked against layouts worked out by hand. */
class LayoutTest {
    @Test void coalesceMergesWhatIsAdjacentInMemoryAndNothingElse() {
        // Dense: one run.
        assertEquals(new Layout(new int[] {24}, new int[] {1}, 0), Layout.contiguous(2, 3, 4).coalesce());
        // Narrowed last dim (3 of 4, offset 1): rows stay separate, the two outer dims merge.
        Layout narrowed = Layout.contiguous(2, 3, 4).narrow(2, 1, 3);
        assertEquals(new Layout(new int[] {6, 3}, new int[] {4, 1}, 1), narrowed.coalesce());
        // Broadcast (stride 0) dims merge with each other but not with the dense dim.
        Layout broadcast = Layout.contiguous(1, 5).expand(2, 3, 5);
        assertEquals(new Layout(new int[] {6, 5}, new int[] {0, 1}, 0), broadcast.coalesce());
        // Transposed: nothing merges; size-1 dims vanish; one element becomes rank 0.
        Layout transposed = Layout.contiguous(3, 1, 4).permute(2, 1, 0);
        assertEquals(new Layout(new int[] {4, 3}, new int[] {1, 4}, 0), transposed.coalesce());
        assertEquals(new Layout(new int[0], new int[0], 7), new Layout(new int[] {1, 1}, new int[] {5, 9}, 7).coalesce());
    }

    @Test void coalescedLayoutsVisitTheSameStorageIndicesInTheSameOrder() {
        Layout[] cases = {
            Layout.contiguous(4, 5, 6).permute(0, 2, 1).narrow(1, 2, 3),
            Layout.contiguous(2, 1, 7).expand(3, 2, 4, 7).slice(3, 1, 7, 2),
            Layout.contiguous(6, 8).transpose(0, 1).narrow(0, 1, 6),
        };
        for (Layout l : cases) assertEquals(indices(l), indices(l.coalesce()), l.toString());
    }

    private static java.util.List<Integer> indices(Layout l) {
        java.util.List<Integer> out = new java.util.ArrayList<>();
        int[] idx = new int[l.rank()];
        for (int n = 0; n < l.numel(); n++) {
            out.add(l.offsetOf(idx));
            for (int d = l.rank() - 1; d >= 0; d--) {
                if (++idx[d] < l.dim(d)) break;
                idx[d] = 0;
            }
        }
        return out;
    }
}
