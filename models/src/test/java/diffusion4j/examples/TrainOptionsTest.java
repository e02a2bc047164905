package diffusion4j.examples;

import diffusion4j.tensor.Device;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** The hand-written command line: values, defaults, and one clear message per kind of mistake. */
class TrainOptionsTest {
    private static String usageError(String... args) {
        return assertThrows(TrainOptions.UsageException.class, () -> TrainOptions.parse(args)).getMessage();
    }

    @Test void parsesEveryFlagInBothSpellings() throws Exception {
        TrainOptions o = TrainOptions.parse("--epochs", "3", "--batch-size=32", "--lr", "1e-3", "--weight-decay", "0", "--warmup", "7",
                "--data", "embedded", "--out", "/tmp/x", "--device", "reference", "--seed", "-5", "--limit", "100", "--test-limit=50",
                "--resume", "--log-every", "9");
        assertEquals(new TrainOptions(3, 32, 1e-3, 0, 7, Path.of("embedded"), Path.of("/tmp/x"), Device.REFERENCE, -5, 100, 50, true, 9, false), o);
        assertEquals(TrainOptions.defaults(), TrainOptions.parse());
        assertTrue(TrainOptions.parse("--help").help());
    }

    @Test void eachMistakeHasItsMessage() {
        assertEquals("unknown option '--epoch'", usageError("--epoch", "3"));
        assertEquals("unexpected argument 'fast' (options start with --)", usageError("fast"));
        assertEquals("option '--lr' needs a value", usageError("--lr"));
        assertEquals("option '--lr' needs a value", usageError("--lr", "--epochs", "2"));
        assertEquals("option '--epochs' expects a whole number, got 'two'", usageError("--epochs", "two"));
        assertEquals("option '--epochs' must be between 1 and 10000, got 0", usageError("--epochs", "0"));
        assertEquals("option '--batch-size' expects a whole number, got '1.5'", usageError("--batch-size=1.5"));
        assertEquals("option '--lr' must be > 0, got -1", usageError("--lr", "-1"));
        assertEquals("option '--lr' expects a finite number, got 'NaN'", usageError("--lr", "NaN"));
        assertEquals("option '--weight-decay' must be >= 0, got -0.1", usageError("--weight-decay", "-0.1"));
        assertEquals("option '--device' must be cpu or reference, got 'gpu'", usageError("--device", "gpu"));
        assertEquals("option '--resume' takes no value", usageError("--resume=yes"));
    }

    @Test void runExitsWithTwoOnBadFlagsAndZeroOnHelp() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int code = TrainFashionMnist.run(new String[] {"--limit", "-3"}, new PrintStream(out, true), new PrintStream(err, true));
        assertEquals(2, code);
        String e = err.toString(StandardCharsets.UTF_8);
        assertTrue(e.startsWith("error: option '--limit' must be between 0 and"), e);
        assertTrue(e.contains("--help"), e);
        assertEquals("", out.toString(StandardCharsets.UTF_8));

        out.reset();
        assertEquals(0, TrainFashionMnist.run(new String[] {"--help"}, new PrintStream(out, true), new PrintStream(err, true)));
        String help = out.toString(StandardCharsets.UTF_8);
        for (String flag : new String[] {"--epochs", "--batch-size", "--lr", "--data", "--out", "--device", "--seed", "--limit", "--resume"}) {
            assertTrue(help.contains(flag + " "), "help lists " + flag);
        }
    }

    @Test void resumeWithoutACheckpointIsAnErrorWithStatusOne(@org.junit.jupiter.api.io.TempDir Path dir) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int code = TrainFashionMnist.run(new String[] {"--data", "embedded", "--limit", "64", "--out", dir.toString(), "--resume"},
                new PrintStream(out, true), new PrintStream(err, true));
        assertEquals(1, code);
        assertEquals("error: --resume: no checkpoint at " + dir.resolve(TrainFashionMnist.CHECKPOINT) + System.lineSeparator(),
                err.toString(StandardCharsets.UTF_8));
    }

    @Test void missingDataDirectoryIsAnErrorWithStatusOne() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int code = TrainFashionMnist.run(new String[] {"--data", "/nonexistent/fm", "--out", "/tmp/unused"}, new PrintStream(out, true),
                new PrintStream(err, true));
        assertEquals(1, code);
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("/nonexistent/fm/train-images-idx3-ubyte"), err.toString(StandardCharsets.UTF_8));
    }
}
