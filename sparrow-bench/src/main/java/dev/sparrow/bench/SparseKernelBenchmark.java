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
 * Weight-sparse x dense input for every sparse format family (CSR, condensed constant fan-in, 4x1 and
 * 16x1 blocks, N:M, banks, CSC, complementary) and dense as the baseline: GEMV at batch 1, SpMM
 * (Y^T = W X^T, X batch-contiguous) above. The masks are those {@code sparrow bench kernels} uses
 * ({@link FormatMasks}), so an N:M or complementary format runs at the sparsity it can hold (1:8 = 87.5%).
 * "streamed" rotates over copies of the weights spanning 64 MiB so that each call reads them from DRAM.
 * The dense baselines, copies and output checks (done in set-up: a kernel that disagrees with dense does not
 * run) are {@code dev.sparrow.measure}'s, as in the CLI bench.
 * Ratios between formats come from one JMH run; the CLI bench interleaves them, which suits a noisy machine.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx3g"})
public class SparseKernelBenchmark {

    /**
     * A {@link dev.sparrow.sparse.FormatRegistry} spec, or "dense" (the dense GEMV / GEMM NN of the same
     * layout). JMH needs the list as a constant: SparseKernelBenchmarkFormatsTest fails when it drifts
     * from "dense" plus {@code FormatRegistry.benchmarkSpecs(sparsity)}.
     */
    @Param({"dense", "csr", "csc", "condensed", "block4", "block16", "nm1:8", "nm2:16", "bank16", "complementary10"})
    public String format;

    /** out x in. */
    @Param({"768x3072"})
    public String shape;

    @Param({"0.9"})
    public double sparsity;

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
        int[] dims = dims(shape);
        int out = dims[0], in = dims[1];
        SplittableRandom rnd = new SplittableRandom(7);
        float[] w = KernelInputs.uniform(out * in, rnd);
        KernelInputs x = KernelInputs.random(batch, in, 1.0, rnd);
        y = new float[out * batch];
        long target = residency.equals("streamed") ? WeightCopies.STREAM_BYTES : 0;
        KernelCheck check = new KernelCheck(dense, sparse);
        if (format.equals("dense")) {
            DenseBaseline d = new DenseBaseline(dense, w, out, in, WeightCopies.count(4L * out * in, target));
            check.denseProducts(d, x, pool);
            kernel = d.kernel(batch == 1 ? DenseBaseline.GEMV : DenseBaseline.GEMM_NN, x, y, pool);
        } else {
            boolean[] mask = FormatMasks.forSpec(format, sparsity, out, in, rnd);
            MaskedWeights weights = MaskedWeights.of(w, mask, out, in, "jmh." + format);
            PackedWeights first = SparseFormats.build(format, weights);
            check.format(format, first, weights, x, pool);
            PackedWeights[] copies = new PackedWeights[WeightCopies.count(first.bytes(), target)];
            copies[0] = first;
            for (int i = 1; i < copies.length; i++) copies[i] = SparseFormats.build(format, weights);
            kernel = WeightCopies.rotate(copies.length, batch == 1
                    ? i -> copies[i].gemv(sparse, x.x(), 0, y, 0, null, false, pool)
                    : i -> copies[i].spmm(sparse, x.xt(), 0, batch, batch, y, 0, batch, null, false, pool));
        }
        check.throwIfFailed(); // a wrong kernel's time means nothing
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

    static int[] dims(String shape) {
        String[] parts = shape.split("x");
        return new int[] {Integer.parseInt(parts[0]), Integer.parseInt(parts[1])};
    }
}
