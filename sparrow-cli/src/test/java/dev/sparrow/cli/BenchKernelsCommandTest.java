package dev.sparrow.cli;

import dev.sparrow.kernel.ComputePool;
import dev.sparrow.measure.MatMulPeer;
import dev.sparrow.sparse.SparseKernels;
import dev.sparrow.sparse.PackedWeights;
import dev.sparrow.util.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class BenchKernelsCommandTest {
    /** A small layer and tiny budgets: the run checks wiring and numbers, not speed. */
    private static final String[] SMALL = {"bench", "kernels", "--shape", "64x96", "--batch", "1,5", "--warmup-ms", "1",
            "--measure-ms", "40", "--rounds", "2", "--stream-mib", "1", "--seed", "7"};
    private static final List<String> DEFAULT_FORMATS_AT_90 =
            List.of("csr", "csc", "condensed", "block4", "block16", "nm1:8", "nm2:16", "bank16", "complementary10");

    record Run(int exit, String out, String err) {}

    static Run run(UnaryOperator<PackedWeights> hook, String... args) {
        return run(hook, List.of(), args);
    }

    static Run run(UnaryOperator<PackedWeights> hook, List<MatMulPeer> peers, String... args) {
        CommandLine cl = SparrowCli.newCommandLine();
        BenchKernelsCommand cmd = cl.getSubcommands().get("bench").getSubcommands().get("kernels").getCommand();
        if (hook != null) cmd.formatHook = hook;
        cmd.peers = () -> peers;
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    static String[] with(String[] base, String... more) {
        String[] all = java.util.Arrays.copyOf(base, base.length + more.length);
        System.arraycopy(more, 0, all, base.length, more.length);
        return all;
    }

    @Test
    void tablePrintsMachineLineEveryFormatAndDenseKernelsInEveryGroup() {
        Run r = run(null, SMALL);
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).startsWith("machine: ").contains("dense kernels ").contains("Java ");
        for (String group : new String[] {"64x96  batch 1  weights cached", "64x96  batch 5  weights cached",
                "64x96  batch 1  weights streamed", "64x96  batch 5  weights streamed"}) {
            assertThat(r.out()).contains(group);
        }
        for (String f : DEFAULT_FORMATS_AT_90) assertThat(r.out()).contains("  " + f + " ");
        assertThat(r.out()).contains("dense-gemv").contains("dense-gemv-packed").contains("dense-gemm-nn")
                .contains("dense-gemm-packed").contains("dense-gemm-nt")
                .contains("csc/in10%").contains("best dense").contains("87.5%");
    }

    @Test
    void jsonHasOneObjectPerFormatBatchAndResidencyWithTheRequiredKeys() {
        Run r = run(null, with(SMALL, "--json"));
        assertThat(r.exit()).as(r.err()).isZero();
        List<Map<String, Object>> rows = new ArrayList<>();
        for (String line : r.out().strip().split("\n")) {
            @SuppressWarnings("unchecked")
            Map<String, Object> m = (Map<String, Object>) Json.parse(line, 1 << 16);
            rows.add(m);
        }
        // per residency: batch 1 = 2 GEMVs (plain, packed) + 9 formats + 2 sparse-input rows;
        // batch 5 = 3 dense GEMMs (nn, packed, nt) + 9 formats
        assertThat(rows).hasSize(2 * (13 + 12));
        Set<String> keys = new HashSet<>();
        for (Map<String, Object> m : rows) {
            assertThat(m).containsKeys("format", "batch", "residency", "median_us", "ratio_vs_dense", "sparsity",
                    "gflops", "gb_s");
            assertThat(((Number) m.get("median_us")).doubleValue()).isPositive();
            assertThat(keys.add(m.get("format") + "|" + m.get("batch") + "|" + m.get("residency")))
                    .as("duplicate row %s", m).isTrue();
        }
        for (String residency : new String[] {"cached", "streamed"}) {
            for (long batch : new long[] {1, 5}) {
                List<Map<String, Object>> dense = rows.stream().filter(m -> m.get("kind").equals("dense")
                        && m.get("residency").equals(residency) && m.get("batch").equals(batch)).toList();
                assertThat(dense).hasSize(batch == 1 ? 2 : 3);
                double best = dense.stream().mapToDouble(m -> ((Number) m.get("ratio_vs_dense")).doubleValue()).max().orElseThrow();
                assertThat(best).isEqualTo(1.0);
                assertThat(dense.stream().filter(m -> Boolean.TRUE.equals(m.get("best_dense")))).hasSize(1);
            }
        }
        Map<String, Object> nm = rows.stream().filter(m -> m.get("format").equals("nm1:8")).findFirst().orElseThrow();
        assertThat(((Number) nm.get("sparsity")).doubleValue()).isEqualTo(0.875);
        Map<String, Object> sparseInput = rows.stream().filter(m -> m.get("format").equals("csc/in10%")).findFirst().orElseThrow();
        assertThat(sparseInput.get("batch")).isEqualTo(1L);
        assertThat(((Number) sparseInput.get("input_density")).doubleValue()).isEqualTo(0.1);
        assertThat(r.err()).contains("# machine: ");
    }

    @Test
    void aFormatWhoseOutputDisagreesWithDenseIsNotReportedAndTheRunFails() {
        Run r = run(m -> m.format().startsWith("csr") ? new OffByOne(m) : m,
                with(SMALL, "--formats", "csr,block4", "--residency", "cached", "--json"));
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("csr (csr16) at 64x96, batch 1 disagrees with dense").contains("not reported");
        assertThat(r.out()).doesNotContain("\"format\":\"csr\"").contains("\"format\":\"block4\"");
    }

    @Test
    void twoThreadsAndAChosenFormatList() {
        Run r = run(null, with(SMALL, "--threads", "2", "--formats", "csr,nm2:8", "--residency", "cached", "--json"));
        assertThat(r.exit()).as(r.err()).isZero();
        // batch 1: 2 GEMVs + 2 formats; batch 5: 3 GEMMs + 2 formats
        assertThat(r.out().strip().split("\n")).hasSize(4 + 5);
        assertThat(r.out()).contains("\"format\":\"nm2:8\"").contains("\"sparsity\":0.75").contains("\"threads\":2");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "--sparsity|1.5|--sparsity must be in [0, 1), got 1.5",
            "--sparsity|-0.1|--sparsity must be in [0, 1)",
            "--shape|abc|--shape: 'abc' is not OUTxIN",
            "--shape|0x10|--shape: 0 is outside",
            "--batch|0|--batch: 0 is outside [1, 65536]",
            "--batch|1,,2|--batch has an empty item",
            "--formats|csr,coo|--formats: unknown format 'coo'",
            "--formats|nm9:8|--formats: 'nm9:8' needs 1 <= N <= M <= 256",
            "--residency|disk|--residency: 'disk' is neither cached nor streamed",
            "--input-density|0|--input-density must be in (0, 1]",
            "--threads|0|--threads is 0; expected 1 to", "--threads|100000|--threads is 100000; expected 1 to"})
    void badOptionsAreOneClearLineAndExitCode2(String option, String value, String message) {
        Run r = run(null, "bench", "kernels", option, value);
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).startsWith("sparrow bench kernels: ").contains(message).doesNotContain("at dev.sparrow");
        assertThat(r.out()).isEmpty();
    }

    @Test
    void aShapeAndABatchAllowedAloneAreRefusedTogetherWhenTheyPassTheHeap() {
        // 8192x8192 at batch 65536: 256 MB of weights, 8 GB of activations (issue 12, item 8)
        Run r = run(null, "bench", "kernels", "--shape", "8192x8192", "--batch", "65536");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).startsWith("sparrow bench kernels: --shape 8192x8192 at --batch 65536 needs about 8960 MB")
                .contains("raise -Xmx").doesNotContain("at dev.sparrow");
        // the same check on its own, against a given heap: a small shape at a large batch fits 4 GB, a large one does not
        BenchKernelsCommand.checkFitsHeap(java.util.List.of(new int[] {256, 256}), new int[] {65536}, 4L << 30);
        assertThatThrownBy(() -> BenchKernelsCommand.checkFitsHeap(java.util.List.of(new int[] {4096, 4096}),
                new int[] {8192}, 1L << 30)).hasMessageContaining("needs about");
    }

    @Test
    void helpListsTheOptionsAndBenchListsKernels() {
        Run help = run(null, "bench", "kernels", "--help");
        assertThat(help.exit()).isZero();
        for (String opt : new String[] {"--shape", "--sparsity", "--batch", "--threads", "--formats", "--residency",
                "--input-density", "--json", "--quick", "--seed"}) {
            assertThat(help.out()).contains(opt);
        }
        Run bench = run(null, "bench");
        assertThat(bench.exit()).isZero();
        assertThat(bench.out()).contains("kernels");
    }

    @Test
    void aPeerGetsARowInEveryGroupWithItsRatioAndTheBestSparseFormatIsComparedWithIt() {
        Run table = run(null, List.of(new LoopPeer(0f)), with(SMALL, "--formats", "csr,csc,block4"));
        assertThat(table.exit()).as(table.err()).isZero();
        assertThat(table.err()).contains("bench: peer loop-matmul: plain Java loop");
        assertThat(table.out()).contains("vs_ort").contains("vs_best").contains("  loop-matmul ")
                .containsPattern("best sparse: (csr|csc|block4), [0-9.]+x (faster|slower) than loop-matmul")
                .contains("best sparse-input: csc").doesNotContain("no ONNX Runtime peer");

        Run json = run(null, List.of(new LoopPeer(0f)), with(SMALL, "--formats", "csr", "--json"));
        assertThat(json.exit()).as(json.err()).isZero();
        int peerRows = 0;
        for (String line : json.out().strip().split("\n")) {
            @SuppressWarnings("unchecked")
            Map<String, Object> m = (Map<String, Object>) Json.parse(line, 1 << 16);
            double vsDense = ((Number) m.get("ratio_vs_dense")).doubleValue();
            double vsOrt = ((Number) m.get("ratio_vs_ort")).doubleValue();
            assertThat(vsOrt).isPositive();
            // against the faster of the two dense baselines: the smaller ratio (rounded like the others)
            assertThat(((Number) m.get("ratio_vs_best")).doubleValue()).isCloseTo(Math.min(vsDense, vsOrt), within(1e-4));
            if (m.get("kind").equals("peer")) {
                peerRows++;
                assertThat(m.get("format")).isEqualTo("loop-matmul");
                assertThat(((Number) m.get("ratio_vs_ort")).doubleValue()).isEqualTo(1.0);
                assertThat(m.get("best_dense")).isEqualTo(false);
                long copies = ((Number) m.get("copies")).longValue();
                if (m.get("residency").equals("cached")) assertThat(copies).isEqualTo(1);
                else assertThat(copies).isGreaterThan(1);
            }
        }
        assertThat(peerRows).isEqualTo(4); // batch 1 and 5, cached and streamed
    }

    @Test
    void withoutAPeerOneLineSaysSoAndRowsHaveNoPeerRatio() {
        Run r = run(null, with(SMALL, "--formats", "csr", "--residency", "cached", "--json"));
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.err()).contains("no ONNX Runtime peer on the class path");
        assertThat(r.out()).contains("\"ratio_vs_ort\":null").doesNotContain("\"kind\":\"peer\"");
    }

    @Test
    void aPeerThatCannotLoadIsOneLineAndAPeerThatDisagreesFailsTheRun() {
        MatMulPeer missing = new LoopPeer(0f) {
            @Override
            public Instance open(int threads) {
                throw new UnsatisfiedLinkError("no onnxruntime in java.library.path");
            }
        };
        Run absent = run(null, List.of(missing), with(SMALL, "--formats", "csr", "--residency", "cached", "--json"));
        assertThat(absent.exit()).as(absent.err()).isZero();
        assertThat(absent.err()).contains("peer loop-matmul is not available here").contains("no loop-matmul rows");
        assertThat(absent.out()).doesNotContain("loop-matmul");

        Run wrong = run(null, List.of(new LoopPeer(0.5f)), with(SMALL, "--formats", "csr", "--residency", "cached", "--json"));
        assertThat(wrong.exit()).isEqualTo(1);
        assertThat(wrong.err()).contains("loop-matmul (plain Java loop) at 64x96, batch 1 disagrees with dense");
        assertThat(wrong.out()).doesNotContain("loop-matmul");
    }

    /** A peer in plain Java: y = x W^T, plus an error added to the first output. */
    private static class LoopPeer implements MatMulPeer {
        private final float error;

        LoopPeer(float error) {
            this.error = error;
        }

        @Override
        public String name() {
            return "loop-matmul";
        }

        @Override
        public Instance open(int threads) {
            return new Instance() {
                private final List<float[]> copies = new ArrayList<>();
                private int out, in, batch;
                private float[] x, y;

                @Override public String describe() { return "plain Java loop"; }

                @Override
                public int addWeights(float[] w, int out, int in) {
                    this.out = out;
                    this.in = in;
                    copies.add(w.clone());
                    return copies.size() - 1;
                }

                @Override
                public void setInput(float[] x, int batch) {
                    this.x = x.clone();
                    this.batch = batch;
                    this.y = new float[batch * out];
                }

                @Override
                public void run(int copy) {
                    float[] w = copies.get(copy);
                    for (int b = 0; b < batch; b++) {
                        for (int o = 0; o < out; o++) {
                            float s = 0;
                            for (int i = 0; i < in; i++) s += x[b * in + i] * w[o * in + i];
                            y[b * out + o] = s;
                        }
                    }
                    y[0] += error;
                }

                @Override public void output(float[] dst) { System.arraycopy(y, 0, dst, 0, y.length); }

                @Override public void close() { copies.clear(); }
            };
        }
    }

    /** A wrong kernel: delegates, then adds 1 to the first output. */
    private record OffByOne(PackedWeights m) implements PackedWeights {
        @Override public String layerName() { return m.layerName(); }
        @Override public String format() { return m.format(); }
        @Override public int rows() { return m.rows(); }
        @Override public int cols() { return m.cols(); }
        @Override public long nnz() { return m.nnz(); }
        @Override public long bytes() { return m.bytes(); }
        @Override public float[] toDense() { return m.toDense(); }

        @Override
        public void gemv(SparseKernels k, float[] x, int xOff, float[] y, int yOff, float[] bias, boolean relu, ComputePool pool) {
            m.gemv(k, x, xOff, y, yOff, bias, relu, pool);
            y[yOff] += 1f;
        }

        @Override
        public void spmm(SparseKernels k, float[] xt, int xtOff, int ldx, int batch, float[] yt, int ytOff, int ldy,
                         float[] bias, boolean relu, ComputePool pool) {
            m.spmm(k, xt, xtOff, ldx, batch, yt, ytOff, ldy, bias, relu, pool);
            yt[ytOff] += 1f;
        }
    }
}
