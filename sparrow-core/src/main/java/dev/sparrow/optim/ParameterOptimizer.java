package dev.sparrow.optim;

import dev.sparrow.kernel.ComputePool;
import dev.sparrow.nn.Parameter;
import dev.sparrow.tensor.Tensor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * What every optimizer here shares: the ordered parameters, per-parameter state tensors of the
 * parameter's shape (one per state kind, e.g. "exp_avg"), the step count, checkpointing of all of it
 * and the reset of single weights. Subclasses only write the update loop.
 *
 * <p>The step count is checkpointed as the one-element tensor {@value #STEP_KEY}; a float holds it
 * exactly up to 2^24 (16.7 million) steps.
 */
abstract class ParameterOptimizer implements Optimizer {
    /** State name of the step count. */
    static final String STEP_KEY = "step";
    private static final long EXACT_FLOAT_LIMIT = 1L << 24;

    final String[] names;        // (params,)
    final Parameter[] params;    // (params,)
    final float[][][] stateData; // (params, kinds, size of that parameter)
    // Packed state of packed parameters (the sparse training engine): (params, kinds, nnz), aligned with
    // packedAt[i], the parameter's positions array it was built for; null for dense-state parameters.
    private final float[][][] packedState;
    private final int[][] packedAt;
    private final String[] stateKinds;
    private final Tensor stepTensor = Tensor.zeros(1);
    private final Map<String, Tensor> stateView;
    private final Map<String, Integer> indexByName;
    long steps;

    ParameterOptimizer(Map<String, Parameter> parameters, String... stateKinds) {
        if (parameters == null) throw new IllegalArgumentException("parameters must not be null");
        if (parameters.isEmpty()) throw new IllegalArgumentException("parameters is empty: nothing to optimise");
        int n = parameters.size();
        this.names = new String[n];
        this.params = new Parameter[n];
        this.stateData = new float[n][stateKinds.length][];
        this.packedState = new float[n][][];
        this.packedAt = new int[n][];
        this.stateKinds = stateKinds.clone();
        Map<String, Tensor> view = new LinkedHashMap<>();
        Map<String, Integer> index = new LinkedHashMap<>();
        Map<Parameter, String> seen = new IdentityHashMap<>();
        int i = 0;
        for (Map.Entry<String, Parameter> e : parameters.entrySet()) {
            String name = e.getKey();
            Parameter p = e.getValue();
            if (name == null || name.isEmpty()) throw new IllegalArgumentException("parameter name must not be null or empty");
            if (p == null) throw new IllegalArgumentException("parameter '" + name + "' is null");
            String earlier = seen.put(p, name);
            if (earlier != null) {
                throw new IllegalArgumentException("parameters '" + earlier + "' and '" + name
                        + "' are the same object; it would be updated twice per step");
            }
            names[i] = name;
            params[i] = p;
            index.put(name, i);
            int[] shape = p.value().shape();
            for (int k = 0; k < stateKinds.length; k++) {
                Tensor t = Tensor.zeros(shape);
                stateData[i][k] = t.data();
                view.put(name + "." + stateKinds[k], t);
            }
            i++;
        }
        if (view.containsKey(STEP_KEY)) throw new IllegalArgumentException("a state tensor would be named '" + STEP_KEY + "'");
        view.put(STEP_KEY, stepTensor);
        this.stateView = Collections.unmodifiableMap(view);
        this.indexByName = index;
    }

    @Override
    public final void step(float learningRate) {
        step(learningRate, ComputePool.serial());
    }

    /**
     * One step, each large parameter's elements split over the pool. Every element's update reads and writes
     * only that element, so the result is the same for every thread count.
     */
    @Override
    public final void step(float learningRate, ComputePool pool) {
        if (!(learningRate >= 0f) || Float.isInfinite(learningRate)) {
            throw new IllegalArgumentException("learningRate must be finite and >= 0, got " + learningRate);
        }
        if (pool == null) throw new IllegalArgumentException("pool must not be null");
        long t = steps + 1;
        for (int i = 0; i < params.length; i++) {
            Parameter p = params[i];
            if (p.isPacked()) {
                update(p.packedValues(), p.packedGrads(), null, packedStateOf(i), p.decayed(), learningRate, t, pool);
                p.packedValuesChanged();
                continue;
            }
            dropPacked(i);
            float[] keep = p.hasMask() ? p.mask().values() : null;
            update(p.value().data(), p.grad().data(), keep, stateData[i], p.decayed(), learningRate, t, pool);
        }
        steps = t;
        stepTensor.data()[0] = t;
    }

    private void update(float[] w, float[] g, float[] keep, float[][] state, boolean decayed, float lr, long t, ComputePool pool) {
        int n = w.length;
        if (pool.threads() <= 1 || n < 2 * PARALLEL_GRAIN) {
            update(w, g, keep, state, decayed, lr, t, 0, n);
            return;
        }
        splitTask.set(w, g, keep, state, decayed, lr, t);
        try {
            pool.parallelFor(n, PARALLEL_GRAIN, splitTask);
        } finally {
            splitTask.set(null, null, null, null, false, 0f, 0L);
        }
    }

    /** Elements per chunk of a split update (a multiple of every vector length). */
    private static final int PARALLEL_GRAIN = 16384;
    private final SplitUpdate splitTask = new SplitUpdate();

    /** One parameter's update over the pool: the arguments held in fields, so a step allocates nothing. */
    private final class SplitUpdate implements ComputePool.RangeTask {
        private float[] w;
        private float[] g;
        private float[] keep;
        private float[][] state;
        private boolean decayed;
        private float lr;
        private long t;

        void set(float[] w, float[] g, float[] keep, float[][] state, boolean decayed, float lr, long t) {
            this.w = w;
            this.g = g;
            this.keep = keep;
            this.state = state;
            this.decayed = decayed;
            this.lr = lr;
            this.t = t;
        }

        @Override
        public void run(int from, int to) {
            update(w, g, keep, state, decayed, lr, t, from, to);
        }
    }

    /**
     * Updates elements [from, to) of one parameter in place for step {@code t} (1-based). Must leave {@code value}
     * and every state array at exactly +0.0 wherever {@code keep} (null when unmasked) is 0 (given finite
     * gradients), must not modify {@code grad}, and must touch only elements [from, to) (chunks run in parallel).
     */
    abstract void update(float[] value, float[] grad, float[] keep, float[][] state, boolean decayed, float lr, long t,
                         int from, int to);

    /**
     * The packed state of packed parameter i, aligned with its current positions: built from the dense
     * state the first time (or after a load), else carried over from the previous packing by a merge of
     * the two ascending position lists (weights that stayed active keep their state, new ones start at 0).
     */
    private float[][] packedStateOf(int i) {
        int[] pos = params[i].packedPositions();
        if (packedAt[i] == pos) return packedState[i];
        int kinds = stateData[i].length;
        float[][] next = new float[kinds][pos.length];
        int[] old = packedAt[i];
        if (old == null) {
            for (int k = 0; k < kinds; k++) {
                float[] dense = stateData[i][k];
                for (int j = 0; j < pos.length; j++) next[k][j] = dense[pos[j]];
            }
        } else {
            float[][] prev = packedState[i];
            int a = 0;
            for (int j = 0; j < pos.length; j++) {
                while (a < old.length && old[a] < pos[j]) a++;
                if (a < old.length && old[a] == pos[j]) {
                    for (int k = 0; k < kinds; k++) next[k][j] = prev[k][a];
                }
            }
        }
        packedState[i] = next;
        packedAt[i] = pos;
        return next;
    }

    /** Back to dense state for parameter i (it was unpacked): the packed state written into the dense. */
    private void dropPacked(int i) {
        if (packedAt[i] == null) return;
        writePackedToDense(i);
        packedAt[i] = null;
        packedState[i] = null;
    }

    private void writePackedToDense(int i) {
        int[] pos = packedAt[i];
        for (int k = 0; k < stateData[i].length; k++) {
            float[] dense = stateData[i][k];
            java.util.Arrays.fill(dense, 0f);
            float[] packed = packedState[i][k];
            for (int j = 0; j < pos.length; j++) dense[pos[j]] = packed[j];
        }
    }

    @Override
    public final void zeroGrad() {
        for (Parameter p : params) p.zeroGrad();
    }

    @Override
    public final long stepCount() { return steps; }

    /** The state tensors; packed state is written into them first (O(size), for checkpoints). */
    @Override
    public final Map<String, Tensor> state() {
        for (int i = 0; i < params.length; i++) if (packedAt[i] != null) writePackedToDense(i);
        return stateView;
    }

    @Override
    public final void loadState(Map<String, Tensor> state) {
        if (state == null) throw new IllegalArgumentException("state must not be null");
        List<String> missing = new ArrayList<>();
        for (String key : stateView.keySet()) if (!state.containsKey(key)) missing.add(key);
        TreeSet<String> unknown = new TreeSet<>();
        for (String key : state.keySet()) if (!stateView.containsKey(key)) unknown.add(key);
        if (!missing.isEmpty() || !unknown.isEmpty()) {
            StringBuilder msg = new StringBuilder("optimizer state does not match " + describe() + ":");
            if (!missing.isEmpty()) msg.append(" missing ").append(missing);
            if (!unknown.isEmpty()) msg.append(missing.isEmpty() ? "" : ";").append(" unexpected ").append(unknown);
            throw new IllegalArgumentException(msg.toString());
        }
        for (Map.Entry<String, Tensor> e : stateView.entrySet()) {
            Tensor given = state.get(e.getKey());
            if (given == null) throw new IllegalArgumentException("optimizer state '" + e.getKey() + "' is null");
            if (!given.hasShape(e.getValue().shape())) {
                throw new IllegalArgumentException("optimizer state '" + e.getKey() + "' has shape " + given.shapeString()
                        + " but " + e.getValue().shapeString() + " is expected");
            }
        }
        float stepValue = state.get(STEP_KEY).get(0);
        if (!(stepValue >= 0f) || stepValue != Math.rint(stepValue) || stepValue > EXACT_FLOAT_LIMIT) {
            throw new IllegalArgumentException("optimizer state '" + STEP_KEY + "' is " + stepValue
                    + "; expected a whole number of steps in [0, 2^24]");
        }
        // Validated everything first, so a bad map leaves this optimizer untouched.
        for (Map.Entry<String, Tensor> e : stateView.entrySet()) {
            Tensor given = state.get(e.getKey());
            if (given != e.getValue()) e.getValue().copyFrom(given);
        }
        // packed parameters rebuild their packed state from the loaded dense state at the next step
        java.util.Arrays.fill(packedAt, null);
        java.util.Arrays.fill(packedState, null);
        steps = (long) stepValue;
    }

    @Override
    public final void resetState(String parameterName, int[] flatIndices) {
        Integer index = indexByName.get(parameterName);
        if (index == null) {
            throw new IllegalArgumentException("no parameter named '" + parameterName + "'; known: " + indexByName.keySet());
        }
        if (flatIndices == null) throw new IllegalArgumentException("flatIndices must not be null");
        int size = params[index].size();
        for (int j : flatIndices) {
            if (j < 0 || j >= size) {
                throw new IllegalArgumentException("flat index " + j + " is outside parameter '" + parameterName
                        + "' of size " + size);
            }
        }
        for (float[] s : stateData[index]) {
            for (int j : flatIndices) s[j] = 0f;
        }
        int[] pos = packedAt[index];
        if (pos != null) {
            for (int j : flatIndices) {
                int at = java.util.Arrays.binarySearch(pos, j);
                if (at >= 0) for (float[] s : packedState[index]) s[at] = 0f;
            }
        }
    }

    /** Compact decimal for describe(): 5.0E-4 becomes 0.0005, 0.9 stays 0.9, 0.0 becomes 0. */
    static String fmt(float v) {
        return new java.math.BigDecimal(Float.toString(v)).stripTrailingZeros().toPlainString();
    }

    static float requireInRange(String name, float v, float lo, float hi, boolean hiInclusive) {
        if (!(v >= lo) || (hiInclusive ? !(v <= hi) : !(v < hi))) {
            throw new IllegalArgumentException(name + " must be in [" + fmt(lo) + ", " + fmt(hi) + (hiInclusive ? "]" : ")")
                    + ", got " + v);
        }
        return v;
    }
}
