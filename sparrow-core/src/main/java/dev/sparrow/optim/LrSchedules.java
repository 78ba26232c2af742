package dev.sparrow.optim;

import java.util.Locale;

/**
 * The learning-rate schedules, and a parser for their command-line spelling. Each schedule is a
 * record, so its {@code toString()} records its settings in run configs. Values are computed in
 * double and rounded once to float.
 */
public final class LrSchedules {
    private LrSchedules() {}

    /** The same rate at every step. */
    public record Constant(float lr) implements LrSchedule {
        public Constant {
            requireRate("lr", lr);
        }

        @Override
        public float at(long step, long totalSteps) {
            checkStep(step, totalSteps);
            return lr;
        }
    }

    /** {@code lr * gamma^floor(step / every)}: the rate is multiplied by gamma every {@code every} steps. */
    public record StepDecay(float lr, long every, float gamma) implements LrSchedule {
        public StepDecay {
            requireRate("lr", lr);
            if (every < 1) throw new IllegalArgumentException("step decay interval must be >= 1 step, got " + every);
            if (!(gamma > 0f && gamma <= 1f)) throw new IllegalArgumentException("gamma must be in (0, 1], got " + gamma);
        }

        @Override
        public float at(long step, long totalSteps) {
            checkStep(step, totalSteps);
            return (float) (lr * Math.pow(gamma, step / every));
        }
    }

    /**
     * Cosine annealing from {@code lr} at step 0 to {@code minLr} at step totalSteps (PyTorch's
     * CosineAnnealingLR with T_max = totalSteps): {@code min + (lr - min) * (1 + cos(pi * step / total)) / 2}.
     */
    public record Cosine(float lr, float minLr) implements LrSchedule {
        public Cosine {
            requireRate("lr", lr);
            requireRate("minLr", minLr);
            if (minLr > lr) throw new IllegalArgumentException("minLr " + minLr + " is above lr " + lr);
        }

        @Override
        public float at(long step, long totalSteps) {
            checkStep(step, totalSteps);
            double progress = Math.min(1.0, (double) step / totalSteps);
            return (float) (minLr + (lr - (double) minLr) * 0.5 * (1.0 + Math.cos(Math.PI * progress)));
        }
    }

    /**
     * Linear warm-up over the first {@code steps} steps: the inner rate times (step + 1) / steps, so
     * step {@code steps - 1} reaches the inner rate. The inner schedule is not shifted: its
     * milestones stay at the same steps with or without warm-up.
     */
    public record Warmup(long steps, LrSchedule inner) implements LrSchedule {
        public Warmup {
            if (steps < 0) throw new IllegalArgumentException("warm-up steps must be >= 0, got " + steps);
            if (inner == null) throw new IllegalArgumentException("inner schedule must not be null");
        }

        @Override
        public float at(long step, long totalSteps) {
            float rate = inner.at(step, totalSteps);
            return step >= steps ? rate : (float) (rate * (double) (step + 1) / steps);
        }
    }

    public static LrSchedule constant(float lr) {
        return new Constant(lr);
    }

    /** Multiplies the rate by {@code gamma} every {@code everySteps} steps. */
    public static LrSchedule step(float lr, long everySteps, float gamma) {
        return new StepDecay(lr, everySteps, gamma);
    }

    /** Multiplies the rate by {@code gamma} every {@code everyEpochs} epochs of {@code stepsPerEpoch} steps. */
    public static LrSchedule stepEpochs(float lr, long everyEpochs, long stepsPerEpoch, float gamma) {
        if (everyEpochs < 1) throw new IllegalArgumentException("everyEpochs must be >= 1, got " + everyEpochs);
        if (stepsPerEpoch < 1) throw new IllegalArgumentException("stepsPerEpoch must be >= 1, got " + stepsPerEpoch);
        return new StepDecay(lr, Math.multiplyExact(everyEpochs, stepsPerEpoch), gamma);
    }

    public static LrSchedule cosine(float lr, float minLr) {
        return new Cosine(lr, minLr);
    }

    /** {@code inner} with linear warm-up over its first {@code steps} steps; 0 steps returns inner itself. */
    public static LrSchedule warmup(long steps, LrSchedule inner) {
        Warmup w = new Warmup(steps, inner);
        return steps == 0 ? inner : w;
    }

    /**
     * Parses a schedule spec:
     * <ul>
     *   <li>{@code constant}</li>
     *   <li>{@code cosine} (down to 0) or {@code cosine:MIN_LR}</li>
     *   <li>{@code step:N:GAMMA}: multiply by GAMMA every N epochs; {@code step:Ns:GAMMA} counts N in steps</li>
     * </ul>
     * and wraps it in {@link #warmup} when {@code warmupSteps > 0}.
     */
    public static LrSchedule parse(String spec, float baseLr, long warmupSteps, long stepsPerEpoch) {
        if (spec == null) throw new IllegalArgumentException("lr schedule spec must not be null");
        if (warmupSteps < 0) throw new IllegalArgumentException("warmupSteps must be >= 0, got " + warmupSteps);
        if (stepsPerEpoch < 1) throw new IllegalArgumentException("stepsPerEpoch must be >= 1, got " + stepsPerEpoch);
        String[] parts = spec.trim().toLowerCase(Locale.ROOT).split(":", -1);
        LrSchedule inner = switch (parts[0]) {
            case "constant" -> {
                expectParts(spec, parts, 1, 1);
                yield constant(baseLr);
            }
            case "cosine" -> {
                expectParts(spec, parts, 1, 2);
                yield cosine(baseLr, parts.length == 2 ? parseFloat(spec, "MIN_LR", parts[1]) : 0f);
            }
            case "step" -> {
                expectParts(spec, parts, 3, 3);
                String every = parts[1];
                boolean inSteps = every.endsWith("s");
                long n = parseLong(spec, inSteps ? "steps" : "epochs", inSteps ? every.substring(0, every.length() - 1) : every);
                float gamma = parseFloat(spec, "GAMMA", parts[2]);
                yield inSteps ? step(baseLr, n, gamma) : stepEpochs(baseLr, n, stepsPerEpoch, gamma);
            }
            default -> throw new IllegalArgumentException(unknown(spec));
        };
        return warmup(warmupSteps, inner);
    }

    private static void expectParts(String spec, String[] parts, int min, int max) {
        if (parts.length < min || parts.length > max) throw new IllegalArgumentException(unknown(spec));
    }

    private static String unknown(String spec) {
        return "unknown lr schedule '" + spec + "': expected 'constant', 'cosine', 'cosine:MIN_LR', "
                + "'step:EPOCHS:GAMMA' (e.g. step:30:0.1) or 'step:STEPSs:GAMMA' (e.g. step:5000s:0.5)";
    }

    private static float parseFloat(String spec, String field, String text) {
        try {
            return Float.parseFloat(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("lr schedule '" + spec + "': " + field + " '" + text + "' is not a number");
        }
    }

    private static long parseLong(String spec, String field, String text) {
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("lr schedule '" + spec + "': number of " + field + " '" + text
                    + "' is not a whole number");
        }
    }

    private static void requireRate(String name, float v) {
        if (!(v >= 0f) || Float.isInfinite(v)) throw new IllegalArgumentException(name + " must be finite and >= 0, got " + v);
    }

    private static void checkStep(long step, long totalSteps) {
        if (totalSteps < 1) throw new IllegalArgumentException("totalSteps must be >= 1, got " + totalSteps);
        if (step < 0) throw new IllegalArgumentException("step must be >= 0, got " + step);
    }
}
