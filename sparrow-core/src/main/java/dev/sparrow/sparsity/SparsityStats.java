package dev.sparrow.sparsity;

import dev.sparrow.nn.Parameter;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the masks hold now, for logs and run summaries: per layer the active weights and the neurons
 * with at least one active input, and the global sparsity over the sparsifiable weights.
 */
public record SparsityStats(List<Layer> layers, long active, long size) {

    /** One layer: its active weights of {@code size}, and its active neurons of {@code rows}. */
    public record Layer(String name, int active, int size, int activeNeurons, int rows) {
        public double sparsity() { return 1.0 - (double) active / size; }
    }

    public static SparsityStats of(List<LayerBudget> layers) {
        if (layers == null) throw new IllegalArgumentException("layers must not be null");
        List<Layer> out = new ArrayList<>(layers.size());
        long active = 0;
        long size = 0;
        for (LayerBudget l : layers) {
            Parameter p = l.parameter();
            int a = p.hasMask() ? p.mask().activeCount() : p.size();
            out.add(new Layer(l.name(), a, p.size(), SRigL.activeNeurons(l), l.rows()));
            active += a;
            size += p.size();
        }
        return new SparsityStats(List.copyOf(out), active, size);
    }

    public double sparsity() { return size == 0 ? 0 : 1.0 - (double) active / size; }

    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("sparsity", sparsity());
        m.put("active", active);
        m.put("size", size);
        List<Object> ls = new ArrayList<>();
        for (Layer l : layers) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("name", l.name());
            e.put("active", l.active());
            e.put("size", l.size());
            e.put("active_neurons", l.activeNeurons());
            e.put("neurons", l.rows());
            ls.add(e);
        }
        m.put("layers", ls);
        return m;
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder(String.format("sparsity %.4f (%d of %d active)", sparsity(), active, size));
        for (Layer l : layers) {
            b.append(String.format("; %s %d/%d, neurons %d/%d", l.name(), l.active(), l.size(), l.activeNeurons(), l.rows()));
        }
        return b.toString();
    }
}
