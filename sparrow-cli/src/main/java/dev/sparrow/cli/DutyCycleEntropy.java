package dev.sparrow.cli;

import dev.sparrow.io.CheckpointData;
import dev.sparrow.io.TensorData;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * How evenly a k-WTA layer uses its units, from the duty cycles in a checkpoint (Numenta's measure,
 * nupic.torch's {@code binary_entropy} and {@code max_entropy}): entropy = Σ_u H(d_u) in bits, H the
 * binary entropy of unit u's duty cycle d_u (clamped to [1e-8, 1 - 1e-8]), against its maximum
 * n·H(k/n), reached when every unit wins equally often. The target density k/n is the mean duty cycle,
 * which the duty-cycle update keeps equal to the fraction of winners.
 *
 * @param name   the buffer, e.g. "3.duty_cycle"
 * @param units  n
 * @param mean   the mean duty cycle (k/n)
 * @param bits   the entropy
 * @param max    its maximum n·H(mean)
 */
record DutyCycleEntropy(String name, int units, double mean, double bits, double max) {
    static final String BUFFER_SUFFIX = "duty_cycle";

    /** bits / max, or 0 when the maximum is 0 (no unit has won yet). */
    double ratio() { return max > 0 ? bits / max : 0; }

    /** One entry per duty-cycle buffer of the checkpoint, in file order. */
    static List<DutyCycleEntropy> of(CheckpointData checkpoint) {
        List<DutyCycleEntropy> out = new ArrayList<>();
        for (Map.Entry<String, TensorData> e : checkpoint.tensors().entrySet()) {
            String name = e.getKey();
            if (!(name.equals(BUFFER_SUFFIX) || name.endsWith("." + BUFFER_SUFFIX))) continue;
            out.add(of(name, e.getValue().toF32()));
        }
        return out;
    }

    static DutyCycleEntropy of(String name, float[] duty) {
        if (duty.length == 0) throw new IllegalArgumentException("duty-cycle buffer '" + name + "' is empty");
        double sum = 0;
        double bits = 0;
        for (float d : duty) {
            sum += d;
            bits += binaryEntropy(d);
        }
        double mean = sum / duty.length;
        double max = mean > 0 && mean < 1 ? duty.length * binaryEntropy(mean) : 0;
        return new DutyCycleEntropy(name, duty.length, mean, bits, max);
    }

    /** H(p) in bits, p clamped to [1e-8, 1 - 1e-8] as nupic.torch does. */
    static double binaryEntropy(double p) {
        double x = Math.min(1 - 1e-8, Math.max(1e-8, p));
        return -(x * Math.log(x) + (1 - x) * Math.log(1 - x)) / Math.log(2);
    }

    /** A table for {@code sparrow inspect}. */
    static String table(List<DutyCycleEntropy> rows) {
        StringBuilder sb = new StringBuilder();
        int width = "buffer".length();
        for (DutyCycleEntropy r : rows) width = Math.max(width, r.name().length());
        String format = "%-" + width + "s  %6s  %9s  %12s  %12s  %7s%n";
        sb.append(String.format(Locale.ROOT, format, "buffer", "units", "mean duty", "entropy bits", "max bits", "ratio"));
        for (DutyCycleEntropy r : rows) {
            sb.append(String.format(Locale.ROOT, format, r.name(), r.units(), String.format(Locale.ROOT, "%.4f", r.mean()),
                    String.format(Locale.ROOT, "%.2f", r.bits()), String.format(Locale.ROOT, "%.2f", r.max()),
                    String.format(Locale.ROOT, "%.4f", r.ratio())));
        }
        return sb.toString();
    }
}
