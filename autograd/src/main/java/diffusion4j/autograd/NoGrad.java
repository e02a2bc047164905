package diffusion4j.autograd;

/**
 * A scope in which ops record no graph (evaluation, sampling, optimizer steps). Obtain one from
 * {@link Autograd#noGrad()} and close it on the thread that opened it, ideally with
 * try-with-resources. Closing twice is harmless: only the first close leaves the scope.
 */
public final class NoGrad implements AutoCloseable {
    private boolean closed;

    NoGrad() {}

    @Override public void close() {
        if (closed) return;
        closed = true;
        Autograd.leaveNoGrad();
    }
}
