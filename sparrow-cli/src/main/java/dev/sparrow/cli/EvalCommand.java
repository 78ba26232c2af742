package dev.sparrow.cli;

import dev.sparrow.infer.InferenceSession;
import dev.sparrow.infer.ModelFormat;
import dev.sparrow.data.DataLoader;
import dev.sparrow.data.Dataset;
import dev.sparrow.io.Checkpoint;
import dev.sparrow.io.CheckpointData;
import dev.sparrow.kernel.ComputePool;
import dev.sparrow.kernel.Backend;
import dev.sparrow.nn.ExecutionContext;
import dev.sparrow.nn.Layer;
import dev.sparrow.nn.loss.SoftmaxCrossEntropy;
import dev.sparrow.train.CheckpointModel;
import dev.sparrow.train.Evaluator;
import dev.sparrow.train.TrainConfig;
import dev.sparrow.train.TrainingRun;
import dev.sparrow.util.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "eval", mixinStandardHelpOptions = true,
        description = {"Evaluates a checkpoint on the Fashion-MNIST test set: loss and accuracy.",
                "With --noise, the accuracy when each test image has that fraction of its pixels replaced by uniform random values "
                        + "(Numenta's robustness test), one row per level."})
final class EvalCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "MODEL", description = "A checkpoint.safetensors written by 'sparrow train', or an .onnx "
            + "model taking normalised [N, 1, 28, 28] images (run through an autotuned inference session).")
    Path checkpoint;

    @Mixin
    DataOptions data;

    @Option(names = "--batch-size", paramLabel = "N", defaultValue = "256", description = "Batch size (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Mixin
    ThreadsOption threads;

    @Option(names = "--noise", paramLabel = "LEVELS",
            description = "Comma-separated fractions of pixels to replace by noise, e.g. 0.0,0.1,0.2,0.3,0.4,0.5.")
    String noise;

    @Option(names = "--noise-seed", paramLabel = "S", defaultValue = "42",
            description = "Seed of the noise: the same seed gives every model the same noisy images (default: ${DEFAULT-VALUE}).")
    long noiseSeed;

    @Option(names = "--json", description = "One JSON object per line (per noise level) instead of text.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (batchSize < 1) throw new UserInputException("--batch-size is " + batchSize + "; expected >= 1");
        double[] levels = noise != null ? NoiseLevels.parse(noise) : null;
        if (ModelFormat.anyAccepts(checkpoint)) {
            if (levels != null) throw new UserInputException("--noise is for checkpoints; " + checkpoint + " is a model file");
            return evalModelFile();
        }
        CheckpointData saved = Checkpoint.read(checkpoint);
        TrainConfig config = CheckpointModel.config(saved);
        Dataset test = data.loadTest();
        // the checkpoint's own normalisation; an old checkpoint had only Fashion-MNIST's
        dev.sparrow.io.ModelSpec spec = saved.modelSpec().orElseGet(() -> dev.sparrow.io.ModelSpec.fashionMnist(config.model()));
        Layer model = CheckpointModel.load(saved, config, test.sampleShape(), test.classes());
        int t = threads.orAllCores();
        try (ComputePool pool = ComputePool.ofThreads(t);
             DataLoader loader = TrainingRun.evalLoader(test, batchSize, spec.mean(), spec.std())) {
            ExecutionContext ctx = new ExecutionContext(Backend.get().kernels(), pool, config.seed());
            String epoch = saved.epoch().isPresent() ? Long.toString(saved.epoch().getAsLong()) : "?";
            if (levels != null) {
                List<NoiseLevels.Result> results = NoiseLevels.evaluate(model, test, levels, noiseSeed, batchSize,
                        spec.mean(), spec.std(), ctx);
                if (!json) {
                    System.out.printf(Locale.ROOT, "%s (%s, epoch %s), noise seed %d:%n%8s %10s %8s%n", checkpoint, config.model(),
                            epoch, noiseSeed, "noise", "accuracy", "loss");
                }
                for (NoiseLevels.Result r : results) {
                    if (json) {
                        System.out.println(jsonLine(config.model(), epoch, r.level(), r.eval(), r.seconds()));
                    } else {
                        System.out.printf(Locale.ROOT, "%8.2f %9.2f%% %8.4f%n", r.level(), 100 * r.eval().accuracy(), r.eval().loss());
                    }
                }
            } else {
                long start = System.nanoTime();
                Evaluator.Result r = Evaluator.evaluate(model, loader, new SoftmaxCrossEntropy(), ctx);
                double seconds = (System.nanoTime() - start) / 1e9;
                if (json) {
                    System.out.println(jsonLine(config.model(), epoch, 0.0, r, seconds));
                } else {
                    System.out.printf(Locale.ROOT, "%s (%s, epoch %s): test accuracy %.2f%%, loss %.4f over %d samples (%.1fs, %.0f samples/s)%n",
                            checkpoint, config.model(), epoch, 100 * r.accuracy(), r.loss(), r.samples(), seconds, r.samples() / seconds);
                }
            }
        }
        return 0;
    }

    /** A model file (.onnx) through an inference session over the test set. */
    private int evalModelFile() throws Exception {
        Dataset test = data.loadTest();
        SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy();
        long start = System.nanoTime();
        double lossSum = 0;
        long correct = 0;
        int samples = 0;
        try (InferenceSession session = InferenceSession.builder(checkpoint).batchSize(batchSize).threads(threads.orAllCores()).build();
             DataLoader loader = TrainingRun.evalLoader(test, batchSize, dev.sparrow.data.FashionMnist.MEAN, dev.sparrow.data.FashionMnist.STD)) {
            if (!java.util.Arrays.equals(session.sampleShape(), test.sampleShape())) {
                throw new UserInputException(checkpoint + " takes samples of " + java.util.Arrays.toString(session.sampleShape())
                        + " but the test set has " + java.util.Arrays.toString(test.sampleShape()));
            }
            for (dev.sparrow.data.Batch batch : loader.epoch(0)) {
                int n = batch.count();
                lossSum += loss.forward(session.predict(batch.x()), batch.labels()) * n;
                correct += loss.lastCorrect();
                samples += n;
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        Evaluator.Result r = new Evaluator.Result(lossSum / Math.max(1, samples), (double) correct / Math.max(1, samples), samples);
        if (json) {
            System.out.println(jsonLine("file", "?", 0.0, r, seconds));
        } else {
            System.out.printf(Locale.ROOT, "%s: test accuracy %.2f%%, loss %.4f over %d samples (%.1fs, %.0f samples/s)%n",
                    checkpoint, 100 * r.accuracy(), r.loss(), r.samples(), seconds, r.samples() / seconds);
        }
        return 0;
    }

    private String jsonLine(String model, String epoch, double level, Evaluator.Result r, double seconds) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("checkpoint", checkpoint.toString());
        m.put("model", model);
        m.put("epoch", epoch);
        m.put("noise", level);
        m.put("noise_seed", noiseSeed);
        m.put("accuracy", r.accuracy());
        m.put("loss", r.loss());
        m.put("samples", r.samples());
        m.put("seconds", seconds);
        return Json.write(m);
    }
}
