package diffusion4j.nn;

import diffusion4j.autograd.NN;
import diffusion4j.autograd.Variable;
import diffusion4j.tensor.Device;

/**
 * Layer normalization (Ba et al. 2016, eq. 3-4) over the trailing {@code normalizedShape}, as
 * torch.nn.LayerNorm; weight = 1 and bias = 0 initially, both shaped like {@code normalizedShape}.
 */
public final class LayerNorm extends Layer {
    private final int[] normalizedShape;
    private final float eps;
    private final Variable weight, bias;

    public LayerNorm(int[] normalizedShape, float eps, boolean affine, Device device) {
        if (normalizedShape.length == 0) throw new IllegalArgumentException("LayerNorm: normalized shape is empty");
        this.normalizedShape = normalizedShape.clone();
        this.eps = eps;
        this.weight = affine ? registerParameter("weight", Init.ones(device, normalizedShape)) : null;
        this.bias = affine ? registerParameter("bias", Init.zeros(device, normalizedShape)) : null;
    }

    /** Over the last dim of size {@code features}, eps 1e-5, affine. */
    public LayerNorm(int features, Device device) {
        this(new int[] {features}, 1e-5f, true, device);
    }

    /** @param x (..., *normalizedShape) @return same shape */
    @Override public Variable forward(Variable x) {
        int r = x.rank(), k = normalizedShape.length;
        boolean fits = r >= k;
        for (int i = 0; fits && i < k; i++) fits = x.dim(r - k + i) == normalizedShape[i];
        if (!fits) {
            throw new IllegalArgumentException("LayerNorm: input shape " + java.util.Arrays.toString(x.shape()) + " does not end with "
                    + java.util.Arrays.toString(normalizedShape));
        }
        return NN.layerNorm(x, k, weight, bias, eps);
    }
}
