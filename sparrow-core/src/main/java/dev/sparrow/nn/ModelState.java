package dev.sparrow.nn;

import dev.sparrow.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A model's state as a map of named tensors, PyTorch's {@code load_state_dict}: parameter values under
 * their {@link Modules#namedParameters} names, a mask as "{@code <parameter>.mask}" (0/1 values) beside a
 * masked parameter, buffers under their {@link Modules#namedBuffers} names. A checkpoint is where such a
 * map comes from, so the problems are worded for one.
 */
public final class ModelState {
    public static final String MASK_SUFFIX = ".mask";

    private ModelState() {}

    /**
     * Why {@code state} does not fit {@code model}, one line per missing, extra or mis-shaped tensor
     * or invalid mask; empty when it fits.
     */
    public static List<String> problems(Layer model, Map<String, Tensor> state) {
        List<String> problems = new ArrayList<>();
        plan(model, state, problems);
        return problems;
    }

    /**
     * Copies parameters, masks and buffers from {@code state} into {@code model}. Everything is checked
     * first: when {@link #problems} finds any, this throws an {@link IllegalArgumentException} listing
     * them and the model is left as it was. A parameter without a mask in the map ends up without one.
     */
    public static void load(Layer model, Map<String, Tensor> state) {
        List<String> problems = new ArrayList<>();
        Plan plan = plan(model, state, problems);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("state does not fit model " + model.describe() + ": " + String.join("; ", problems));
        }
        for (Map.Entry<Parameter, Tensor> e : plan.values.entrySet()) {
            e.getKey().value().copyFrom(e.getValue());
            e.getKey().setMask(plan.masks.get(e.getKey()));
        }
        for (Map.Entry<Tensor, Tensor> e : plan.buffers.entrySet()) e.getKey().copyFrom(e.getValue());
    }

    /** What {@link #load} copies where, each source checked against its target. */
    private record Plan(Map<Parameter, Tensor> values, Map<Parameter, Mask> masks, Map<Tensor, Tensor> buffers) {}

    private static Plan plan(Layer model, Map<String, Tensor> state, List<String> problems) {
        if (model == null) throw new IllegalArgumentException("model is null");
        if (state == null) throw new IllegalArgumentException("state is null");
        Map<String, Parameter> params = Modules.namedParameters(model);
        Map<String, Tensor> buffers = Modules.namedBuffers(model);
        Plan plan = new Plan(new LinkedHashMap<>(), new LinkedHashMap<>(), new LinkedHashMap<>());
        Set<String> used = new HashSet<>();
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            String name = e.getKey();
            int[] shape = e.getValue().value().shape();
            Tensor v = checked(state, name, "parameter", shape, problems);
            if (v != null) plan.values.put(e.getValue(), v);
            used.add(name);
            String maskName = name + MASK_SUFFIX;
            if (state.containsKey(maskName) && !params.containsKey(maskName) && !buffers.containsKey(maskName)) {
                used.add(maskName);
                Mask m = checkedMask(maskName, state.get(maskName), shape, problems);
                if (m != null) plan.masks.put(e.getValue(), m);
            }
        }
        for (Map.Entry<String, Tensor> e : buffers.entrySet()) {
            Tensor v = checked(state, e.getKey(), "buffer", e.getValue().shape(), problems);
            if (v != null) plan.buffers.put(e.getValue(), v);
            used.add(e.getKey());
        }
        for (String name : state.keySet()) {
            if (!used.contains(name)) {
                problems.add("tensor '" + name + "' is in the checkpoint but the model has no such parameter, mask or buffer");
            }
        }
        return plan;
    }

    private static Tensor checked(Map<String, Tensor> state, String name, String kind, int[] shape, List<String> problems) {
        Tensor t = state.get(name);
        if (t == null) {
            problems.add(kind + " '" + name + "' " + Arrays.toString(shape) + " is missing from the checkpoint");
            return null;
        }
        if (!t.hasShape(shape)) {
            problems.add(kind + " '" + name + "' has shape " + Arrays.toString(t.shape()) + " in the checkpoint; the model expects "
                    + Arrays.toString(shape));
            return null;
        }
        return t;
    }

    private static Mask checkedMask(String name, Tensor t, int[] shape, List<String> problems) {
        if (!t.hasShape(shape)) {
            problems.add("mask '" + name + "' has shape " + Arrays.toString(t.shape()) + "; expected its parameter's shape "
                    + Arrays.toString(shape));
            return null;
        }
        try {
            return Mask.of(t.data());
        } catch (IllegalArgumentException e) {
            problems.add("mask '" + name + "': " + e.getMessage());
            return null;
        }
    }
}
