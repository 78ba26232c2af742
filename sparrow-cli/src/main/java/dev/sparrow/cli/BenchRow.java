package dev.sparrow.cli;

import dev.sparrow.measure.SideBySideTimer;

/**
 * One measured kernel: a format (or a dense kernel) at one batch size and weight residency.
 *
 * @param kind          "dense", "sparse", "sparse-input" (weights and inputs sparse) or "peer" (another
 *                      engine's dense MatMul: ONNX Runtime)
 * @param format        the spec asked for ("csr", "nm1:8", "dense-gemv", "csc/in10%")
 * @param storage       the format's own name with its parameters ("csr16", "bank16(k=2)", "fp32")
 * @param inputDensity  fraction of nonzero inputs for sparse-input rows, NaN otherwise
 * @param usefulFlops   per call: 2 x nnz x batch (sparse), 2 x out x in x batch (dense), 2 x the
 *                      nonzeros in active input columns (sparse-input)
 * @param weightBytes   bytes of one copy of the weight representation
 * @param bytesRead     bytes of it one call reads: all of it, except for sparse-input rows, which read only
 *                      the columns of the active inputs
 * @param copies        copies the kernel rotates over (1 when cached)
 * @param ratioVsDense  best dense median / this median, same shape, batch and residency
 * @param ratioVsPeer   the peer's (ONNX Runtime's MatMul) median / this median, same shape, batch and residency;
 *                      NaN when no peer ran
 */
record BenchRow(int out, int in, String kind, String format, String storage, double sparsity, int batch,
                String residency, int threads, double inputDensity, SideBySideTimer.Stats timing, double usefulFlops,
                long weightBytes, long bytesRead, long nnz, int copies, double ratioVsDense, boolean bestDense,
                double ratioVsPeer) {

    String shape() {
        return out + "x" + in;
    }

    double medianUs() {
        return timing.medianNanos() / 1e3;
    }

    double gflops() {
        return usefulFlops / timing.medianNanos();
    }

    double gbPerS() {
        return bytesRead / timing.medianNanos();
    }

    /**
     * Against the faster of our best dense kernel and the peer's MatMul (the honest speed-up: a sparse layer
     * is only worth it against the best dense kernel available): the smaller of the two ratios.
     */
    double ratioVsBest() {
        return Double.isNaN(ratioVsPeer) ? ratioVsDense : Math.min(ratioVsDense, ratioVsPeer);
    }
}
