package dev.sparrow.bench;

import dev.sparrow.kernel.ComputePool;
import dev.sparrow.kernel.Backend;
import dev.sparrow.kernel.Kernels;
import dev.sparrow.measure.KernelInputs;
import dev.sparrow.measure.WeightCopies;
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
 * GEMV y = op(W) x, a memory-bound kernel: each call reads all of W once. "cached" reuses one W (it
 * stays in L3 if it fits); "streamed" rotates over enough copies of W (at least 64 MiB, twice a 32 MiB
 * L3) that every call reads W from DRAM. GB/s = 4mn / (score in ns).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx2g"})
public class GemvBenchmark {
    /** W stored m x n. */
    @Param({"768x3072", "3072x768", "4096x4096"})
    public String shape;

    /** false: y = W x (y has m entries); true: y = Wt x (y has n entries). */
    @Param({"false", "true"})
    public boolean transposed;

    @Param({"cached", "streamed"})
    public String residency;

    @Param({"1"})
    public int threads;

    private Kernels kernels;
    private ComputePool pool;
    private int m, n;
    private float[][] weights;
    private int next;
    private float[] x, y;

    @Setup(Level.Trial)
    public void setUp() {
        kernels = Backend.get().kernels();
        pool = ComputePool.ofThreads(threads);
        String[] dims = shape.split("x");
        m = Integer.parseInt(dims[0]);
        n = Integer.parseInt(dims[1]);
        int copies = WeightCopies.count(4L * m * n, residency.equals("streamed") ? WeightCopies.STREAM_BYTES : 0);
        SplittableRandom rnd = new SplittableRandom(7);
        weights = new float[copies][];
        for (int i = 0; i < copies; i++) weights[i] = KernelInputs.uniform(m * n, rnd);
        x = KernelInputs.uniform(transposed ? m : n, rnd);
        y = new float[transposed ? n : m];
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.close();
    }

    @Benchmark
    public float[] gemv() {
        float[] w = weights[next];
        next = next + 1 == weights.length ? 0 : next + 1;
        kernels.gemv(transposed, m, n, w, 0, n, x, 0, 0f, y, 0, pool);
        return y;
    }
}
