package dev.sparrow.cli;

import dev.sparrow.data.FashionMnist;
import dev.sparrow.kernel.Backend;
import dev.sparrow.kernel.ComputePool;
import dev.sparrow.measure.SideBySideTimer;
import dev.sparrow.nn.ExecutionContext;
import dev.sparrow.nn.Modules;
import dev.sparrow.nn.Parameter;
import dev.sparrow.nn.layers.Sequential;
import dev.sparrow.nn.loss.SoftmaxCrossEntropy;
import dev.sparrow.nn.models.ModelZoo;
import dev.sparrow.optim.LrSchedules;
import dev.sparrow.optim.Optimizer;
import dev.sparrow.optim.Sgd;
import dev.sparrow.sparsity.SparsityConfig;
import dev.sparrow.sparsity.SparsityMethod;
import dev.sparrow.tensor.Tensor;
import dev.sparrow.train.SparseEngines;
import dev.sparrow.train.SparseTraining;
import dev.sparrow.util.Json;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"One training step (forward, loss, backward, SGD momentum step, the sparsity method's update) of a zoo",
                "model on random Fashion-MNIST-shaped data, timed side by side after warm-up (medians): dense, the sparse",
                "run on the masked engine (masks over dense tensors) and on the sparse engine (packed weights, issue 13)."})
final class BenchTrainCommand implements Callable<Integer> {
    @Option(names = "--model", paramLabel = "M", defaultValue = "mlp", description = "Zoo model (default: ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--method", paramLabel = "METHOD", defaultValue = "srigl", description = "Sparse method (default: ${DEFAULT-VALUE}).")
    String method;

    @Option(names = "--sparsity", paramLabel = "S", defaultValue = "0.9", description = "Sparsity (default: ${DEFAULT-VALUE}).")
    double sparsity;

    @Option(names = "--batch", paramLabel = "B", defaultValue = "128", description = "Batch size (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "1", description = "Threads (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--json", description = "One JSON object per engine.")
    boolean json;

    @Option(names = "--explain", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = {"Also time the sparse engine's step per phase (transposes, products, optimizer, loss, mask update, ...),",
                    "medians over ordinary and mask-update steps, with the serial fraction and Amdahl's prediction for 16",
                    "threads; in the sparse line's \"explain\" with --json. On by default; --no-explain skips it."})
    boolean explain;

    @Option(names = "--explain-steps", paramLabel = "N", defaultValue = "30",
            description = "Ordinary steps timed per phase by --explain; a fifth as many mask-update steps (default: ${DEFAULT-VALUE}).")
    int explainSteps;

    @Option(names = "--warmup-ms", paramLabel = "MS", defaultValue = "2000", description = "Warm-up (default: ${DEFAULT-VALUE}).")
    long warmupMillis;

    @Option(names = "--measure-ms", paramLabel = "MS", defaultValue = "6000", description = "Interleaved measurement (default: ${DEFAULT-VALUE}).")
    long measureMillis;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** One engine's model, optimizer and step. */
    private static final class Engine implements Runnable {
        final String name;
        final Sequential net;
        final Optimizer opt;
        final SparseTraining training;
        final ExecutionContext ctx;
        final SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy();
        final Tensor x;
        final int[] labels;
        long step;

        Engine(String name, Sequential net, Optimizer opt, SparseTraining training, ExecutionContext ctx, Tensor x, int[] labels) {
            this.name = name;
            this.net = net;
            this.opt = opt;
            this.training = training;
            this.ctx = ctx;
            this.x = x;
            this.labels = labels;
        }

        @Override
        public void run() {
            long next = opt.stepCount() + 1;
            ctx.denseWeightGradients(training != null && training.needsDenseGradient(next));
            opt.zeroGrad();
            loss.forward(net.forward(x, ctx), labels);
            net.backwardParameters(loss.backward(), ctx);
            opt.step(0.01f, ctx.pool());
            if (training != null) training.onStep(1, opt.stepCount(), 0.0, labels.length);
        }
    }

    @Override
    public Integer call() {
        int t = ThreadsOption.check(threads);
        if (explainSteps < 1) throw new UserInputException("--explain-steps must be >= 1, got " + explainSteps);
        if (batch < 1) throw new UserInputException("--batch must be >= 1, got " + batch);
        if (!(sparsity > 0 && sparsity < 1)) throw new UserInputException("--sparsity must be in (0, 1), got " + sparsity);
        int[] shape = BenchModelCommand.FASHION_MNIST_SHAPE;
        SplittableRandom rng = new SplittableRandom(1);
        Tensor x = Tensor.zeros(batch, shape[0], shape[1], shape[2]);
        for (int i = 0; i < x.size(); i++) x.data()[i] = (float) rng.nextGaussian();
        int[] labels = new int[batch];
        for (int i = 0; i < batch; i++) labels[i] = rng.nextInt(FashionMnist.CLASSES);
        List<String> names = List.of("dense", "masked", "sparse");
        List<Engine> engines = new ArrayList<>();
        List<SparseEngines.Choice> choices = List.of();
        try (ComputePool pool = ComputePool.ofThreads(t)) {
            for (String e : names) {
                Sequential net = ModelZoo.create(model, shape, FashionMnist.CLASSES, 1L);
                Map<String, Parameter> params = Modules.namedParameters(net);
                Optimizer opt = Sgd.builder(params).momentum(0.9f).weightDecay(5e-4f).build();
                ExecutionContext ctx = new ExecutionContext(Backend.get().kernels(), pool, 1L).training(true);
                SparseTraining training = null;
                if (!e.equals("dense")) {
                    SparsityConfig cfg = SparsityConfig.of(method, sparsity, "uniform");
                    SparsityMethod m = cfg.start(params, opt, new SplittableRandom(1), LrSchedules.constant(0.01f));
                    training = new SparseTraining(m);
                    // a 100-epoch run of 469 steps: updates every 100 steps until 75%, as a real run has them
                    training.onEpochStart(1, 100, 469);
                    if (e.equals("sparse")) choices = SparseEngines.forceSparse(net);
                }
                engines.add(new Engine(e, net, opt, training, ctx, x, labels));
            }
            SideBySideTimer.Timing timing = SideBySideTimer.system(SideBySideTimer.Plan.forBenchmark(warmupMillis, measureMillis))
                    .time(engines);
            TrainStepProfile.Result profile = null;
            if (explain) {
                Engine e = engines.get(names.indexOf("sparse"));
                profile = TrainStepProfile.profile(e.net, e.opt, e.training.method(), e.training.totalSteps(), e.ctx, x, labels,
                        Math.max(1, explainSteps), Math.max(1, explainSteps / 5));
            }
            PrintWriter out = spec.commandLine().getOut();
            String machine = BenchReport.machineLine(t);
            double dense = timing.medianNanos()[0];
            if (!json) {
                out.println(machine);
                out.printf(Locale.ROOT, "model %s, %s at %.2f sparsity, batch %d, %d thread(s); one training step, medians%n",
                        model, method, sparsity, batch, t);
            }
            for (int i = 0; i < engines.size(); i++) {
                double ms = timing.medianNanos()[i] / 1e6;
                double ratio = dense / timing.medianNanos()[i];
                if (json) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("model", model);
                    m.put("method", names.get(i).equals("dense") ? "dense" : method);
                    m.put("sparsity", names.get(i).equals("dense") ? 0.0 : sparsity);
                    m.put("engine", names.get(i));
                    m.put("batch", batch);
                    m.put("threads", t);
                    m.put("median_ms", Math.round(ms * 1000) / 1000.0);
                    m.put("p10_ms", Math.round(timing.p10Nanos()[i] / 1e3) / 1000.0);
                    m.put("p90_ms", Math.round(timing.p90Nanos()[i] / 1e3) / 1000.0);
                    m.put("ratio_vs_dense", Math.round(ratio * 100) / 100.0);
                    m.put("machine", machine);
                    if (profile != null && names.get(i).equals("sparse")) m.put("explain", profile.toJson());
                    out.println(Json.write(m));
                } else {
                    out.printf(Locale.ROOT, "  %-7s %9.3f ms   %6.2fx vs dense   (p10 %.3f, p90 %.3f)%n", names.get(i), ms, ratio,
                            timing.p10Nanos()[i] / 1e6, timing.p90Nanos()[i] / 1e6);
                }
            }
            if (!json) {
                for (SparseEngines.Choice c : choices) {
                    out.printf(Locale.ROOT, "  layer %s: %.3f sparse, %s engine%n", c.layer(), c.sparsity(), c.engine());
                }
                if (profile != null) out.print(profile.toText());
            }
            out.flush();
        }
        return 0;
    }
}
