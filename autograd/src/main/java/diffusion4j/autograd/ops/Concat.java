package diffusion4j.autograd.ops;

import diffusion4j.autograd.Function;
import diffusion4j.autograd.Variable;
import diffusion4j.tensor.Shapes;
import diffusion4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/** Joins along an existing dim; each part's gradient is its window of the incoming one. */
public final class Concat extends Function {
    private int dim;
    private int[] sizes;

    public static Variable apply(int dim, List<Variable> parts) {
        if (parts.isEmpty()) throw new IllegalArgumentException("concat: no variables");
        Concat f = new Concat();
        List<Tensor> data = new ArrayList<>(parts.size());
        for (Variable v : parts) data.add(v.data());
        return f.record(f.forward(dim, data), parts.toArray(new Variable[0]));
    }

    private Tensor forward(int d, List<Tensor> parts) {
        Tensor out = Tensor.concat(d, parts);
        dim = Shapes.dim(d, out.rank(), "concat");
        sizes = new int[parts.size()];
        for (int i = 0; i < sizes.length; i++) sizes[i] = parts.get(i).dim(dim);
        return out;
    }

    @Override protected Tensor[] backward(Tensor g) {
        Tensor[] out = new Tensor[sizes.length];
        int at = 0;
        for (int i = 0; i < sizes.length; i++) {
            if (needsGrad(i)) out[i] = g.narrow(dim, at, sizes[i]);
            at += sizes[i];
        }
        return out;
    }
}
