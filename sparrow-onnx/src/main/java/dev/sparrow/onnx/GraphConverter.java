package dev.sparrow.onnx;

import dev.sparrow.graph.GraphNode;
import dev.sparrow.graph.InvalidGraphException;
import dev.sparrow.graph.ModelGraph;
import dev.sparrow.graph.Op;
import dev.sparrow.onnx.ImportedValue.Const;
import dev.sparrow.onnx.ImportedValue.Dyn;
import dev.sparrow.onnx.ImportedValue.TopKOutput;
import dev.sparrow.onnx.ImportedValue.ZerosLike;
import dev.sparrow.onnx.proto.OnnxProto.GraphProto;
import dev.sparrow.onnx.proto.OnnxProto.NodeProto;
import dev.sparrow.onnx.proto.OnnxProto.TensorProto;
import dev.sparrow.onnx.proto.OnnxProto.TensorShapeProto;
import dev.sparrow.onnx.proto.OnnxProto.ValueInfoProto;
import dev.sparrow.tensor.Tensor;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One ONNX GraphProto into a {@link ModelGraph}: nodes visited in topological order; a node whose inputs are all
 * constants is folded ({@link ConstantFolder}); the others become graph nodes, with Gemm / MatMul as Dense (a
 * following constant bias Add fused in), BatchNormalization folded into a Conv that feeds only it, and
 * Identity / Dropout / Cast-to-float dropped; k-WTA subgraphs go to {@link KWinnersImport}, Slice and Where to
 * {@link SliceAndWhere}.
 */
final class GraphConverter {
    private final String file;
    private final GraphProto graph;
    private final long opset;
    private final TensorDecoder decoder;
    private final ConstantFolder folder;
    private final Map<String, ImportedValue> values = new HashMap<>();
    private final Map<String, Integer> uses = new HashMap<>();
    private final List<GraphNode> nodes = new ArrayList<>();
    private final Map<String, Integer> producerIndex = new HashMap<>();
    private final Set<String> nodeNames = new HashSet<>();
    private final KWinnersImport kWinners;
    private final SliceAndWhere sliceAndWhere;
    private final Map<String, ConstTensor> initializers = new LinkedHashMap<>();

    GraphConverter(String file, GraphProto graph, long opset, TensorDecoder decoder, ConstantFolder folder) {
        this.file = file;
        this.graph = graph;
        this.opset = opset;
        this.decoder = decoder;
        this.folder = folder;
        this.kWinners = new KWinnersImport(this, values, folder, decoder);
        this.sliceAndWhere = new SliceAndWhere(this, folder);
    }

    ModelGraph convert() throws OnnxFormatException {
        Set<String> initializerNames = new HashSet<>();
        for (TensorProto t : graph.getInitializerList()) {
            try {
                if (!initializerNames.add(t.getName())) throw new ImportProblem("a second initializer of this name");
                ConstTensor c = decoder.decode(t);
                initializers.put(t.getName(), c);
                values.put(t.getName(), new Const(c));
            } catch (ImportProblem e) {
                throw new OnnxFormatException(file, "initializer '" + t.getName() + "'", e.getMessage());
            }
        }
        ValueInfoProto input = theInput(initializerNames);
        int[] inputShape = sampleShape(input);
        values.put(input.getName(), new Dyn(input.getName(), inputShape));
        for (NodeProto n : graph.getNodeList()) for (String i : n.getInputList()) uses.merge(i, 1, Integer::sum);
        for (ValueInfoProto o : graph.getOutputList()) uses.merge(o.getName(), 1, Integer::sum);

        for (NodeProto n : topologicalOrder(initializerNames, input.getName())) {
            try {
                convertNode(n);
            } catch (ImportProblem | IllegalArgumentException | ArithmeticException e) {
                throw new OnnxFormatException(file, describe(n), e.getMessage());
            }
        }
        List<String> outputs = new ArrayList<>();
        for (ValueInfoProto o : graph.getOutputList()) {
            ImportedValue v = values.get(o.getName());
            String what = "output '" + o.getName() + "'";
            if (v == null) throw new OnnxFormatException(file, null, what + " is never computed");
            if (!(v instanceof Dyn d)) {
                throw new OnnxFormatException(file, null, what + (v instanceof Const ? " is a constant" : " is a TopK output or k-WTA zeros")
                        + "; expected a value computed from the input");
            }
            if (!d.name().equals(o.getName())) {
                // the output was an alias (Identity, Dropout): keep the ONNX name as the graph's output name
                if (producerIndex.containsKey(o.getName()) || o.getName().equals(input.getName())) {
                    throw new OnnxFormatException(file, null, what + " names two values");
                }
                nodes.add(new GraphNode(uniqueNodeName("output_" + o.getName()), Op.Unary.of(Op.UnaryKind.IDENTITY), d.name(), o.getName()));
                producerIndex.put(o.getName(), nodes.size() - 1);
            }
            outputs.add(o.getName());
        }
        if (outputs.isEmpty()) throw new OnnxFormatException(file, null, "the graph has no outputs");
        try {
            return new ModelGraph(input.getName(), inputShape, nodes, outputs);
        } catch (InvalidGraphException e) {
            throw new OnnxFormatException(file, null, e.getMessage());
        }
    }

    /** The initializers as decoded, in file order (after {@link #convert()}). */
    Map<String, ConstTensor> initializers() {
        return initializers;
    }

    private ValueInfoProto theInput(Set<String> initializerNames) throws OnnxFormatException {
        List<ValueInfoProto> inputs = graph.getInputList().stream().filter(i -> !initializerNames.contains(i.getName())).toList();
        if (inputs.size() != 1) {
            throw new OnnxFormatException(file, null, "the graph has " + inputs.size() + " inputs besides initializers; expected exactly 1");
        }
        return inputs.get(0);
    }

    /** The input's dims after the batch; all must be fixed sizes. */
    private int[] sampleShape(ValueInfoProto input) throws OnnxFormatException {
        String what = "input '" + input.getName() + "'";
        if (!input.getType().hasTensorType() || input.getType().getTensorType().getElemType() != 1) {
            throw new OnnxFormatException(file, null, what + " is not a float tensor; expected FLOAT (1)");
        }
        TensorShapeProto shape = input.getType().getTensorType().getShape();
        int rank = shape.getDimCount();
        if (rank < 1 || rank > 8) throw new OnnxFormatException(file, null, what + " has rank " + rank + "; expected [batch, ...] of rank 1 to 8");
        int[] sample = new int[rank - 1];
        for (int i = 1; i < rank; i++) {
            TensorShapeProto.Dimension d = shape.getDim(i);
            if (!d.hasDimValue() || d.getDimValue() < 1 || d.getDimValue() > Integer.MAX_VALUE - 16) {
                throw new OnnxFormatException(file, null, what + " dim " + i + " is " + (d.hasDimValue() ? d.getDimValue() : "'" + d.getDimParam() + "'")
                        + "; expected a fixed size >= 1 (only the batch dim may be symbolic)");
            }
            sample[i - 1] = (int) d.getDimValue();
        }
        try {
            Tensor.checkedSize(sample);
        } catch (IllegalArgumentException e) {
            throw new OnnxFormatException(file, null, what + ": " + e.getMessage());
        }
        return sample;
    }

    /** Kahn's algorithm over the nodes (in file order where free), refusing missing producers and cycles. */
    private List<NodeProto> topologicalOrder(Set<String> initializers, String inputName) throws OnnxFormatException {
        List<NodeProto> all = graph.getNodeList();
        Map<String, Integer> producer = new HashMap<>();
        for (int i = 0; i < all.size(); i++) {
            NodeProto n = all.get(i);
            if (n.getOutputCount() == 0 || n.getOutput(0).isEmpty()) throw new OnnxFormatException(file, describe(n), "no output; expected one");
            for (String o : n.getOutputList()) {
                if (o.isEmpty()) continue;
                if (initializers.contains(o) || o.equals(inputName) || producer.putIfAbsent(o, i) != null) {
                    throw new OnnxFormatException(file, describe(n), "writes '" + o + "', which is already defined (values are assigned once)");
                }
            }
        }
        int[] waiting = new int[all.size()];
        Map<Integer, List<Integer>> consumers = new HashMap<>();
        for (int i = 0; i < all.size(); i++) {
            for (String in : all.get(i).getInputList()) {
                if (in.isEmpty() || initializers.contains(in) || in.equals(inputName)) continue;
                Integer p = producer.get(in);
                if (p == null) throw new OnnxFormatException(file, describe(all.get(i)), "reads '" + in + "', which no node, initializer or input defines");
                waiting[i]++;
                consumers.computeIfAbsent(p, k -> new ArrayList<>()).add(i);
            }
        }
        ArrayDeque<Integer> ready = new ArrayDeque<>();
        for (int i = 0; i < all.size(); i++) if (waiting[i] == 0) ready.add(i);
        List<NodeProto> order = new ArrayList<>(all.size());
        while (!ready.isEmpty()) {
            int i = ready.poll();
            order.add(all.get(i));
            for (int c : consumers.getOrDefault(i, List.of())) if (--waiting[c] == 0) ready.add(c);
        }
        if (order.size() < all.size()) {
            for (int i = 0; i < all.size(); i++) {
                if (waiting[i] > 0) throw new OnnxFormatException(file, describe(all.get(i)), "lies on a cycle; expected an acyclic graph");
            }
        }
        return order;
    }

    private static String describe(NodeProto n) {
        return "node '" + n.getName() + "' (" + (n.getDomain().isEmpty() ? "" : n.getDomain() + ":") + n.getOpType() + ")";
    }

    private void convertNode(NodeProto n) {
        String op = n.getOpType();
        if (!n.getDomain().isEmpty() && !n.getDomain().equals("ai.onnx")) {
            throw new ImportProblem("operator of domain '" + n.getDomain() + "'; expected the default ONNX domain");
        }
        for (int k = 1; k < n.getOutputCount() && !op.equals("TopK"); k++) {
            if (!n.getOutput(k).isEmpty() && uses.getOrDefault(n.getOutput(k), 0) > 0) {
                throw new ImportProblem("output " + k + " ('" + n.getOutput(k) + "') is used; expected only the first output to be used");
            }
        }
        Attributes attrs = new Attributes(n);
        List<ImportedValue> in = new ArrayList<>();
        boolean anyDyn = false, anyInput = false;
        for (String name : n.getInputList()) {
            ImportedValue v = name.isEmpty() ? null : values.get(name);
            if (!name.isEmpty() && v == null) throw new ImportProblem("reads '" + name + "' before it is computed");
            in.add(v);
            anyDyn |= v instanceof Dyn;
            anyInput |= v != null;
        }
        String out = n.getOutput(0);
        switch (op) {
            case "TopK" -> { kWinners.topK(n, attrs, in); return; }
            case "ScatterElements" -> { if (kWinners.scatterWinners(n, attrs, in)) return; }
            case "ConstantOfShape" -> { kWinners.constantOfShape(n, attrs, in); return; }
            default -> { }
        }
        for (int i = 0; i < in.size(); i++) {
            if (in.get(i) instanceof TopKOutput t) {
                throw new ImportProblem("reads output " + t.output() + " of TopK node '" + t.topK().node() + "'; TopK is supported "
                        + "as k-winners-take-all: its values scattered at its indices into zeros of its input's shape "
                        + "(ScatterElements on ConstantOfShape(Shape(x)), as sparrow export writes it)");
            }
            if (in.get(i) instanceof ZerosLike z) {
                // k-WTA with k = 0 leaves only the zeros: KWinners(0) of x computes them
                Dyn zeros = emit(n.getName() + "_zeros", uniqueValueName(n.getInput(i) + "_zeros"), new Op.KWinners(0), z.x());
                values.put(n.getInput(i), zeros);
                in.set(i, zeros);
                anyDyn = true;
            }
        }
        if (op.equals("Constant")) {
            values.put(out, new Const(constantValue(attrs)));
            return;
        }
        if (op.equals("Shape") && in.size() == 1 && in.get(0) instanceof Dyn d) {
            if (!attrs.has("start") && !attrs.has("end")) kWinners.shapeOf(out, d);
            long[] full = new long[d.shape().length + 1];
            full[0] = ConstTensor.BATCH;
            for (int i = 0; i < d.shape().length; i++) full[i + 1] = d.shape()[i];
            values.put(out, new Const(folder.shapeOf(full, attrs)));
            return;
        }
        if (anyInput && !anyDyn) {
            List<ConstTensor> consts = new ArrayList<>();
            for (ImportedValue v : in) consts.add(v == null ? null : ((Const) v).tensor());
            if (consts.get(0) == null && !op.equals("Concat")) throw new ImportProblem("input 0 is missing");
            values.put(out, new Const(folder.fold(op, attrs, consts)));
            return;
        }
        if (!anyInput) throw new ImportProblem("no inputs");
        switch (op) {
            case "Relu" -> emit(n, Op.Unary.of(Op.UnaryKind.RELU), dyn(in, 0));
            case "Sigmoid" -> emit(n, Op.Unary.of(Op.UnaryKind.SIGMOID), dyn(in, 0));
            case "Tanh" -> emit(n, Op.Unary.of(Op.UnaryKind.TANH), dyn(in, 0));
            case "Erf" -> emit(n, Op.Unary.of(Op.UnaryKind.ERF), dyn(in, 0));
            case "Neg" -> emit(n, Op.Unary.of(Op.UnaryKind.NEG), dyn(in, 0));
            case "Abs" -> emit(n, Op.Unary.of(Op.UnaryKind.ABS), dyn(in, 0));
            case "Exp" -> emit(n, Op.Unary.of(Op.UnaryKind.EXP), dyn(in, 0));
            case "Sqrt" -> emit(n, Op.Unary.of(Op.UnaryKind.SQRT), dyn(in, 0));
            case "LeakyRelu" -> emit(n, Op.Unary.leakyRelu(attrs.getFloat("alpha", 0.01f)), dyn(in, 0));
            case "HardSigmoid" -> emit(n, Op.Unary.hardSigmoid(attrs.getFloat("alpha", 0.2f), attrs.getFloat("beta", 0.5f)), dyn(in, 0));
            case "HardSwish" -> emit(n, Op.Unary.of(Op.UnaryKind.HARD_SWISH), dyn(in, 0));
            case "Gelu" -> emit(n, Op.Unary.of(switch (attrs.getString("approximate", "none")) {
                case "none" -> Op.UnaryKind.GELU;
                case "tanh" -> Op.UnaryKind.GELU_TANH;
                default -> throw new ImportProblem("approximate = '" + attrs.getString("approximate", "") + "'; expected none or tanh");
            }), dyn(in, 0));
            case "Clip" -> emit(n, Op.Unary.clip(
                    in.size() > 1 && in.get(1) != null ? constant(in, 1, "min").scalar("min") : Float.NEGATIVE_INFINITY,
                    in.size() > 2 && in.get(2) != null ? constant(in, 2, "max").scalar("max") : Float.POSITIVE_INFINITY), dyn(in, 0));
            case "Identity", "Dropout" -> values.put(out, dyn(in, 0));
            case "Cast" -> {
                if (attrs.getInt("to", 0) != 1) throw new ImportProblem("Cast of a batched value to type " + attrs.getInt("to", 0) + "; expected FLOAT (1)");
                values.put(out, dyn(in, 0));
            }
            case "Gemm" -> gemm(n, attrs, in);
            case "MatMul" -> {
                ConstTensor b = constant(in, 1, "B");
                if (b.rank() != 2) throw new ImportProblem("MatMul B is " + b + "; expected a 2-D constant weight");
                emit(n, new Op.Dense(folder.transpose(b, null).toTensor(), null), dyn(in, 0));
            }
            case "Add", "Sub", "Mul", "Div" -> binary(n, op, in);
            case "Conv" -> conv(n, attrs, in);
            case "BatchNormalization" -> batchNorm(n, attrs, in);
            case "MaxPool", "AveragePool" -> pool(n, op, attrs, dyn(in, 0));
            case "GlobalAveragePool" -> emit(n, new Op.GlobalAveragePool(), dyn(in, 0));
            case "ReduceMean" -> reduceMean(n, attrs, in);
            case "Flatten" -> {
                Dyn x = dyn(in, 0);
                int axis = Shapes.axis(attrs.getInt("axis", 1), x.shape().length + 2, "Flatten axis");
                if (axis != 1) throw new ImportProblem("Flatten axis " + attrs.getInt("axis", 1) + "; expected 1 (keeping the batch)");
                emit(n, new Op.Flatten(), x);
            }
            case "Reshape" -> emit(n, new Op.Reshape(batchReshape(dyn(in, 0).shape(), constant(in, 1, "shape").asLongs(),
                    attrs.getInt("allowzero", 0) != 0)), dyn(in, 0));
            case "Unsqueeze", "Squeeze" -> {
                Dyn x = dyn(in, 0);
                long[] axes = in.size() > 1 && in.get(1) != null ? constant(in, 1, "axes").asLongs() : attrs.getLongs("axes");
                emit(n, new Op.Reshape(squeezed(op, x.shape(), axes == null ? new long[0] : axes)), x);
            }
            case "Transpose" -> {
                Dyn x = dyn(in, 0);
                int r = x.shape().length + 1;
                int[] perm = attrs.getInts("perm", null, r, 0, r - 1);
                if (perm == null) throw new ImportProblem("Transpose without perm reverses the axes and moves the batch; expected perm[0] = 0");
                emit(n, new Op.Transpose(perm), x);
            }
            case "Concat" -> {
                List<Dyn> xs = new ArrayList<>();
                for (int i = 0; i < in.size(); i++) xs.add(dyn(in, i));
                if (!attrs.has("axis")) throw new ImportProblem("Concat without axis");
                emit(n, new Op.Concat(Shapes.axis(attrs.getInt("axis", 0), xs.get(0).shape().length + 1, "Concat axis")), xs);
            }
            case "Slice" -> sliceAndWhere.slice(n, in);
            case "Where" -> sliceAndWhere.where(n, attrs, in);
            case "Softmax" -> {
                Dyn x = dyn(in, 0);
                emit(n, new Op.Softmax(Shapes.axis(attrs.getInt("axis", -1), x.shape().length + 1, "Softmax axis")), x);
            }
            default -> throw new ImportProblem("unknown operator " + op + "; expected one of Gemm, MatMul, Conv, "
                    + "BatchNormalization, Relu, LeakyRelu, Sigmoid, HardSigmoid, HardSwish, Tanh, Erf, Gelu, Clip, Add, Sub, Mul, Div, MaxPool, "
                    + "AveragePool, GlobalAveragePool, ReduceMean, Flatten, Reshape, Transpose, Squeeze, Unsqueeze, Concat, "
                    + "Slice, Where (constant condition), Softmax, Identity, Dropout, Cast, Constant, ConstantOfShape, Shape, "
                    + "Gather, TopK with ScatterElements (k-winners-take-all)");
        }
    }

    private ConstTensor constantValue(Attributes attrs) {
        if (attrs.names().size() != 1) throw new ImportProblem("Constant needs exactly one value attribute, has " + attrs.names());
        TensorProto t = attrs.getTensor("value");
        if (t != null) return decoder.decode(t);
        if (attrs.has("value_float")) return ConstTensor.ofFloats(new int[0], new float[] {attrs.getFloat("value_float", 0)});
        if (attrs.has("value_int")) return ConstTensor.ofLongs(new int[0], new long[] {attrs.getInt("value_int", 0)});
        float[] fs = attrs.getFloats("value_floats");
        if (fs != null) return ConstTensor.ofFloats(new int[] {fs.length}, fs);
        long[] ls = attrs.getLongs("value_ints");
        if (ls != null) return ConstTensor.ofLongs(new int[] {ls.length}, ls);
        throw new ImportProblem("Constant with attribute " + attrs.names() + "; expected value, value_float(s) or value_int(s)");
    }

    static Dyn dyn(List<ImportedValue> in, int i) {
        if (i >= in.size() || in.get(i) == null) throw new ImportProblem("input " + i + " is missing");
        if (!(in.get(i) instanceof Dyn d)) {
            throw new ImportProblem("input " + i + (in.get(i) instanceof Const ? " is a constant" : " is a TopK output or k-WTA zeros")
                    + "; expected a value computed from the model input");
        }
        return d;
    }

    static ConstTensor constant(List<ImportedValue> in, int i, String what) {
        if (i >= in.size() || in.get(i) == null) throw new ImportProblem("input " + i + " (" + what + ") is missing");
        if (!(in.get(i) instanceof Const c)) throw new ImportProblem("input " + i + " (" + what + ") depends on the model input; expected a constant");
        return c.tensor();
    }

    Dyn emit(NodeProto n, Op op, Dyn x) {
        return emit(n, op, List.of(x));
    }

    Dyn emit(NodeProto n, Op op, List<Dyn> xs) {
        return emit(n.getName().isEmpty() ? n.getOpType() + "_" + nodes.size() : n.getName(), n.getOutput(0), op, xs);
    }

    Dyn emit(String nodeName, String out, Op op, Dyn x) {
        return emit(nodeName, out, op, List.of(x));
    }

    private Dyn emit(String nodeName, String out, Op op, List<Dyn> xs) {
        int[] shape = op.outputShape(xs.stream().map(Dyn::shape).toList());
        Tensor.checkedSize(shape);
        nodes.add(new GraphNode(uniqueNodeName(nodeName), op, xs.stream().map(Dyn::name).toList(), out));
        producerIndex.put(out, nodes.size() - 1);
        Dyn d = new Dyn(out, shape);
        values.put(out, d);
        return d;
    }

    /** Swaps the op of the node that computes x (which only this node reads) and renames its output to out. */
    private void replaceProducer(Dyn x, Op op, String out) {
        int i = producerIndex.remove(x.name());
        GraphNode old = nodes.get(i);
        nodes.set(i, new GraphNode(old.name(), op, old.inputs(), out));
        producerIndex.put(out, i);
        values.put(out, new Dyn(out, x.shape()));
    }

    /** The producing node's op if x is computed by a node that nothing but the current node reads. */
    private Op soleProducer(Dyn x) {
        Integer i = producerIndex.get(x.name());
        return i != null && uses.getOrDefault(x.name(), 0) == 1 ? nodes.get(i).op() : null;
    }

    String uniqueValueName(String base) {
        String name = base;
        for (int k = 2; values.containsKey(name) || uses.containsKey(name); k++) name = base + "_" + k;
        return name;
    }

    private String uniqueNodeName(String base) {
        String name = base;
        for (int k = 2; !nodeNames.add(name); k++) name = base + "_" + k;
        return name;
    }

    private void gemm(NodeProto n, Attributes attrs, List<ImportedValue> in) {
        Dyn a = dyn(in, 0);
        ConstTensor b = constant(in, 1, "B");
        if (attrs.getInt("transA", 0) != 0) throw new ImportProblem("transA = 1; expected 0 (A is [batch, in])");
        int transB = attrs.getInt("transB", 0, 0, 1);
        float alpha = attrs.getFloat("alpha", 1f), beta = attrs.getFloat("beta", 1f);
        if (b.rank() != 2) throw new ImportProblem("B is " + b + "; expected a 2-D constant");
        ConstTensor w = transB == 1 ? b : folder.transpose(b, null);
        float[] weight = w.asFloats().clone();
        if (alpha != 1f) for (int i = 0; i < weight.length; i++) weight[i] *= alpha;
        int outFeatures = w.shape()[0];
        Tensor bias = null;
        if (in.size() > 2 && in.get(2) != null) {
            ConstTensor c = constant(in, 2, "C");
            float[] cf = c.asFloats();
            boolean perOutput = cf.length == outFeatures && c.rank() >= 1 && c.shape()[c.rank() - 1] == outFeatures && c.rank() <= 2;
            if (!perOutput && cf.length != 1) throw new ImportProblem("C is " + c + "; expected [" + outFeatures + "], [1, " + outFeatures + "] or a scalar");
            float[] bf = new float[outFeatures];
            for (int o = 0; o < outFeatures; o++) bf[o] = beta * cf[perOutput ? o : 0];
            bias = Tensor.wrap(bf, outFeatures);
        }
        emit(n, new Op.Dense(Tensor.wrap(weight, w.shape()), bias), a);
    }

    private void binary(NodeProto n, String op, List<ImportedValue> in) {
        if (in.size() != 2 || in.get(0) == null || in.get(1) == null) throw new ImportProblem(op + " needs 2 inputs");
        Op.BinaryKind kind = Op.BinaryKind.valueOf(op.toUpperCase());
        if (in.get(0) instanceof Dyn a && in.get(1) instanceof Dyn b) {
            emit(n, Op.Binary.ofValues(kind), List.of(a, b));
            return;
        }
        boolean constantFirst = in.get(0) instanceof Const;
        Dyn x = dyn(in, constantFirst ? 1 : 0);
        ConstTensor c = constant(in, constantFirst ? 0 : 1, "constant");
        if (kind == Op.BinaryKind.ADD && fuseBias(n, x, c)) return;
        emit(n, Op.Binary.withConstant(kind, c.toTensor(), constantFirst), x);
    }

    /** Folds "Dense or Conv without bias, then + constant bias" into the producer. */
    private boolean fuseBias(NodeProto n, Dyn x, ConstTensor c) {
        Op producer = soleProducer(x);
        if (producer instanceof Op.Dense d && d.bias() == null && c.rank() <= x.shape().length + 1
                && c.size() == d.outFeatures() && c.rank() >= 1 && c.shape()[c.rank() - 1] == d.outFeatures()) {
            replaceProducer(x, new Op.Dense(d.weight(), Tensor.wrap(c.asFloats().clone(), d.outFeatures())), n.getOutput(0));
            return true;
        }
        if (producer instanceof Op.Conv cv && cv.bias() == null && c.size() == cv.outChannels() && c.rank() >= 3 && c.rank() <= 4
                && c.shape()[c.rank() - 3] == cv.outChannels()) {
            replaceProducer(x, new Op.Conv(cv.weight(), Tensor.wrap(c.asFloats().clone(), cv.outChannels()), cv.strides(), cv.pads(),
                    cv.dilations(), cv.groups()), n.getOutput(0));
            return true;
        }
        return false;
    }

    private void conv(NodeProto n, Attributes attrs, List<ImportedValue> in) {
        Dyn x = dyn(in, 0);
        ConstTensor w = constant(in, 1, "W");
        if (w.rank() != 4 || x.shape().length != 3) {
            throw new ImportProblem("W is " + w + " on [N, " + join(x.shape()) + "]; expected a 2-D convolution (W of rank 4, input [N, C, H, W])");
        }
        int[] kernel = {w.shape()[2], w.shape()[3]};
        int[] declared = attrs.getInts("kernel_shape", kernel, 2, 1, Integer.MAX_VALUE);
        if (!Arrays.equals(declared, kernel)) throw new ImportProblem("kernel_shape " + Arrays.toString(declared) + " disagrees with W " + w);
        int groups = attrs.getInt("group", 1, 1, 1 << 24);
        int[] strides = attrs.getInts("strides", new int[] {1, 1}, 2, 1, 1 << 24);
        int[] dilations = attrs.getInts("dilations", new int[] {1, 1}, 2, 1, 1 << 24);
        int[] pads = pads(attrs, x.shape(), kernel, strides, dilations);
        Tensor bias = in.size() > 2 && in.get(2) != null ? constant(in, 2, "B").toTensor() : null;
        if (bias != null && bias.rank() != 1) throw new ImportProblem("B is " + bias.shapeString() + "; expected [" + w.shape()[0] + "]");
        emit(n, new Op.Conv(w.toTensor(), bias, strides, pads, dilations, groups), x);
    }

    /** Explicit pads, or those auto_pad asks for on this input. */
    private static int[] pads(Attributes attrs, int[] xs, int[] kernel, int[] strides, int[] dilations) {
        String autoPad = attrs.getString("auto_pad", "NOTSET");
        return switch (autoPad) {
            case "NOTSET", "" -> attrs.getInts("pads", new int[4], 4, 0, 1 << 24);
            case "VALID" -> new int[4];
            case "SAME_UPPER", "SAME_LOWER" -> {
                int[] p = new int[4];
                for (int a = 0; a < 2; a++) {
                    long in = xs[a + 1];
                    long out = (in + strides[a] - 1) / strides[a];
                    long total = Math.max(0, (out - 1) * strides[a] + (long) (kernel[a] - 1) * dilations[a] + 1 - in);
                    if (total > 1 << 24) throw new ImportProblem("auto_pad needs padding " + total);
                    int small = (int) (total / 2), large = (int) (total - total / 2);
                    p[a] = autoPad.equals("SAME_UPPER") ? small : large;
                    p[a + 2] = autoPad.equals("SAME_UPPER") ? large : small;
                }
                yield p;
            }
            default -> throw new ImportProblem("auto_pad = '" + autoPad + "'; expected NOTSET, VALID, SAME_UPPER or SAME_LOWER");
        };
    }

    private void pool(NodeProto n, String op, Attributes attrs, Dyn x) {
        if (x.shape().length != 3) throw new ImportProblem(op + " of [N, " + join(x.shape()) + "]; expected [N, C, H, W]");
        int[] kernel = attrs.getInts("kernel_shape", null, 2, 1, 1 << 24);
        if (kernel == null) throw new ImportProblem("no kernel_shape; expected 2 ints");
        int[] strides = attrs.getInts("strides", new int[] {1, 1}, 2, 1, 1 << 24);
        int[] dilations = attrs.getInts("dilations", new int[] {1, 1}, 2, 1, 1 << 24);
        int[] pads = pads(attrs, x.shape(), kernel, strides, dilations);
        boolean ceil = attrs.getInt("ceil_mode", 0, 0, 1) == 1;
        if (op.equals("MaxPool")) {
            if (attrs.getInt("storage_order", 0) != 0) throw new ImportProblem("storage_order = 1; expected 0");
            emit(n, new Op.MaxPool(kernel, strides, pads, dilations, ceil), x);
        } else {
            if (dilations[0] != 1 || dilations[1] != 1) throw new ImportProblem("dilations " + Arrays.toString(dilations) + "; expected 1, 1");
            emit(n, new Op.AveragePool(kernel, strides, pads, ceil, attrs.getInt("count_include_pad", 0, 0, 1) == 1), x);
        }
    }

    private void batchNorm(NodeProto n, Attributes attrs, List<ImportedValue> in) {
        Dyn x = dyn(in, 0);
        if (attrs.getInt("training_mode", 0) != 0) throw new ImportProblem("training_mode = 1; expected inference (0)");
        float epsilon = attrs.getFloat("epsilon", 1e-5f);
        if (x.shape().length < 1) throw new ImportProblem("input of rank 1; expected [N, C, ...]");
        int channels = x.shape()[0];
        float[][] p = new float[4][];
        String[] names = {"scale", "B", "mean", "var"};
        for (int k = 0; k < 4; k++) {
            ConstTensor t = constant(in, k + 1, names[k]);
            if (t.rank() != 1 || t.size() != channels) throw new ImportProblem(names[k] + " is " + t + "; expected [" + channels + "]");
            p[k] = t.asFloats();
        }
        float[] scale = new float[channels], shift = new float[channels];
        for (int c = 0; c < channels; c++) {
            double s = p[0][c] / Math.sqrt((double) p[3][c] + epsilon);
            scale[c] = (float) s;
            shift[c] = (float) (p[1][c] - p[2][c] * s);
        }
        if (soleProducer(x) instanceof Op.Conv cv) {
            float[] w = cv.weight().data().clone();
            int perChannel = w.length / cv.outChannels();
            float[] bias = new float[cv.outChannels()];
            for (int c = 0; c < cv.outChannels(); c++) {
                for (int i = 0; i < perChannel; i++) w[c * perChannel + i] = (float) ((double) w[c * perChannel + i] * scale[c]);
                double b = cv.bias() == null ? 0 : cv.bias().get(c);
                bias[c] = (float) (b * scale[c] + shift[c]);
            }
            replaceProducer(x, new Op.Conv(Tensor.wrap(w, cv.weight().shape()), Tensor.wrap(bias, channels), cv.strides(), cv.pads(),
                    cv.dilations(), cv.groups()), n.getOutput(0));
            return;
        }
        emit(n, new Op.BatchNorm(Tensor.wrap(scale, channels), Tensor.wrap(shift, channels)), x);
    }

    private void reduceMean(NodeProto n, Attributes attrs, List<ImportedValue> in) {
        Dyn x = dyn(in, 0);
        long[] axes = opset >= 18
                ? (in.size() > 1 && in.get(1) != null ? constant(in, 1, "axes").asLongs() : new long[0])
                : attrs.getLongs("axes");
        if (axes == null) axes = new long[0];
        boolean keepDims = attrs.getInt("keepdims", 1, 0, 1) == 1;
        if (axes.length == 0) {
            if (attrs.getInt("noop_with_empty_axes", 0) != 0) {
                values.put(n.getOutput(0), x);
                return;
            }
            throw new ImportProblem("ReduceMean over all axes would mix the batch; expected axes without 0");
        }
        int r = x.shape().length + 1;
        int[] full = new int[axes.length];
        for (int i = 0; i < axes.length; i++) full[i] = Shapes.axis(axes[i], r, "ReduceMean axis");
        emit(n, new Op.ReduceMean(full, keepDims), x);
    }

    /**
     * The sample shape a Reshape of a batched value gives, which must keep the batch first: the target's first
     * entry is the symbolic batch (from Shape), 0 (copy), or -1 with the rest holding exactly one sample.
     */
    static int[] batchReshape(int[] sample, long[] target, boolean allowZero) {
        if (target.length < 1) throw new ImportProblem("Reshape to a scalar; expected [batch, ...]");
        long first = target[0];
        long[] rest = Arrays.copyOfRange(target, 1, target.length);
        for (int i = 0; i < rest.length; i++) {
            if (rest[i] == ConstTensor.BATCH) throw new ImportProblem("Reshape puts the batch size off axis 0");
            if (rest[i] == 0 && !allowZero) {
                if (i >= sample.length) throw new ImportProblem("Reshape copies dim " + (i + 1) + " of [N, " + join(sample) + "]");
                rest[i] = sample[i];
            }
        }
        boolean keepsBatch = first == ConstTensor.BATCH || (first == 0 && !allowZero);
        if (first == -1) {
            for (long v : rest) if (v < 0) throw new ImportProblem("Reshape target " + Arrays.toString(target) + " has two -1");
            keepsBatch = true;
        }
        if (!keepsBatch) {
            throw new ImportProblem("Reshape to a fixed first dim " + first + " would fix the batch; expected x.shape[0], 0 or -1 first "
                    + "(export with a dynamic batch axis)");
        }
        int[] shape = Shapes.reshapeConstant(sample, rest, true);
        if (first == -1 && Shapes.count(shape) != Shapes.count(sample)) {
            throw new ImportProblem("Reshape of [N, " + join(sample) + "] to " + Arrays.toString(target) + " would change the batch size");
        }
        return shape;
    }

    private static int[] squeezed(String op, int[] sample, long[] axes) {
        int r = sample.length + 1;
        int[] full = new int[r];
        full[0] = 2; // a stand-in batch that is not 1, so Squeeze never takes it
        System.arraycopy(sample, 0, full, 1, sample.length);
        if (op.equals("Unsqueeze")) {
            for (long a : axes) if (Shapes.axis(a, r + axes.length, "Unsqueeze axis") == 0) throw new ImportProblem("Unsqueeze at axis 0 moves the batch");
            int[] out = Shapes.unsqueeze(full, axes);
            return Arrays.copyOfRange(out, 1, out.length);
        }
        for (long a : axes) if (Shapes.axis(a, r, "Squeeze axis") == 0) throw new ImportProblem("Squeeze of axis 0 removes the batch");
        int[] out = Shapes.squeeze(full, axes);
        return Arrays.copyOfRange(out, 1, out.length);
    }

    static String join(int[] s) {
        return Arrays.toString(s).replaceAll("[\\[\\]]", "");
    }
}
