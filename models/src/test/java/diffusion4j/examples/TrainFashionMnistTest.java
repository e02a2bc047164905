package diffusion4j.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * End to end on the CPU backend: the CNN trained with AdamW on a slice of the embedded subset must
 * get far below chance (cross-entropy ln 10 = 2.30, accuracy 10%), and a resumed run must continue
 * from the checkpoint's epoch and step instead of starting over.
 */
class TrainFashionMnistTest {
    @Test void learnsAndResumes(@TempDir Path dir) throws Exception {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(log, true, StandardCharsets.UTF_8);
        String[] common = {"--data", "embedded", "--limit", "800", "--test-limit", "500", "--batch-size", "32", "--lr", "0.005",
                "--out", dir.toString(), "--device", "cpu", "--seed", "1", "--log-every", "1000"};
        TrainFashionMnist.Result r = TrainFashionMnist.train(TrainOptions.parse(concat(common, "--epochs", "2")), out);
        assertEquals(50, r.steps()); // 2 epochs of ceil(800 / 32) = 25
        assertTrue(r.lastEpochLoss() < 1.0, "mean loss of the second epoch " + r.lastEpochLoss() + "\n" + log);
        assertTrue(r.testAccuracy() > 0.6, "test accuracy " + r.testAccuracy() + "\n" + log);
        assertTrue(Files.isRegularFile(dir.resolve(TrainFashionMnist.CHECKPOINT)));

        log.reset();
        TrainFashionMnist.Result resumed = TrainFashionMnist.train(TrainOptions.parse(concat(common, "--epochs", "3", "--resume")), out);
        String text = log.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("resumed from") && text.contains("epoch 2, step 50"), text);
        assertFalse(text.contains("epoch 1 done"), "epochs already done are not repeated\n" + text);
        assertEquals(75, resumed.steps());
        assertTrue(resumed.lastEpochLoss() < r.lastEpochLoss() + 0.1, "training goes on from where it was: " + resumed + " after " + r);
    }

    private static String[] concat(String[] a, String... b) {
        String[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
