package dev.sparrow.infer;

import dev.sparrow.kernel.ComputePool;
import dev.sparrow.nn.Layer;
import dev.sparrow.nn.Modules;
import dev.sparrow.nn.Parameter;
import dev.sparrow.nn.layers.BatchNorm2d;
import dev.sparrow.nn.layers.Conv2d;
import dev.sparrow.nn.layers.Dropout;
import dev.sparrow.nn.layers.Flatten;
import dev.sparrow.nn.layers.Im2col;
import dev.sparrow.nn.layers.KWinners;
import dev.sparrow.nn.layers.Linear;
import dev.sparrow.nn.layers.ReLU;
import dev.sparrow.nn.layers.Sequential;
import dev.sparrow.tensor.Tensor;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a model into the session's steps, one lowering per layer kind: Linear (+ ReLU or k-WTA fused),
 * Conv2d (+ BatchNorm2d folded, + ReLU fused), layers that move no data (Flatten, Dropout), a
 * standalone ReLU, and any other layer run through its own forward. Inserts a transpose where one step
 * reads the layout ([features][batch] or batch-major) the previous one did not write.
 */
final class Planner {
    private final InferenceSession.Builder b;
    private final ComputePool pool;
    private final FormatChooser formats;
    private final Map<Layer, String> names = new IdentityHashMap<>();
    private final List<Layer> flat = new ArrayList<>();
    private final List<Step> steps = new ArrayList<>();
    private int fallbackSteps;

    Planner(InferenceSession.Builder b, ComputePool pool) {
        this.b = b;
        this.pool = pool;
        this.formats = new FormatChooser(b, pool);
        Map<Parameter, String> byParam = new IdentityHashMap<>();
        for (Map.Entry<String, Parameter> e : Modules.namedParameters(b.model).entrySet()) {
            byParam.put(e.getValue(), e.getKey());
        }
        flatten(b.model, byParam);
    }

    private void flatten(Layer layer, Map<Parameter, String> byParam) {
        if (layer instanceof Sequential s) {
            for (int i = 0; i < s.size(); i++) flatten(s.get(i), byParam);
            return;
        }
        Parameter weight = layer instanceof Linear lin ? lin.weight() : layer instanceof Conv2d conv ? conv.weight() : null;
        if (weight != null) {
            String n = byParam.get(weight);
            String kind = layer instanceof Linear ? "linear" : "conv";
            names.put(layer, n == null ? kind + flat.size() : n.substring(0, n.length() - ".weight".length()));
        }
        flat.add(layer);
    }

    InferenceSession plan() {
        int[] shape = b.sampleShape.clone();
        boolean transposed = false;
        for (int i = 0; i < flat.size(); i++) {
            Layer layer = flat.get(i);
            int[] outShape = layer.outputShape(shape);
            int size = Tensor.checkedSize(shape);
            if (layer instanceof Flatten || layer instanceof Dropout) {
                shape = outShape; // no data movement in either layout
                continue;
            }
            Step step;
            if (layer instanceof Linear lin) {
                Layer next = i + 1 < flat.size() ? flat.get(i + 1) : null;
                boolean relu = next instanceof ReLU;
                int winners = next instanceof KWinners kw ? kw.kInference() : -1;
                step = linear(lin, relu, winners);
                if (relu || winners >= 0) i++;
            } else if (layer instanceof Conv2d conv) {
                BatchNorm2d bn = i + 1 < flat.size() && flat.get(i + 1) instanceof BatchNorm2d n ? n : null;
                int after = i + (bn != null ? 2 : 1);
                boolean relu = after < flat.size() && flat.get(after) instanceof ReLU;
                step = conv(conv, bn, relu, shape);
                if (bn != null) outShape = bn.outputShape(outShape);
                i = after - (relu ? 0 : 1);
            } else if (layer instanceof ReLU) {
                step = new ReluStep(size);
            } else {
                step = new LayerStep(fallbackSteps++, layer, shape, outShape);
            }
            Boolean wants = step.readsTransposed();
            if (wants != null && wants != transposed) {
                steps.add(new TransposeStep(size, wants));
                transposed = wants;
            }
            steps.add(step);
            transposed = step.writesTransposed(transposed);
            shape = outShape;
        }
        formats.checkForcedLayersExist(names.values());
        return new InferenceSession(b, steps, transposed, Tensor.checkedSize(shape), formats.choices(), pool, fallbackSteps);
    }

    private Step linear(Linear lin, boolean relu, int winners) {
        String name = names.get(lin);
        float[] values = lin.weight().value().data().clone();
        float[] bias = lin.bias() == null ? null : lin.bias().value().data().clone();
        FormatChooser.Choice c = formats.choose(name, lin.weight(), values, lin.outFeatures(), lin.inFeatures(), bias,
                relu, b.batchSize);
        return new LinearStep(name, c.matrix(), bias, relu, winners, b.sparseKernels, pool, c.tuning());
    }

    /** A convolution as a matrix [cout][cin·kh·kw] times each image's columns, a BatchNorm2d after it folded in. */
    private Step conv(Conv2d conv, BatchNorm2d bn, boolean relu, int[] inShape) {
        String name = names.get(conv);
        int rows = conv.outChannels();
        int cols = conv.inChannels() * conv.kernelHeight() * conv.kernelWidth();
        float[] values = conv.weight().value().data().clone();
        float[] bias = conv.bias() == null ? null : conv.bias().value().data().clone();
        if (bn != null) bias = BatchNormFolding.fold(bn, values, bias, rows, cols);
        Im2col geometry = conv.geometry(inShape[1], inShape[2]);
        int columns = geometry.cols() * ConvStep.group(geometry.cols(), b.batchSize);
        FormatChooser.Choice c = formats.choose(name, conv.weight(), values, rows, cols, bias, relu, columns);
        return new ConvStep(name, c.matrix(), bias, relu, bn != null, geometry, b.batchSize, b.sparseKernels, pool,
                c.tuning());
    }
}
