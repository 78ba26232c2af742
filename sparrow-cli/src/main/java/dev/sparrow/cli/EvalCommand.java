package dev.sparrow.cli;

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

    @Parameters(index = "0", paramLabel = "CHECKPOINT", description = "A checkpoint.safetensors written by 'sparrow train'.")
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
