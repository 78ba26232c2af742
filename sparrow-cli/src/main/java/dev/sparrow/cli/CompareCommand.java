package dev.sparrow.cli;

import dev.sparrow.data.FashionMnist;
import dev.sparrow.train.EpochResult;
import dev.sparrow.train.TrainConfig;
import dev.sparrow.train.TrainListener;
import dev.sparrow.train.TrainingRun;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

@Command(name = "compare", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Trains one model with several sparse-training methods at one sparsity and prints a table of the results.",
                "The table has the method, sparsity reached, test accuracy and train time. Each run goes to OUTPUT/METHOD "
                + "(with its plots); OUTPUT/comparison.png draws the validation accuracy of every method per epoch."})
final class CompareCommand implements Callable<Integer> {
    private static final int[] FASHION_MNIST_SHAPE = {1, FashionMnist.SIDE, FashionMnist.SIDE};

    @Option(names = "--model", paramLabel = "NAME", defaultValue = "mlp",
            description = "Model: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).",
            completionCandidates = TrainCommand.ModelNames.class)
    String model;

    @Option(names = "--methods", paramLabel = "LIST", split = ",", defaultValue = "dense,static,set,rigl,srigl,gmp",
            description = "Comma-separated methods, each as 'sparrow train --method' takes it (default: ${DEFAULT-VALUE}).")
    List<String> methods;

    @Option(names = "--sparsity", paramLabel = "S", defaultValue = "0.9",
            description = "Global sparsity for every sparse method, in [0, 1) (default: ${DEFAULT-VALUE}; dense and nm:N:M ignore it).")
    double sparsity;

    @Option(names = "--distribution", paramLabel = "NAME", defaultValue = "erk",
            description = "How the sparsity is split over layers: erk or uniform (default: ${DEFAULT-VALUE}).")
    String distribution;

    @Option(names = "--epochs", paramLabel = "N", description = "Epochs per method (default: as 'sparrow train').")
    Integer epochs;

    @Mixin
    SeedOption seeds;

    @Mixin
    ThreadsOption threads;

    @Mixin
    DataOptions data;

    @Option(names = {"--output", "-o"}, paramLabel = "DIR", description = "Parent folder of the runs (default: runs/compare-MODEL-TIMESTAMP).")
    Path output;

    @Option(names = "--json", description = "One JSON object per method instead of the table (epoch lines go to stderr).")
    boolean json;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        Map<String, TrainConfig> configs = configs();
        Path out = output != null ? output : Path.of("runs", "compare-" + model + "-"
                + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        TrainingRun.Data d = data.load(seeds.seed);
        PrintStream log = json ? System.err : System.out;
        List<CompareTable.Row> rows = runAll(configs, d, out, method -> {
            log.printf(Locale.ROOT, "== %s -> %s%n", method, out.resolve(folderName(method)));
            return new ProgressListener(log, false, d.train().size());
        }, log);
        PrintWriter w = spec.commandLine().getOut();
        if (json) {
            w.print(CompareTable.json(rows));
        } else {
            w.printf(Locale.ROOT, "%n%s, %d epoch(s), seed %d, target sparsity %.2f%% (%s)%n", model,
                    configs.values().iterator().next().epochs(), seeds.seed, 100 * sparsity, distribution);
            w.print(CompareTable.table(rows));
        }
        w.flush();
        return 0;
    }

    /**
     * One config per method, in the order given, each built by 'sparrow train''s own option parsing so the defaults
     * and checks are the same; every error (unknown method, bad sparsity, a method the model can't take) comes here,
     * before any data is read.
     */
    Map<String, TrainConfig> configs() {
        if (methods == null || methods.isEmpty()) throw new UserInputException("--methods is empty; expected e.g. dense,rigl");
        Set<String> folders = new HashSet<>();
        Map<String, TrainConfig> configs = new LinkedHashMap<>();
        for (String raw : methods) {
            String method = raw.strip();
            if (method.isEmpty()) throw new UserInputException("--methods has an empty entry: '" + String.join(",", methods) + "'");
            if (!folders.add(folderName(method))) throw new UserInputException("--methods names '" + method + "' twice");
            TrainConfig config;
            try {
                config = trainCommandFor(method).config();
            } catch (UserInputException | IllegalArgumentException e) {
                throw new UserInputException("--methods '" + method + "': " + ApiFlags.message(e));
            }
            new SparsityOptions().checkAgainst(config, FASHION_MNIST_SHAPE, FashionMnist.CLASSES);
            configs.put(method, config);
        }
        return configs;
    }

    private TrainCommand trainCommandFor(String method) {
        List<String> args = new ArrayList<>(List.of("--model", model, "--method", method, "--seed", Long.toString(seeds.seed)));
        if (!"dense".equals(method) && !method.startsWith("nm:")) {
            args.addAll(List.of("--sparsity", Double.toString(sparsity), "--distribution", distribution));
        }
        if (epochs != null) args.addAll(List.of("--epochs", epochs.toString()));
        args.addAll(threads.asArgs());
        if (data != null && data.dataDir != null) args.addAll(List.of("--data", data.dataDir.toString()));
        TrainCommand train = new TrainCommand();
        try {
            new CommandLine(train).parseArgs(args.toArray(String[]::new));
        } catch (CommandLine.ParameterException e) {
            throw new UserInputException(e.getMessage());
        }
        return train;
    }

    /**
     * Trains each config into {@code out/METHOD} (with its run plots) and reads back what it reached, then draws
     * every run's validation accuracy into {@code out/}{@value ComparisonPlots#ACCURACY} (plots that fail are only
     * warnings on {@code log}); the seam tests use with small data.
     */
    static List<CompareTable.Row> runAll(Map<String, TrainConfig> configs, TrainingRun.Data d, Path out,
                                         java.util.function.Function<String, TrainListener> listeners, PrintStream log)
            throws IOException {
        List<CompareTable.Row> rows = new ArrayList<>(configs.size());
        List<ComparisonPlots.Run> runs = new ArrayList<>(configs.size());
        for (Map.Entry<String, TrainConfig> e : configs.entrySet()) {
            String method = e.getKey();
            TrainingRun.Outcome result = TrainingRun.run(e.getValue(), d, out.resolve(folderName(method)), null,
                    listeners.apply(method));
            RunPlots.writeAfterRun(result.directory(), log, log);
            double seconds = 0;
            for (EpochResult r : result.epochs()) seconds += r.seconds();
            double reached = ReachedSparsity.of(result.checkpoint());
            rows.add(new CompareTable.Row(method, reached, result.testAccuracy(), seconds));
            runs.add(new ComparisonPlots.Run(method, reached, result.epochs(), result.testAccuracy()));
        }
        TrainConfig first = configs.values().iterator().next();
        try {
            // the legend names each method and its sparsity; a title longer than about 80 characters would be cut
            Path plot = ComparisonPlots.writeAccuracy(out, "Validation accuracy per epoch: " + first.model(), runs);
            log.println("Comparison plot: " + plot);
        } catch (IOException | RuntimeException e) {
            log.println("warning: no comparison plot written to " + out + ": " + e.getMessage());
        }
        return rows;
    }

    /** A folder name for a method; "nm:2:4" becomes "nm-2-4". */
    static String folderName(String method) {
        return method.replace(':', '-');
    }
}
