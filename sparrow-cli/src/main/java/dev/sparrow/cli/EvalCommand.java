package dev.sparrow.cli;

import dev.sparrow.infer.Device;
import dev.sparrow.infer.InferenceSession;
import dev.sparrow.infer.Predictor;
import dev.sparrow.infer.ModelFormat;
import dev.sparrow.onnx.OnnxImporter;
import dev.sparrow.onnx.OnnxModelFile;
import dev.sparrow.onnx.OnnxModelFormat;
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
        description = {"Evaluates a checkpoint on the Fashion-MNIST test set (or --data): loss, accuracy, the accuracy per class "
                + "and the confusion matrix, drawn into confusion.png next to the checkpoint (or --plot FILE).",
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

    @Mixin
    DeviceOption device;

    @Option(names = "--noise", paramLabel = "LEVELS",
            description = "Comma-separated fractions of pixels to replace by noise, e.g. 0.0,0.1,0.2,0.3,0.4,0.5.")
    String noise;

    @Option(names = "--noise-seed", paramLabel = "S", defaultValue = "42",
            description = "Seed of the noise: the same seed gives every model the same noisy images (default: ${DEFAULT-VALUE}).")
    long noiseSeed;

    @Option(names = "--json", description = "One JSON object per line (per noise level) instead of text.")
    boolean json;

    @Option(names = "--plot", paramLabel = "FILE", description = "Where to draw the confusion matrix (PNG; default: "
            + ConfusionMatrix.PNG + " next to the model file).")
    Path plot;

    @Option(names = "--no-plot", description = "Draw no confusion matrix.")
    boolean noPlot;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    private java.io.PrintWriter out;

    @Override
    public Integer call() throws Exception {
        out = spec.commandLine().getOut();
        if (batchSize < 1) throw new UserInputException("--batch-size is " + batchSize + "; expected >= 1");
        double[] levels = noise != null ? NoiseLevels.parse(noise) : null;
        boolean onCpu = device.device() == Device.CPU;
        if (levels != null && !onCpu) throw new UserInputException("--noise runs on the CPU only; drop --device " + device.device);
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
                    out.printf(Locale.ROOT, "%s (%s, epoch %s), noise seed %d:%n%8s %10s %8s%n", checkpoint, config.model(),
                            epoch, noiseSeed, "noise", "accuracy", "loss");
                }
                for (NoiseLevels.Result r : results) {
                    if (json) {
                        out.println(jsonLine(config.model(), epoch, r.level(), r.eval(), r.seconds()));
                    } else {
                        out.printf(Locale.ROOT, "%8.2f %9.2f%% %8.4f%n", r.level(), 100 * r.eval().accuracy(), r.eval().loss());
                    }
                }
            } else {
                long start = System.nanoTime();
                ConfusionMatrix confusion = new ConfusionMatrix(classNames(spec.classNames(), test));
                boolean wasTraining = ctx.training();
                ctx.training(false);
                Evaluator.Result r;
                // a checkpoint runs its model's forward pass on the CPU; on a device, as an inference session there
                // (where the device is unavailable, one line says why and the forward pass runs, untuned and at once)
                if (onCpu || device.unavailable(this.spec.commandLine().getErr()) != null) {
                    try {
                        r = evaluate(loader, confusion, x -> model.forward(x, ctx));
                    } finally {
                        ctx.training(wasTraining);
                    }
                } else {
                    try (Predictor session = device.open(InferenceSession.builder(model, test.sampleShape()).batchSize(batchSize)
                            .pool(pool), this.spec.commandLine().getErr())) {
                        r = evaluate(loader, confusion, session::predict);
                    }
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                report(r, seconds, confusion, config.model(), epoch, RunPlots.label(config,
                        config.sparsity().isDense() ? null : dev.sparrow.io.SparsityReport.of(saved).sparsity()));
            }
        }
        return 0;
    }

    /** A model file (.onnx) through an inference session over the test set. */
    private int evalModelFile() throws Exception {
        Dataset test = data.loadTest();
        long start = System.nanoTime();
        ConfusionMatrix confusion = new ConfusionMatrix(test.classNames());
        Evaluator.Result r;
        // an .onnx file that 'sparrow export' wrote carries the checkpoint's normalisation; others get Fashion-MNIST's
        InferenceSession.Builder builder;
        float[] mean = {dev.sparrow.data.FashionMnist.MEAN}, std = {dev.sparrow.data.FashionMnist.STD};
        if (new OnnxModelFormat().accepts(checkpoint)) {
            OnnxModelFile file = OnnxImporter.load(checkpoint);
            java.util.Optional<dev.sparrow.io.ModelSpec> saved = file.spec();
            if (saved.isPresent()) {
                mean = saved.get().mean();
                std = saved.get().std();
            }
            spec.commandLine().getErr().printf(Locale.ROOT, "note: %s: input normalisation mean %s, std %s (%s)%n", checkpoint,
                    mean.length == 1 ? mean[0] : "per feature", std.length == 1 ? std[0] : "per feature",
                    saved.isPresent() ? "from its metadata" : "Fashion-MNIST's; the file carries no model spec");
            builder = InferenceSession.builder(file.graph());
        } else {
            builder = InferenceSession.builder(checkpoint);
        }
        try (Predictor session = device.open(builder.batchSize(batchSize).threads(threads.orAllCores()),
                spec.commandLine().getErr());
             DataLoader loader = TrainingRun.evalLoader(test, batchSize, mean, std)) {
            if (!java.util.Arrays.equals(session.sampleShape(), test.sampleShape())) {
                throw new UserInputException(checkpoint + " takes samples of " + java.util.Arrays.toString(session.sampleShape())
                        + " but the test set has " + java.util.Arrays.toString(test.sampleShape()));
            }
            r = evaluate(loader, confusion, session::predict);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        report(r, seconds, confusion, "file", "?", checkpoint.getFileName().toString());
        return 0;
    }

    /** Loss and accuracy over the loader's one pass, each prediction counted into {@code confusion}. */
    private static Evaluator.Result evaluate(DataLoader loader, ConfusionMatrix confusion,
                                             java.util.function.Function<dev.sparrow.tensor.Tensor, dev.sparrow.tensor.Tensor> forward) {
        SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy();
        double lossSum = 0;
        long correct = 0;
        int samples = 0;
        for (dev.sparrow.data.Batch batch : loader.epoch(0)) {
            int n = batch.count();
            dev.sparrow.tensor.Tensor out = forward.apply(batch.x());
            confusion.add(out, batch.labels(), n);
            lossSum += loss.forward(out, batch.labels()) * n;
            correct += loss.lastCorrect();
            samples += n;
        }
        return new Evaluator.Result(samples == 0 ? Double.NaN : lossSum / samples,
                samples == 0 ? Double.NaN : (double) correct / samples, samples);
    }

    /** The checkpoint's class names when they fit the test data, else the data's own. */
    private static List<String> classNames(List<String> fromModel, Dataset test) {
        return fromModel != null && fromModel.size() == test.classes() ? fromModel : test.classNames();
    }

    private void report(Evaluator.Result r, double seconds, ConfusionMatrix confusion, String model, String epoch, String label)
            throws java.io.IOException {
        Path png = noPlot ? null : plot != null ? plot
                : checkpoint.toAbsolutePath().resolveSibling(ConfusionMatrix.PNG);
        if (png != null) {
            try {
                confusion.writePng(png, String.format(Locale.ROOT, "Confusion matrix: %s, test accuracy %.2f%%", label, 100 * r.accuracy()));
            } catch (java.io.IOException | RuntimeException e) {
                // the figures are printed anyway; a folder that takes no file only costs the picture
                spec.commandLine().getErr().println("warning: no plot written to " + png + ": "
                        + (e instanceof java.io.IOException io ? CliFiles.describe(io, png) : e.getMessage()));
                png = null;
            }
        }
        if (json) {
            Map<String, Object> m = jsonMap(model, epoch, 0.0, r, seconds);
            List<Object> perClass = new java.util.ArrayList<>();
            List<Object> rows = new java.util.ArrayList<>();
            int k = confusion.classes();
            for (int c = 0; c < k; c++) {
                double a = confusion.accuracy(c);
                perClass.add(Double.isNaN(a) ? null : a);
                List<Object> row = new java.util.ArrayList<>();
                for (int p = 0; p < k; p++) row.add(confusion.count(c, p));
                rows.add(row);
            }
            m.put("class_names", confusion.names());
            m.put("class_accuracy", perClass);
            m.put("confusion", rows);
            if (png != null) m.put("plot", png.toString());
            out.println(Json.write(m));
        } else {
            out.printf(Locale.ROOT, "%s (%s, epoch %s): test accuracy %.2f%%, loss %.4f over %d samples (%.1fs, %.0f samples/s)%n",
                    checkpoint, label, epoch, 100 * r.accuracy(), r.loss(), r.samples(), seconds, r.samples() / seconds);
            out.print(confusion.table());
            if (png != null) out.println("Plot: " + png);
        }
    }

    private String jsonLine(String model, String epoch, double level, Evaluator.Result r, double seconds) {
        return Json.write(jsonMap(model, epoch, level, r, seconds));
    }

    private Map<String, Object> jsonMap(String model, String epoch, double level, Evaluator.Result r, double seconds) {
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
        return m;
    }
}
