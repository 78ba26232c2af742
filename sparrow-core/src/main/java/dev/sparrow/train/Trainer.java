package dev.sparrow.train;

import dev.sparrow.data.Batch;
import dev.sparrow.data.DataLoader;
import dev.sparrow.nn.EpochAware;
import dev.sparrow.nn.ExecutionContext;
import dev.sparrow.nn.Layer;
import dev.sparrow.nn.loss.SoftmaxCrossEntropy;
import dev.sparrow.optim.LrSchedule;
import dev.sparrow.optim.Optimizer;

import java.util.ArrayList;
import java.util.List;

/**
 * The training loop: for each batch, forward, loss, backward, optimizer step at the scheduled
 * learning rate; after each epoch, evaluation on the validation set and the listeners' callbacks.
 *
 * <p>Reproducibility: data order comes from the loader's seed and the epoch number, and stochastic
 * layers draw from a random source reseeded from (seed, global step) before every step, so a run
 * resumed from a checkpoint continues exactly as the uninterrupted run would, and a one-thread run
 * is bit-for-bit repeatable.
 */
public final class Trainer {
    private final Layer model;
    private final Optimizer optimizer;
    private final LrSchedule schedule;
    private final SoftmaxCrossEntropy loss;
    private final ExecutionContext ctx;
    private final long seed;
    private final List<TrainListener> listeners = new ArrayList<>();

    public Trainer(Layer model, Optimizer optimizer, LrSchedule schedule, SoftmaxCrossEntropy loss,
                   ExecutionContext ctx, long seed) {
        this.model = model;
        this.optimizer = optimizer;
        this.schedule = schedule;
        this.loss = loss;
        this.ctx = ctx;
        this.seed = seed;
    }

    public Trainer addListener(TrainListener listener) {
        listeners.add(listener);
        return this;
    }

    /**
     * Trains epochs {@code firstEpoch .. epochs} (1-based; firstEpoch > 1 when resuming) and returns
     * the result of each.
     */
    public List<EpochResult> fit(DataLoader train, DataLoader validation, int firstEpoch, int epochs) {
        if (firstEpoch < 1) throw new IllegalArgumentException("firstEpoch must be >= 1, got " + firstEpoch);
        long totalSteps = (long) epochs * train.batchesPerEpoch();
        List<EpochResult> results = new ArrayList<>();
        for (int epoch = firstEpoch; epoch <= epochs; epoch++) {
            for (TrainListener l : listeners) l.onEpochStart(epoch, epochs, train.batchesPerEpoch());
            long start = System.nanoTime();
            double lossSum = 0;
            long correct = 0;
            long samples = 0;
            float lr = 0f;
            ctx.training(true);
            for (Batch batch : train.epoch(epoch)) {
                long step = optimizer.stepCount();
                lr = schedule.at(step, totalSteps);
                ctx.reseed(mix(seed, step));
                boolean dense = false;
                for (TrainListener l : listeners) dense |= l.needsDenseGradient(step + 1);
                ctx.denseWeightGradients(dense);
                optimizer.zeroGrad();
                double batchLoss = loss.forward(model.forward(batch.x(), ctx), batch.labels());
                if (!Double.isFinite(batchLoss)) {
                    throw new TrainingDivergedException("loss became " + batchLoss + " at epoch " + epoch
                            + ", step " + step + " (learning rate " + lr + "); try a smaller learning rate");
                }
                model.backwardParameters(loss.backward(), ctx);
                optimizer.step(lr, ctx.pool());
                int n = batch.count();
                lossSum += batchLoss * n;
                correct += loss.lastCorrect();
                samples += n;
                for (TrainListener l : listeners) l.onStep(epoch, optimizer.stepCount(), batchLoss, n);
            }
            double trainSeconds = (System.nanoTime() - start) / 1e9;
            ctx.denseWeightGradients(true);
            EpochAware.epochEnded(model);
            Evaluator.Result eval = Evaluator.evaluate(model, validation, loss, ctx);
            double seconds = (System.nanoTime() - start) / 1e9;
            EpochResult r = new EpochResult(epoch, optimizer.stepCount(), lossSum / Math.max(1, samples),
                    (double) correct / Math.max(1, samples), eval.loss(), eval.accuracy(), seconds,
                    samples / trainSeconds, lr);
            results.add(r);
            for (TrainListener l : listeners) l.onEpochEnd(r);
        }
        return results;
    }

    /** A well-spread seed per step (SplitMix64 finaliser), so consecutive steps get unrelated streams. */
    static long mix(long seed, long step) {
        long z = seed + 0x9E3779B97F4A7C15L * (step + 1);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
