package diffusion4j.examples;

import diffusion4j.data.FashionMnist;
import diffusion4j.tensor.Device;

import java.nio.file.Path;
import java.util.Locale;

/**
 * Command-line options of {@link TrainFashionMnist}, parsed by hand (no dependency). Every problem
 * is a {@link UsageException} whose message names the flag and what was wrong with it.
 */
public record TrainOptions(int epochs, int batchSize, double lr, double weightDecay, int warmup, Path data, Path out,
                           Device device, long seed, int limit, int testLimit, boolean resume, int logEvery, boolean help) {

    /** The {@code --data} value that picks the subset embedded in the jar. */
    public static final String EMBEDDED = "embedded";

    /** A bad command line; the launcher prints the message and exits with status 2. */
    public static final class UsageException extends Exception {
        public UsageException(String message) {
            super(message);
        }
    }

    public static final String HELP = """
            Usage: TrainFashionMnist [options]
            Trains a small CNN (conv-groupnorm-silu x2, pooling, linear) on Fashion-MNIST with AdamW and a
            linear warm-up + cosine learning-rate schedule; prints loss and throughput, test accuracy per
            epoch, and writes a checkpoint (model + optimizer, safetensors) after every epoch.

              --epochs N        passes over the training examples (default 3)
              --batch-size N    examples per step (default 64)
              --lr X            peak learning rate (default 0.003)
              --weight-decay X  AdamW decoupled weight decay (default 0.01)
              --warmup N        linear warm-up steps (default: 5%% of all steps)
              --data DIR        directory with the four IDX files (.gz or not), or "embedded" for the
                                2,000/500-image subset in the jar; default: %s
                                when it holds the files, else the embedded subset
              --out DIR         where checkpoint.safetensors is written (default runs/fashion-mnist)
              --device D        cpu or reference (default cpu)
              --seed N          seed for initialization and shuffling (default 0)
              --limit N         use at most N training examples (default 0 = all)
              --test-limit N    evaluate on at most N test examples (default 0 = all)
              --resume          continue from OUT/checkpoint.safetensors
              --log-every N     print progress every N steps (default 200)
              --help            print this text and exit
            """.formatted(FashionMnist.SYSTEM_DIR);

    /**
     * Defaults: 3 epochs over all 60,000 training images take about 80 s on 2 busy cores with the
     * CPU backend and reach about 91% test accuracy.
     */
    public static TrainOptions defaults() {
        return new TrainOptions(3, 64, 3e-3, 0.01, -1, null, Path.of("runs", "fashion-mnist"), Device.CPU, 0, 0, 0,
                false, 200, false);
    }

    public static TrainOptions parse(String... args) throws UsageException {
        TrainOptions o = defaults();
        int epochs = o.epochs, batch = o.batchSize, warmup = o.warmup, limit = o.limit, testLimit = o.testLimit, logEvery = o.logEvery;
        double lr = o.lr, wd = o.weightDecay;
        Path data = o.data, out = o.out;
        Device device = o.device;
        long seed = o.seed;
        boolean resume = false, help = false;
        for (int i = 0; i < args.length; i++) {
            String flag = args[i];
            String inline = null;
            int eq = flag.indexOf('=');
            if (flag.startsWith("--") && eq > 0) { // --epochs=3 as well as --epochs 3
                inline = flag.substring(eq + 1);
                flag = flag.substring(0, eq);
            }
            switch (flag) {
                case "--help", "-h" -> help = true;
                case "--resume" -> resume = true;
                case "--epochs" -> epochs = intIn(flag, value(args, i++, flag, inline), 1, 10_000);
                case "--batch-size" -> batch = intIn(flag, value(args, i++, flag, inline), 1, 65_536);
                case "--lr" -> lr = positive(flag, value(args, i++, flag, inline));
                case "--weight-decay" -> wd = nonNegative(flag, value(args, i++, flag, inline));
                case "--warmup" -> warmup = intIn(flag, value(args, i++, flag, inline), 0, Integer.MAX_VALUE);
                case "--data" -> data = Path.of(value(args, i++, flag, inline));
                case "--out" -> out = Path.of(value(args, i++, flag, inline));
                case "--device" -> device = device(value(args, i++, flag, inline));
                case "--seed" -> seed = longValue(flag, value(args, i++, flag, inline));
                case "--limit" -> limit = intIn(flag, value(args, i++, flag, inline), 0, Integer.MAX_VALUE);
                case "--test-limit" -> testLimit = intIn(flag, value(args, i++, flag, inline), 0, Integer.MAX_VALUE);
                case "--log-every" -> logEvery = intIn(flag, value(args, i++, flag, inline), 1, Integer.MAX_VALUE);
                default -> throw new UsageException(flag.startsWith("-") ? "unknown option '" + flag + "'"
                        : "unexpected argument '" + flag + "' (options start with --)");
            }
            if (inline != null && (flag.equals("--help") || flag.equals("--resume"))) {
                throw new UsageException("option '" + flag + "' takes no value");
            }
            if (inline != null) i--; // the value was inline; value() consumed nothing
        }
        return new TrainOptions(epochs, batch, lr, wd, warmup, data, out, device, seed, limit, testLimit, resume, logEvery, help);
    }

    private static String value(String[] args, int i, String flag, String inline) throws UsageException {
        if (inline != null) return inline;
        if (i + 1 >= args.length || args[i + 1].startsWith("--")) throw new UsageException("option '" + flag + "' needs a value");
        return args[i + 1];
    }

    private static int intIn(String flag, String v, int min, int max) throws UsageException {
        long n = longValue(flag, v);
        if (n < min || n > max) throw new UsageException("option '" + flag + "' must be between " + min + " and " + max + ", got " + v);
        return (int) n;
    }

    private static long longValue(String flag, String v) throws UsageException {
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new UsageException("option '" + flag + "' expects a whole number, got '" + v + "'");
        }
    }

    private static double number(String flag, String v) throws UsageException {
        try {
            double d = Double.parseDouble(v.trim());
            if (!Double.isFinite(d)) throw new NumberFormatException();
            return d;
        } catch (NumberFormatException e) {
            throw new UsageException("option '" + flag + "' expects a finite number, got '" + v + "'");
        }
    }

    private static double positive(String flag, String v) throws UsageException {
        double d = number(flag, v);
        if (d <= 0) throw new UsageException("option '" + flag + "' must be > 0, got " + v);
        return d;
    }

    private static double nonNegative(String flag, String v) throws UsageException {
        double d = number(flag, v);
        if (d < 0) throw new UsageException("option '" + flag + "' must be >= 0, got " + v);
        return d;
    }

    private static Device device(String v) throws UsageException {
        String k = v.trim().toLowerCase(Locale.ROOT);
        if (!k.equals("cpu") && !k.equals("reference")) {
            throw new UsageException("option '--device' must be cpu or reference, got '" + v + "'");
        }
        return Device.parse(k);
    }
}
