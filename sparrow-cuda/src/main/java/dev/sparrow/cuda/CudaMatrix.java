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
public abstract sealed class CudaMatrix implements AutoCloseable permits CudaMatrix.Dense, CudaMatrix.Sparse {
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
            case "condensed" -> condensed(device, w);
            case "csr" -> csr(device, w);
            default -> throw new IllegalArgumentException("unknown CUDA format '" + spec
                    + "' (dense, condensed, csr, nmN:M)");
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

    /** Constant fan-in (SRigL's condensed layout): one warp per row, 16-bit column indices. */
    public static CudaMatrix condensed(CudaDevice device, MaskedWeights w) {
        int k = CondensedFanIn.from(w).fanIn(); // checks the mask (constant fan-in, cols <= 65536)
        int rows = w.rows(), cols = w.cols();
        float[] vals = new float[rows * k];
        short[] idx = new short[rows * k];
        long nnz = 0;
        for (int r = 0; r < rows; r++) {
            int j = 0;
            for (int c = 0; c < cols; c++) {
                if (!w.isActive(r, c)) continue;
                vals[r * k + j] = w.value(r, c);
                idx[r * k + j] = (short) c;
                j++;
                nnz++;
            }
        }
        Sparse m = new Sparse(device, w, nnz, "condensed", "condensed(k=" + k + ")", 6L * vals.length);
        m.pointers = new long[] {m.keep(device.upload(MemorySegment.ofArray(vals))).address(),
                m.keep(device.upload(MemorySegment.ofArray(idx))).address()};
        m.ints = new int[] {k, 0, 0};
        return m;
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
            int bt = tileWidth(batch);
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
        int tileWidth(int batch) {
            int want = batch >= 16 ? 16 : batch >= 8 ? 8 : 4;
            for (int bt = want; bt >= 4; bt /= 2) {
                if ((long) cols * bt * 4 <= device.maxSharedPerBlock()) return bt;
            }
            return 0;
        }
    }

    static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }
}
