package dev.sparrow.nn.models;

import dev.sparrow.nn.FlopCounting;
import dev.sparrow.nn.Layer;
import dev.sparrow.nn.Modules;

import java.util.Arrays;
import java.util.List;

/** A table of a model's top-level layers with output shapes, parameter counts and forward FLOPs. */
public final class ModelSummary {
    private ModelSummary() {}

    /** Forward FLOPs per sample of shape {@code inputShape} (see {@link FlopCounting}). */
    public static long forwardFlops(Layer model, int[] inputShape) {
        return FlopCounting.of(model, inputShape);
    }

    public static String table(Layer model, int[] inputShape) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("%-4s %-46s %-16s %12s %14s%n", "#", "layer", "output", "params", "FLOPs"));
        List<Layer> layers = model.children().isEmpty() ? List.of(model) : model.children();
        int[] shape = inputShape;
        long params = 0, flops = 0;
        for (int i = 0; i < layers.size(); i++) {
            Layer l = layers.get(i);
            long p = Modules.parameterCount(l);
            long f = FlopCounting.of(l, shape);
            shape = l.outputShape(shape);
            params += p;
            flops += f;
            String name = l.describe();
            int nl = name.indexOf('\n');
            if (nl >= 0) name = name.substring(0, nl) + "...";
            sb.append(String.format("%-4d %-46s %-16s %,12d %,14d%n", i, name, Arrays.toString(shape), p, f));
        }
        sb.append(String.format("%-4s %-46s %-16s %,12d %,14d%n", "", "total (per sample, forward)", "", params, flops));
        return sb.toString();
    }
}
