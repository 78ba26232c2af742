package dev.sparrow.nn.layers;

import dev.sparrow.kernel.ComputePool;
import dev.sparrow.kernel.TopK;
import dev.sparrow.nn.EpochAware;
import dev.sparrow.nn.ExecutionContext;
import dev.sparrow.nn.Layer;
import dev.sparrow.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * k-winners-take-all (Ahmad and Scheinkman 2019, "How Can We Be So Dense?"; nupic.torch's KWinners):
 * in each group of values only the k largest pass, unchanged; the others become 0. Subclasses say
 * what a group is (a sample's features, a sample's C×H×W values, or one location's channels) and
 * which unit (feature or channel) each value belongs to.
 *
 * <p>Training: k = round(groupSize × density), at least 1; exactly k winners per group, ties broken
 * by the lower index. Winners are chosen on boosted values b_i = x_i · exp((target − duty_u) · β),
 * nupic.torch's form, with target = k / groupSize and duty_u the duty cycle of unit u (how often it
 * won lately): rarely winning units are favoured, so use spreads across units. (The form
 * exp(−β · duty) ranks the same, since target is shared by all units.) After each training batch of
 * b samples: seen += b, period = max(b, min(dutyCyclePeriod, seen)), and
 * duty_u = (duty_u · (period − b) + wins_u / valuesPerUnit) / period, where wins_u counts unit u's
 * winning values in the batch (Numenta counts positive outputs instead; the two differ only when a
 * winner is ≤ 0) and valuesPerUnit is how many values per sample belong to u (1, or H×W for a
 * channel). β is multiplied by boostStrengthFactor at each epoch end ({@link EpochAware}).
 *
 * <p>Evaluation: floor(k × kInferenceFactor) winners (at most the group size), no boosting (unlike
 * nupic.torch, which keeps boosting at evaluation) and no duty-cycle update.
 *
 * <p>Backward passes the gradient at the winners only. The duty cycles, β and the count of seen
 * samples are buffers ("duty_cycle", "boost_strength", "learning_iterations"), so checkpoints keep them.
 *
 * <p>Selection is expected O(groupSize) per group (quickselect on a scratch copy, then two
 * branch-free passes);
 * buffers are kept between calls of the same batch size; groups run in parallel and the result does
 * not depend on the thread count. Inputs must be finite.
 */
public abstract sealed class AbstractKWinners implements Layer, EpochAware permits KWinners, KWinners2d {
    private static final int GRAIN = 1 << 12; // values per parallel task, at least

    private final double density;
    private final KWinnersOptions options;
    private final int units;
    private final Tensor dutyCycle;           // (units,)
    private final Tensor boostStrength;       // (1,)
    private final Tensor learningIterations;  // (1,): samples seen in training, saturating at 2^24

    private final float[] unitBoost;          // (units,): exp((target − duty) · β) of this forward
    private final double[] unitWins;          // (units,)
    private float[] scratch = new float[0];   // like the input, regrouped: one contiguous row per group
    private float[] boostedValues = new float[0]; // the same rows before quickselect reorders them
    private boolean[] winner = new boolean[0];// like the input
    private int[] sample;
    private Tensor output;
    private Tensor gradInput;
    private Tensor input;
    private Tensor gradOutput;
    private boolean boosted;
    private int k;                            // winners per group in the last forward
    private Geometry geometry;
    private final ComputePool.RangeTask selectTask = this::selectGroups;
    private final ComputePool.RangeTask backwardTask = this::backwardRange;

    /** How a sample's values split into groups and units. All values of a sample are in exactly one group. */
    record Geometry(int groupsPerSample, int groupSize, int groupStep, int elementStride, int elementsPerUnit, int valuesPerUnit) {
        /**
         * Element e of group g sits at g·groupStep + e·elementStride in the sample and belongs to unit
         * unit e / elementsPerUnit (every group covers all units); valuesPerUnit counts a unit's values in a sample.
         */
    }

    AbstractKWinners(int units, double density, KWinnersOptions options) {
        String name = getClass().getSimpleName();
        if (units < 1) throw new IllegalArgumentException(name + ": units must be >= 1, got " + units);
        if (!(density > 0 && density <= 1)) throw new IllegalArgumentException(name + ": density must be in (0, 1], got " + density);
        if (options == null) throw new IllegalArgumentException(name + ": options are null");
        this.units = units;
        this.density = density;
        this.options = options;
        this.dutyCycle = Tensor.zeros(units);
        this.boostStrength = Tensor.zeros(1);
        this.boostStrength.set(0, (float) options.boostStrength());
        this.learningIterations = Tensor.zeros(1);
        this.unitBoost = new float[units];
        this.unitWins = new double[units];
    }

    /** Checks the input and returns its grouping. */
    abstract Geometry geometry(Tensor x);

    public double density() { return density; }

    public KWinnersOptions options() { return options; }

    /** Training winners per group of {@code groupSize} values: round(groupSize × density), at least 1. */
    public int k(int groupSize) {
        return (int) Math.max(1, Math.min(groupSize, Math.round(groupSize * density)));
    }

    /** Evaluation winners per group: floor(k × kInferenceFactor), at most the group size. */
    public int kInference(int groupSize) {
        return (int) Math.min(groupSize, Math.floor(k(groupSize) * options.kInferenceFactor()));
    }

    /** The duty cycle of each unit (a live view: the buffer itself). */
    public Tensor dutyCycle() { return dutyCycle; }

    /** β now. */
    public double boostStrength() { return boostStrength.get(0); }

    @Override
    public void onEpochEnd() {
        boostStrength.set(0, (float) (boostStrength.get(0) * options.boostStrengthFactor()));
    }

    @Override
    public Tensor forward(Tensor x, ExecutionContext ctx) {
        if (x == null || geometry == null || !Buffers.sampleShapeEquals(x, sample) || x.dim(0) < 1) {
            geometry = geometry(x); // checks the input
            sample = Buffers.sampleShape(x);
        }
        Geometry geo = geometry;
        int batch = x.dim(0);
        output = Buffers.ensure(output, batch, sample);
        if (winner.length != x.size()) {
            winner = new boolean[x.size()];
            scratch = new float[x.size()];
            boostedValues = new float[x.size()];
        }
        boolean training = ctx.training();
        k = training ? k(geo.groupSize()) : kInference(geo.groupSize());
        double beta = boostStrength.get(0);
        boosted = training && beta > 0;
        if (boosted) {
            double target = (double) k / geo.groupSize();
            float[] duty = dutyCycle.data();
            for (int u = 0; u < units; u++) unitBoost[u] = (float) Math.exp((target - duty[u]) * beta);
        }
        input = x;
        int groups = batch * geo.groupsPerSample();
        ctx.pool().parallelFor(groups, Math.max(1, GRAIN / geo.groupSize()), selectTask);
        input = null;
        if (training) updateDutyCycle(batch, geo);
        return output;
    }

    private void selectGroups(int from, int to) {
        Geometry geo = geometry;
        int n = geo.groupSize();
        int sampleSize = n * geo.groupsPerSample();
        for (int group = from; group < to; group++) {
            int base = (group / geo.groupsPerSample()) * sampleSize + (group % geo.groupsPerSample()) * geo.groupStep();
            selectGroup(input.data(), output.data(), base, geo.elementStride(), group * n, n, geo.elementsPerUnit());
        }
    }

    /** The winners of one group: its n values start at {@code base} of x, {@code stride} apart. */
    private void selectGroup(float[] x, float[] y, int base, int stride, int row, int n, int perUnit) {
        float[] values = boostedValues;
        boolean[] win = winner;
        // the values compete in group order: unit-major, so no division finds an element's unit
        if (!boosted) {
            for (int e = 0; e < n; e++) values[row + e] = x[base + e * stride];
        } else if (perUnit == 1) {
            for (int e = 0; e < n; e++) values[row + e] = x[base + e * stride] * unitBoost[e];
        } else {
            for (int u = 0, e = 0; e < n; u++) {
                float f = unitBoost[u];
                for (int j = 0; j < perUnit; j++, e++) values[row + e] = x[base + e * stride] * f;
            }
        }
        if (k == 0) {
            for (int e = 0; e < n; e++) {
                win[base + e * stride] = false;
                y[base + e * stride] = 0f;
            }
            return;
        }
        float[] s = scratch;
        System.arraycopy(values, row, s, row, n);
        float t = TopK.kthLargest(s, row, n, k);
        int tiesLeft = TopK.tiesToKeep(values, row, 1, n, t, k);
        for (int e = 0; e < n; e++) { // branch-free: winners are scattered at random
            float b = values[row + e];
            boolean tie = b == t & tiesLeft > 0;
            tiesLeft -= tie ? 1 : 0;
            boolean w = b > t | tie;
            int i = base + e * stride;
            win[i] = w;
            // a NaN input loses every comparison: pass it on rather than output a finite 0 that hides a divergence
            y[i] = w | x[i] != x[i] ? x[i] : 0f;
        }
    }

    private void updateDutyCycle(int batch, Geometry geo) {
        java.util.Arrays.fill(unitWins, 0);
        int perUnit = geo.valuesPerUnit();
        int sampleSize = geo.groupSize() * geo.groupsPerSample();
        boolean[] win = winner;
        for (int n = 0; n < batch; n++) {
            int base = n * sampleSize;
            for (int u = 0, o = base; u < units; u++) { // a unit's values are contiguous (CHW)
                int c = 0;
                for (int j = 0; j < perUnit; j++, o++) c += win[o] ? 1 : 0;
                unitWins[u] += c;
            }
        }
        double seen = Math.min((double) learningIterations.get(0) + batch, 1 << 24);
        learningIterations.set(0, (float) seen);
        double period = Math.max(batch, Math.min(options.dutyCyclePeriod(), seen));
        float[] duty = dutyCycle.data();
        for (int u = 0; u < units; u++) {
            duty[u] = (float) ((duty[u] * (period - batch) + unitWins[u] / perUnit) / period);
        }
    }

    @Override
    public Tensor backward(Tensor gradOut, ExecutionContext ctx) {
        Buffers.requireGradShape(gradOut, output, describe());
        gradInput = Buffers.ensure(gradInput, output.dim(0), sample);
        gradOutput = gradOut;
        ctx.pool().parallelFor(gradOut.size(), 1 << 14, backwardTask);
        gradOutput = null;
        return gradInput;
    }

    private void backwardRange(int from, int to) {
        float[] g = gradOutput.data();
        float[] d = gradInput.data();
        boolean[] win = winner;
        for (int i = from; i < to; i++) d[i] = win[i] ? g[i] : 0f;
    }

    /** Whether each value won in the last forward (live; for tests). */
    boolean[] winners() { return winner; }

    @Override
    public int[] outputShape(int[] inputShape) {
        return inputShape.clone();
    }

    @Override
    public Map<String, Tensor> buffers() {
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("duty_cycle", dutyCycle);
        m.put("boost_strength", boostStrength);
        m.put("learning_iterations", learningIterations);
        return m;
    }

    int units() { return units; }
}
