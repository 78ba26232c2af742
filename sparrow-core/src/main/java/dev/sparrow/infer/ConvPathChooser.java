package dev.sparrow.infer;

import dev.sparrow.measure.SideBySideTimer;

import java.util.List;
import java.util.SplittableRandom;

/**
 * Times a stride-1 convolution both ways at the session's batch, im2col + the format the autotuner chose
 * and direct over padded planes ({@link dev.sparrow.sparse.ShiftedPlaneConv}: the CSR walk for sparse weights, the
 * 4 x 2-vector blocked kernel for dense ones), on one random input, and keeps the faster: direct saves the unfolding
 * (kh·kw copies of the input) but computes the padding columns too and reads shifted, unaligned runs, so it loses
 * on small images (4x4: 36 padded positions for 16) and wins on large ones. Dense weights, measured side by side
 * at batch 1 on one thread: direct 1.2-1.4x faster at 32x32 and 16x16, even at 8x8, 1.3-1.5x slower at 4x4.
 */
final class ConvPathChooser {
    private ConvPathChooser() {}

    /** The faster of the two steps (im2col first: the one kept on a tie), its {@code pathTiming} set. */
    static ConvStep faster(ConvStep im2col, ConvStep direct, int batch, int threads, SideBySideTimer timer) {
        Workspace ws = new Workspace(0, new int[0], batch, 0, Math.max(im2col.columnFloats(), direct.columnFloats()),
                Math.max(im2col.stagingFloats(), direct.stagingFloats()), threads);
        float[] in = new float[batch * im2col.inFeatures];
        float[] out = new float[batch * im2col.outFeatures];
        SplittableRandom rng = new SplittableRandom(42);
        for (int i = 0; i < in.length; i++) in[i] = (float) rng.nextDouble(-1, 1);
        List<Runnable> calls = List.of(() -> im2col.run(ws, in, out, batch), () -> direct.run(ws, in, out, batch));
        Autotuner.Result r = Autotuner.choose(List.of("im2col", "direct"), calls, timer);
        if (r.micros().get("direct") > 3 * r.micros().get("im2col")) {
            // Far slower is not what the two ways' work predicts (the same multiply-adds, 1.06-1.5x of them direct):
            // it was seen when the direct step ran interpreted while C2 recompiled it on a busy machine. Once more.
            r = Autotuner.choose(List.of("im2col", "direct"), calls, timer);
        }
        ConvStep chosen = r.chosen().equals("direct") ? direct : im2col;
        chosen.pathTiming = String.format(java.util.Locale.ROOT, "conv path timed: im2col %.1f us, direct %.1f us per call",
                r.micros().get("im2col"), r.micros().get("direct"));
        return chosen;
    }
}
