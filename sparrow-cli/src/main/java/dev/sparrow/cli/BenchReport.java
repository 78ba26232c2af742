package dev.sparrow.cli;

import dev.sparrow.kernel.Backend;
import dev.sparrow.measure.SideBySideTimer;
import dev.sparrow.sparse.SparseKernels;
import dev.sparrow.util.Json;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Prints benchmark rows as an aligned table (one block per shape, batch and residency) or as JSON lines. */
final class BenchReport {
    static final String PEER = "peer";

    private BenchReport() {}

    /** Cores, CPU, last-level cache, kernel backends and Java version: what the figures depend on. */
    static String machineLine(int threads) {
        return String.format(Locale.ROOT, "machine: %d cores (%s), L3 %s, dense kernels %s, sparse kernels %s, Java %s, %d thread(s)",
                Runtime.getRuntime().availableProcessors(), cpuModel(), l3(), Backend.get().kernels().name(),
                SparseKernels.of(Backend.get()).name(), Runtime.version(), threads);
    }

    static String table(List<BenchRow> rows) {
        int fw = "format".length(), sw = "storage".length();
        String peerName = null;
        for (BenchRow r : rows) {
            fw = Math.max(fw, r.format().length());
            sw = Math.max(sw, r.storage().length());
            if (peerName == null && r.kind().equals(PEER)) peerName = r.format();
        }
        boolean peer = peerName != null;
        StringBuilder sb = new StringBuilder();
        String header = String.format(Locale.ROOT, "  %-" + fw + "s  %-" + sw + "s %8s %11s %7s %8s %8s %9s",
                "format", "storage", "sparsity", "median_us", "spread", "GFLOP/s", "GB/s", "vs_dense")
                + (peer ? String.format(Locale.ROOT, " %9s %9s", "vs_ort", "vs_best") : "");
        String rowFormat = "  %-" + fw + "s  %-" + sw + "s %8s %11.1f %6.0f%% %8.2f %8.2f %8.2fx";
        String group = null;
        int groupStart = 0;
        for (int i = 0; i < rows.size(); i++) {
            BenchRow r = rows.get(i);
            String g = groupName(r);
            if (!g.equals(group)) {
                if (group != null) sb.append(peerSummary(rows.subList(groupStart, i))).append('\n');
                sb.append(g).append('\n').append(header).append('\n');
                group = g;
                groupStart = i;
            }
            SideBySideTimer.Stats t = r.timing();
            double spread = 100 * (t.p90Nanos() - t.p10Nanos()) / t.medianNanos();
            sb.append(String.format(Locale.ROOT, rowFormat, r.format(), r.storage(), String.format(Locale.ROOT, "%.1f%%", 100 * r.sparsity()),
                    r.medianUs(), spread, r.gflops(), r.gbPerS(), r.ratioVsDense()));
            if (peer) {
                sb.append(Double.isNaN(r.ratioVsPeer()) ? String.format(Locale.ROOT, " %9s %9s", "-", "-")
                        : String.format(Locale.ROOT, " %8.2fx %8.2fx", r.ratioVsPeer(), r.ratioVsBest()));
            }
            sb.append(r.bestDense() ? "  best dense" : "").append('\n');
        }
        if (group != null) sb.append(peerSummary(rows.subList(groupStart, rows.size())));
        sb.append('\n').append("""
                median_us: median per call over all rounds; spread: (p90 - p10) / median.
                GFLOP/s: useful flops only: 2 x out x in x batch for dense, 2 x nnz x batch for sparse, and for
                  sparse-input rows (/inNN%) 2 x the nonzero weights of the active inputs.
                GB/s: bytes of the weight representation read (values, indices, padding; for sparse-input rows only
                  the active inputs' columns) / median; inputs and outputs not counted.
                streamed: each kernel rotates over copies of its weights larger than the last-level cache.
                vs_dense: best dense median / this median at the same shape, batch and residency (> 1 is faster).
                dense-gemm-nn: Y^T = W X^T, the layout of the sparse spmm; dense-gemm-nt: Y = X W^T (PyTorch's).
                dense-*-packed: the same products on W packed once (Kernels.pack), as a session's dense layers run.
                """);
        if (peer) {
            sb.append("""
                    vs_ort: the peer's median / this median (> 1: faster than it); ort-matmul is ONNX Runtime's dense MatMul (CPU, same
                      threads, all graph optimisations, weights as a prepacked initializer, pinned input and output).
                    vs_best: against the faster of our best dense kernel and the peer (the smaller of vs_dense and vs_ort).
                    """);
        }
        return sb.toString();
    }

    /** The group's fastest weight-sparse and sparse-input rows against the peer, or "" without a peer row. */
    static String peerSummary(List<BenchRow> group) {
        BenchRow peer = null, bestSparse = null, bestSparseInput = null;
        for (BenchRow r : group) {
            switch (r.kind()) {
                case PEER -> peer = peer == null ? r : peer;
                case "sparse" -> bestSparse = faster(bestSparse, r);
                case "sparse-input" -> bestSparseInput = faster(bestSparseInput, r);
                default -> { }
            }
        }
        if (peer == null) return "";
        StringBuilder sb = new StringBuilder();
        for (BenchRow r : new BenchRow[] {bestSparse, bestSparseInput}) {
            if (r == null) continue;
            sb.append(String.format(Locale.ROOT, "  best %s: %s, %.2fx %s %s (%.1f us vs %.1f us)%n",
                    r.kind(), r.format(), r.ratioVsPeer() >= 1 ? r.ratioVsPeer() : 1 / r.ratioVsPeer(),
                    r.ratioVsPeer() >= 1 ? "faster than" : "slower than", peer.format(), r.medianUs(), peer.medianUs()));
        }
        return sb.toString();
    }

    private static BenchRow faster(BenchRow best, BenchRow r) {
        return best == null || r.medianUs() < best.medianUs() ? r : best;
    }

    private static String groupName(BenchRow r) {
        return r.shape() + "  batch " + r.batch() + "  weights " + r.residency();
    }

    static String jsonLine(BenchRow r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("shape", r.shape());
        m.put("out", r.out());
        m.put("in", r.in());
        m.put("kind", r.kind());
        m.put("format", r.format());
        m.put("storage", r.storage());
        m.put("sparsity", round(r.sparsity(), 6));
        m.put("input_density", Double.isNaN(r.inputDensity()) ? null : r.inputDensity());
        m.put("batch", r.batch());
        m.put("residency", r.residency());
        m.put("threads", r.threads());
        m.put("copies", r.copies());
        m.put("median_us", round(r.medianUs(), 3));
        m.put("p10_us", round(r.timing().p10Nanos() / 1e3, 3));
        m.put("p90_us", round(r.timing().p90Nanos() / 1e3, 3));
        m.put("samples", r.timing().samples());
        m.put("gflops", round(r.gflops(), 3));
        m.put("gb_s", round(r.gbPerS(), 3));
        m.put("weight_bytes", r.weightBytes());
        m.put("bytes_read", r.bytesRead());
        m.put("nnz", r.nnz());
        m.put("ratio_vs_dense", round(r.ratioVsDense(), 4));
        m.put("best_dense", r.bestDense());
        m.put("ratio_vs_ort", Double.isNaN(r.ratioVsPeer()) ? null : round(r.ratioVsPeer(), 4));
        m.put("ratio_vs_best", round(r.ratioVsBest(), 4));
        return Json.write(m);
    }

    private static double round(double v, int digits) {
        if (!Double.isFinite(v)) return v;
        double scale = Math.pow(10, digits);
        return Math.round(v * scale) / scale;
    }

    private static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) return line.substring(line.indexOf(':') + 1).trim();
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: the architecture is all we can say
        }
        return System.getProperty("os.arch");
    }

    private static String l3() {
        try {
            String size = Files.readString(Path.of("/sys/devices/system/cpu/cpu0/cache/index3/size")).trim();
            if (size.endsWith("K") && Long.parseLong(size.substring(0, size.length() - 1)) % 1024 == 0) {
                return Long.parseLong(size.substring(0, size.length() - 1)) / 1024 + " MiB";
            }
            return size;
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }
}
