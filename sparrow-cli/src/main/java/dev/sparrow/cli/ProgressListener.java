package dev.sparrow.cli;

import dev.sparrow.train.EpochResult;
import dev.sparrow.train.TrainListener;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.io.PrintStream;
import java.util.Locale;

/** A progress bar per epoch (samples, throughput, ETA, running loss) and one summary line per epoch. */
final class ProgressListener implements TrainListener {
    private final PrintStream out;
    private final boolean bar;
    private final int samplesPerEpoch;
    private ProgressBar progress;
    private double lossSum;
    private long seen;
    private int epoch;
    private int epochs;
    private long epochStartNanos;
    private int nextReportPercent;

    ProgressListener(PrintStream out, boolean bar, int samplesPerEpoch) {
        this.out = out;
        this.bar = bar;
        this.samplesPerEpoch = samplesPerEpoch;
    }

    @Override
    public void onEpochStart(int epoch, int epochs, int batches) {
        lossSum = 0;
        seen = 0;
        this.epoch = epoch;
        this.epochs = epochs;
        epochStartNanos = System.nanoTime();
        nextReportPercent = 10;
        if (bar) {
            progress = bar(epoch, epochs, samplesPerEpoch).build();
        }
    }

    /**
     * The bar of one epoch, short enough to keep a bar of its own at 80 columns: "epoch 3/15  42% [====   ]
     * 23040/54000 (0:00:05 / 0:00:07) 4608/s loss 0.4321" (no unit after the counts, the speed without decimals).
     */
    static ProgressBarBuilder bar(int epoch, int epochs, long samples) {
        return new ProgressBarBuilder()
                .setTaskName(String.format(Locale.ROOT, "epoch %d/%d", epoch, epochs))
                .setInitialMax(samples)
                .setStyle(ProgressBarStyle.ASCII)
                .showSpeed(new java.text.DecimalFormat("0", java.text.DecimalFormatSymbols.getInstance(Locale.ROOT)))
                .setUpdateIntervalMillis(250);
    }

    /** The extra text after the bar. */
    static String lossMessage(double loss) {
        return String.format(Locale.ROOT, "loss %.4f", loss);
    }

    @Override
    public void onStep(int epoch, long globalStep, double loss, int samples) {
        lossSum += loss * samples;
        seen += samples;
        if (progress != null) {
            progress.stepBy(samples);
            progress.setExtraMessage(lossMessage(lossSum / seen));
        } else if (100 * seen >= (long) nextReportPercent * samplesPerEpoch && nextReportPercent < 100) {
            // without a terminal (logs, CI) a line every 10% of the epoch shows the run is alive
            double seconds = (System.nanoTime() - epochStartNanos) / 1e9;
            out.printf(Locale.ROOT, "  epoch %d/%d %3d%%  loss %.4f  %6.0f samples/s  eta %4.0fs%n", epoch, epochs,
                    nextReportPercent, lossSum / seen, seen / seconds, seconds * (samplesPerEpoch - seen) / seen);
            while (nextReportPercent <= 100L * seen / samplesPerEpoch) nextReportPercent += 10;
        }
    }

    @Override
    public void onEpochEnd(EpochResult r) {
        if (progress != null) {
            progress.close();
            progress = null;
        }
        out.printf(Locale.ROOT, "epoch %3d  train loss %.4f  acc %6.2f%%  |  val loss %.4f  acc %6.2f%%  |  %6.0f samples/s  %5.1fs  lr %.5f%n",
                r.epoch(), r.trainLoss(), 100 * r.trainAccuracy(), r.valLoss(), 100 * r.valAccuracy(),
                r.samplesPerSecond(), r.seconds(), r.learningRate());
    }
}
