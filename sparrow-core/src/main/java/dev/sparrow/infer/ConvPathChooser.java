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
 * Dense layers have a third candidate, the pixel-tiled kernel ({@link dev.sparrow.sparse.PixelTileConv}), for any
 * stride: it computes only the valid pixels, so small images and stride 2 do not pay for padding positions.
 */
final class ConvPathChooser {
    private ConvPathChooser() {}

    /** The faster of the two steps (im2col first: the one kept on a tie), its {@code pathTiming} set. */
    static ConvStep faster(ConvStep im2col, ConvStep direct, int batch, int threads, SideBySideTimer timer) {
        return fastest(List.of("im2col", "direct"), List.of(im2col, direct), batch, threads, timer);
    }

    /** The fastest of {@code steps} (the first kept on a tie), its {@code pathTiming} set. */
    static ConvStep fastest(List<String> names, List<ConvStep> steps, int batch, int threads, SideBySideTimer timer) {
        int columns = 0, staging = 0;
        for (ConvStep s : steps) {
            columns = Math.max(columns, s.columnFloats());
            staging = Math.max(staging, s.stagingFloats());
        }
        Workspace ws = new Workspace(0, new int[0], batch, 0, columns, staging, threads);
        ConvStep first = steps.get(0);
        float[] in = new float[batch * first.inFeatures];
        float[] out = new float[batch * first.outFeatures];
        SplittableRandom rng = new SplittableRandom(42);
        for (int i = 0; i < in.length; i++) in[i] = (float) rng.nextDouble(-1, 1);
        List<Runnable> calls = new java.util.ArrayList<>();
        for (ConvStep s : steps) calls.add(() -> s.run(ws, in, out, batch));
        Autotuner.Result r = Autotuner.choose(names, calls, timer);
        double im2col = r.micros().get(names.get(0));
        boolean suspicious = false;
        for (String n : names) suspicious |= r.micros().get(n) > 3 * im2col;
        if (suspicious) {
            // Far slower is not what the ways' work predicts (the same multiply-adds, 1.06-1.5x of them direct):
            // it was seen when a direct step ran interpreted while C2 recompiled it on a busy machine. Once more.
            r = Autotuner.choose(names, calls, timer);
        }
        ConvStep chosen = steps.get(names.indexOf(r.chosen()));
        StringBuilder sb = new StringBuilder("conv path timed:");
        for (int i = 0; i < names.size(); i++) {
            sb.append(i == 0 ? " " : ", ").append(names.get(i))
                    .append(String.format(java.util.Locale.ROOT, " %.1f us", r.micros().get(names.get(i))));
        }
        chosen.pathTiming = sb.append(" per call").toString();
        return chosen;
    }
}
