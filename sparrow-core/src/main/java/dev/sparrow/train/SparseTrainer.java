package dev.sparrow.train;

import dev.sparrow.data.Dataset;
import dev.sparrow.data.Datasets;
import dev.sparrow.data.FashionMnist;
import dev.sparrow.nn.models.ModelZoo;
import dev.sparrow.sparsity.Sparsity;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The Java entry point for training: a typed builder over {@link TrainingRun}. Give it a model, data
 * and (optionally) an optimizer, schedule, sparsity and listeners; {@link Builder#train()} trains,
 * reports the validation set after every epoch and the test set once at the end, and writes the run
 * folder, whose checkpoint describes its model (see {@link dev.sparrow.io.ModelSpec}) so that
 * {@code InferenceSession.load(outcome.checkpoint())} serves it with nothing else.
 *
 * <pre>{@code
 * TrainingRun.Outcome run = SparseTrainer.builder()
 *         .model(SparseTrainer.Model.MLP)
 *         .data(train, test)
 *         .sparsity(Sparsity.rigl(0.9))
 *         .epochs(10)
 *         .output(Path.of("runs/mine"))
 *         .train();
 * }</pre>
 */
public final class SparseTrainer {
    private SparseTrainer() {}

    /** The model zoo's architectures; the MLP takes any sample shape, the others images (channels, height, width). */
    public enum Model {
        /** Two hidden layers (300, 100). */
        MLP("mlp"),
        /** LeNet-5. */
        LENET5("lenet5"),
        /** A small VGG-style CNN. */
        CNN("cnn"),
        /** A small ResNet. */
        RESNET("resnet");

        final String zooName;

        Model(String zooName) { this.zooName = zooName; }
    }

    /** The learning-rate schedules after the warm-up. */
    public enum Schedule {
        /** Cosine decay to zero over the run. */
        COSINE("cosine"),
        /** The peak rate throughout. */
        CONSTANT("constant");

        final String spec;

        Schedule(String spec) { this.spec = spec; }
    }

    /**
     * An optimizer and its settings.
     *
     * @param name         "sgd" or "adamw"
     * @param learningRate peak learning rate
     * @param momentum     SGD momentum
     * @param weightDecay  L2 (SGD) or decoupled (AdamW) weight decay
     */
    public record Optimizer(String name, double learningRate, double momentum, double weightDecay) {
        /**
         * @param learningRate peak learning rate
         * @param momentum     in [0, 1)
         * @return SGD with momentum and weight decay 5e-4
         */
        public static Optimizer sgd(double learningRate, double momentum) {
            return new Optimizer("sgd", learningRate, momentum, 5e-4);
        }

        /**
         * @param learningRate peak learning rate
         * @return AdamW with weight decay 0.01
         */
        public static Optimizer adamW(double learningRate) {
            return new Optimizer("adamw", learningRate, 0.9, 0.01);
        }

        /**
         * @param weightDecay the decay
         * @return this optimizer with another weight decay
         */
        public Optimizer withWeightDecay(double weightDecay) {
            return new Optimizer(name, learningRate, momentum, weightDecay);
        }
    }

    /** @return a builder with the defaults: MLP, SGD 0.05 / 0.9, cosine, 10 epochs, batch 128, dense, seed 42 */
    public static Builder builder() { return new Builder(); }

    /** Configures and runs one training run. */
    public static final class Builder {
        private Model model = Model.MLP;
        private Dataset train;
        private Dataset test;
        private double validationFraction = 0.1;
        private Optimizer optimizer = Optimizer.sgd(0.05, 0.9);
        private Schedule schedule = Schedule.COSINE;
        private double warmupEpochs;
        private int epochs = 10;
        private int batchSize = 128;
        private long seed = 42;
        private int threads = 1;
        private Sparsity sparsity = Sparsity.dense();
        private Path output;
        private final List<TrainListener> listeners = new ArrayList<>();

        private Builder() {}

        /** @param model the architecture @return this builder */
        public Builder model(Model model) {
            if (model == null) throw new IllegalArgumentException("model is null");
            this.model = model;
            return this;
        }

        /**
         * The training and test data (the validation set is held out of {@code train}).
         *
         * @param train what the model learns from
         * @param test  evaluated once at the end; same sample shape and classes
         * @return this builder
         */
        public Builder data(Dataset train, Dataset test) {
            if (train == null || test == null) throw new IllegalArgumentException("train and test data must be non-null");
            if (!java.util.Arrays.equals(train.sampleShape(), test.sampleShape()) || train.classes() != test.classes()) {
                throw new IllegalArgumentException("test data " + test.name() + " does not match train data " + train.name()
                        + " (sample shape and class count must be the same)");
            }
            this.train = train;
            this.test = test;
            return this;
        }

        /**
         * One data set: 10% of it (seeded) is held out as the test set.
         *
         * @param all the examples
         * @return this builder
         */
        public Builder data(Dataset all) {
            if (all == null) throw new IllegalArgumentException("data is null");
            Datasets.Split s = Datasets.holdOut(all, 0.1, seed ^ 0x7E57_5EEDL);
            if (s.heldOut() == null) throw new IllegalArgumentException(all.name() + ": too few examples to hold out a test set");
            return data(s.kept(), s.heldOut());
        }

        /** @param fraction of the training data held out for validation, in (0, 1) @return this builder */
        public Builder validationFraction(double fraction) {
            if (!(fraction > 0 && fraction < 1)) throw new IllegalArgumentException("validationFraction is " + fraction + "; expected in (0, 1)");
            this.validationFraction = fraction;
            return this;
        }

        /** @param optimizer the optimizer @return this builder */
        public Builder optimizer(Optimizer optimizer) {
            if (optimizer == null) throw new IllegalArgumentException("optimizer is null");
            this.optimizer = optimizer;
            return this;
        }

        /** @param schedule the schedule @param warmupEpochs linear warm-up first, in epochs @return this builder */
        public Builder schedule(Schedule schedule, double warmupEpochs) {
            if (schedule == null) throw new IllegalArgumentException("schedule is null");
            this.schedule = schedule;
            this.warmupEpochs = warmupEpochs;
            return this;
        }

        /** @param epochs at least 1 @return this builder */
        public Builder epochs(int epochs) {
            this.epochs = epochs;
            return this;
        }

        /** @param batchSize at least 1 @return this builder */
        public Builder batchSize(int batchSize) {
            this.batchSize = batchSize;
            return this;
        }

        /** @param seed for the weights, data order, splits and masks @return this builder */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** @param threads the compute pool's size @return this builder */
        public Builder threads(int threads) {
            this.threads = threads;
            return this;
        }

        /** @param sparsity the sparse training method @return this builder */
        public Builder sparsity(Sparsity sparsity) {
            if (sparsity == null) throw new IllegalArgumentException("sparsity is null");
            this.sparsity = sparsity;
            return this;
        }

        /** @param listener told of every epoch and step (progress, metrics) @return this builder */
        public Builder listener(TrainListener listener) {
            if (listener == null) throw new IllegalArgumentException("listener is null");
            listeners.add(listener);
            return this;
        }

        /** @param runFolder where metrics, summary and checkpoint go @return this builder */
        public Builder output(Path runFolder) {
            this.output = runFolder;
            return this;
        }

        /**
         * Trains.
         *
         * @return the epochs' figures, the final test figures and the checkpoint's path
         * @throws IOException when the run folder cannot be written
         */
        public TrainingRun.Outcome train() throws IOException {
            if (train == null) throw new IllegalArgumentException("no data: call data(train, test) or data(all)");
            if (output == null) throw new IllegalArgumentException("no run folder: call output(path)");
            TrainConfig config = TrainConfig.builder().model(model.zooName).dataset(train.name()).epochs(epochs)
                    .batchSize(batchSize).optimizer(optimizer.name()).learningRate(optimizer.learningRate())
                    .momentum(optimizer.momentum()).weightDecay(optimizer.weightDecay()).schedule(schedule.spec)
                    .warmupEpochs(warmupEpochs).seed(seed).threads(threads).sparsity(sparsity.toConfig()).build();
            // Fashion-MNIST keeps its published normalisation; other data is normalised with its own statistics
            // (images: one mean and std; features such as CSV columns: one per feature)
            TrainingRun.Data data = train.name().startsWith("fashion-mnist")
                    ? TrainingRun.Data.split(train, test, validationFraction, seed, FashionMnist.MEAN, FashionMnist.STD)
                    : TrainingRun.Data.splitAndNormalize(train, test, validationFraction, seed);
            List<TrainListener> all = List.copyOf(listeners);
            TrainListener fanOut = new TrainListener() {
                @Override
                public void onEpochStart(int epoch, int total, int batches) {
                    for (TrainListener l : all) l.onEpochStart(epoch, total, batches);
                }

                @Override
                public void onStep(int epoch, long globalStep, double loss, int samples) {
                    for (TrainListener l : all) l.onStep(epoch, globalStep, loss, samples);
                }

                @Override
                public void onEpochEnd(EpochResult result) {
                    for (TrainListener l : all) l.onEpochEnd(result);
                }
            };
            if (!ModelZoo.NAMES.contains(model.zooName)) throw new IllegalStateException("model zoo has no " + model.zooName);
            return TrainingRun.run(config, data, output, null, fanOut);
        }
    }
}
