package diffusion4j.tensor.io;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A safetensors file that breaks the format: the message names the file and, where one is at
 * fault, the tensor. An {@link IOException} so callers that load checkpoints handle a corrupt file
 * the way they handle a missing one.
 */
public final class SafetensorsFormatException extends IOException {
    public SafetensorsFormatException(Path file, String message) {
        super(file + ": " + message);
    }

    public SafetensorsFormatException(Path file, String message, Throwable cause) {
        super(file + ": " + message, cause);
    }
}
