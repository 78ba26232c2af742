package dev.sparrow.cuda.bench;

import dev.sparrow.cuda.CudaBackend;
import dev.sparrow.cuda.CudaDevice;
import dev.sparrow.cuda.CudaEvent;
import dev.sparrow.cuda.CudaMatrix;
import dev.sparrow.cuda.CudaStream;
import dev.sparrow.cuda.Cublas;
import dev.sparrow.cuda.DeviceMemory;
import dev.sparrow.sparse.MaskedWeights;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Side-by-side GPU kernel timings, one run: dense fp32 (ours, and cuBLAS SGEMM where libcublas is
 * found) against condensed constant fan-in, CSR and N:M at a given sparsity, for shapes out x in and
 * batches. Each candidate holds enough copies of its weights to exceed the L2 cache and rotates through
 * them (unless --hot). Timing: per round and candidate, a spin kernel keeps the stream busy while
 * {@code --launches} launches are queued behind it between two CUDA events, so the events measure GPU
 * time of back-to-back launches; the candidates interleave round by round; median (and p10/p90) of the
 * per-launch time over the rounds after warm-up rounds. Outputs are checked against the dense one.
 *
 * <pre>java ... dev.sparrow.cuda.bench.CudaKernelBench [--shapes 768x3072,3072x768,4096x4096]
 *     [--batches 1,256] [--sparsity 0.9] [--nm 2:20] [--rounds 100] [--warmup 10] [--launches 10] [--hot]</pre>
 */
public final class CudaKernelBench {

    record Candidate(String name, List<CudaMatrix> copies, boolean cublas) {}

    public static void main(String[] args) {
        String shapes = "768x3072,3072x768,4096x4096", batches = "1,256", nmSpec = "2:20";
        double sparsity = 0.9;
        int rounds = 100, warmup = 10, launches = 10;
        boolean hot = false, sweep = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--shapes" -> shapes = args[++i];
                case "--batches" -> batches = args[++i];
                case "--sparsity" -> sparsity = Double.parseDouble(args[++i]);
                case "--nm" -> nmSpec = args[++i];
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--launches" -> launches = Integer.parseInt(args[++i]);
                case "--hot" -> hot = true;
                case "--sweep" -> sweep = true;
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        CudaBackend backend = CudaBackend.load();
        System.out.println("backend: " + backend.reason());
        if (!backend.isSupported()) {
            System.exit(2);
        }
        CudaDevice dev = backend.device();
        List<String> why = new ArrayList<>();
        Cublas cublas = Cublas.load(dev, why);
        System.out.println("cuBLAS: " + (cublas != null ? cublas.library() : "not found " + why));
        System.out.printf(Locale.ROOT, "sparsity %.2f, N:M %s, %d rounds of %d launches after %d warm-up rounds, %s L2%n",
                sparsity, nmSpec, rounds, launches, warmup, hot ? "hot (one weight copy)" : "cold (rotating weight copies)");
        List<String> table = new ArrayList<>();
        table.add(String.format(Locale.ROOT, "%-10s %5s %-24s %10s %10s %10s %9s %9s %9s %9s",
                "out x in", "batch", "format", "median us", "p10 us", "p90 us", "vs dense", "vs cuBLAS", "GB/s", "rel.err"));
        String[] nm = nmSpec.split(":");
        int nmN = Integer.parseInt(nm[0]), nmM = Integer.parseInt(nm[1]);
        for (String shape : shapes.split(",")) {
            String[] p = shape.split("x");
            int rows = Integer.parseInt(p[0]), cols = Integer.parseInt(p[1]);
            SplittableRandom rnd = new SplittableRandom(rows * 31L + cols);
            MaskedWeights fanin = fanInWeights(rows, cols, sparsity, rnd);
            MaskedWeights nmW = nmWeights(rows, cols, nmN, nmM, rnd);
            MaskedWeights blockW = blockWeights(rows, cols, sparsity, rnd);
            float[] bias = random(rows, rnd);
            for (String bs : batches.split(",")) {
                int batch = Integer.parseInt(bs);
                List<Candidate> cands = new ArrayList<>();
                cands.add(new Candidate("dense fp32", copies(dev, "dense", fanin, hot), false));
                if (cublas != null) cands.add(new Candidate("cuBLAS sgemm", List.of(cands.get(0).copies().get(0)), true));
                cands.add(new Candidate("", copies(dev, "condensed", fanin, hot, null), false));
                if (batch > 1) cands.add(new Candidate("condensed r1 tile", copies(dev, "condensed", fanin, hot, "tile"), false));
                cands.add(new Candidate("", copies(dev, "condensed-bf16", fanin, hot, null), false));
                cands.add(new Candidate("", copies(dev, "csr", fanin, hot, null), false));
                cands.add(new Candidate("", copies(dev, "nm" + nmSpec, nmW, hot, null), false));
                cands.add(new Candidate("", copies(dev, "block4", blockW, hot, null), false));
                if (sweep) {
                    List<String> cfgs = batch == 1 ? List.of("gemv8", "gemv16", "gemv32")
                            : List.of("1,2,16", "1,4,32", "2,2,32", "2,4,32", "2,4,16", "2,8,16", "4,2,32", "4,4,16");
                    for (String t : cfgs) cands.add(new Candidate("condensed " + t, copies(dev, "condensed", fanin, hot, t), false));
                    if (batch > 1) {
                        for (String t : cfgs) cands.add(new Candidate("cond-bf16 " + t, copies(dev, "condensed-bf16", fanin, hot, t), false));
                        for (String t : List.of("1,1,32", "1,2,32", "1,4,32", "2,1,32", "2,2,32", "2,2,16", "4,1,32")) {
                            cands.add(new Candidate("block4 " + t, copies(dev, "block4", blockW, hot, t), false));
                        }
                    }
                }
                table.addAll(measure(dev, cublas, cands, rows, cols, batch, bias, rounds, warmup, launches, rnd));
                for (Candidate c : cands) if (!c.cublas()) c.copies().forEach(CudaMatrix::close);
            }
        }
        System.out.println();
        table.forEach(System.out::println);
        if (cublas != null) cublas.close();
    }

    static List<String> measure(CudaDevice dev, Cublas cublas, List<Candidate> cands, int rows, int cols, int batch,
                                float[] bias, int rounds, int warmup, int launches, SplittableRandom rnd) {
        float[] xt = random(cols * batch, rnd);
        int n = cands.size();
        float[][] outs = new float[n][];
        double[][] times = new double[n][rounds];
        try (DeviceMemory dx = dev.upload(xt); DeviceMemory dy = dev.allocate(4L * rows * batch);
             DeviceMemory db = dev.upload(bias); CudaStream s = dev.stream();
             CudaEvent start = dev.event(); CudaEvent end = dev.event()) {
            // correctness: each candidate's output, poisoned first
            for (int c = 0; c < n; c++) {
                dy.fill(Float.floatToRawIntBits(Float.NaN));
                launch(cands.get(c), 0, cublas, dx, dy, db, batch, s);
                s.synchronize();
                outs[c] = new float[rows * batch];
                dy.copyTo(outs[c]);
            }
            long spinNs = 0;
            for (int r = -warmup; r < rounds; r++) {
                for (int c = 0; c < n; c++) {
                    Candidate cand = cands.get(c);
                    dev.spin(spinNs, s);
                    start.record(s);
                    for (int l = 0; l < launches; l++) launch(cand, (r + warmup) * launches + l, cublas, dx, dy, db, batch, s);
                    end.record(s);
                    end.synchronize();
                    double us = 1000.0 * end.millisSince(start) / launches;
                    if (r >= 0) times[c][r] = us;
                    // keep the queue ahead of the GPU: the spin covers the host's launch time (about 5 us each)
                    spinNs = Math.max(spinNs, (long) (launches * 8_000L));
                }
            }
        }
        double dense = median(times[0]);
        double cub = cublas != null ? median(times[1]) : Double.NaN;
        List<String> lines = new ArrayList<>();
        for (int c = 0; c < n; c++) {
            Candidate cand = cands.get(c);
            CudaMatrix m = cand.copies().get(0);
            String name = cand.name().isEmpty() ? m.format() : cand.name();
            double med = median(times[c]);
            long bytes = m.bytes() + 4L * (cols + rows) * batch;
            // N:M runs other weights (its own mask): checked for unwritten outputs only (-1 = not compared)
            double err = m.format().startsWith("nm") || m.format().startsWith("block4")
                    ? (relErr(outs[c], outs[c]) == 0 ? -1 : Double.NaN)
                    : relErr(cand.cublas() ? reluBias(outs[1], bias, rows, batch) : outs[c], outs[0]);
            lines.add(String.format(Locale.ROOT, "%-10s %5d %-24s %10.2f %10.2f %10.2f %9.2f %9.2f %9.0f %9.1e",
                    rows + "x" + cols, batch, name, med, pct(times[c], 0.1), pct(times[c], 0.9), dense / med,
                    cub / med, bytes / med / 1000.0, err));
        }
        lines.forEach(System.out::println);
        return lines;
    }

    static void launch(Candidate c, int i, Cublas cublas, DeviceMemory dx, DeviceMemory dy, DeviceMemory db, int batch,
                       CudaStream s) {
        CudaMatrix m = c.copies().get(i % c.copies().size());
        if (c.cublas()) cublas.sgemm(m, dx.address(), dy.address(), batch, s);
        else m.run(dx.address(), batch, dy.address(), db.address(), true, s);
    }

    /** Enough copies to exceed about 3x a large L2 (50 MB), at most 64; one when hot. */
    static List<CudaMatrix> copies(CudaDevice dev, String spec, MaskedWeights w, boolean hot) {
        return copies(dev, spec, w, hot, null);
    }

    static List<CudaMatrix> copies(CudaDevice dev, String spec, MaskedWeights w, boolean hot, String tune) {
        CudaMatrix first = upload(dev, spec, w, tune);
        int n = hot ? 1 : (int) Math.min(64, Math.max(1, (150L << 20) / Math.max(1, first.bytes()) + 1));
        List<CudaMatrix> out = new ArrayList<>(List.of(first));
        for (int i = 1; i < n; i++) out.add(upload(dev, spec, w, tune));
        return out;
    }

    static CudaMatrix upload(CudaDevice dev, String spec, MaskedWeights w, String tune) {
        CudaMatrix m = CudaMatrix.upload(dev, spec, w);
        if (tune != null) ((CudaMatrix.Chunked) m).tune(tune);
        return m;
    }

    /** Block 4x1 at the given sparsity: each group of 4 rows shares k = (1 - sparsity) * cols random columns. */
    static MaskedWeights blockWeights(int rows, int cols, double sparsity, SplittableRandom rnd) {
        int k = Math.max(1, (int) Math.round(cols * (1 - sparsity)));
        boolean[] mask = new boolean[rows * cols];
        int[] perm = new int[cols];
        for (int g = 0; g < rows; g += 4) {
            for (int i = 0; i < cols; i++) perm[i] = i;
            for (int i = 0; i < k; i++) {
                int j = i + rnd.nextInt(cols - i);
                int t = perm[i]; perm[i] = perm[j]; perm[j] = t;
                for (int r = g; r < Math.min(rows, g + 4); r++) mask[r * cols + perm[i]] = true;
            }
        }
        return MaskedWeights.of(random(rows * cols, rnd), mask, rows, cols, "block4");
    }

    static float[] reluBias(float[] y, float[] bias, int rows, int batch) {
        float[] o = new float[y.length];
        for (int r = 0; r < rows; r++) for (int b = 0; b < batch; b++) o[r * batch + b] = Math.max(0f, y[r * batch + b] + bias[r]);
        return o;
    }

    static double relErr(float[] a, float[] ref) {
        double num = 0, den = 0;
        for (int i = 0; i < a.length; i++) {
            double d = a[i] - ref[i];
            if (Double.isNaN(d)) return Double.NaN;
            num += d * d;
            den += (double) ref[i] * ref[i];
        }
        return Math.sqrt(num / Math.max(den, 1e-30));
    }

    static double median(double[] t) { return pct(t, 0.5); }

    static double pct(double[] t, double q) {
        double[] s = t.clone();
        Arrays.sort(s);
        return s[(int) Math.min(s.length - 1, Math.round(q * (s.length - 1)))];
    }

    static MaskedWeights fanInWeights(int rows, int cols, double sparsity, SplittableRandom rnd) {
        int k = Math.max(1, (int) Math.round(cols * (1 - sparsity)));
        boolean[] mask = new boolean[rows * cols];
        int[] perm = new int[cols];
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < cols; i++) perm[i] = i;
            for (int i = 0; i < k; i++) {
                int j = i + rnd.nextInt(cols - i);
                int t = perm[i]; perm[i] = perm[j]; perm[j] = t;
                mask[r * cols + perm[i]] = true;
            }
        }
        return MaskedWeights.of(random(rows * cols, rnd), mask, rows, cols, "fanin");
    }

    static MaskedWeights nmWeights(int rows, int cols, int n, int m, SplittableRandom rnd) {
        boolean[] mask = new boolean[rows * cols];
        for (int r = 0; r < rows; r++) {
            for (int c0 = 0; c0 < cols; c0 += m) {
                int w = Math.min(m, cols - c0), picked = 0;
                while (picked < Math.min(n, w)) {
                    int c = c0 + rnd.nextInt(w);
                    if (!mask[r * cols + c]) { mask[r * cols + c] = true; picked++; }
                }
            }
        }
        return MaskedWeights.of(random(rows * cols, rnd), mask, rows, cols, "nm");
    }

    static float[] random(int n, SplittableRandom rnd) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (rnd.nextDouble() * 2 - 1);
        return a;
    }
}
