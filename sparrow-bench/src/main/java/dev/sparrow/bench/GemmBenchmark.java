package dev.sparrow.bench;

import dev.sparrow.kernel.ComputePool;
import dev.sparrow.kernel.Backend;
import dev.sparrow.kernel.Kernels;
import dev.sparrow.measure.KernelInputs;
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
 * Dense GEMM C = op(A) x op(B) at the shapes one training step of a 768 -> 3072 linear layer with a
 * batch of 256 runs: forward Y = X Wt (NT), backward dX = dY W (NN), dW = dYt X (TN), plus the plain
 * NN product 256x768 by 768x3072. GFLOP/s = 2mnk / (score in us) / 1000.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class GemmBenchmark {

    /** op letters (N or T for A then B), then m x n x k. */
    @Param({"NN_256x3072x768", "NT_256x3072x768", "NN_256x768x3072", "TN_3072x768x256"})
    public String shape;

    @Param({"1", "2"})
    public int threads;

    private Kernels kernels;
    private ComputePool pool;
    private boolean transA, transB;
    private int m, n, k;
    private float[] a, b, c;

    @Setup(Level.Trial)
    public void setUp() {
        kernels = Backend.get().kernels();
        pool = ComputePool.ofThreads(threads);
        transA = shape.charAt(0) == 'T';
        transB = shape.charAt(1) == 'T';
        String[] dims = shape.substring(3).split("x");
        m = Integer.parseInt(dims[0]);
        n = Integer.parseInt(dims[1]);
        k = Integer.parseInt(dims[2]);
        SplittableRandom rnd = new SplittableRandom(42);
        a = KernelInputs.uniform(m * k, rnd);
        b = KernelInputs.uniform(k * n, rnd);
        c = new float[m * n];
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.close();
    }

    /** Floating-point operations of one call. */
    public long flops() {
        return 2L * m * n * k;
    }

    @Benchmark
    public float[] gemm() {
        int lda = transA ? m : k;
        int ldb = transB ? k : n;
        kernels.gemm(transA, transB, m, n, k, a, 0, lda, b, 0, ldb, 0f, c, 0, n, pool);
        return c;
    }
}
