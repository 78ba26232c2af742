package dev.sparrow.nn.layers;

import dev.sparrow.nn.ExecutionContext;
import dev.sparrow.nn.FlopCounting;
import dev.sparrow.nn.Layer;
import dev.sparrow.tensor.Tensor;

import java.util.List;

/** Children run in order; backward runs them in reverse. Parameters are named "0.weight", "1.bias"... */
public final class Sequential implements Layer, FlopCounting {
    private final List<Layer> layers;
    private final Layer[] array;
    private final int firstTrained; // the first child with parameters (in it or below), or -1

    public Sequential(List<Layer> layers) {
        if (layers == null || layers.isEmpty()) throw new IllegalArgumentException("Sequential: needs at least one layer");
        for (int i = 0; i < layers.size(); i++) {
            if (layers.get(i) == null) throw new IllegalArgumentException("Sequential: layer " + i + " is null");
        }
        this.layers = List.copyOf(layers);
        this.array = this.layers.toArray(new Layer[0]);
        int first = -1;
        for (int i = 0; i < array.length && first < 0; i++) {
            if (!dev.sparrow.nn.Modules.namedParameters(array[i]).isEmpty()) first = i;
        }
        this.firstTrained = first;
    }

    public Sequential(Layer... layers) {
        this(List.of(layers));
    }

    public int size() { return array.length; }

    public Layer get(int i) { return array[i]; }

    @Override
    public Tensor forward(Tensor input, ExecutionContext ctx) {
        Tensor x = input;
        for (Layer l : array) x = l.forward(x, ctx);
        return x;
    }

    @Override
    public Tensor backward(Tensor gradOutput, ExecutionContext ctx) {
        Tensor g = gradOutput;
        for (int i = array.length - 1; i >= 0; i--) g = array[i].backward(g, ctx);
        return g;
    }

    /** Runs backward down to the first layer with parameters, which skips its input gradient; below it nothing. */
    @Override
    public void backwardParameters(Tensor gradOutput, ExecutionContext ctx) {
        if (firstTrained < 0) return;
        Tensor g = gradOutput;
        for (int i = array.length - 1; i > firstTrained; i--) g = array[i].backward(g, ctx);
        array[firstTrained].backwardParameters(g, ctx);
    }

    @Override
    public int[] outputShape(int[] inputShape) {
        int[] s = inputShape;
        for (Layer l : array) s = l.outputShape(s);
        return s;
    }

    @Override
    public long forwardFlops(int[] inputShape) {
        long total = 0;
        int[] s = inputShape;
        for (Layer l : array) {
            total += FlopCounting.of(l, s);
            s = l.outputShape(s);
        }
        return total;
    }

    @Override
    public List<Layer> children() {
        return layers;
    }

    /** A tree, one child per line with its index (the prefix of its parameter names). */
    @Override
    public String describe() {
        StringBuilder sb = new StringBuilder("Sequential(");
        for (int i = 0; i < array.length; i++) {
            String child = array[i].describe().replace("\n", "\n  ");
            sb.append("\n  (").append(i).append(") ").append(child);
        }
        return sb.append("\n)").toString();
    }
}
