package dev.sparrow.nn;

import java.util.Arrays;

/**
 * Wall-clock time per phase of training steps, for {@code sparrow bench train --explain}: which parts of a
 * step are split over the pool and which run on one thread (the serial fraction that limits thread
 * scaling). Set on an {@link ExecutionContext} ({@link ExecutionContext#phases(StepPhases)}); layers that know
 * it (the sparse training engine of Linear) add to it, the caller times the rest. Never read by the
 * computation, so results do not depend on it. Not thread-safe: one training step at a time.
 */
public final class StepPhases {
    /** The phases a step is split into; {@link #parallel()} says whether the phase is split over the pool. */
    public enum Phase {
        /** Zeroing the gradients (optimizer.zeroGrad). */
        ZERO_GRAD("zero_grad", true),
        /** The sparse engine's layout changes: X to X^T, Y^T to Y, dY to dY^T, dX^T to dX. */
        TRANSPOSES("transposes", true),
        /** The sparse engine's forward product Y^T = W X^T + b. */
        FORWARD_SPMM("forward_spmm", true),
        /** The packed weight gradient (at active weights only). */
        WEIGHT_GRAD("weight_grad", true),
        /** Gathering W^T's values from the packed values for the input gradient. */
        WT_GATHER("wt_gather", true),
        /** dX^T = W^T dY^T. */
        INPUT_GRAD("input_grad", true),
        /** The bias gradients (column sums of dY). */
        BIAS_GRAD("bias_grad", true),
        /** The dense weight gradient (or its candidates) on steps a method reads it. */
        DENSE_GRAD("dense_grad", true),
        /** Rebuilding the engine's index structure (CSR and W^T) after a mask update. */
        INDEX_REBUILD("index_rebuild", false),
        /** Layers other than the sparse engine's (activations, masked-engine layers). */
        OTHER_LAYERS("other_layers", true),
        /** Loss forward and backward. */
        LOSS("loss", false),
        /** The optimizer step. */
        OPTIMIZER("optimizer", true),
        /** The sparsity method's mask update (drop and grow). */
        MASK_UPDATE("mask_update", false),
        /** Repacking the parameters after a mask update. */
        REPACK("repack", false);

        private final String key;
        private final boolean parallel;

        Phase(String key, boolean parallel) {
            this.key = key;
            this.parallel = parallel;
        }

        /** The name in reports (snake case). */
        public String key() { return key; }

        /** Whether the phase is split over the compute pool (else it runs on the calling thread). */
        public boolean parallel() { return parallel; }
    }

    private static final Phase[] PHASES = Phase.values();
    private final long[] nanos = new long[PHASES.length];

    /** The current time when {@code phases} is set, else 0 (nothing is timed). */
    public static long now(StepPhases phases) {
        return phases == null ? 0L : System.nanoTime();
    }

    /**
     * Adds the time since {@code since} to {@code phase} and returns the current time (0 when phases is null), so
     * that consecutive phases chain: {@code t = StepPhases.lap(ph, Phase.A, t); ... t = StepPhases.lap(ph, Phase.B, t);}.
     */
    public static long lap(StepPhases phases, Phase phase, long since) {
        if (phases == null) return 0L;
        long now = System.nanoTime();
        phases.nanos[phase.ordinal()] += now - since;
        return now;
    }

    /** Adds {@code nanos} to a phase. */
    public void add(Phase phase, long nanos) { this.nanos[phase.ordinal()] += nanos; }

    /** Nanoseconds recorded for a phase since the last {@link #clear()}. */
    public long nanos(Phase phase) { return nanos[phase.ordinal()]; }

    /** Forgets everything recorded. */
    public void clear() { Arrays.fill(nanos, 0L); }
}
