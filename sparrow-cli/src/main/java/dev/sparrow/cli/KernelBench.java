package dev.sparrow.cli;

import dev.sparrow.kernel.ComputePool;
import dev.sparrow.kernel.Backend;
import dev.sparrow.kernel.Kernels;
import dev.sparrow.measure.DenseBaseline;
import dev.sparrow.measure.KernelCheck;
import dev.sparrow.measure.KernelInputs;
import dev.sparrow.measure.MatMulPeer;
import dev.sparrow.measure.SideBySideTimer;
import dev.sparrow.measure.WeightCopies;
import dev.sparrow.sparse.FormatMasks;
import dev.sparrow.sparse.MaskedWeights;
import dev.sparrow.sparse.PackedWeights;
import dev.sparrow.sparse.SparseFormats;
import dev.sparrow.sparse.SparseInputMatrix;
import dev.sparrow.sparse.SparseKernels;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.UnaryOperator;

/**
 * Times every sparse format against the dense kernels on the same layer, side by side in one run: for
 * each shape, batch size and weight residency (cached: one copy reused; streamed: the kernel rotates
 * over enough copies to miss the last-level cache). Before any timing, every kernel's output is checked
 * against a dense kernel on the same masked weights ({@link KernelCheck}); one that disagrees is not
 * timed or reported.
 */
final class KernelBench {
    static final String CACHED = "cached";
    static final String STREAMED = "streamed";

    /**
     * What to run (validated by the command).
     *
     * @param shapes      {out, in} pairs
     * @param warmupMs    warm-up per kernel, at least (until its calls are compiled and steady)
     * @param measureMs   measurement time of one (shape, batch, residency) group, all its kernels together
     * @param rounds      rounds over the kernels, at least
     * @param streamMiB   footprint of the copies a streamed kernel rotates over
     */
    record Settings(List<int[]> shapes, double sparsity, int[] batches, int threads, List<String> formats,
                    List<String> residencies, double inputDensity, long seed, long warmupMs, long measureMs,
                    int rounds, long streamMiB) {}

    /** The rows measured and the kernels refused (wrong output, unbuildable format). */
    record Result(List<BenchRow> rows, List<String> errors) {}

    private final Settings settings;
    private final PrintWriter log;
    private final UnaryOperator<PackedWeights> formatHook;
    private final Kernels dense = Backend.get().kernels();
    private final SparseKernels sparse = SparseKernels.of(Backend.get());
    private final KernelCheck check = new KernelCheck(dense, sparse);
    /** Other engines' dense MatMul (ONNX Runtime) found on the class path; one that fails to load is dropped. */
    private final List<MatMulPeer> peers;
    private final Set<String> describedPeers = new HashSet<>();

    /**
     * @param formatHook applied to every built sparse matrix (identity outside tests)
     * @param peers      dense MatMul engines to time beside ours ({@link MatMulPeer#discover()} outside tests)
     */
    KernelBench(Settings settings, PrintWriter log, UnaryOperator<PackedWeights> formatHook, List<MatMulPeer> peers) {
        this.settings = settings;
        this.log = log;
        this.formatHook = formatHook;
        this.peers = new ArrayList<>(peers);
    }

    Result run() {
        List<BenchRow> rows = new ArrayList<>();
        if (peers.isEmpty()) {
            log.println("bench: no ONNX Runtime peer on the class path (./mvnw package builds sparrow-bench, which "
                    + "./sparrow then adds); no ort-matmul rows");
        }
        try (ComputePool pool = ComputePool.ofThreads(settings.threads())) {
            for (int[] shape : settings.shapes()) rows.addAll(runShape(shape[0], shape[1], pool));
        }
        return new Result(rows, check.errors());
    }

    /** One format's weights: the mask it can hold and its built matrix. */
    private record Format(String spec, MaskedWeights weights, double sparsity, PackedWeights matrix) {}

    private List<BenchRow> runShape(int out, int in, ComputePool pool) {
        SplittableRandom rnd = new SplittableRandom(settings.seed());
        float[] w = KernelInputs.uniform(out * in, rnd);
        List<Format> formats = new ArrayList<>();
        for (String spec : settings.formats()) {
            boolean[] mask = FormatMasks.forSpec(spec, settings.sparsity(), out, in, rnd.split());
            MaskedWeights mw = MaskedWeights.of(w, mask, out, in, "bench." + spec);
            PackedWeights m = build(spec, mw);
            if (m != null) formats.add(new Format(spec, mw, FormatMasks.sparsityOf(mask), m));
        }
        List<KernelInputs> inputs = new ArrayList<>();
        for (int b : settings.batches()) inputs.add(KernelInputs.random(b, in, settings.inputDensity(), rnd));

        // correctness first: nothing that disagrees with dense gets timed
        List<Format> verified = new ArrayList<>();
        Set<String> verifiedSparseInput = new HashSet<>();
        DenseBaseline reference = new DenseBaseline(dense, w, out, in, 1);
        boolean denseOk = true;
        for (KernelInputs x : inputs) denseOk &= check.denseProducts(reference, x, pool);
        KernelInputs batchOne = inputs.stream().filter(x -> x.batch() == 1).findFirst().orElse(null);
        for (Format f : formats) {
            String what = f.spec() + " (" + f.matrix().format() + ")";
            boolean ok = true;
            for (KernelInputs x : inputs) ok = ok && check.format(what, f.matrix(), f.weights(), x, pool);
            if (ok) verified.add(f);
            if (f.matrix() instanceof SparseInputMatrix s && batchOne != null && check.sparseInput(
                    f.spec() + " with sparse input (" + s.format() + ")", s, f.weights(), batchOne)) {
                verifiedSparseInput.add(f.spec());
            }
        }
        if (!denseOk) return List.of();

        List<BenchRow> rows = new ArrayList<>();
        for (String residency : settings.residencies()) {
            long target = residency.equals(STREAMED) ? streamTarget(out, in, verified) : 0;
            DenseBaseline baseline = new DenseBaseline(dense, w, out, in, WeightCopies.count(4L * out * in, target));
            int denseN = baseline.copies();
            List<List<PackedWeights>> formatCopies = new ArrayList<>();
            long total = 8L * out * in * denseN; // as stored and packed
            for (Format f : verified) {
                int n = WeightCopies.count(f.matrix().bytes(), target);
                List<PackedWeights> copies = new ArrayList<>(n);
                copies.add(f.matrix());
                for (int i = 1; i < n; i++) copies.add(formatHook.apply(SparseFormats.build(f.spec(), f.weights())));
                formatCopies.add(copies);
                total += f.matrix().bytes() * n;
            }
            if (target > 0) {
                log.printf(Locale.ROOT, "bench: %dx%d streamed: %d dense copies, %.0f MiB of weights in all%n",
                        out, in, denseN, total / 1048576.0);
            }
            List<PeerRun> peerRuns = openPeers(out, in, w, peerCopies(out, in, denseN), inputs, reference, pool);
            try {
                for (KernelInputs x : inputs) {
                    rows.addAll(runGroup(out, in, residency, x, baseline, verified, formatCopies, verifiedSparseInput,
                            peerRuns, pool));
                }
            } finally {
                for (PeerRun p : peerRuns) p.instance().close();
            }
        }
        return rows;
    }

    /** One peer loaded with its copies of the weights, its output checked against our dense kernel. */
    private record PeerRun(MatMulPeer peer, MatMulPeer.Instance instance, int copies) {}

    /**
     * The peers' sessions over {@code copies} copies of w, each checked at every batch size against our
     * dense kernel on copy 0 (the copies are clones). A peer that cannot load is dropped with one line;
     * one that disagrees is an error, like a format that does.
     */
    private List<PeerRun> openPeers(int out, int in, float[] w, int copies, List<KernelInputs> inputs,
                                    DenseBaseline reference, ComputePool pool) {
        List<PeerRun> runs = new ArrayList<>();
        for (Iterator<MatMulPeer> it = peers.iterator(); it.hasNext(); ) {
            MatMulPeer peer = it.next();
            MatMulPeer.Instance instance = null;
            try {
                instance = peer.open(settings.threads());
                if (describedPeers.add(peer.name())) log.println("bench: peer " + peer.name() + ": " + instance.describe());
                for (int i = 0; i < copies; i++) instance.addWeights(i == 0 ? w : w.clone(), out, in);
                boolean ok = true;
                for (KernelInputs x : inputs) {
                    float[] got = new float[x.batch() * out];
                    java.util.Arrays.fill(got, Float.NaN);
                    instance.setInput(x.x(), x.batch());
                    instance.run(0);
                    instance.output(got);
                    ok &= check.agree(peer.name() + " (" + instance.describe() + ")", out, in, x.batch(), got,
                            reference.once(DenseBaseline.GEMM_NT, x, pool));
                }
                if (ok) {
                    runs.add(new PeerRun(peer, instance, copies));
                    instance = null;
                }
            } catch (Exception | LinkageError e) {
                log.println("bench: peer " + peer.name() + " is not available here (" + e + "); no " + peer.name() + " rows");
                it.remove();
            } finally {
                if (instance != null) instance.close();
            }
        }
        return runs;
    }

    /** The dense kernels' copies, fewer when the peer's weights (and its prepacked copy) would pass 1 GiB off-heap. */
    private static int peerCopies(int out, int in, int denseCopies) {
        if (denseCopies == 1) return 1;
        long perCopy = 2 * 4L * out * in;
        return (int) Math.max(2, Math.min(denseCopies, (1L << 30) / perCopy));
    }

    private List<BenchRow> runGroup(int out, int in, String residency, KernelInputs x, DenseBaseline baseline,
                                    List<Format> formats, List<List<PackedWeights>> formatCopies,
                                    Set<String> sparseInputSpecs, List<PeerRun> peerRuns, ComputePool pool) {
        int b = x.batch();
        log.printf(Locale.ROOT, "bench: %dx%d batch %d %s%n", out, in, b, residency);
        log.flush();
        List<Runnable> timed = new ArrayList<>();
        List<BenchRow> proto = new ArrayList<>(); // rows without timing yet
        long denseBytes = 4L * out * in;
        double denseFlops = 2.0 * out * in * b;
        for (String kernel : DenseBaseline.kernels(b)) {
            timed.add(baseline.kernel(kernel, x, new float[out * b], pool));
            proto.add(row(out, in, "dense", kernel, "fp32", 0.0, b, residency, Double.NaN, denseFlops, denseBytes,
                    denseBytes, (long) out * in, baseline.copies()));
        }
        for (PeerRun p : peerRuns) {
            try {
                p.instance().setInput(x.x(), b);
            } catch (Exception e) {
                check.fail(p.peer().name() + " could not take the batch-" + b + " input: " + e.getMessage());
                continue;
            }
            timed.add(WeightCopies.rotate(p.copies(), p.instance()::run));
            proto.add(row(out, in, BenchReport.PEER, p.peer().name(), "fp32", 0.0, b, residency, Double.NaN, denseFlops,
                    denseBytes, denseBytes, (long) out * in, p.copies()));
        }
        for (int f = 0; f < formats.size(); f++) {
            Format fmt = formats.get(f);
            List<PackedWeights> copies = formatCopies.get(f);
            PackedWeights m0 = copies.get(0);
            float[] y = new float[out * b];
            timed.add(WeightCopies.rotate(copies.size(), b == 1
                    ? i -> copies.get(i).gemv(sparse, x.x(), 0, y, 0, null, false, pool)
                    : i -> copies.get(i).spmm(sparse, x.xt(), 0, b, b, y, 0, b, null, false, pool)));
            proto.add(row(out, in, "sparse", fmt.spec(), m0.format(), fmt.sparsity(), b, residency, Double.NaN,
                    2.0 * m0.nnz() * b, m0.bytes(), m0.bytes(), m0.nnz(), copies.size()));
        }
        for (int f = 0; f < formats.size() && b == 1; f++) {
            Format fmt = formats.get(f);
            if (!sparseInputSpecs.contains(fmt.spec())) continue;
            List<PackedWeights> copies = formatCopies.get(f);
            float[] y = new float[out];
            timed.add(WeightCopies.rotate(copies.size(), i -> ((SparseInputMatrix) copies.get(i)).gemvSparseInput(sparse,
                    x.activeIdx(), x.activeVals(), x.activeCount(), y, 0, null, false)));
            long activeNnz = 0;
            for (int k = 0; k < x.activeCount(); k++) {
                for (int r = 0; r < out; r++) if (fmt.weights().isActive(r, x.activeIdx()[k])) activeNnz++;
            }
            PackedWeights m0 = copies.get(0);
            proto.add(row(out, in, "sparse-input", fmt.spec() + "/in" + percent(settings.inputDensity()), m0.format(),
                    fmt.sparsity(), b, residency, settings.inputDensity(), 2.0 * activeNnz, m0.bytes(),
                    Math.round((double) m0.bytes() * activeNnz / Math.max(1, m0.nnz())), m0.nnz(), copies.size()));
        }
        SideBySideTimer.Timing t = SideBySideTimer.system(SideBySideTimer.Plan.forKernels(settings.warmupMs(),
                settings.measureMs(), settings.rounds())).time(timed);
        double bestDense = Double.POSITIVE_INFINITY, peerMedian = Double.NaN;
        int bestIndex = -1;
        for (int i = 0; i < proto.size(); i++) {
            double median = t.medianNanos()[i];
            if (proto.get(i).kind().equals("dense") && median < bestDense) {
                bestDense = median;
                bestIndex = i;
            }
            if (proto.get(i).kind().equals(BenchReport.PEER) && Double.isNaN(peerMedian)) peerMedian = median;
        }
        List<BenchRow> rows = new ArrayList<>();
        for (int i = 0; i < proto.size(); i++) {
            BenchRow p = proto.get(i);
            double median = t.medianNanos()[i];
            rows.add(new BenchRow(p.out(), p.in(), p.kind(), p.format(), p.storage(), p.sparsity(), p.batch(),
                    p.residency(), p.threads(), p.inputDensity(), t.stats(i), p.usefulFlops(), p.weightBytes(),
                    p.bytesRead(), p.nnz(), p.copies(), bestDense / median, i == bestIndex, peerMedian / median));
        }
        return rows;
    }

    /** A row before timing. */
    private BenchRow row(int out, int in, String kind, String format, String storage, double sparsity, int batch,
                         String residency, double inputDensity, double flops, long weightBytes, long bytesRead,
                         long nnz, int copies) {
        return new BenchRow(out, in, kind, format, storage, sparsity, batch, residency, settings.threads(), inputDensity,
                null, flops, weightBytes, bytesRead, nnz, copies, Double.NaN, false, Double.NaN);
    }

    private PackedWeights build(String spec, MaskedWeights mw) {
        try {
            return formatHook.apply(SparseFormats.build(spec, mw));
        } catch (IllegalArgumentException e) { // UnsupportedMaskException included
            check.fail("format " + spec + " could not be built: " + e.getMessage());
            return null;
        }
    }

    /**
     * Bytes each streamed kernel's copies should span: --stream-mib, lowered (with a note) when the copies
     * of all formats together would take more than half the heap.
     */
    private long streamTarget(int out, int in, List<Format> formats) {
        long target = settings.streamMiB() * 1048576L;
        long total = WeightCopies.count(4L * out * in, target) * 4L * out * in;
        for (Format f : formats) total += WeightCopies.count(f.matrix().bytes(), target) * f.matrix().bytes();
        long cap = Runtime.getRuntime().maxMemory() / 2;
        if (total <= cap) return target;
        long lowered = (long) (target * ((double) cap / total));
        log.printf(Locale.ROOT, "bench: streamed copies lowered to %.0f MiB per kernel (heap %.0f MiB; raise it with -Xmx"
                + " in SPARROW_JAVA_OPTS)%n", lowered / 1048576.0, Runtime.getRuntime().maxMemory() / 1048576.0);
        return lowered;
    }

    static String percent(double fraction) {
        double p = 100 * fraction;
        return p == Math.rint(p) ? String.format(Locale.ROOT, "%.0f%%", p) : String.format(Locale.ROOT, "%.1f%%", p);
    }
}
