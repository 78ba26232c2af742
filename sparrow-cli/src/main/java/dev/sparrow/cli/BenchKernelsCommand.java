package dev.sparrow.cli;

import dev.sparrow.measure.MatMulPeer;
import dev.sparrow.sparse.FormatMasks;
import dev.sparrow.sparse.PackedWeights;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

@Command(name = "kernels", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Times every sparse format against the dense kernels on one layer, side by side in one run:",
                "median time, GFLOP/s, GB/s and the ratio to the best dense kernel, with the weights in cache and",
                "streamed from memory. Each kernel's output is checked against dense before it is timed.",
                "ONNX Runtime's dense MatMul runs beside them as a peer (ort-matmul) when ./sparrow finds sparrow-bench built."})
final class BenchKernelsCommand implements Callable<Integer> {
    /** Largest layer benchmarked: the streamed copies of every format must fit in memory. */
    private static final long MAX_WEIGHTS = 1L << 26;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--shape", paramLabel = "OUTxIN[,...]", defaultValue = "768x3072",
            description = "Layer shapes, out x in (default: ${DEFAULT-VALUE}).")
    String shapes;

    @Option(names = "--sparsity", paramLabel = "S", defaultValue = "0.9",
            description = "Weight sparsity in [0, 1); formats that cannot hold it exactly (N:M, complementary) "
                    + "use the closest they can and the table shows it (default: ${DEFAULT-VALUE}).")
    double sparsity;

    @Option(names = "--batch", paramLabel = "B[,...]", defaultValue = "1,256", description = "Batch sizes (default: ${DEFAULT-VALUE}).")
    String batches;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "1", description = "Compute threads (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--formats", paramLabel = "F[,...]",
            description = "Sparse formats: csr, csc, condensed, block4, block16, nmN:M, bankW, complementaryN "
                    + "(default: all, with the N:M and group size closest to the sparsity).")
    String formats;

    @Option(names = "--residency", paramLabel = "R[,...]", defaultValue = "cached,streamed",
            description = "cached (one copy of the weights, reused) and/or streamed (copies larger than the "
                    + "last-level cache, rotated) (default: ${DEFAULT-VALUE}).")
    String residencies;

    @Option(names = "--input-density", paramLabel = "D", defaultValue = "0.1",
            description = "Fraction of nonzero inputs for the sparse-input rows (csc, complementary) at batch 1 "
                    + "(default: ${DEFAULT-VALUE}).")
    double inputDensity;

    @Option(names = "--json", description = "One JSON object per line and kernel instead of the table.")
    boolean json;

    @Option(names = "--quick", description = "Shorter warm-up and measurement: under a minute for the default layer.")
    boolean quick;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "42", description = "Seed of weights, masks and inputs (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--warmup-ms", hidden = true, description = "Minimum warm-up per kernel (default: 300, 100 with --quick).")
    Long warmupMs;

    @Option(names = "--measure-ms", hidden = true, description = "Measurement per shape, batch and residency (default: 8000, 2500 with --quick).")
    Long measureMs;

    @Option(names = "--rounds", hidden = true, description = "Minimum rounds over the kernels (default: 15, 5 with --quick).")
    Integer rounds;

    @Option(names = "--stream-mib", hidden = true, description = "Footprint of a streamed kernel's copies (default: 128, 64 with --quick).")
    Long streamMiB;

    /** Tests swap a broken format in here to check that disagreeing kernels are refused. */
    UnaryOperator<PackedWeights> formatHook = UnaryOperator.identity();

    /** The dense MatMul peers (ONNX Runtime) on the class path; tests swap in their own. */
    Supplier<List<MatMulPeer>> peers = MatMulPeer::discover;

    @Override
    public Integer call() {
        KernelBench.Settings settings = settings();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        String machine = BenchReport.machineLine(threads);
        if (json) {
            err.println("# " + machine);
        } else {
            out.println(machine);
            out.println();
        }
        out.flush();
        KernelBench.Result result = new KernelBench(settings, err, formatHook, peers.get()).run();
        if (json) {
            for (BenchRow r : result.rows()) out.println(BenchReport.jsonLine(r));
        } else {
            out.print(BenchReport.table(result.rows()));
        }
        out.flush();
        for (String e : result.errors()) err.println("sparrow bench kernels: " + e);
        err.flush();
        return result.errors().isEmpty() ? 0 : 1;
    }

    KernelBench.Settings settings() {
        if (!(sparsity >= 0 && sparsity < 1)) {
            throw new UserInputException("--sparsity must be in [0, 1), got " + sparsity);
        }
        if (!(inputDensity > 0 && inputDensity <= 1)) {
            throw new UserInputException("--input-density must be in (0, 1], got " + inputDensity);
        }
        ThreadsOption.check(threads);
        List<int[]> shapeList = new ArrayList<>();
        for (String s : items("--shape", shapes)) shapeList.add(shape(s));
        List<Integer> batchList = new ArrayList<>();
        for (String s : items("--batch", batches)) batchList.add(positive("--batch", s, 1 << 16));
        int[] batchArray = new LinkedHashSet<>(batchList).stream().mapToInt(Integer::intValue).toArray();
        checkFitsHeap(shapeList, batchArray, Runtime.getRuntime().maxMemory());
        List<String> formatList = formats == null ? FormatMasks.defaultSpecs(sparsity) : items("--formats", formats);
        for (String f : formatList) {
            try {
                FormatMasks.checkSpec(f);
            } catch (IllegalArgumentException e) {
                throw new UserInputException("--formats: " + e.getMessage().replaceFirst("^format ", ""));
            }
        }
        Set<String> residencySet = new LinkedHashSet<>();
        for (String r : items("--residency", residencies)) {
            if (!r.equals(KernelBench.CACHED) && !r.equals(KernelBench.STREAMED)) {
                throw new UserInputException("--residency: '" + r + "' is neither cached nor streamed");
            }
            residencySet.add(r);
        }
        long warm = atLeast("--warmup-ms", warmupMs, quick ? 100 : 300, 0);
        long measure = atLeast("--measure-ms", measureMs, quick ? 2500 : 8000, 1);
        int r = (int) atLeast("--rounds", rounds == null ? null : (long) rounds, quick ? 5 : 15, 1);
        long stream = atLeast("--stream-mib", streamMiB, quick ? 64 : 128, 1);
        return new KernelBench.Settings(shapeList, sparsity, batchArray, threads, List.copyOf(new LinkedHashSet<>(formatList)),
                List.copyOf(residencySet), inputDensity, seed, warm, measure, r, stream);
    }

    /**
     * Sizes checked together, not one at a time: each shape and batch is allowed alone, but a large shape at a
     * large batch needs its weights (and a few packed copies) plus the activations X, X^T, Y and the dense
     * reference output at once. Refused when that estimate passes half the heap (the rest is for the formats'
     * streamed copies, which KernelBench lowers to fit).
     */
    static void checkFitsHeap(List<int[]> shapes, int[] batches, long heap) {
        int batch = 0;
        for (int b : batches) batch = Math.max(batch, b);
        for (int[] s : shapes) {
            long weights = 4L * s[0] * s[1];
            long activations = 4L * batch * (2L * s[1] + 2L * s[0]);
            long need = 3 * weights + activations;
            if (need > heap / 2) {
                throw new UserInputException("--shape " + s[0] + "x" + s[1] + " at --batch " + batch + " needs about "
                        + (need >> 20) + " MB (weights and their packed copies " + (3 * weights >> 20)
                        + " MB, activations " + (activations >> 20) + " MB); the heap holds " + (heap >> 20)
                        + " MB, of which this benchmark uses at most half (raise -Xmx in SPARROW_JAVA_OPTS)");
            }
        }
    }

    private static List<String> items(String option, String list) {
        List<String> out = new ArrayList<>();
        for (String s : list.split(",", -1)) {
            String t = s.trim().toLowerCase(Locale.ROOT);
            if (t.isEmpty()) throw new UserInputException(option + " has an empty item in '" + list + "'");
            out.add(t);
        }
        return out;
    }

    private static int[] shape(String s) {
        String[] parts = s.split("x", -1);
        if (parts.length != 2) throw new UserInputException("--shape: '" + s + "' is not OUTxIN (e.g. 768x3072)");
        int out = positive("--shape", parts[0], 1 << 20);
        int in = positive("--shape", parts[1], 1 << 20);
        if ((long) out * in > MAX_WEIGHTS) {
            throw new UserInputException("--shape: " + s + " has " + (long) out * in + " weights, more than the "
                    + MAX_WEIGHTS + " this benchmark holds in memory");
        }
        return new int[] {out, in};
    }

    private static int positive(String option, String s, int max) {
        int v;
        try {
            v = Integer.parseInt(s.trim());
        } catch (NumberFormatException e) {
            throw new UserInputException(option + ": '" + s + "' is not a whole number");
        }
        if (v < 1 || v > max) throw new UserInputException(option + ": " + v + " is outside [1, " + max + "]");
        return v;
    }

    private static long atLeast(String option, Long given, long fallback, long min) {
        long v = given == null ? fallback : given;
        if (v < min) throw new UserInputException(option + " must be >= " + min + ", got " + v);
        return v;
    }
}
