package dev.sparrow.train;

import dev.sparrow.data.Batch;
import dev.sparrow.data.DataLoader;
import dev.sparrow.nn.ExecutionContext;
import dev.sparrow.nn.Layer;
import dev.sparrow.nn.loss.SoftmaxCrossEntropy;

/** Mean loss and accuracy of a model over a whole data set, in eval mode. */
public final class Evaluator {
    private Evaluator() {}

    /** Loss (mean over samples) and accuracy (fraction correct). */
    public record Result(double loss, double accuracy, int samples) {}

    public static Result evaluate(Layer model, DataLoader data, SoftmaxCrossEntropy loss, ExecutionContext ctx) {
        boolean wasTraining = ctx.training();
        ctx.training(false);
        try {
            double lossSum = 0;
            long correct = 0;
            int samples = 0;
            for (Batch batch : data.epoch(0)) {
                int n = batch.count();
                lossSum += loss.forward(model.forward(batch.x(), ctx), batch.labels()) * n;
                correct += loss.lastCorrect();
                samples += n;
            }
            return new Result(samples == 0 ? Double.NaN : lossSum / samples,
                    samples == 0 ? Double.NaN : (double) correct / samples, samples);
        } finally {
            ctx.training(wasTraining);
        }
    }
}
