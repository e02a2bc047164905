package diffusion4j.tensor;

/** Distributions of {@link Backend#random}: uniform on [0, 1) and standard normal. */
public enum RandomKind {
    UNIFORM,
    NORMAL
}
