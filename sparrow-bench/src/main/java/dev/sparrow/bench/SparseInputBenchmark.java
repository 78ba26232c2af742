package dev.sparrow.bench;

import dev.sparrow.kernel.ComputePool;
import dev.sparrow.kernel.Backend;
import dev.sparrow.kernel.Kernels;
import dev.sparrow.sparse.FormatMasks;
import dev.sparrow.sparse.MaskedWeights;
import dev.sparrow.sparse.SparseFormats;
import dev.sparrow.sparse.SparseInputMatrix;
import dev.sparrow.sparse.SparseKernels;
import dev.sparrow.sparse.PackedWeights;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Sparse weights x sparse input (the input of a k-WTA or ReLU layer): only the active inputs' weight
 * columns are visited, in the column-major formats (CSC, complementary). Batch 1 runs
 * {@code gemvSparseInput} on the active (index, value) list; a batch runs {@code spmmSparseInput} on a
 * batch-contiguous X^T whose zero inputs it skips. Dense GEMV / GEMM of the same layer is the baseline
 * (format "dense"). Weights are streamed from memory (copies spanning 64 MiB) unless residency=cached.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx3g"})
public class SparseInputBenchmark {

    @Param({"dense", "csc", "complementary10"})
    public String format;

    /** out x in. */
    @Param({"768x3072"})
    public String shape;

    @Param({"0.9"})
    public double sparsity;

    /** Fraction of nonzero inputs (the same inputs for every sample of a batch). */
    @Param({"0.1"})
    public double inputDensity;

    @Param({"1", "256"})
    public int batch;

    @Param({"streamed"})
    public String residency;

    @Param({"1"})
    public int threads;

    private Kernels dense;
    private SparseKernels sparse;
    private ComputePool pool;
    private int out, in, activeCount;
    private DenseBaseline denseBaseline;
    private SparseInputMatrix[] sparseCopies;
    private int next;
    private int[] activeIdx;
    private float[] activeVals, x, xt, y;

    @Setup(Level.Trial)
    public void setUp() {
        dense = Backend.get().kernels();
        sparse = SparseKernels.of(Backend.get());
        pool = ComputePool.ofThreads(threads);
        int[] dims = SparseKernelBenchmark.dims(shape);
        out = dims[0];
        in = dims[1];
        SplittableRandom rnd = new SplittableRandom(7);
        float[] w = GemmBenchmark.random(rnd, out * in);
        activeCount = Math.max(1, (int) Math.round(inputDensity * in));
        boolean[] active = FormatMasks.constantFanIn(activeCount, 1, in, rnd);
        activeIdx = new int[activeCount];
        activeVals = new float[activeCount];
        x = new float[in];
        xt = new float[in * batch]; // X^T [in][batch]
        for (int i = 0, k = 0; i < in; i++) {
            if (!active[i]) continue;
            activeIdx[k] = i;
            activeVals[k] = (float) (rnd.nextDouble() * 2 - 1);
            x[i] = activeVals[k++];
            for (int b = 0; b < batch; b++) xt[i * batch + b] = (float) (rnd.nextDouble() * 2 - 1);
        }
        y = new float[out * batch];
        if (format.equals("dense")) {
            denseBaseline = new DenseBaseline(w, out, in, residency);
            return;
        }
        boolean[] mask = FormatMasks.forSpec(format, sparsity, out, in, rnd);
        MaskedWeights weights = MaskedWeights.of(w, mask, out, in, "jmh." + format);
        PackedWeights first = SparseFormats.build(format, weights);
        if (!(first instanceof SparseInputMatrix)) {
            throw new IllegalArgumentException("format " + format + " (" + first.format() + ") takes no sparse input;"
                    + " use csc or complementaryN");
        }
        sparseCopies = new SparseInputMatrix[DenseBaseline.copies(residency, first.bytes())];
        sparseCopies[0] = (SparseInputMatrix) first;
        for (int i = 1; i < sparseCopies.length; i++) sparseCopies[i] = (SparseInputMatrix) SparseFormats.build(format, weights);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.close();
    }

    @Benchmark
    public float[] multiply() {
        if (denseBaseline != null) return denseBaseline.multiply(dense, out, in, batch, x, xt, y, pool);
        SparseInputMatrix m = sparseCopies[next];
        next = next + 1 == sparseCopies.length ? 0 : next + 1;
        if (batch == 1) m.gemvSparseInput(sparse, activeIdx, activeVals, activeCount, y, 0, null, false);
        else m.spmmSparseInput(sparse, xt, 0, batch, batch, y, 0, batch, null, false, pool);
        return y;
    }

}
