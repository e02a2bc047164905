package diffusion4j.models.unet;

import diffusion4j.autograd.Variable;
import diffusion4j.tensor.Tensor;

/** Zero initialisation of output layers, shared by the blocks of this package. */
final class UNetInit {
    private UNetInit() {}

    /** Sets each parameter (null skipped) to zeros of its shape on its device. */
    static void zero(Variable... params) {
        for (Variable p : params) {
            if (p != null) p.setData(Tensor.zeros(p.device(), p.shape()));
        }
    }
}
