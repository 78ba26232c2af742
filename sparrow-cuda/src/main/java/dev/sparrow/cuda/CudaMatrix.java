package dev.sparrow.cuda;

import dev.sparrow.sparse.CondensedFanIn;
import dev.sparrow.sparse.MaskedWeights;
import dev.sparrow.sparse.NmPacked;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A weight matrix W [rows, cols] uploaded once to the GPU in one format, with its kernels:
 * {@link #run} computes Y^T = act(W X^T + b) with activations laid out [features][batch] as in
 * Sparrow's CPU spmm (X^T [cols][batch], Y^T [rows][batch], leading dimension = batch; batch 1 is the
 * gemv), bias (optional, [rows]) and ReLU fused into the store. Outputs are overwritten.
 *
 * <p>Formats ({@link #upload}'s spec): {@code dense} (fp32, row-major), {@code condensed} (constant
 * fan-in k, [rows][k] fp32 values with 16-bit columns; rows with no active weight allowed), {@code csr}
 * (16-bit columns when cols <= 65536, else 32-bit), {@code nmN:M} (N values and 8-bit in-group offsets
 * per group of M inputs). The masks a format needs are checked by sparrow-core's own CPU format
 * ({@link CondensedFanIn#from}, {@link NmPacked#from}), which throw its {@code UnsupportedMaskException}.
 * Owns its device memory: {@link #close()} frees it.
 */
public abstract sealed class CudaMatrix implements AutoCloseable permits CudaMatrix.Dense, CudaMatrix.Sparse, CudaMatrix.Chunked {
    private static final Pattern NM = Pattern.compile("nm(\\d+):(\\d+)");

    final CudaDevice device;
    final String layerName;
    final int rows;
    final int cols;
    final long nnz;
    final List<DeviceMemory> owned = new ArrayList<>();
    final KernelArgs args = new KernelArgs();

    CudaMatrix(CudaDevice device, MaskedWeights w, long nnz) {
        this.device = device;
        this.layerName = w.layerName();
        this.rows = w.rows();
        this.cols = w.cols();
        this.nnz = nnz;
    }

    /** Uploads {@code w} in the format {@code spec}: dense, condensed, csr, nmN:M. */
    public static CudaMatrix upload(CudaDevice device, String spec, MaskedWeights w) {
        Matcher m = NM.matcher(spec);
        if (m.matches()) return nm(device, w, Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
        return switch (spec) {
            case "dense" -> dense(device, w);
            case "condensed" -> condensed(device, w, false);
            case "condensed-bf16" -> condensed(device, w, true);
            case "block4" -> block4(device, w);
            case "csr" -> csr(device, w);
            default -> throw new IllegalArgumentException("unknown CUDA format '" + spec
                    + "' (dense, condensed, condensed-bf16, block4, csr, nmN:M)");
        };
    }

    /** The masked matrix as dense fp32 (inactive entries 0). */
    public static CudaMatrix dense(CudaDevice device, MaskedWeights w) {
        int rows = w.rows(), cols = w.cols();
        float[] d = new float[rows * cols];
        long nnz = 0;
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                d[r * cols + c] = w.value(r, c);
                if (w.isActive(r, c)) nnz++;
            }
        }
        Dense m = new Dense(device, w, nnz);
        m.weights = m.keep(device.upload(d));
        return m;
    }

    /**
     * Constant fan-in (SRigL's condensed layout), 16-bit column indices, values fp32 or bf16 (rounded to
     * nearest even; fp32 accumulation). Rows are padded to kp = k rounded up to 4 entries (value 0,
     * column 0) for the vector loads of the batch-1 kernel; the batched kernel reads only the real entries.
     */
    public static CudaMatrix condensed(CudaDevice device, MaskedWeights w, boolean bf16) {
        int k = CondensedFanIn.from(w).fanIn(); // checks the mask (constant fan-in, cols <= 65536)
        int rows = w.rows(), cols = w.cols();
        int kp = (k + 3) & ~3;
        float[] vals = new float[rows * kp];
        short[] idx = new short[rows * kp];
        int[] count = new int[rows];
        long nnz = 0;
        for (int r = 0; r < rows; r++) {
            int j = 0;
            for (int c = 0; c < cols; c++) {
                if (!w.isActive(r, c)) continue;
                vals[r * kp + j] = w.value(r, c);
                idx[r * kp + j] = (short) c;
                j++;
                nnz++;
            }
            count[r] = j;
        }
        String kernel = bf16 ? "condensedbf" : "condensed";
        Chunked m = new Chunked(device, w, nnz, kernel, (bf16 ? "condensed-bf16" : "condensed") + "(k=" + k + ")",
                1, rows, kp, (bf16 ? 4L : 6L) * vals.length);
        MemorySegment v = bf16 ? MemorySegment.ofArray(toBf16(vals)) : MemorySegment.ofArray(vals);
        m.vals = m.keep(device.upload(v)).address();
        m.idx = m.keep(device.upload(MemorySegment.ofArray(idx))).address();
        m.bnd = m.keep(device.upload(MemorySegment.ofArray(bounds(idx, count, kp, rows, cols)))).address();
        return m;
    }

    /**
     * Block 4x1: rows in groups of 4 share one list of columns (the union of the group's masks; a row's
     * value is 0 at a column it lacks), so each input read serves 4 rows. Any mask; it pays where the
     * rows of a group share their columns. fp32 values [groups][kp][4], 16-bit columns [groups][kp].
     */
    public static CudaMatrix block4(CudaDevice device, MaskedWeights w) {
        int rows = w.rows(), cols = w.cols();
        if (cols > 65536) throw new IllegalArgumentException("block4 needs cols <= 65536, got " + cols);
        int groups = (rows + 3) / 4;
        int[] count = new int[groups];
        int kmax = 0;
        long nnz = 0;
        for (int g = 0; g < groups; g++) {
            for (int c = 0; c < cols; c++) {
                boolean any = false;
                for (int r = g * 4; r < Math.min(rows, g * 4 + 4); r++) {
                    if (w.isActive(r, c)) { any = true; nnz++; }
                }
                if (any) count[g]++;
            }
            kmax = Math.max(kmax, count[g]);
        }
        if (kmax > 65535) throw new IllegalArgumentException("block4 needs at most 65535 columns per group");
        int kp = (kmax + 3) & ~3;
        float[] vals = new float[groups * kp * 4];
        short[] idx = new short[groups * kp];
        for (int g = 0; g < groups; g++) {
            int j = 0;
            for (int c = 0; c < cols; c++) {
                boolean any = false;
                for (int r = g * 4; r < Math.min(rows, g * 4 + 4); r++) any |= w.isActive(r, c);
                if (!any) continue;
                for (int r = g * 4; r < Math.min(rows, g * 4 + 4); r++) {
                    vals[(g * kp + j) * 4 + (r - g * 4)] = w.isActive(r, c) ? w.value(r, c) : 0f;
                }
                idx[g * kp + j] = (short) c;
                j++;
            }
        }
        Chunked m = new Chunked(device, w, nnz, "block4", "block4(k=" + kmax + ")", 4, groups, kp,
                4L * vals.length + 2L * idx.length);
        m.vals = m.keep(device.upload(MemorySegment.ofArray(vals))).address();
        m.idx = m.keep(device.upload(MemorySegment.ofArray(idx))).address();
        m.bnd = m.keep(device.upload(MemorySegment.ofArray(bounds(idx, count, kp, groups, cols)))).address();
        return m;
    }

    /** Columns per chunk of the batched kernel (KC in sparrow_kernels.cu). */
    static final int KC = 256;

    /** bnd [nch+1][units]: the unit's entries with column < ch*KC; its entries are in column order. */
    static short[] bounds(short[] idx, int[] count, int kp, int units, int cols) {
        int nch = (cols + KC - 1) / KC;
        short[] bnd = new short[(nch + 1) * units];
        for (int u = 0; u < units; u++) {
            int p = 0;
            for (int ch = 0; ch <= nch; ch++) {
                long limit = (long) ch * KC;
                while (p < count[u] && (idx[u * kp + p] & 0xffff) < limit) p++;
                bnd[ch * units + u] = (short) (ch == nch ? count[u] : p);
            }
        }
        return bnd;
    }

    /** fp32 -> bf16, round to nearest even (NaN kept a NaN). */
    static short[] toBf16(float[] v) {
        short[] o = new short[v.length];
        for (int i = 0; i < v.length; i++) o[i] = bf16(v[i]);
        return o;
    }

    static short bf16(float f) {
        int b = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) return (short) ((b >>> 16) | 0x40);
        b += 0x7fff + ((b >>> 16) & 1);
        return (short) (b >>> 16);
    }

    /** Compressed sparse rows, any mask. */
    public static CudaMatrix csr(CudaDevice device, MaskedWeights w) {
        int rows = w.rows(), cols = w.cols();
        int[] rowPtr = new int[rows + 1];
        for (int r = 0; r < rows; r++) rowPtr[r + 1] = rowPtr[r] + w.rowCount(r);
        int nnz = rowPtr[rows];
        float[] vals = new float[nnz];
        boolean narrow = cols <= 65536;
        short[] c16 = narrow ? new short[nnz] : null;
        int[] c32 = narrow ? null : new int[nnz];
        int p = 0;
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                if (!w.isActive(r, c)) continue;
                vals[p] = w.value(r, c);
                if (narrow) c16[p] = (short) c; else c32[p] = c;
                p++;
            }
        }
        String kernel = narrow ? "csr16" : "csr32";
        Sparse m = new Sparse(device, w, nnz, kernel, kernel, 4L * (rows + 1) + (narrow ? 6L : 8L) * nnz);
        m.pointers = new long[] {m.keep(device.upload(MemorySegment.ofArray(rowPtr))).address(),
                m.keep(device.upload(MemorySegment.ofArray(vals))).address(),
                m.keep(device.upload(narrow ? MemorySegment.ofArray(c16) : MemorySegment.ofArray(c32))).address()};
        m.ints = new int[] {0, 0};
        return m;
    }

    /** N:M: at most N active weights in every group of M consecutive inputs of a row. */
    public static CudaMatrix nm(CudaDevice device, MaskedWeights w, int n, int mWidth) {
        NmPacked.from(w, n, mWidth); // checks the mask
        int rows = w.rows(), cols = w.cols();
        int groups = (cols + mWidth - 1) / mWidth, slots = groups * n;
        float[] vals = new float[rows * slots];
        byte[] off = new byte[rows * slots];
        long nnz = 0;
        for (int r = 0; r < rows; r++) {
            for (int g = 0; g < groups; g++) {
                int c0 = g * mWidth, c1 = Math.min(cols, c0 + mWidth), s = 0;
                for (int c = c0; c < c1; c++) {
                    if (!w.isActive(r, c)) continue;
                    int pos = r * slots + g * n + s;
                    vals[pos] = w.value(r, c);
                    off[pos] = (byte) (c - c0);
                    s++;
                    nnz++;
                }
            }
        }
        Sparse m = new Sparse(device, w, nnz, "nm", "nm" + n + ":" + mWidth, 5L * vals.length);
        m.pointers = new long[] {m.keep(device.upload(MemorySegment.ofArray(vals))).address(),
                m.keep(device.upload(MemorySegment.ofArray(off))).address()};
        m.ints = new int[] {slots, n, mWidth};
        return m;
    }

    DeviceMemory keep(DeviceMemory m) {
        owned.add(m);
        return m;
    }

    public String layerName() { return layerName; }
    public int rows() { return rows; }
    public int cols() { return cols; }
    /** Active weights stored. */
    public long nnz() { return nnz; }
    /** Format name with its parameters, e.g. "condensed(k=307)", "csr16", "nm2:20", "dense". */
    public abstract String format();
    /** Bytes of device memory the format's arrays hold. */
    public abstract long bytes();

    /**
     * Y^T = act(W X^T + b) on {@code stream} (asynchronous). {@code xt}: [cols][batch] floats, {@code yt}:
     * [rows][batch], {@code bias}: null or [rows]. Device addresses, so callers can pass offsets into
     * their own buffers; sizes are the caller's responsibility here ({@link #run(DeviceMemory, int,
     * DeviceMemory, DeviceMemory, boolean, CudaStream)} checks them).
     */
    public final synchronized void run(long xt, int batch, long yt, long bias, boolean relu, CudaStream stream) {
        if (batch < 1) throw new IllegalArgumentException("batch must be >= 1, got " + batch);
        launch(xt, batch, yt, bias, relu, stream);
    }

    /** As {@link #run(long, int, long, long, boolean, CudaStream)}, with the buffers' sizes checked. */
    public final void run(DeviceMemory xt, int batch, DeviceMemory yt, DeviceMemory bias, boolean relu, CudaStream stream) {
        need(xt, (long) cols * batch, "input");
        need(yt, (long) rows * batch, "output");
        if (bias != null) need(bias, rows, "bias");
        run(xt.address(), batch, yt.address(), bias == null ? 0 : bias.address(), relu, stream);
    }

    /** Host convenience (tests, tools): uploads X^T, runs, waits, returns Y^T [rows][batch]. */
    public final float[] run(float[] xt, int batch, float[] bias, boolean relu) {
        if (xt.length != cols * batch) {
            throw new IllegalArgumentException("layer '" + layerName + "': input must have cols*batch = "
                    + (long) cols * batch + " floats, got " + xt.length);
        }
        float[] y = new float[rows * batch];
        try (DeviceMemory dx = device.upload(xt); DeviceMemory dy = device.allocate(4L * y.length);
             DeviceMemory db = bias == null ? null : device.upload(bias)) {
            dy.fill(Float.floatToRawIntBits(Float.NaN)); // poison: every output must be written
            CudaStream s = device.defaultStream();
            run(dx, batch, dy, db, relu, s);
            s.synchronize();
            dy.copyTo(y);
        }
        return y;
    }

    private void need(DeviceMemory m, long floats, String what) {
        if (m.bytes() < 4 * floats) {
            throw new IllegalArgumentException("layer '" + layerName + "': " + what + " buffer holds " + m.bytes()
                    + " bytes, needs " + 4 * floats);
        }
    }

    abstract void launch(long xt, int batch, long yt, long bias, boolean relu, CudaStream stream);

    @Override
    public synchronized void close() {
        for (DeviceMemory m : owned) m.close();
        owned.clear();
        args.close();
    }

    @Override
    public String toString() {
        return layerName + " " + rows + "x" + cols + " " + format();
    }

    /** Dense fp32 baseline: warp-per-row GEMV at batch 1, a 64x64-tiled SGEMM for batches. */
    static final class Dense extends CudaMatrix {
        DeviceMemory weights;

        Dense(CudaDevice device, MaskedWeights w, long nnz) {
            super(device, w, nnz);
        }

        @Override public String format() { return "dense"; }
        @Override public long bytes() { return 4L * rows * cols; }

        @Override
        void launch(long xt, int batch, long yt, long bias, boolean relu, CudaStream stream) {
            args.reset().i64(weights.address()).i64(xt).i64(yt).i64(bias);
            if (batch == 1) {
                args.i32(rows).i32(cols).i32(relu ? 1 : 0);
                device.launch("dense_gemv", ceilDiv(rows, 8), 1, 256, 0, stream, args);
            } else {
                args.i32(rows).i32(batch).i32(cols).i32(relu ? 1 : 0);
                device.launch("dense_gemm", ceilDiv(batch, 64), ceilDiv(rows, 64), 256, 0, stream, args);
            }
        }
    }

    /**
     * The sparse formats share one kernel scheme (sparrow_kernels.cu): batch 1, a warp per row over its
     * entries; batches, a block stages a [cols][BT] tile of X^T in shared memory (BT = 16, 8 or 4 batch
     * columns, as large as fits) and a warp per row sums its entries over the tile; where no tile fits,
     * a warp per row reads X^T from global memory.
     */
    static final class Sparse extends CudaMatrix {
        private final String kernel;
        private final String format;
        private final long bytes;
        long[] pointers;
        int[] ints;

        Sparse(CudaDevice device, MaskedWeights w, long nnz, String kernel, String format, long bytes) {
            super(device, w, nnz);
            this.kernel = kernel;
            this.format = format;
            this.bytes = bytes;
        }

        @Override public String format() { return format; }
        @Override public long bytes() { return bytes; }

        @Override
        void launch(long xt, int batch, long yt, long bias, boolean relu, CudaStream stream) {
            args.reset();
            for (long p : pointers) args.i64(p);
            for (int v : ints) args.i32(v);
            args.i64(xt).i64(yt).i64(bias).i32(rows).i32(cols).i32(batch).i32(relu ? 1 : 0);
            if (batch == 1) {
                args.i32(0);
                device.launch(kernel + "_gemv", ceilDiv(rows, 8), 1, 256, 0, stream, args);
                return;
            }
            launchTiled(device, kernel, rows, cols, batch, stream, args);
        }

        static void launchTiled(CudaDevice device, String kernel, int rows, int cols, int batch, CudaStream stream,
                                KernelArgs args) {
            int bt = tileWidth(device, cols, batch);
            if (bt == 0) {
                args.i32(0);
                device.launch(kernel + "_spmm_global", ceilDiv(rows, 8), ceilDiv(batch, 32), 256, 0, stream, args);
                return;
            }
            int tileBytes = cols * bt * 4;
            int gridY = ceilDiv(batch, bt);
            int perSm = Math.max(1, Math.min(4, device.maxSharedPerMultiprocessor() / (tileBytes + 1024)));
            int target = 2 * device.multiprocessors() * perSm;
            int rowsPerBlock = Math.max(64, ceilDiv(ceilDiv((int) Math.min(Integer.MAX_VALUE, (long) rows * gridY), target), 8) * 8);
            rowsPerBlock = Math.min(rowsPerBlock, ceilDiv(rows, 8) * 8);
            args.i32(rowsPerBlock);
            device.launch(kernel + "_spmm" + bt, ceilDiv(rows, rowsPerBlock), gridY, 512, tileBytes, stream, args);
        }

        /** The widest batch tile (16, 8, 4) that the batch uses and shared memory holds; 0 if none fits. */
        static int tileWidth(CudaDevice device, int cols, int batch) {
            int want = batch >= 16 ? 16 : batch >= 8 ? 8 : 4;
            for (int bt = want; bt >= 4; bt /= 2) {
                if ((long) cols * bt * 4 <= device.maxSharedPerBlock()) return bt;
            }
            return 0;
        }
    }

    /**
     * Condensed (fp32 / bf16) and block4: batch 1 runs a vectorised warp-per-row (or per group) gemv;
     * batches run the K-chunked kernel ({@code _kcV_RW}): a block stages X^T[256-column chunk][32V batch
     * columns] in shared memory, each warp owns RW units (rows, or groups of 4 rows), every lane V batch
     * columns of them, accumulators in registers across chunks. {@link #tune} overrides the heuristic.
     */
    public static final class Chunked extends CudaMatrix {
        private final String kernel;
        private final String format;
        private final int unitRows;
        private final int units;
        private final int kp;
        private final long bytes;
        long vals, idx, bnd;
        private int[] tuned; // {V, RW, warps per block}, or {0} = round-1 tile kernel (fp32 condensed)
        private int gemvLanes;

        Chunked(CudaDevice device, MaskedWeights w, long nnz, String kernel, String format, int unitRows, int units,
                int kp, long bytes) {
            super(device, w, nnz);
            this.kernel = kernel;
            this.format = format;
            this.unitRows = unitRows;
            this.units = units;
            this.kp = kp;
            this.bytes = bytes;
        }

        @Override public String format() { return format; }
        @Override public long bytes() { return bytes; }

        /**
         * Fixes the kernel choice: "V,RW,W" (batched: V batch columns per lane, RW units per warp, W warps
         * per block), "tile" (round 1's full-width tile kernel; fp32 condensed only), "gemvL" (batch 1:
         * L = 32, 16 or 8 lanes per row), or null for the heuristic.
         */
        public synchronized Chunked tune(String spec) {
            if (spec == null) { tuned = null; gemvLanes = 0; return this; }
            if (spec.startsWith("gemv")) { gemvLanes = Integer.parseInt(spec.substring(4)); return this; }
            if (spec.equals("tile")) {
                if (!kernel.equals("condensed")) throw new IllegalArgumentException("tile: fp32 condensed only");
                tuned = new int[] {0};
                return this;
            }
            String[] p = spec.split(",");
            tuned = new int[] {Integer.parseInt(p[0]), Integer.parseInt(p[1]), Integer.parseInt(p[2])};
            return this;
        }

        /**
         * The batched kernel's configuration: {V, RW, warps per block}, or {0} for round 1's tile kernel.
         * From the H200 sweep (docs/cuda.md): one or two units per warp (each unit's entries are a serial
         * chain, so more units per warp only add latency), 32-warp blocks (fewer re-stagings of X^T), and
         * the widest V that still leaves about 24 warps per SM; where the chunked kernel cannot fill the
         * GPU (few rows, long rows), fp32 condensed keeps round 1's tile kernel, which splits each row's
         * entries over the lanes.
         */
        int[] config(int batch) {
            if (tuned != null) return tuned;
            long sms = device.multiprocessors();
            if (unitRows == 4) {
                return (long) units * ceilDiv(batch, 64) >= 16 * sms ? new int[] {2, 1, 32} : new int[] {1, 1, 32};
            }
            if ((long) ceilDiv(units, 2) * ceilDiv(batch, 128) >= 24 * sms) return new int[] {4, 2, 32};
            if (kernel.equals("condensed") && Sparse.tileWidth(device, cols, batch) > 0) return new int[] {0};
            if ((long) ceilDiv(units, 2) * ceilDiv(batch, 64) >= 16 * sms) return new int[] {2, 2, 32};
            return new int[] {1, 2, 16};
        }

        @Override
        void launch(long xt, int batch, long yt, long bias, boolean relu, CudaStream stream) {
            args.reset().i64(vals).i64(idx).i32(kp);
            if (batch == 1) {
                args.i64(xt).i64(yt).i64(bias).i32(rows).i32(relu ? 1 : 0);
                if (unitRows == 4) {
                    device.launch("block4_gemv", ceilDiv(units, 8), 1, 256, 0, stream, args);
                } else {
                    int lanes = gemvLanes != 0 ? gemvLanes : kp / 4 > 64 ? 16 : 32; // H200 sweep: 8 never won
                    device.launch(kernel + "_gemv4_" + lanes, ceilDiv(rows, 256 / lanes), 1, 256, 0, stream, args);
                }
                return;
            }
            int[] c = config(batch);
            if (c[0] == 0) { // round 1's tile kernel, for comparison
                args.i32(0).i32(0).i64(xt).i64(yt).i64(bias).i32(rows).i32(cols).i32(batch).i32(relu ? 1 : 0);
                Sparse.launchTiled(device, "condensed", rows, cols, batch, stream, args);
                return;
            }
            int v = c[0], rw = c[1], wpb = c[2];
            args.i64(bnd).i32(units).i64(xt).i64(yt).i64(bias).i32(rows).i32(cols).i32(batch).i32(relu ? 1 : 0);
            device.launch(kernel + "_kc" + v + "_" + rw, ceilDiv(units, wpb * rw), ceilDiv(batch, 32 * v), 32 * wpb,
                    KC * 32 * v * 4, stream, args);
        }
    }

    static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }
}
