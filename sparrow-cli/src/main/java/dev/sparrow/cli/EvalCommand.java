package dev.sparrow.cli;

import dev.sparrow.data.DataLoader;
import dev.sparrow.data.Dataset;
import dev.sparrow.data.FashionMnist;
import dev.sparrow.io.Checkpoint;
import dev.sparrow.io.CheckpointData;
import dev.sparrow.kernel.ComputePool;
import dev.sparrow.kernel.KernelProvider;
import dev.sparrow.nn.ExecutionContext;
import dev.sparrow.nn.Layer;
import dev.sparrow.nn.loss.SoftmaxCrossEntropy;
import dev.sparrow.nn.models.ModelZoo;
import dev.sparrow.train.Evaluator;
import dev.sparrow.train.TrainConfig;
import dev.sparrow.train.TrainingRun;
import dev.sparrow.util.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Evaluates a checkpoint on the Fashion-MNIST test set: loss and accuracy.")
final class EvalCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "CHECKPOINT", description = "A checkpoint.safetensors written by 'sparrow train'.")
    Path checkpoint;

    @Mixin
    DataOptions data;

    @Option(names = "--batch-size", paramLabel = "N", defaultValue = "256", description = "Batch size (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--threads", paramLabel = "N", description = "Compute threads (default: all cores).")
    Integer threads;

    @Override
    public Integer call() throws Exception {
        if (batchSize < 1) throw new UserInputException("--batch-size is " + batchSize + "; expected >= 1");
        CheckpointData saved = Checkpoint.read(checkpoint);
        TrainConfig config = TrainConfig.fromJson(Json.parseObject(saved.config().orElseThrow(() ->
                new UserInputException(checkpoint + ": no run config in the checkpoint metadata; was it written by 'sparrow train'?")),
                Json.Limits.of(1 << 20)));
        Dataset test = data.loadTest();
        Layer model = ModelZoo.create(config.model(), test.sampleShape(), test.classes(), config.seed());
        saved.restoreInto(model, null);
        int t = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        try (ComputePool pool = ComputePool.ofThreads(t);
             DataLoader loader = TrainingRun.evalLoader(test, batchSize, FashionMnist.MEAN, FashionMnist.STD)) {
            ExecutionContext ctx = new ExecutionContext(KernelProvider.get(), pool, config.seed());
            long start = System.nanoTime();
            Evaluator.Result r = Evaluator.evaluate(model, loader, new SoftmaxCrossEntropy(), ctx);
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf(Locale.ROOT, "%s (%s, epoch %s): test accuracy %.2f%%, loss %.4f over %d samples (%.1fs, %.0f samples/s)%n",
                    checkpoint, config.model(), saved.epoch().isPresent() ? Long.toString(saved.epoch().getAsLong()) : "?",
                    100 * r.accuracy(), r.loss(), r.samples(), seconds, r.samples() / seconds);
        }
        return 0;
    }
}
