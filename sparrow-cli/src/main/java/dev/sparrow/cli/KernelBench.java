package dev.sparrow.cli;

import dev.sparrow.kernel.ComputePool;
import dev.sparrow.kernel.Backend;
import dev.sparrow.kernel.Kernels;
import dev.sparrow.kernel.PackedDenseMatrix;
import dev.sparrow.sparse.MaskedWeights;
import dev.sparrow.sparse.SparseFormats;
import dev.sparrow.sparse.SparseInputMatrix;
import dev.sparrow.sparse.SparseKernels;
import dev.sparrow.sparse.PackedWeights;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.UnaryOperator;

/**
 * Times every sparse format against the dense kernels on the same layer, side by side in one run: for
 * each shape, batch size and weight residency (cached: one copy reused; streamed: the kernel rotates
 * over enough copies to miss the last-level cache). Before any timing, every kernel's output is checked
 * against a dense kernel on the same masked weights; one that disagrees is not timed or reported.
 */
final class KernelBench {
    static final double MAX_RELATIVE_ERROR = 1e-4;
    static final String CACHED = "cached";
    static final String STREAMED = "streamed";

    /**
     * What to run (validated by the command).
     *
     * @param shapes      {out, in} pairs
     * @param warmupMs    warm-up per kernel; a kernel's first warm-up in this JVM gets three times as much (JIT)
     * @param measureMs   measurement time of one (shape, batch, residency) group, all its kernels together
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
    private final Set<String> warmedKinds = new HashSet<>();
    private final List<String> errors = new ArrayList<>();
    /** Other engines' dense MatMul (ONNX Runtime) found on the class path; one that fails to load is dropped. */
    private final List<MatMulPeer> peers;
    private final Set<String> describedPeers = new HashSet<>();

    /** @param formatHook applied to every built sparse matrix (identity outside tests) */
    KernelBench(Settings settings, PrintWriter log, UnaryOperator<PackedWeights> formatHook) {
        this(settings, log, formatHook, List.of());
    }

    /** @param peers dense MatMul engines to time beside ours ({@link #discoverPeers()} outside tests) */
    KernelBench(Settings settings, PrintWriter log, UnaryOperator<PackedWeights> formatHook, List<MatMulPeer> peers) {
        this.settings = settings;
        this.log = log;
        this.formatHook = formatHook;
        this.peers = new ArrayList<>(peers);
    }

    /**
     * The peers whose jars the launcher put on the class path (sparrow-bench's ONNX Runtime peer); none when
     * the CLI jar runs alone.
     */
    static List<MatMulPeer> discoverPeers() {
        List<MatMulPeer> found = new ArrayList<>();
        try {
            for (MatMulPeer p : java.util.ServiceLoader.load(MatMulPeer.class)) found.add(p);
        } catch (java.util.ServiceConfigurationError | LinkageError e) {
            // a peer jar without its engine: reported by the caller as "no peer"
        }
        return found;
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
        return new Result(rows, List.copyOf(errors));
    }

    /** One format's weights: the mask it can hold and its built matrix. */
    private record Format(String spec, MaskedWeights weights, double sparsity, PackedWeights matrix) {}

    /** The inputs of one batch size: x (batch 1) or X^T [in][batch] and X [batch][in]. */
    private record Inputs(int batch, float[] xt, float[] x, int[] activeIdx, float[] activeVals, int activeCount,
                          float[] sparseXDense) {}

    private List<BenchRow> runShape(int out, int in, ComputePool pool) {
        SplittableRandom rnd = new SplittableRandom(settings.seed());
        float[] w = uniform(out * in, rnd);
        List<Format> formats = new ArrayList<>();
        for (String spec : settings.formats()) {
            boolean[] mask = BenchMasks.forSpec(spec, settings.sparsity(), out, in, rnd.split());
            MaskedWeights mw = MaskedWeights.of(w, mask, out, in, "bench." + spec);
            PackedWeights m = build(spec, mw);
            if (m != null) formats.add(new Format(spec, mw, BenchMasks.sparsityOf(mask), m));
        }
        List<Inputs> inputs = new ArrayList<>();
        for (int b : settings.batches()) inputs.add(inputs(b, in, rnd));

        // correctness first: nothing that disagrees with dense gets timed
        List<Format> verified = new ArrayList<>();
        Set<String> verifiedSparseInput = new HashSet<>();
        boolean denseOk = verifyDense(out, in, w, inputs, pool);
        for (Format f : formats) {
            if (verifyFormat(f, inputs, pool)) verified.add(f);
            if (f.matrix() instanceof SparseInputMatrix s && hasBatchOne() && verifySparseInput(f, s, inputs)) {
                verifiedSparseInput.add(f.spec());
            }
        }
        if (!denseOk) return List.of();

        List<BenchRow> rows = new ArrayList<>();
        for (String residency : settings.residencies()) {
            boolean streamed = residency.equals(STREAMED);
            List<float[]> denseCopies = new ArrayList<>();
            List<List<PackedWeights>> formatCopies = new ArrayList<>();
            long target = streamed ? streamTarget(out, in, verified) : 0;
            int denseN = streamed ? copiesFor(4L * out * in, target) : 1;
            for (int i = 0; i < denseN; i++) denseCopies.add(i == 0 ? w : w.clone());
            // packed once, as a session packs its dense layers (and ONNX Runtime its initializers)
            List<PackedDenseMatrix> packedCopies = new ArrayList<>(denseN);
            for (float[] copy : denseCopies) packedCopies.add(dense.pack(copy, 0, in, out, in));
            long total = 8L * out * in * denseN;
            for (Format f : verified) {
                int n = streamed ? copiesFor(f.matrix().bytes(), target) : 1;
                List<PackedWeights> copies = new ArrayList<>(n);
                copies.add(f.matrix());
                for (int i = 1; i < n; i++) copies.add(formatHook.apply(SparseFormats.build(f.spec(), f.weights())));
                formatCopies.add(copies);
                total += f.matrix().bytes() * n;
            }
            if (streamed) {
                log.printf(Locale.ROOT, "bench: %dx%d streamed: %d dense copies, %.0f MiB of weights in all%n",
                        out, in, denseN, total / 1048576.0);
            }
            List<PeerRun> peerRuns = openPeers(out, in, w, peerCopies(out, in, denseN), inputs, pool);
            try {
                for (Inputs x : inputs) {
                    rows.addAll(runGroup(out, in, residency, x, denseCopies, packedCopies, verified, formatCopies,
                            verifiedSparseInput, peerRuns, pool));
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
    private List<PeerRun> openPeers(int out, int in, float[] w, int copies, List<Inputs> inputs, ComputePool pool) {
        List<PeerRun> runs = new ArrayList<>();
        for (java.util.Iterator<MatMulPeer> it = peers.iterator(); it.hasNext(); ) {
            MatMulPeer peer = it.next();
            MatMulPeer.Instance instance = null;
            try {
                instance = peer.open(settings.threads());
                if (describedPeers.add(peer.name())) log.println("bench: peer " + peer.name() + ": " + instance.describe());
                for (int i = 0; i < copies; i++) instance.addWeights(i == 0 ? w : w.clone(), out, in);
                boolean ok = true;
                for (Inputs x : inputs) {
                    int b = x.batch();
                    instance.setInput(x.x(), b);
                    float[] got = new float[b * out], want = new float[b * out];
                    java.util.Arrays.fill(got, Float.NaN);
                    instance.run(0);
                    instance.output(got);
                    dense.gemm(false, true, b, out, in, x.x(), 0, in, w, 0, in, 0f, want, 0, out, pool);
                    ok &= agree(peer.name() + " (" + instance.describe() + ")", out, in, b, got, want);
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

    private List<BenchRow> runGroup(int out, int in, String residency, Inputs x, List<float[]> denseCopies,
                                    List<PackedDenseMatrix> packedCopies, List<Format> formats, List<List<PackedWeights>> formatCopies,
                                    Set<String> sparseInputSpecs, List<PeerRun> peerRuns, ComputePool pool) {
        int b = x.batch();
        log.printf(Locale.ROOT, "bench: %dx%d batch %d %s%n", out, in, b, residency);
        log.flush();
        List<BenchTimer.Timed> timed = new ArrayList<>();
        List<BenchRow> proto = new ArrayList<>(); // rows without timing yet
        List<String> kinds = new ArrayList<>();
        long denseBytes = 4L * out * in;
        double denseFlops = 2.0 * out * in * b;
        int dn = denseCopies.size();
        if (b == 1) {
            float[] y = new float[out];
            timed.add(rotating(dn, i -> dense.gemv(false, out, in, denseCopies.get(i), 0, in, x.x(), 0, 0f, y, 0, pool)));
            proto.add(denseRow(out, in, "dense-gemv", b, residency, denseFlops, denseBytes, dn));
            kinds.add("dense-gemv");
            timed.add(rotating(dn, i -> dense.gemv(packedCopies.get(i), x.x(), 0, 0f, y, 0, pool)));
            proto.add(denseRow(out, in, "dense-gemv-packed", b, residency, denseFlops, denseBytes, dn));
            kinds.add("dense-gemv-packed");
        } else {
            float[] yt = new float[out * b];
            float[] yb = new float[b * out];
            timed.add(rotating(dn, i -> dense.gemm(false, false, out, b, in, denseCopies.get(i), 0, in, x.xt(), 0, b,
                    0f, yt, 0, b, pool)));
            proto.add(denseRow(out, in, "dense-gemm-nn", b, residency, denseFlops, denseBytes, dn));
            kinds.add("dense-gemm-nn");
            timed.add(rotating(dn, i -> dense.gemm(packedCopies.get(i), b, x.xt(), 0, b, 0f, yt, 0, b, pool)));
            proto.add(denseRow(out, in, "dense-gemm-packed", b, residency, denseFlops, denseBytes, dn));
            kinds.add("dense-gemm-packed");
            timed.add(rotating(dn, i -> dense.gemm(false, true, b, out, in, x.x(), 0, in, denseCopies.get(i), 0, in,
                    0f, yb, 0, out, pool)));
            proto.add(denseRow(out, in, "dense-gemm-nt", b, residency, denseFlops, denseBytes, dn));
            kinds.add("dense-gemm-nt");
        }
        for (PeerRun p : peerRuns) {
            try {
                p.instance().setInput(x.x(), b);
            } catch (Exception e) {
                errors.add(p.peer().name() + " could not take the batch-" + b + " input: " + e.getMessage());
                continue;
            }
            MatMulPeer.Instance instance = p.instance();
            timed.add(rotating(p.copies(), instance::run));
            proto.add(new BenchRow(out, in, "peer", p.peer().name(), "fp32", 0.0, b, residency, settings.threads(),
                    Double.NaN, null, denseFlops, denseBytes, denseBytes, (long) out * in, p.copies(), Double.NaN, false, Double.NaN));
            kinds.add(p.peer().name());
        }
        for (int f = 0; f < formats.size(); f++) {
            Format fmt = formats.get(f);
            List<PackedWeights> copies = formatCopies.get(f);
            PackedWeights m0 = copies.get(0);
            float[] y = new float[out * b];
            if (b == 1) {
                timed.add(rotating(copies.size(), i -> copies.get(i).gemv(sparse, x.x(), 0, y, 0, null, false, pool)));
            } else {
                timed.add(rotating(copies.size(), i -> copies.get(i).spmm(sparse, x.xt(), 0, b, b, y, 0, b, null, false, pool)));
            }
            proto.add(new BenchRow(out, in, "sparse", fmt.spec(), m0.format(), fmt.sparsity(), b, residency,
                    settings.threads(), Double.NaN, null, 2.0 * m0.nnz() * b, m0.bytes(), m0.bytes(), m0.nnz(), copies.size(),
                    Double.NaN, false, Double.NaN));
            kinds.add(fmt.spec() + (b == 1 ? "/gemv" : "/spmm"));
        }
        if (b == 1) {
            for (int f = 0; f < formats.size(); f++) {
                Format fmt = formats.get(f);
                if (!sparseInputSpecs.contains(fmt.spec())) continue;
                List<PackedWeights> copies = formatCopies.get(f);
                float[] y = new float[out];
                timed.add(rotating(copies.size(), i -> ((SparseInputMatrix) copies.get(i)).gemvSparseInput(sparse,
                        x.activeIdx(), x.activeVals(), x.activeCount(), y, 0, null, false)));
                long activeNnz = 0;
                for (int k = 0; k < x.activeCount(); k++) {
                    for (int r = 0; r < out; r++) if (fmt.weights().isActive(r, x.activeIdx()[k])) activeNnz++;
                }
                PackedWeights m0 = copies.get(0);
                proto.add(new BenchRow(out, in, "sparse-input", fmt.spec() + "/in" + percent(settings.inputDensity()),
                        m0.format(), fmt.sparsity(), b, residency, settings.threads(), settings.inputDensity(), null,
                        2.0 * activeNnz, m0.bytes(),
                        Math.round((double) m0.bytes() * activeNnz / Math.max(1, m0.nnz())), m0.nnz(), copies.size(), Double.NaN, false, Double.NaN));
                kinds.add(fmt.spec() + "/sparse-input");
            }
        }
        long[] warmup = new long[timed.size()];
        for (int i = 0; i < warmup.length; i++) {
            long ms = warmedKinds.add(kinds.get(i)) ? 3 * settings.warmupMs() : settings.warmupMs();
            warmup[i] = ms * 1_000_000L;
        }
        BenchTimer.Timing[] timings = BenchTimer.time(timed,
                new BenchTimer.Budget(warmup, settings.measureMs() * 1_000_000L, settings.rounds(), 100_000L));
        double bestDense = Double.POSITIVE_INFINITY;
        int bestIndex = -1;
        for (int i = 0; i < proto.size(); i++) {
            if (proto.get(i).kind().equals("dense") && timings[i].medianNs() < bestDense) {
                bestDense = timings[i].medianNs();
                bestIndex = i;
            }
        }
        double peerMedian = Double.NaN;
        for (int i = 0; i < proto.size(); i++) {
            if (proto.get(i).kind().equals("peer")) {
                peerMedian = timings[i].medianNs();
                break;
            }
        }
        List<BenchRow> rows = new ArrayList<>();
        for (int i = 0; i < proto.size(); i++) {
            BenchRow p = proto.get(i);
            rows.add(new BenchRow(p.out(), p.in(), p.kind(), p.format(), p.storage(), p.sparsity(), p.batch(),
                    p.residency(), p.threads(), p.inputDensity(), timings[i], p.usefulFlops(), p.weightBytes(), p.bytesRead(), p.nnz(),
                    p.copies(), bestDense / timings[i].medianNs(), i == bestIndex, peerMedian / timings[i].medianNs()));
        }
        return rows;
    }

    private BenchRow denseRow(int out, int in, String name, int batch, String residency, double flops, long bytes, int copies) {
        return new BenchRow(out, in, "dense", name, "fp32", 0.0, batch, residency, settings.threads(), Double.NaN, null,
                flops, bytes, bytes, (long) out * in, copies, Double.NaN, false, Double.NaN);
    }

    // ---- correctness ----

    private boolean verifyDense(int out, int in, float[] w, List<Inputs> inputs, ComputePool pool) {
        Kernels scalar = Backend.scalar().kernels();
        PackedDenseMatrix packed = dense.pack(w, 0, in, out, in);
        boolean ok = true;
        for (Inputs x : inputs) {
            int b = x.batch();
            if (b == 1) {
                float[] want = new float[out], got = new float[out], gotPacked = new float[out];
                scalar.gemv(false, out, in, w, 0, in, x.x(), 0, 0f, want, 0, ComputePool.serial());
                dense.gemv(false, out, in, w, 0, in, x.x(), 0, 0f, got, 0, pool);
                dense.gemv(packed, x.x(), 0, 0f, gotPacked, 0, pool);
                ok &= agree("dense-gemv", out, in, b, got, want);
                ok &= agree("dense-gemv-packed", out, in, b, gotPacked, want);
                continue;
            }
            float[] nn = new float[out * b], nt = new float[b * out];
            dense.gemm(false, false, out, b, in, w, 0, in, x.xt(), 0, b, 0f, nn, 0, b, pool);
            dense.gemm(false, true, b, out, in, x.x(), 0, in, w, 0, in, 0f, nt, 0, out, pool);
            // the first and last samples against the scalar reference, the whole NT result against NN
            for (int s : new int[] {0, b - 1}) {
                float[] want = new float[out], got = new float[out];
                scalar.gemv(false, out, in, w, 0, in, x.x(), s * in, 0f, want, 0, ComputePool.serial());
                for (int r = 0; r < out; r++) got[r] = nn[r * b + s];
                ok &= agree("dense-gemm-nn", out, in, b, got, want);
            }
            ok &= agree("dense-gemm-nt", out, in, b, transpose(nt, b, out), nn);
            float[] nnPacked = new float[out * b];
            dense.gemm(packed, b, x.xt(), 0, b, 0f, nnPacked, 0, b, pool);
            ok &= agree("dense-gemm-packed", out, in, b, nnPacked, nn);
        }
        return ok;
    }

    private boolean verifyFormat(Format f, List<Inputs> inputs, ComputePool pool) {
        int out = f.matrix().rows(), in = f.matrix().cols();
        float[] masked = f.weights().toMaskedDense();
        for (Inputs x : inputs) {
            int b = x.batch();
            float[] want = new float[out * b], got = new float[out * b];
            java.util.Arrays.fill(got, Float.NaN); // the kernel must overwrite its output
            if (b == 1) {
                dense.gemv(false, out, in, masked, 0, in, x.x(), 0, 0f, want, 0, pool);
                f.matrix().gemv(sparse, x.x(), 0, got, 0, null, false, pool);
            } else {
                dense.gemm(false, false, out, b, in, masked, 0, in, x.xt(), 0, b, 0f, want, 0, b, pool);
                f.matrix().spmm(sparse, x.xt(), 0, b, b, got, 0, b, null, false, pool);
            }
            if (!agree(f.spec() + " (" + f.matrix().format() + ")", out, in, b, got, want)) return false;
        }
        return true;
    }

    private boolean verifySparseInput(Format f, SparseInputMatrix m, List<Inputs> inputs) {
        int out = m.rows(), in = m.cols();
        Inputs x = inputs.get(indexOfBatchOne());
        float[] want = new float[out], got = new float[out];
        java.util.Arrays.fill(got, Float.NaN);
        dense.gemv(false, out, in, f.weights().toMaskedDense(), 0, in, x.sparseXDense(), 0, 0f, want, 0, ComputePool.serial());
        m.gemvSparseInput(sparse, x.activeIdx(), x.activeVals(), x.activeCount(), got, 0, null, false);
        return agree(f.spec() + " with sparse input (" + m.format() + ")", out, in, 1, got, want);
    }

    /** Max |got - want| relative to the largest |want|; records an error when above the limit. */
    private boolean agree(String what, int out, int in, int batch, float[] got, float[] want) {
        double err = relativeError(got, want);
        if (err <= MAX_RELATIVE_ERROR) return true;
        errors.add(String.format(Locale.ROOT, "%s at %dx%d, batch %d disagrees with dense: max error %.3g of the largest "
                + "output (limit %.0e); not reported", what, out, in, batch, err, MAX_RELATIVE_ERROR));
        return false;
    }

    static double relativeError(float[] got, float[] want) {
        double maxDiff = 0, maxRef = 0;
        for (int i = 0; i < want.length; i++) {
            double d = Math.abs((double) got[i] - want[i]);
            if (!(d <= maxDiff)) maxDiff = d; // NaN wins
            maxRef = Math.max(maxRef, Math.abs(want[i]));
        }
        if (Double.isNaN(maxDiff)) return Double.POSITIVE_INFINITY;
        return maxRef == 0 ? maxDiff : maxDiff / maxRef;
    }

    // ---- data ----

    private PackedWeights build(String spec, MaskedWeights mw) {
        try {
            return formatHook.apply(SparseFormats.build(spec, mw));
        } catch (IllegalArgumentException e) { // UnsupportedMaskException included
            errors.add("format " + spec + " could not be built: " + e.getMessage());
            return null;
        }
    }

    private Inputs inputs(int b, int in, SplittableRandom rnd) {
        float[] x = uniform(b * in, rnd); // [batch][in]
        float[] xt = transpose(x, b, in);
        int count = Math.max(1, (int) Math.round(settings.inputDensity() * in));
        int[] perm = new int[in];
        for (int i = 0; i < in; i++) perm[i] = i;
        for (int i = 0; i < count; i++) {
            int j = i + rnd.nextInt(in - i);
            int t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        int[] idx = java.util.Arrays.copyOf(perm, count);
        float[] vals = new float[count];
        float[] sparseDense = new float[in];
        for (int i = 0; i < count; i++) {
            vals[i] = x[idx[i]];
            sparseDense[idx[i]] = vals[i];
        }
        return new Inputs(b, xt, x, idx, vals, count, sparseDense);
    }

    /**
     * Bytes each streamed kernel's copies should span: --stream-mib, lowered (with a note) when the copies
     * of all formats together would take more than half the heap.
     */
    private long streamTarget(int out, int in, List<Format> formats) {
        long target = settings.streamMiB() * 1048576L;
        long total = copiesFor(4L * out * in, target) * 4L * out * in;
        for (Format f : formats) total += copiesFor(f.matrix().bytes(), target) * f.matrix().bytes();
        long cap = Runtime.getRuntime().maxMemory() / 2;
        if (total <= cap) return target;
        long lowered = (long) (target * ((double) cap / total));
        log.printf(Locale.ROOT, "bench: streamed copies lowered to %.0f MiB per kernel (heap %.0f MiB; raise it with -Xmx"
                + " in SPARROW_JAVA_OPTS)%n", lowered / 1048576.0, Runtime.getRuntime().maxMemory() / 1048576.0);
        return lowered;
    }

    private static int copiesFor(long bytesPerCopy, long target) {
        return (int) Math.max(2, Math.min(4096, (target + bytesPerCopy - 1) / Math.max(1, bytesPerCopy)));
    }

    private boolean hasBatchOne() {
        return indexOfBatchOne() >= 0;
    }

    private int indexOfBatchOne() {
        for (int i = 0; i < settings.batches().length; i++) if (settings.batches()[i] == 1) return i;
        return -1;
    }

    private static float[] uniform(int n, SplittableRandom rnd) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (rnd.nextDouble() * 2 - 1);
        return a;
    }

    private static float[] transpose(float[] a, int rows, int cols) {
        float[] t = new float[a.length];
        for (int r = 0; r < rows; r++) for (int c = 0; c < cols; c++) t[c * rows + r] = a[r * cols + c];
        return t;
    }

    static String percent(double fraction) {
        double p = 100 * fraction;
        return p == Math.rint(p) ? String.format(Locale.ROOT, "%.0f%%", p) : String.format(Locale.ROOT, "%.1f%%", p);
    }

    /** A kernel over {@code copies} copies of its weights, each call on the next copy. */
    private static BenchTimer.Timed rotating(int copies, CopyCall call) {
        return new BenchTimer.Timed() {
            private int next;

            @Override
            public void call() {
                call.run(next);
                next = next + 1 == copies ? 0 : next + 1;
            }
        };
    }

    @FunctionalInterface
    private interface CopyCall {
        void run(int copy);
    }
}
