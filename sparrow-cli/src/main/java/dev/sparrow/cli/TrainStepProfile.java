package dev.sparrow.cli;

import dev.sparrow.nn.ExecutionContext;
import dev.sparrow.nn.StepPhases;
import dev.sparrow.nn.StepPhases.Phase;
import dev.sparrow.nn.layers.Sequential;
import dev.sparrow.nn.loss.SoftmaxCrossEntropy;
import dev.sparrow.optim.Optimizer;
import dev.sparrow.sparsity.LayerBudget;
import dev.sparrow.sparsity.SparsityMethod;
import dev.sparrow.tensor.Tensor;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * {@code sparrow bench train --explain}: one engine's training step split into phases ({@link StepPhases}),
 * medians over ordinary steps and over mask-update steps, and the serial fraction: the phases that run on
 * the calling thread against those split over the pool, with Amdahl's prediction for 16 threads (an upper
 * bound: it assumes the pooled phases scale perfectly).
 */
final class TrainStepProfile {
    private static final Phase[] PHASES = Phase.values();
    /** Amdahl's prediction is made for this many threads (the lead's 16-core Xeon). */
    static final int PREDICT_THREADS = 16;

    /** Medians per phase (ms), and the whole step's median. */
    record Breakdown(double[] phaseMs, double stepMs, int steps) {
        double serialMs() {
            double s = 0;
            for (Phase p : PHASES) if (!p.parallel()) s += phaseMs[p.ordinal()];
            return s;
        }

        double parallelMs() {
            double s = 0;
            for (Phase p : PHASES) if (p.parallel()) s += phaseMs[p.ordinal()];
            return s;
        }

        Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("steps", steps);
            m.put("step_ms", round(stepMs));
            Map<String, Object> ph = new LinkedHashMap<>();
            for (Phase p : PHASES) ph.put(p.key(), round(phaseMs[p.ordinal()]));
            m.put("phases_ms", ph);
            return m;
        }
    }

    /** The ordinary and mask-update breakdowns, and the prediction. */
    record Result(Breakdown ordinary, Breakdown update, long updateEvery, int threads) {
        /** Amdahl from the ordinary step: the pooled phases' 1-thread time estimated as threads x their time. */
        double predictedMs(int n) {
            return ordinary.serialMs() + ordinary.parallelMs() * threads / n;
        }

        double serialFractionAtOneThread() {
            double s = ordinary.serialMs();
            return s / (s + ordinary.parallelMs() * threads);
        }

        Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("ordinary_step", ordinary.toJson());
            if (update != null) {
                m.put("mask_update_step", update.toJson());
                m.put("mask_update_every", updateEvery);
            }
            Map<String, Object> parallel = new LinkedHashMap<>();
            for (Phase p : PHASES) parallel.put(p.key(), p.parallel());
            m.put("phase_on_pool", parallel);
            m.put("serial_ms", round(ordinary.serialMs()));
            m.put("pooled_ms", round(ordinary.parallelMs()));
            m.put("serial_fraction_1_thread", Math.round(serialFractionAtOneThread() * 10000) / 10000.0);
            m.put("amdahl_ms_" + PREDICT_THREADS + "_threads", round(predictedMs(PREDICT_THREADS)));
            m.put("amdahl_speedup_1_to_" + PREDICT_THREADS, round(predictedMs(1) / predictedMs(PREDICT_THREADS)));
            return m;
        }

        String toText() {
            StringBuilder sb = new StringBuilder();
            sb.append(String.format(Locale.ROOT, "  per phase, medians (ms), %d thread(s)%s:%n", threads,
                    update == null ? "" : "; a mask update every " + updateEvery + " steps"));
            sb.append(String.format(Locale.ROOT, "    %-14s %10s %12s  %s%n", "phase", "ordinary", "mask update", "on the pool"));
            for (Phase p : PHASES) {
                sb.append(String.format(Locale.ROOT, "    %-14s %10.3f %12s  %s%n", p.key(), ordinary.phaseMs[p.ordinal()],
                        update == null ? "-" : String.format(Locale.ROOT, "%.3f", update.phaseMs[p.ordinal()]),
                        p.parallel() ? "yes" : "no"));
            }
            sb.append(String.format(Locale.ROOT, "    %-14s %10.3f %12s%n", "step", ordinary.stepMs,
                    update == null ? "-" : String.format(Locale.ROOT, "%.3f", update.stepMs)));
            sb.append(String.format(Locale.ROOT, "  serial %.3f ms, pooled %.3f ms: serial fraction at 1 thread %.1f%%;"
                            + " Amdahl for %d threads: %.3f ms, %.2fx over 1 thread (upper bound)%n",
                    ordinary.serialMs(), ordinary.parallelMs(), 100 * serialFractionAtOneThread(), PREDICT_THREADS,
                    predictedMs(PREDICT_THREADS), predictedMs(1) / predictedMs(PREDICT_THREADS)));
            return sb.toString();
        }
    }

    private TrainStepProfile() {}

    /**
     * Runs {@code steps} ordinary steps and (when the method updates masks) {@code updateSteps} mask-update steps,
     * each timed per phase.
     */
    static Result profile(Sequential net, Optimizer opt, SparsityMethod method, long totalSteps, ExecutionContext ctx,
                          Tensor x, int[] labels, int steps, int updateSteps) {
        long every = method == null ? 0 : firstUpdateStep(method, totalSteps);
        Breakdown ordinary = run(net, opt, method, totalSteps, ctx, x, labels, steps, 0);
        Breakdown update = every > 0 ? run(net, opt, method, totalSteps, ctx, x, labels, updateSteps, every) : null;
        return new Result(ordinary, update, every, ctx.pool().threads());
    }

    private static long firstUpdateStep(SparsityMethod method, long totalSteps) {
        for (long s = 1; s <= Math.min(totalSteps, 100_000); s++) if (method.updatesMasksAt(s, totalSteps)) return s;
        return 0;
    }

    /** Steps that are ordinary (updateStep 0) or all at the mask-update step {@code updateStep}. */
    private static Breakdown run(Sequential net, Optimizer opt, SparsityMethod method, long totalSteps, ExecutionContext ctx,
                                 Tensor x, int[] labels, int steps, long updateStep) {
        SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy();
        StepPhases ph = new StepPhases();
        double[][] perStep = new double[PHASES.length][steps];
        double[] total = new double[steps];
        Phase[] inLayers = {Phase.TRANSPOSES, Phase.FORWARD_SPMM, Phase.WEIGHT_GRAD, Phase.WT_GATHER, Phase.INPUT_GRAD,
                Phase.BIAS_GRAD, Phase.DENSE_GRAD, Phase.INDEX_REBUILD};
        try {
            ctx.phases(ph);
            for (int s = 0; s < steps; s++) {
                ph.clear();
                boolean update = updateStep > 0;
                ctx.denseWeightGradients(update && method.needsDenseGradient(updateStep, totalSteps));
                long start = System.nanoTime();
                opt.zeroGrad();
                StepPhases.lap(ph, Phase.ZERO_GRAD, start);
                Tensor logits = net.forward(x, ctx);
                long f = System.nanoTime();
                loss.forward(logits, labels);
                Tensor g = loss.backward();
                long l = System.nanoTime();
                ph.add(Phase.LOSS, l - f);
                net.backwardParameters(g, ctx);
                long t = System.nanoTime();
                // forward and backward of the whole model, less what the layers timed themselves
                long layers = (f - start - ph.nanos(Phase.ZERO_GRAD)) + (t - l);
                long inside = 0;
                for (Phase p : inLayers) inside += ph.nanos(p);
                ph.add(Phase.OTHER_LAYERS, Math.max(0, layers - inside));
                opt.step(0.01f, ctx.pool());
                t = StepPhases.lap(ph, Phase.OPTIMIZER, t);
                if (update) {
                    method.afterStep(updateStep, totalSteps);
                    t = StepPhases.lap(ph, Phase.MASK_UPDATE, t);
                    for (LayerBudget lb : method.layers()) if (lb.parameter().isPacked()) lb.parameter().pack();
                    t = StepPhases.lap(ph, Phase.REPACK, t);
                }
                total[s] = (t - start) / 1e6;
                for (Phase p : PHASES) perStep[p.ordinal()][s] = ph.nanos(p) / 1e6;
            }
        } finally {
            ctx.phases(null);
        }
        double[] medians = new double[PHASES.length];
        for (Phase p : PHASES) medians[p.ordinal()] = median(perStep[p.ordinal()]);
        return new Breakdown(medians, median(total), steps);
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        int n = s.length;
        return n == 0 ? 0 : n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    private static double round(double ms) { return Math.round(ms * 1000) / 1000.0; }
}
