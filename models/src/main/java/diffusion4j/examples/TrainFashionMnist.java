package diffusion4j.examples;

import diffusion4j.autograd.Autograd;
import diffusion4j.autograd.NN;
import diffusion4j.autograd.Variable;
import diffusion4j.data.Batches;
import diffusion4j.data.FashionMnist;
import diffusion4j.nn.Layer;
import diffusion4j.optim.AdamW;
import diffusion4j.optim.Checkpoint;
import diffusion4j.optim.GradClip;
import diffusion4j.optim.LrSchedule;
import diffusion4j.tensor.Device;
import diffusion4j.tensor.Generator;
import diffusion4j.tensor.RandomKind;
import diffusion4j.tensor.Tensor;
import diffusion4j.tensor.TensorScope;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * Trains {@link FashionCnn} on Fashion-MNIST: AdamW (Loshchilov and Hutter 2019) with a linear
 * warm-up and cosine decay, gradient clipping at norm 1, test accuracy after every epoch, and an
 * atomic checkpoint (model + optimizer + epoch counter) in {@code OUT/checkpoint.safetensors} that
 * {@code --resume} continues from. Exit status: 0 done, 1 I/O or data error, 2 bad command line.
 */
public final class TrainFashionMnist {
    private TrainFashionMnist() {}

    public static final String CHECKPOINT = "checkpoint.safetensors";
    private static final double CLIP_NORM = 1.0;
    private static final int EVAL_BATCH = 500;

    /** What a run reached. */
    public record Result(int epochsDone, long steps, double lastEpochLoss, double testAccuracy) {}

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** The whole command: parse, train, report; returns the exit status instead of exiting (for tests). */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        TrainOptions o;
        try {
            o = TrainOptions.parse(args);
        } catch (TrainOptions.UsageException e) {
            err.println("error: " + e.getMessage());
            err.println("run with --help for the list of options");
            return 2;
        }
        if (o.help()) {
            out.print(TrainOptions.HELP);
            return 0;
        }
        try {
            train(o, out);
            return 0;
        } catch (IOException | IllegalArgumentException | IllegalStateException e) {
            err.println("error: " + e.getMessage());
            return 1;
        }
    }

    public static Result train(TrainOptions o, PrintStream out) throws IOException {
        Device device = o.device();
        Split train = Split.load(o.data(), FashionMnist.Split.TRAIN, o.limit(), device);
        Split test = Split.load(o.data(), FashionMnist.Split.TEST, o.testLimit(), device);
        out.printf(Locale.ROOT, "data: %s, %d train and %d test examples; device %s%n", train.source(), train.size(), test.size(), device);

        Generator gen = new Generator(o.seed());
        FashionCnn model = new FashionCnn(16, 32, device, gen);
        // The shuffling generator draws one permutation per epoch (Batches reserves N uniform words
        // for each), so resuming at epoch e replays those reservations and gets epoch e's order.
        Generator shuffle = new Generator(o.seed() ^ 0x5DEECE66DL);
        Batches batches = new Batches(train.x(), train.y(), o.batchSize(), false, shuffle);
        int perEpoch = batches.size();
        long total = (long) perEpoch * o.epochs();
        long warmup = Math.min(o.warmup() >= 0 ? o.warmup() : Math.max(1, total / 20), total - 1);
        AdamW opt = new AdamW(model.namedParameters(), LrSchedule.warmupCosine(o.lr(), o.lr() * 0.01, warmup, total),
                0.9, 0.999, 1e-8, o.weightDecay());
        out.printf(Locale.ROOT, "model: %d parameters; %d steps of %d (%d warm-up), peak lr %g%n", model.parameterCount(), total,
                o.batchSize(), warmup, o.lr());

        Path ckpt = o.out().resolve(CHECKPOINT);
        int startEpoch = 0;
        if (o.resume()) {
            if (!Files.exists(ckpt)) throw new IOException("--resume: no checkpoint at " + ckpt);
            Map<String, Long> counters = Checkpoint.restore(ckpt, model, opt, null);
            startEpoch = (int) (long) counters.getOrDefault("epoch", 0L);
            out.printf(Locale.ROOT, "resumed from %s: epoch %d, step %d%n", ckpt, startEpoch, opt.stepCount());
        }
        if (startEpoch >= o.epochs()) out.printf(Locale.ROOT, "nothing to do: the checkpoint has %d of %d epochs%n", startEpoch, o.epochs());
        for (int e = 0; e < startEpoch; e++) shuffle.reserve(RandomKind.UNIFORM, train.size());
        Files.createDirectories(o.out());

        double epochLoss = Double.NaN, acc = Double.NaN;
        for (int epoch = startEpoch; epoch < o.epochs(); epoch++) {
            model.train();
            long t0 = System.nanoTime(), seen = 0, windowSeen = 0, window0 = t0;
            double lossSum = 0, windowLoss = 0;
            int steps = 0, windowBatches = 0;
            for (Batches.Batch b : batches) {
                float l;
                double lr = opt.currentLr();
                // Activations and gradients go back to the array pool at the end of each step.
                try (TensorScope step = TensorScope.open()) {
                    Variable loss = NN.crossEntropy(model.forward(Variable.constant(b.x())), b.y());
                    opt.zeroGrad();
                    loss.backward();
                    GradClip.clipGradNorm(model.parameters(), CLIP_NORM);
                    opt.step();
                    l = loss.data().item();
                }
                lossSum += l;
                windowLoss += l;
                steps++;
                windowBatches++;
                seen += b.indices().length;
                windowSeen += b.indices().length;
                if (opt.stepCount() % o.logEvery() == 0) {
                    long now = System.nanoTime();
                    out.printf(Locale.ROOT, "epoch %d step %d/%d  loss %.4f  lr %.2e  %.0f examples/s%n", epoch + 1, opt.stepCount(), total,
                            windowLoss / windowBatches, lr, windowSeen / ((now - window0) / 1e9));
                    windowLoss = 0;
                    windowBatches = 0;
                    windowSeen = 0;
                    window0 = now;
                }
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            epochLoss = lossSum / steps;
            acc = accuracy(model, test);
            out.printf(Locale.ROOT, "epoch %d done: mean loss %.4f, %.1f s (%.0f examples/s), test accuracy %.2f%%%n", epoch + 1, epochLoss,
                    secs, seen / secs, 100 * acc);
            Checkpoint.save(ckpt, model, opt, null, Map.of("epoch", (long) epoch + 1));
            out.println("checkpoint: " + ckpt);
        }
        return new Result(o.epochs(), opt.stepCount(), epochLoss, acc);
    }

    /** Fraction of test examples whose largest logit is the label; eval mode, no graph recorded. */
    public static double accuracy(Layer model, Split data) {
        model.eval();
        long correct = 0;
        try (var _ = Autograd.noGrad()) {
            for (Batches.Batch b : new Batches(data.x(), data.y(), EVAL_BATCH, false, null)) {
                Tensor pred = model.forward(Variable.constant(b.x())).data().argmax(1, false);
                correct += (long) pred.eq(b.y()).sum().item();
            }
        }
        model.train();
        return correct / (double) data.size();
    }

    /**
     * One split as tensors: x (N, 1, 28, 28) with pixels in [0, 1], y (N) class ids.
     *
     * @param source where it came from, for the log
     */
    public record Split(Tensor x, Tensor y, String source) {
        public int size() {
            return y.dim(0);
        }

        /**
         * {@code dir} null: FashionMnist's search (Debian's files, else the embedded subset);
         * "embedded": the subset in the jar; else the IDX files in {@code dir}. A positive
         * {@code limit} keeps the first {@code limit} examples.
         */
        public static Split load(Path dir, FashionMnist.Split which, int limit, Device device) throws IOException {
            FashionMnist ds = dir == null ? FashionMnist.load(which)
                    : dir.toString().equals(TrainOptions.EMBEDDED) ? FashionMnist.embedded(which) : FashionMnist.load(dir, which);
            Tensor x = ds.images(device, FashionMnist.Scale.ZERO_TO_ONE), y = ds.labels(device);
            if (limit > 0 && limit < ds.size()) {
                x = x.narrow(0, 0, limit).contiguous();
                y = y.narrow(0, 0, limit).contiguous();
            }
            return new Split(x, y, ds.source());
        }
    }
}
