package diffusion4j.nn;

import diffusion4j.autograd.Variable;
import diffusion4j.tensor.ConvParams;
import diffusion4j.tensor.Generator;
import diffusion4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static diffusion4j.nn.NnTesting.*;
import static org.junit.jupiter.api.Assertions.*;

/** Forward passes of the basic layers against hand-computed values and plain double loops. */
class LayersTest {
    private final Generator gen = new Generator(7);

    @Test void linearIsXWtPlusB() {
        Linear lin = new Linear(2, 3, DEV, gen);
        lin.loadStateDict(Map.of("weight", t(f(1, 2, 3, 4, 5, 6), 3, 2), "bias", t(f(0.5, -1, 2), 3)), true);
        Variable y = lin.forward(c(f(1, -1, 2, 0.5), 2, 2));
        // Row 1: (1-2+0.5, 3-4-1, 5-6+2); row 2: (2+1+0.5, 6+2-1, 10+3+2).
        assertClose(new double[] {-0.5, -2, 1, 3.5, 7, 15}, new int[] {2, 3}, y.data(), 1e-6);
        // Leading dims pass through: (2, 1, 2) -> (2, 1, 3).
        assertArrayEquals(new int[] {2, 1, 3}, lin.forward(c(f(1, -1, 2, 0.5), 2, 1, 2)).shape());
    }

    @Test void linearWithoutBiasAndWrongInput() {
        Linear lin = new Linear(2, 1, false, DEV, gen);
        assertEquals(1, lin.namedParameters().size());
        lin.loadStateDict(Map.of("weight", t(f(2, -3), 1, 2)), true);
        assertClose(new double[] {2 * 4 - 3 * 5}, new int[] {1, 1}, lin.forward(c(f(4, 5), 1, 2)).data(), 1e-6);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> lin.forward(c(f(1, 2, 3), 1, 3)));
        assertTrue(e.getMessage().contains("last dim must be 2"), e.getMessage());
    }

    @Test void conv2dMatchesDirectLoopWithStridePaddingDilationGroups() {
        int n = 2, cin = 4, cout = 6, h = 7, w = 6, k = 3, groups = 2;
        ConvParams p = new ConvParams(2, 1, 2, 1, 1, 2, groups);
        Conv2d conv = new Conv2d(cin, cout, k, p, true, DEV, gen);
        float[] x = ramp(n * cin * h * w, 0.37, -3);
        for (int i = 0; i < x.length; i++) x[i] = (float) Math.sin(x[i]);
        Variable y = conv.forward(c(x, n, cin, h, w));
        float[] wt = conv.weight().data().toFloatArray(), b = conv.bias().data().toFloatArray();
        int oh = (h + 2 * 2 - 1 * (k - 1) - 1) / 2 + 1, ow = (w + 2 * 1 - 2 * (k - 1) - 1) / 1 + 1;
        int cg = cin / groups, og = cout / groups;
        double[] expect = new double[n * cout * oh * ow];
        for (int ni = 0; ni < n; ni++) for (int o = 0; o < cout; o++) for (int i = 0; i < oh; i++) for (int j = 0; j < ow; j++) {
            double s = b[o];
            int g = o / og;
            for (int ci = 0; ci < cg; ci++) for (int u = 0; u < k; u++) for (int v = 0; v < k; v++) {
                int yy = i * 2 - 2 + u, xx = j - 1 + 2 * v;
                if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
                s += (double) wt[((o * cg + ci) * k + u) * k + v] * x[((ni * cin + g * cg + ci) * h + yy) * w + xx];
            }
            expect[((ni * cout + o) * oh + i) * ow + j] = s;
        }
        assertClose(expect, new int[] {n, cout, oh, ow}, y.data(), 1e-5);
    }

    @Test void conv2dRejectsChannelsThatDoNotSplitIntoGroups() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Conv2d(3, 4, 3, ConvParams.of(1, 0, 1, 2), true, DEV, gen));
        assertTrue(e.getMessage().contains("divisible by groups=2"), e.getMessage());
    }

    @Test void groupNormMatchesClosedForm() {
        // (1, 4, 2) in 2 groups: group 0 = {1, 2, 3, 5}, group 1 = {-1, 0, 4, 9}.
        float[] x = f(1, 2, 3, 5, -1, 0, 4, 9);
        GroupNorm gn = new GroupNorm(2, 4, 1e-5f, true, DEV);
        gn.loadStateDict(Map.of("weight", t(f(1, 2, -1, 0.5), 4), "bias", t(f(0, 1, 0, -2), 4)), true);
        double[] gamma = {1, 2, -1, 0.5}, beta = {0, 1, 0, -2}, expect = new double[8];
        for (int g = 0; g < 2; g++) {
            double mean = 0, var = 0;
            for (int i = 0; i < 4; i++) mean += x[g * 4 + i] / 4.0;
            for (int i = 0; i < 4; i++) var += Math.pow(x[g * 4 + i] - mean, 2) / 4.0; // biased, as the paper
            for (int i = 0; i < 4; i++) {
                int ch = (g * 4 + i) / 2;
                expect[g * 4 + i] = (x[g * 4 + i] - mean) / Math.sqrt(var + 1e-5) * gamma[ch] + beta[ch];
            }
        }
        assertClose(expect, new int[] {1, 4, 2}, gn.forward(c(x, 1, 4, 2)).data(), 1e-5);
    }

    @Test void layerNormOfOneToFour() {
        // mean 2.5, biased variance 1.25.
        LayerNorm ln = new LayerNorm(4, DEV);
        double s = Math.sqrt(1.25 + 1e-5);
        assertClose(new double[] {-1.5 / s, -0.5 / s, 0.5 / s, 1.5 / s}, new int[] {1, 4}, ln.forward(c(f(1, 2, 3, 4), 1, 4)).data(), 1e-5);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ln.forward(c(f(1, 2, 3), 1, 3)));
        assertTrue(e.getMessage().contains("does not end with [4]"), e.getMessage());
    }

    @Test void embeddingPicksRows() {
        Embedding emb = new Embedding(3, 2, DEV, gen);
        emb.loadStateDict(Map.of("weight", t(f(10, 11, 20, 21, 30, 31), 3, 2)), true);
        assertClose(new double[] {30, 31, 10, 11, 30, 31, 20, 21}, new int[] {2, 2, 2},
                emb.forward(t(f(2, 0, 2, 1), 2, 2)).data(), 0);
    }

    @Test void activationsMatchTheirDefinitions() {
        Variable x = c(f(-1, 0, 1), 3);
        double sig1 = 1 / (1 + Math.exp(-1));
        assertClose(new double[] {-(1 - sig1), 0, sig1}, new int[] {3}, new SiLU().forward(x).data(), 1e-6);
        assertClose(new double[] {0, 0, 1}, new int[] {3}, new ReLU().forward(x).data(), 0);
        // Phi(1) = 0.8413447460685429; exact gelu(1) = Phi(1), gelu(-1) = -(1 - Phi(1)).
        assertClose(new double[] {-0.15865525393145707, 0, 0.8413447460685429}, new int[] {3}, new GELU().forward(x).data(), 1e-6);
        double th = 0.5 * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (1 + 0.044715)));
        assertClose(new double[] {-(1 - th), 0, th}, new int[] {3}, new GELU(true).forward(x).data(), 1e-6);
    }

    @Test void poolingAndFlatten() {
        Variable x = c(ramp(16, 1, 0), 1, 1, 4, 4); // rows 0..3, 4..7, 8..11, 12..15
        assertClose(new double[] {5, 7, 13, 15}, new int[] {1, 1, 2, 2}, Pool2d.max(2).forward(x).data(), 0);
        assertClose(new double[] {2.5, 4.5, 10.5, 12.5}, new int[] {1, 1, 2, 2}, Pool2d.avg(2).forward(x).data(), 1e-6);
        assertArrayEquals(new int[] {1, 16}, new Flatten().forward(x).shape());
    }

    @Test void dropoutIsIdentityInEvalAndInvertedInTraining() {
        Dropout d = new Dropout(0.5f, new Generator(3));
        Variable x = Variable.constant(Tensor.ones(DEV, 4000));
        d.eval();
        assertArrayEquals(x.data().toFloatArray(), d.forward(x).data().toFloatArray());
        d.train();
        float[] y = d.forward(x).data().toFloatArray();
        int kept = 0;
        for (float v : y) {
            assertTrue(v == 0f || v == 2f, "inverted dropout keeps 1/(1-p) = 2 or drops to 0, got " + v);
            if (v != 0) kept++;
        }
        // Binomial(4000, 0.5): standard deviation about 32; 5 sigma.
        assertEquals(2000, kept, 160);
    }

    @Test void sequentialChainsAndNamesByIndex() {
        Sequential s = new Sequential(new Linear(2, 2, false, DEV, gen), new ReLU(), new Linear(2, 1, true, DEV, gen));
        assertEquals(java.util.List.of("0.weight", "2.weight", "2.bias"), java.util.List.copyOf(s.namedParameters().keySet()));
        s.loadStateDict(Map.of("0.weight", t(f(1, 0, 0, -1), 2, 2), "2.weight", t(f(1, 1), 1, 2), "2.bias", t(f(0.25), 1)), true);
        // x = (3, 2): first layer (3, -2), relu (3, 0), last 3 + 0 + 0.25.
        assertClose(new double[] {3.25}, new int[] {1, 1}, s.forward(c(f(3, 2), 1, 2)).data(), 1e-6);
    }
}
