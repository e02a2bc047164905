package diffusion4j.tensor;

/**
 * Geometry of a 2-D convolution or pooling window: stride, zero padding and dilation per axis,
 * and the number of groups. Output size per axis: {@code (in + 2*pad - dil*(k-1) - 1) / stride + 1}.
 */
public record ConvParams(int strideH, int strideW, int padH, int padW, int dilationH, int dilationW, int groups) {
    public static final ConvParams DEFAULT = new ConvParams(1, 1, 0, 0, 1, 1, 1);

    public ConvParams {
        if (strideH < 1 || strideW < 1) throw new IllegalArgumentException("conv: stride must be >= 1, got " + strideH + "x" + strideW);
        if (padH < 0 || padW < 0) throw new IllegalArgumentException("conv: padding must be >= 0, got " + padH + "x" + padW);
        if (dilationH < 1 || dilationW < 1) throw new IllegalArgumentException("conv: dilation must be >= 1, got " + dilationH + "x" + dilationW);
        if (groups < 1) throw new IllegalArgumentException("conv: groups must be >= 1, got " + groups);
    }

    /** Same stride, padding and dilation on both axes. */
    public static ConvParams of(int stride, int padding, int dilation, int groups) {
        return new ConvParams(stride, stride, padding, padding, dilation, dilation, groups);
    }

    public static ConvParams of(int stride, int padding) {
        return of(stride, padding, 1, 1);
    }

    public int outH(int inH, int kH) {
        return out(inH, kH, strideH, padH, dilationH, "height");
    }

    public int outW(int inW, int kW) {
        return out(inW, kW, strideW, padW, dilationW, "width");
    }

    private static int out(int in, int k, int stride, int pad, int dil, String axis) {
        int span = dil * (k - 1) + 1;
        if (in + 2 * pad < span) {
            throw new IllegalArgumentException("conv: kernel " + axis + " " + k + " (dilation " + dil + ") spans " + span
                    + " but the padded input " + axis + " is only " + (in + 2 * pad));
        }
        return (in + 2 * pad - span) / stride + 1;
    }
}
