package dev.sparrow.cli;

import dev.sparrow.data.DataLoader;
import dev.sparrow.data.Dataset;
import dev.sparrow.data.PixelNoise;
import dev.sparrow.nn.ExecutionContext;
import dev.sparrow.nn.Layer;
import dev.sparrow.nn.loss.SoftmaxCrossEntropy;
import dev.sparrow.train.Evaluator;
import dev.sparrow.train.TrainingRun;

import java.util.ArrayList;
import java.util.List;

/** Test accuracy with a fraction of every image's pixels replaced by noise ({@link PixelNoise}), per level. */
final class NoiseLevels {
    record Result(double level, Evaluator.Result eval, double seconds) {}

    private NoiseLevels() {}

    /** "0.0,0.1,0.2" gives {0.0, 0.1, 0.2}; each level must be a number in [0, 1]. */
    static double[] parse(String spec) {
        if (spec == null || spec.isBlank()) throw new UserInputException("--noise is empty; expected levels such as 0.0,0.1,0.2");
        String[] parts = spec.split(",", -1);
        double[] levels = new double[parts.length];
        for (int i = 0; i < parts.length; i++) {
            String p = parts[i].trim();
            try {
                levels[i] = Double.parseDouble(p);
            } catch (NumberFormatException e) {
                throw new UserInputException("--noise level '" + p + "' is not a number (in '" + spec + "')");
            }
            if (!(levels[i] >= 0 && levels[i] <= 1)) {
                throw new UserInputException("--noise level " + p + " is outside [0, 1] (in '" + spec + "')");
            }
        }
        return levels;
    }

    /** Evaluates {@code model} on {@code test} corrupted at each level with the same {@code seed}. */
    static List<Result> evaluate(Layer model, Dataset test, double[] levels, long seed, int batchSize, float[] mean, float[] std,
                                 ExecutionContext ctx) {
        List<Result> out = new ArrayList<>();
        for (double level : levels) {
            Dataset noisy = PixelNoise.apply(test, level, seed);
            try (DataLoader loader = TrainingRun.evalLoader(noisy, batchSize, mean, std)) {
                long start = System.nanoTime();
                Evaluator.Result r = Evaluator.evaluate(model, loader, new SoftmaxCrossEntropy(), ctx);
                out.add(new Result(level, r, (System.nanoTime() - start) / 1e9));
            }
        }
        return out;
    }
}
