package diffusion4j.autograd;

import static diffusion4j.autograd.GoldenOpsTest.conv;

import diffusion4j.tensor.Tensor;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.UnaryOperator;

/** The Java side of every case in tools/fixtures/make_fixtures.py, by the same name. */
final class GoldenCases {
    private GoldenCases() {}

    /** Builds a case's output from its inputs (by name) and constants. */
    @FunctionalInterface
    interface Case {
        Variable build(Map<String, Variable> in, Map<String, Tensor> c);
    }

    static final Map<String, Case> ALL = new TreeMap<>();

    private static void unary(String name, UnaryOperator<Variable> f) {
        ALL.put(name, (in, c) -> f.apply(in.get("x")));
    }

    private interface Bin {
        Variable apply(Variable a, Variable b);
    }

    private static void binary(String name, Bin f) {
        ALL.put(name, (in, c) -> f.apply(in.get("a"), in.get("b")));
    }

    static {
        unary("neg", Variable::neg);
        unary("abs", Variable::abs);
        unary("exp", Variable::exp);
        unary("log", Variable::log);
        unary("sqrt", Variable::sqrt);
        unary("rsqrt", Variable::rsqrt);
        unary("square", Variable::square);
        unary("sin", Variable::sin);
        unary("cos", Variable::cos);
        unary("tanh", Variable::tanh);
        unary("sigmoid", Variable::sigmoid);
        unary("relu", Variable::relu);
        unary("silu", Variable::silu);
        unary("gelu", Variable::gelu);
        unary("gelu_tanh", Variable::geluTanh);
        unary("add_scalar", x -> x.add(1.5f));
        unary("sub_scalar", x -> x.sub(0.75f));
        unary("mul_scalar", x -> x.mul(-2.5f));
        unary("div_scalar", x -> x.div(3f));
        unary("pow_scalar", x -> x.pow(2.5f));
        unary("clamp", x -> x.clamp(-0.5f, 0.8f));

        binary("add", Variable::add);
        binary("sub", Variable::sub);
        binary("mul", Variable::mul);
        binary("div", Variable::div);
        binary("maximum", Variable::maximum);
        binary("minimum", Variable::minimum);
        for (String m : List.of("matmul", "matmul_batched", "matmul_broadcast", "matmul_vec_mat", "matmul_mat_vec", "matmul_vec_vec")) {
            binary(m, Variable::matmul);
        }

        unary("sum_all", Variable::sum);
        unary("sum_dims", x -> x.sum(new int[] {0, 2}, true));
        unary("mean_all", Variable::mean);
        unary("mean_dim", x -> x.mean(1, false));
        unary("var_unbiased", x -> x.var(new int[] {1}, false, 1));
        unary("var_biased_keepdim", x -> x.var(new int[] {0, 2}, true, 0));
        unary("max_dim", x -> x.max(1, false));
        unary("max_dim_keepdim", x -> x.max(-1, true));
        unary("softmax", x -> x.softmax(-1));
        unary("log_softmax", x -> x.logSoftmax(0));
        unary("permute_slice", x -> x.permute(2, 0, 1).narrow(1, 1, 2).slice(2, 0, 4, 2).mul(2f));
        unary("select_expand", x -> x.select(1, 2).unsqueeze(1).expand(3, 2, 5).mul(3f));
        unary("pad", x -> x.pad(new int[] {1, 2, 0, 1}, 0.5f));
        unary("chunk_mul", x -> x.chunk(2, 1).get(0).mul(x.chunk(2, 1).get(1)));
        unary("split_cat", x -> Variable.concat(2, List.of(x.split(2, 2).get(2), x.split(2, 2).get(0))));
        unary("stack", x -> Variable.stack(1, List.of(x.select(0, 0), x.select(0, 1).mul(2f))));
        unary("flatten_transpose", x -> x.flatten(1, 2).t());
        ALL.put("where", (in, c) -> Variable.where(c.get("cond"), in.get("a"), in.get("b")));

        ALL.put("conv2d_basic", (in, c) -> NN.conv2d(in.get("x"), in.get("w"), in.get("b"), conv(1, 0, 1, 1)));
        ALL.put("conv2d_stride_pad", (in, c) -> NN.conv2d(in.get("x"), in.get("w"), in.get("b"), conv(2, 1, 1, 1)));
        ALL.put("conv2d_dilation", (in, c) -> NN.conv2d(in.get("x"), in.get("w"), null, conv(1, 2, 2, 1)));
        ALL.put("conv2d_groups", (in, c) -> NN.conv2d(in.get("x"), in.get("w"), in.get("b"), conv(1, 1, 1, 2)));
        ALL.put("conv_transpose_basic", (in, c) -> NN.convTranspose2d(in.get("x"), in.get("w"), in.get("b"), conv(1, 0, 1, 1), 0));
        ALL.put("conv_transpose_stride", (in, c) -> NN.convTranspose2d(in.get("x"), in.get("w"), in.get("b"), conv(2, 1, 1, 1), 1));
        ALL.put("conv_transpose_groups", (in, c) -> NN.convTranspose2d(in.get("x"), in.get("w"), null, conv(2, 0, 1, 2), 0));
        ALL.put("conv_transpose_dilation_outpad", (in, c) -> NN.convTranspose2d(in.get("x"), in.get("w"), in.get("b"), conv(1, 1, 2, 1), 1));
        unary("max_pool", x -> NN.maxPool2d(x, 3, 2, 1));
        unary("avg_pool", x -> NN.avgPool2d(x, 3, 1, 1));
        unary("avg_pool_stride", x -> NN.avgPool2d(x, 2, 2, 0));
        unary("upsample", x -> NN.upsampleNearest(x, 2));
        ALL.put("group_norm", (in, c) -> NN.groupNorm(in.get("x"), 3, in.get("gamma"), in.get("beta"), 1e-5f));
        unary("group_norm_plain", x -> NN.groupNorm(x, 2, null, null, 1e-5f));
        ALL.put("layer_norm", (in, c) -> NN.layerNorm(in.get("x"), 1, in.get("gamma"), in.get("beta"), 1e-5f));
        unary("layer_norm_2d", x -> NN.layerNorm(x, 2, null, null, 1e-5f));
        attention("attention", false, 0.5f);
        attention("attention_causal", true, 0.5f);
        attention("attention_causal_rect", true, 0.7f);
        attention("attention_mask", false, 0.5f);
        attention("attention_causal_mask", true, 0.4f);
        ALL.put("embedding", (in, c) -> NN.embedding(in.get("w"), c.get("ids")));
        ALL.put("cross_entropy", (in, c) -> NN.crossEntropy(in.get("logits"), c.get("targets")));
        ALL.put("mse", (in, c) -> NN.mse(in.get("p"), c.get("target")));
    }

    private static void attention(String name, boolean causal, float scale) {
        ALL.put(name, (in, c) -> NN.attention(in.get("q"), in.get("k"), in.get("v"), c.get("mask"), causal, scale));
    }
}
