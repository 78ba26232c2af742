package dev.sparrow.cuda;

import dev.sparrow.kernel.Backend;
import dev.sparrow.kernel.ComputePool;
import dev.sparrow.sparse.MaskedWeights;
import dev.sparrow.sparse.PackedWeights;
import dev.sparrow.sparse.SparseFormats;
import dev.sparrow.sparse.SparseKernels;
import dev.sparrow.sparse.UnsupportedMaskException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Every GPU format against sparrow-core's scalar reference (the CPU format built from the same
 * MaskedWeights, run with the scalar kernels): random data, odd shapes, empty rows, all-zero inputs,
 * batch 1 and batches, with and without bias and ReLU. Skipped, with the backend's reason, where there
 * is no GPU.
 */
class CudaMatrixTest {
    static final double TOLERANCE = 1e-4;
    static CudaDevice device;

    @BeforeAll
    static void gpu() {
        CudaBackend b = CudaBackend.load();
        assumeTrue(b.isSupported(), "no GPU: " + b.reason());
        device = b.device();
    }

    /** (format spec for the GPU, CPU format spec for the reference, mask kind) */
    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        int[][] shapes = {{1, 1}, {7, 5}, {37, 101}, {64, 64}, {129, 300}, {300, 129}, {768, 3072}};
        int[] batches = {1, 2, 3, 8, 17, 64, 100, 256};
        long seed = 1;
        for (int[] s : shapes) {
            for (int b : batches) {
                if (s[0] == 768 && b != 1 && b != 17 && b != 256) continue;
                seed++;
                out.add(Arguments.of("dense", "csr", "random", s[0], s[1], b, seed));
                out.add(Arguments.of("csr", "csr", "random", s[0], s[1], b, seed));
                out.add(Arguments.of("condensed", "condensed", "fanin", s[0], s[1], b, seed));
                out.add(Arguments.of("nm2:8", "nm2:8", "nm2:8", s[0], s[1], b, seed));
                out.add(Arguments.of("condensed-bf16", "condensed", "fanin", s[0], s[1], b, seed));
                out.add(Arguments.of("block4", "csr", "block4", s[0], s[1], b, seed));
                out.add(Arguments.of("block4", "csr", "random", s[0], s[1], b, seed));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {3}x{4} batch {5} ({2} mask)")
    @MethodSource("cases")
    void matchesScalarReference(String gpuSpec, String cpuSpec, String maskKind, int rows, int cols, int batch, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        MaskedWeights w = weights(maskKind, rows, cols, 0.9, !maskKind.equals("block4"), rnd);
        if (gpuSpec.endsWith("-bf16")) w = bf16Rounded(w); // the reference sees the weights the GPU holds
        float[] bias = rnd.nextBoolean() ? random(rows, rnd) : null;
        boolean relu = rnd.nextBoolean();
        float[] xt = random(cols * batch, rnd);
        check(gpuSpec, cpuSpec, w, xt, batch, bias, relu);
        check(gpuSpec, cpuSpec, w, new float[cols * batch], batch, bias, relu); // all-zero input
    }

    /** Every batched configuration (V, RW, warps) and batch-1 lane count of the chunked kernels. */
    @Test
    void everyChunkedConfigurationMatches() {
        SplittableRandom rnd = new SplittableRandom(99);
        int[][] shapes = {{37, 600}, {300, 129}};
        String[] configs = {"1,1,4", "1,2,8", "1,4,32", "1,8,16", "2,1,8", "2,2,32", "2,4,16", "2,8,4", "4,1,8",
                "4,2,4", "4,4,8", "tile"};
        String[] blockConfigs = {"1,1,8", "1,2,32", "1,4,4", "2,1,16", "2,2,8", "4,1,4"};
        for (int[] sh : shapes) {
            for (String spec : List.of("condensed", "condensed-bf16", "block4")) {
                MaskedWeights w = weights(spec.equals("block4") ? "block4" : "fanin", sh[0], sh[1], 0.9,
                        !spec.equals("block4"), rnd);
                if (spec.endsWith("-bf16")) w = bf16Rounded(w);
                String cpu = spec.equals("block4") ? "csr" : "condensed";
                for (String cfg : spec.equals("block4") ? blockConfigs : configs) {
                    if (cfg.equals("tile") && !spec.equals("condensed")) continue;
                    for (int batch : new int[] {5, 130}) {
                        float[] bias = random(sh[0], rnd);
                        checkTuned(spec, cfg, cpu, w, random(sh[1] * batch, rnd), batch, bias, true);
                    }
                }
                if (!spec.equals("block4")) {
                    for (String g : List.of("gemv8", "gemv16", "gemv32")) {
                        checkTuned(spec, g, cpu, w, random(sh[1], rnd), 1, null, false);
                    }
                }
            }
        }
    }

    @Test
    void bf16WeightsStayCloseToTheFp32Reference() {
        SplittableRandom rnd = new SplittableRandom(5);
        MaskedWeights w = weights("fanin", 256, 1024, 0.9, false, rnd);
        for (int batch : new int[] {1, 64}) {
            float[] xt = random(1024 * batch, rnd);
            PackedWeights ref = SparseFormats.build("condensed", w);
            float[] expected = new float[256 * batch];
            SparseKernels scalar = SparseKernels.of(Backend.scalar());
            if (batch == 1) ref.gemv(scalar, xt, 0, expected, 0, null, false, ComputePool.serial());
            else ref.spmm(scalar, xt, 0, batch, batch, expected, 0, batch, null, false, ComputePool.serial());
            float[] got;
            try (CudaMatrix m = CudaMatrix.upload(device, "condensed-bf16", w)) {
                got = m.run(xt, batch, null, false);
            }
            double num = 0, den = 0;
            for (int i = 0; i < got.length; i++) {
                num += (got[i] - expected[i]) * (double) (got[i] - expected[i]);
                den += (double) expected[i] * expected[i];
            }
            // bf16 keeps 8 significant bits: per-weight error <= 2^-9, relative error of the sums about 2e-3
            assertThat(Math.sqrt(num / den)).as("bf16 vs fp32, batch %d", batch).isLessThan(1e-2).isGreaterThan(0);
        }
    }

    @Test
    void emptyMatrixGivesBiasAndRelu() {
        SplittableRandom rnd = new SplittableRandom(42);
        for (String spec : List.of("csr", "condensed", "condensed-bf16", "block4", "nm1:4", "dense")) {
            MaskedWeights w = MaskedWeights.of(random(33 * 20, rnd), new boolean[33 * 20], 33, 20, "empty");
            float[] bias = random(33, rnd);
            for (int batch : new int[] {1, 5, 32}) {
                check(spec, spec.equals("dense") || spec.equals("block4") ? "csr" : spec.replace("-bf16", ""), w, random(20 * batch, rnd), batch, bias, true);
            }
        }
    }

    @Test
    void wideInputsFallBackToGlobalMemory() {
        // cols * 4 floats * 4 bytes exceeds any GPU's shared memory per block: the global-memory kernel runs
        SplittableRandom rnd = new SplittableRandom(7);
        int cols = 60000, rows = 40, batch = 9;
        MaskedWeights w = weights("fanin", rows, cols, 0.99, true, rnd);
        check("condensed", "condensed", w, random(cols * batch, rnd), batch, random(rows, rnd), false);
        check("csr", "csr", w, random(cols * batch, rnd), batch, null, true);
        check("block4", "csr", w, random(cols * batch, rnd), batch, null, true);
    }

    @Test
    void unsupportedMasksAreRefusedByTheCoreChecks() {
        SplittableRandom rnd = new SplittableRandom(3);
        MaskedWeights w = weights("random", 40, 50, 0.5, false, rnd);
        assertThatThrownBy(() -> CudaMatrix.upload(device, "condensed", w)).isInstanceOf(UnsupportedMaskException.class);
        assertThatThrownBy(() -> CudaMatrix.upload(device, "nm1:8", w)).isInstanceOf(UnsupportedMaskException.class);
        assertThatThrownBy(() -> CudaMatrix.upload(device, "bsr", w)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void asyncCopiesThroughPinnedMemoryOnAStream() {
        SplittableRandom rnd = new SplittableRandom(11);
        int rows = 96, cols = 200, batch = 32;
        MaskedWeights w = weights("fanin", rows, cols, 0.9, false, rnd);
        float[] xt = random(cols * batch, rnd);
        float[] expected;
        try (CudaMatrix m = CudaMatrix.upload(device, "condensed", w)) {
            expected = m.run(xt, batch, null, false);
            float[] got = new float[rows * batch];
            try (CudaStream s = device.stream(); PinnedBuffer in = device.pinned(4L * xt.length);
                 PinnedBuffer out = device.pinned(4L * got.length); DeviceMemory dx = device.allocate(4L * xt.length);
                 DeviceMemory dy = device.allocate(4L * got.length)) {
                in.put(xt, 0, xt.length);
                dx.copyFromAsync(in, 4L * xt.length, s);
                m.run(dx, batch, dy, null, false, s);
                dy.copyToAsync(out, 4L * got.length, s);
                s.synchronize();
                out.get(got, 0, got.length);
            }
            assertThat(got).containsExactly(expected);
        }
    }

    @Test
    void driverErrorsNameTheCallAndTheError() {
        assertThatThrownBy(() -> device.allocate(1L << 50)).isInstanceOf(CudaException.class)
                .hasMessageStartingWith("cuMemAlloc_v2(" + (1L << 50) + " bytes) failed: CUDA_ERROR_OUT_OF_MEMORY");
    }

    static void check(String gpuSpec, String cpuSpec, MaskedWeights w, float[] xt, int batch, float[] bias, boolean relu) {
        checkTuned(gpuSpec, null, cpuSpec, w, xt, batch, bias, relu);
    }

    static void checkTuned(String gpuSpec, String tune, String cpuSpec, MaskedWeights w, float[] xt, int batch,
                           float[] bias, boolean relu) {
        int rows = w.rows(), cols = w.cols();
        PackedWeights ref = SparseFormats.build(cpuSpec, w);
        SparseKernels scalar = SparseKernels.of(Backend.scalar());
        float[] expected = new float[rows * batch];
        if (batch == 1) {
            ref.gemv(scalar, xt, 0, expected, 0, bias, relu, ComputePool.serial());
        } else {
            ref.spmm(scalar, xt, 0, batch, batch, expected, 0, batch, bias, relu, ComputePool.serial());
        }
        float[] got;
        try (CudaMatrix m = CudaMatrix.upload(device, gpuSpec, w)) {
            assertThat(m.nnz()).isEqualTo(ref.nnz());
            if (tune != null) ((CudaMatrix.Chunked) m).tune(tune);
            got = m.run(xt, batch, bias, relu);
        }
        assertClose(got, expected, gpuSpec + (tune == null ? "" : " [" + tune + "]") + " " + rows + "x" + cols
                + " batch " + batch);
    }

    static void assertClose(float[] got, float[] expected, String what) {
        double num = 0, den = 0;
        for (int i = 0; i < expected.length; i++) {
            assertThat(Float.isNaN(got[i])).as("%s: output %d not written (NaN)", what, i).isFalse();
            double d = got[i] - expected[i];
            num += d * d;
            den += (double) expected[i] * expected[i];
            assertThat(Math.abs(d)).as("%s: element %d: got %s, expected %s", what, i, got[i], expected[i])
                    .isLessThanOrEqualTo(TOLERANCE * Math.max(1.0, Math.abs(expected[i])) * 10);
        }
        double rel = den == 0 ? Math.sqrt(num) : Math.sqrt(num / den);
        assertThat(rel).as("%s: relative error", what).isLessThanOrEqualTo(TOLERANCE);
    }

    /** The same mask with every value rounded to bf16 (what condensed-bf16 uploads). */
    static MaskedWeights bf16Rounded(MaskedWeights w) {
        int rows = w.rows(), cols = w.cols();
        float[] v = new float[rows * cols];
        boolean[] mask = new boolean[rows * cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                mask[r * cols + c] = w.isActive(r, c);
                v[r * cols + c] = Float.intBitsToFloat(CudaMatrix.bf16(w.value(r, c)) << 16);
            }
        }
        return MaskedWeights.of(v, mask, rows, cols, w.layerName());
    }

    static float[] random(int n, SplittableRandom rnd) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (rnd.nextDouble() * 2 - 1);
        return a;
    }

    /**
     * Masks: "random" (each entry active with probability 1 - sparsity), "fanin" (each row the same
     * number of random columns), "nmN:M" (N random columns of every group of M); {@code emptyRows} empties
     * about one row in eight.
     */
    static MaskedWeights weights(String kind, int rows, int cols, double sparsity, boolean emptyRows, SplittableRandom rnd) {
        boolean[] mask = new boolean[rows * cols];
        if (kind.equals("random")) {
            for (int i = 0; i < mask.length; i++) mask[i] = rnd.nextDouble() >= sparsity;
        } else if (kind.equals("fanin")) {
            int k = Math.max(1, (int) Math.round(cols * (1 - sparsity)));
            for (int r = 0; r < rows; r++) pick(mask, r * cols, 0, cols, k, rnd);
        } else if (kind.equals("block4")) {
            // groups of 4 rows share their columns (constant fan-in per group)
            int k = Math.max(1, (int) Math.round(cols * (1 - sparsity)));
            for (int g = 0; g < rows; g += 4) {
                pick(mask, g * cols, 0, cols, k, rnd);
                for (int r = g + 1; r < Math.min(rows, g + 4); r++) System.arraycopy(mask, g * cols, mask, r * cols, cols);
            }
        } else if (kind.startsWith("nm")) {
            String[] nm = kind.substring(2).split(":");
            int n = Integer.parseInt(nm[0]), m = Integer.parseInt(nm[1]);
            for (int r = 0; r < rows; r++) {
                for (int c0 = 0; c0 < cols; c0 += m) pick(mask, r * cols, c0, Math.min(cols, c0 + m), n, rnd);
            }
        } else {
            throw new IllegalArgumentException(kind);
        }
        if (emptyRows) {
            for (int r = 0; r < rows; r++) {
                if (rnd.nextInt(8) == 0) java.util.Arrays.fill(mask, r * cols, r * cols + cols, false);
            }
        }
        return MaskedWeights.of(random(rows * cols, rnd), mask, rows, cols, "test");
    }

    /** Activates min(k, to - from) distinct random columns of [from, to) in the row at rowOff. */
    static void pick(boolean[] mask, int rowOff, int from, int to, int k, SplittableRandom rnd) {
        int width = to - from;
        int[] perm = new int[width];
        for (int i = 0; i < width; i++) perm[i] = i;
        for (int i = 0; i < Math.min(k, width); i++) {
            int j = i + rnd.nextInt(width - i);
            int t = perm[i]; perm[i] = perm[j]; perm[j] = t;
            mask[rowOff + from + perm[i]] = true;
        }
    }
}
