package dev.sparrow.bench;

import dev.sparrow.kernel.ComputePool;
import dev.sparrow.kernel.Backend;
import dev.sparrow.kernel.Kernels;
import dev.sparrow.measure.DenseBaseline;
import dev.sparrow.measure.KernelCheck;
import dev.sparrow.measure.KernelInputs;
import dev.sparrow.measure.WeightCopies;
import dev.sparrow.sparse.FormatMasks;
import dev.sparrow.sparse.MaskedWeights;
import dev.sparrow.sparse.SparseFormats;
import dev.sparrow.sparse.SparseInputMatrix;
import dev.sparrow.sparse.SparseKernels;
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

    private ComputePool pool;
    /** The kernel on the next copy of its weights each call. */
    private Runnable kernel;
    private float[] y;

    @Setup(Level.Trial)
    public void setUp() {
        Kernels dense = Backend.get().kernels();
        SparseKernels sparse = SparseKernels.of(Backend.get());
        pool = ComputePool.ofThreads(threads);
        int[] dims = SparseKernelBenchmark.dims(shape);
        int out = dims[0], in = dims[1];
        SplittableRandom rnd = new SplittableRandom(7);
        float[] w = KernelInputs.uniform(out * in, rnd);
        KernelInputs x = KernelInputs.random(batch, in, inputDensity, rnd);
        float[] xt = x.xtOfActiveInputs(); // X^T [in][batch], zero outside the active inputs
        y = new float[out * batch];
        long target = residency.equals("streamed") ? WeightCopies.STREAM_BYTES : 0;
        if (format.equals("dense")) {
            DenseBaseline d = new DenseBaseline(dense, w, out, in, WeightCopies.count(4L * out * in, target));
            kernel = d.kernel(batch == 1 ? DenseBaseline.GEMV : DenseBaseline.GEMM_NN, x, y, pool);
            return;
        }
        boolean[] mask = FormatMasks.forSpec(format, sparsity, out, in, rnd);
        MaskedWeights weights = MaskedWeights.of(w, mask, out, in, "jmh." + format);
        if (!(SparseFormats.build(format, weights) instanceof SparseInputMatrix first)) {
            throw new IllegalArgumentException("format " + format + " takes no sparse input; use csc or complementaryN");
        }
        KernelCheck check = new KernelCheck(dense, sparse);
        check.sparseInput(format, first, weights, x);
        check.throwIfFailed(); // a wrong kernel's time means nothing
        SparseInputMatrix[] copies = new SparseInputMatrix[WeightCopies.count(first.bytes(), target)];
        copies[0] = first;
        for (int i = 1; i < copies.length; i++) copies[i] = (SparseInputMatrix) SparseFormats.build(format, weights);
        kernel = WeightCopies.rotate(copies.length, batch == 1
                ? i -> copies[i].gemvSparseInput(sparse, x.activeIdx(), x.activeVals(), x.activeCount(), y, 0, null, false)
                : i -> copies[i].spmmSparseInput(sparse, xt, 0, batch, batch, y, 0, batch, null, false, pool));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.close();
    }

    @Benchmark
    public float[] multiply() {
        kernel.run();
        return y;
    }
}
