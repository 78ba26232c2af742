package dev.sparrow.onnx;

import com.google.protobuf.ByteString;
import dev.sparrow.nn.Layer;
import dev.sparrow.nn.layers.AbstractKWinners;
import dev.sparrow.nn.layers.BatchNorm;
import dev.sparrow.nn.layers.Conv2d;
import dev.sparrow.nn.layers.Dropout;
import dev.sparrow.nn.layers.Flatten;
import dev.sparrow.nn.layers.GlobalAvgPool2d;
import dev.sparrow.nn.layers.KWinners;
import dev.sparrow.nn.layers.KWinners2d;
import dev.sparrow.nn.layers.Linear;
import dev.sparrow.nn.layers.MaxPool2d;
import dev.sparrow.nn.layers.ReLU;
import dev.sparrow.nn.layers.ResidualBlock;
import dev.sparrow.nn.layers.Sequential;
import dev.sparrow.onnx.proto.OnnxProto.AttributeProto;
import dev.sparrow.onnx.proto.OnnxProto.GraphProto;
import dev.sparrow.onnx.proto.OnnxProto.ModelProto;
import dev.sparrow.onnx.proto.OnnxProto.NodeProto;
import dev.sparrow.onnx.proto.OnnxProto.OperatorSetIdProto;
import dev.sparrow.onnx.proto.OnnxProto.StringStringEntryProto;
import dev.sparrow.onnx.proto.OnnxProto.TensorProto;
import dev.sparrow.onnx.proto.OnnxProto.TensorShapeProto;
import dev.sparrow.onnx.proto.OnnxProto.TypeProto;
import dev.sparrow.onnx.proto.OnnxProto.ValueInfoProto;
import dev.sparrow.tensor.Tensor;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes a Sparrow model (a tree of nn layers, in evaluation mode) as an ONNX model, opset {@value #OPSET}:
 * one input {@value #INPUT} [batch, sample...] with a symbolic batch dimension, one output {@value #OUTPUT}.
 *
 * <ul>
 *   <li>Linear → Gemm (transB = 1, the weight kept [out, in]); Conv2d → Conv; BatchNorm1d/2d →
 *       BatchNormalization with the running statistics; ReLU → Relu; MaxPool2d → MaxPool; GlobalAvgPool2d →
 *       GlobalAveragePool then Flatten (Sparrow's pool gives [batch, channels]); Flatten → Flatten (axis 1);
 *       Dropout is left out (inference); ResidualBlock → its convolutions and batch norms, Add, Relu.</li>
 *   <li>k-winners-take-all (KWinners, KWinners2d global and local), at evaluation: k = the layer's
 *       {@code kInference}; TopK(k) along the group's axis gives the winners' values and indices, and
 *       ScatterElements writes the values at those indices into zeros of the input's shape
 *       (ConstantOfShape(Shape(x))). ONNX's TopK orders equal values by their index, lower first, so among
 *       values tied at the k-th largest the lower indices win: exactly Sparrow's rule ({@code kernel.TopK}),
 *       and the output is the same, ties included (a mask built with GreaterOrEqual against the k-th value
 *       would let every tied value through instead). Global k-WTA flattens each sample to one group and
 *       reshapes back. When k is the group size the layer is the identity; when k is 0, zeros.</li>
 * </ul>
 * Initializers carry the parameters' and buffers' Sparrow names ("3.weight", "1.running_mean"); masked weights
 * are stored with their zeros (ONNX has no mask).
 */
public final class OnnxExporter {
    public static final int OPSET = 17;
    /** The IR version that goes with opset 17. */
    public static final int IR_VERSION = 8;
    public static final String INPUT = "input";
    public static final String OUTPUT = "logits";
    public static final String BATCH = "batch";

    private final GraphProto.Builder graph = GraphProto.newBuilder();
    private final Set<String> names = new HashSet<>();
    private int counter;

    private OnnxExporter() {}

    /**
     * The model as an ONNX ModelProto for samples of {@code sampleShape}; {@code metadata} goes to the model's
     * metadata_props. Layers the exporter does not know are an IllegalArgumentException naming them.
     */
    public static ModelProto export(Layer model, int[] sampleShape, Map<String, String> metadata) {
        if (model == null) throw new IllegalArgumentException("model is null");
        if (sampleShape == null || sampleShape.length == 0) throw new IllegalArgumentException("sampleShape is empty");
        int[] outShape = model.outputShape(sampleShape.clone()); // checks the shape fits, naming the layer
        OnnxExporter e = new OnnxExporter();
        e.names.add(INPUT);
        Value out = e.layer(model, new Value(INPUT, sampleShape.clone()), "");
        e.finish(out, sampleShape, outShape);
        ModelProto.Builder m = ModelProto.newBuilder()
                .setIrVersion(IR_VERSION)
                .setProducerName("sparrow")
                .setProducerVersion(version())
                .setGraph(e.graph.setName("sparrow"))
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET));
        if (metadata != null) {
            for (Map.Entry<String, String> en : metadata.entrySet()) {
                m.addMetadataProps(StringStringEntryProto.newBuilder().setKey(en.getKey()).setValue(en.getValue()));
            }
        }
        return m.build();
    }

    /** Exports and writes {@code target} atomically (a temporary file in the same folder, then a rename). */
    public static void write(Layer model, int[] sampleShape, Map<String, String> metadata, Path target) throws IOException {
        ModelProto proto = export(model, sampleShape, metadata);
        writeAtomically(target, proto::writeTo);
    }

    /** Something that writes a file's content to a stream. */
    interface Content {
        void writeTo(OutputStream out) throws IOException;
    }

    /** Writes {@code content} to a temporary file beside {@code target}, forces it to disk and renames it. */
    static void writeAtomically(Path target, Content content) throws IOException {
        Path absolute = target.toAbsolutePath();
        Path dir = absolute.getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new IOException("cannot write " + target + ": folder " + dir + " does not exist");
        }
        if (!Files.isWritable(dir)) throw new IOException("cannot write " + target + ": folder " + dir + " is not writable");
        if (Files.isDirectory(absolute)) throw new IOException("cannot write " + target + ": it is a folder");
        Path temp;
        try {
            temp = Files.createTempFile(dir, "." + absolute.getFileName() + ".", ".tmp");
        } catch (IOException e) {
            throw new IOException("cannot write " + target + ": cannot create a file in " + dir + " (" + e.getMessage() + ")", e);
        }
        boolean moved = false;
        try {
            try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
                 OutputStream out = java.nio.channels.Channels.newOutputStream(ch)) {
                OutputStream buffered = new java.io.BufferedOutputStream(out, 1 << 16);
                content.writeTo(buffered);
                buffered.flush();
                ch.force(true);
            }
            try {
                Files.move(temp, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, absolute, StandardCopyOption.REPLACE_EXISTING);
            }
            moved = true;
        } finally {
            if (!moved) Files.deleteIfExists(temp);
        }
    }

    private static String version() {
        String v = OnnxExporter.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    /** A value of the graph: its name and sample shape (batch left out). */
    private record Value(String name, int[] shape) {}

    private Value layer(Layer layer, Value x, String prefix) {
        return switch (layer) {
            case Sequential s -> {
                Value v = x;
                for (int i = 0; i < s.size(); i++) v = layer(s.get(i), v, prefix + i + ".");
                yield v;
            }
            case Linear l -> linear(l, x, prefix);
            case Conv2d c -> conv(c, x, prefix);
            case BatchNorm b -> batchNorm(b, x, prefix);
            case ReLU _ -> new Value(node("Relu", prefix, List.of(x.name()), List.of()), x.shape());
            case MaxPool2d p -> new Value(node("MaxPool", prefix, List.of(x.name()), List.of(
                    ints("kernel_shape", p.kernel(), p.kernel()), ints("strides", p.stride(), p.stride()))),
                    p.outputShape(x.shape()));
            case GlobalAvgPool2d g -> {
                String pooled = node("GlobalAveragePool", prefix, List.of(x.name()), List.of());
                yield new Value(node("Flatten", prefix, List.of(pooled), List.of(intAttr("axis", 1))), g.outputShape(x.shape()));
            }
            case Flatten f -> new Value(node("Flatten", prefix, List.of(x.name()), List.of(intAttr("axis", 1))), f.outputShape(x.shape()));
            case Dropout _ -> x;
            case ResidualBlock r -> residual(r, x, prefix);
            case AbstractKWinners k -> kWinners(k, x, prefix);
            default -> throw new IllegalArgumentException("ONNX export: layer " + (prefix.isEmpty() ? "" : "'" + stripDot(prefix) + "' ")
                    + layer.describe() + " (" + layer.getClass().getSimpleName() + ") has no ONNX form; exportable: Sequential, Linear, "
                    + "Conv2d, BatchNorm1d/2d, ReLU, MaxPool2d, GlobalAvgPool2d, Flatten, Dropout, ResidualBlock, KWinners, KWinners2d");
        };
    }

    private Value linear(Linear l, Value x, String prefix) {
        List<String> in = new ArrayList<>(List.of(x.name(), initializer(prefix + "weight", l.weight().value())));
        if (l.bias() != null) in.add(initializer(prefix + "bias", l.bias().value()));
        return new Value(node("Gemm", prefix, in, List.of(intAttr("transB", 1))), l.outputShape(x.shape()));
    }

    private Value conv(Conv2d c, Value x, String prefix) {
        List<String> in = new ArrayList<>(List.of(x.name(), initializer(prefix + "weight", c.weight().value())));
        if (c.bias() != null) in.add(initializer(prefix + "bias", c.bias().value()));
        int p = c.padding();
        return new Value(node("Conv", prefix, in, List.of(
                ints("kernel_shape", c.kernelHeight(), c.kernelWidth()),
                ints("strides", c.stride(), c.stride()),
                ints("pads", p, p, p, p),
                ints("dilations", 1, 1),
                intAttr("group", 1))), c.outputShape(x.shape()));
    }

    private Value batchNorm(BatchNorm b, Value x, String prefix) {
        List<String> in = List.of(x.name(),
                initializer(prefix + "weight", b.weight().value()),
                initializer(prefix + "bias", b.bias().value()),
                initializer(prefix + "running_mean", b.runningMean()),
                initializer(prefix + "running_var", b.runningVar()));
        return new Value(node("BatchNormalization", prefix, in, List.of(floatAttr("epsilon", (float) b.eps()))),
                b.outputShape(x.shape()));
    }

    private Value residual(ResidualBlock r, Value x, String prefix) {
        List<Layer> c = r.children();
        Value main = layer(c.get(1), layer(c.get(0), x, prefix + "0."), prefix + "1.");
        main = new Value(node("Relu", prefix, List.of(main.name()), List.of()), main.shape());
        main = layer(c.get(3), layer(c.get(2), main, prefix + "2."), prefix + "3.");
        Value skip = r.hasProjection() ? layer(c.get(4), x, prefix + "4.") : x;
        String sum = node("Add", prefix, List.of(main.name(), skip.name()), List.of());
        return new Value(node("Relu", prefix, List.of(sum), List.of()), r.outputShape(x.shape()));
    }

    private Value kWinners(AbstractKWinners kw, Value x, String prefix) {
        int[] s = x.shape();
        kw.outputShape(s); // checks the shape
        boolean global = kw instanceof KWinners || (kw instanceof KWinners2d k2 && !k2.isLocal());
        int groupSize = global ? dev.sparrow.tensor.Tensor.checkedSize(s) : s[0];
        int k = kw.kInference(groupSize);
        if (k >= groupSize) return x;
        if (k <= 0) return new Value(zerosLike(x.name(), prefix), s);
        String in = x.name();
        if (global && s.length > 1) in = node("Flatten", prefix, List.of(in), List.of(intAttr("axis", 1)));
        String kConst = initializer(prefix + "k", new long[] {k}, new int[] {1});
        NodeProto.Builder topK = NodeProto.newBuilder().setOpType("TopK").setName(uniqueNode(prefix, "TopK"))
                .addInput(in).addInput(kConst)
                .addOutput(fresh(prefix + "topk_values")).addOutput(fresh(prefix + "topk_indices"))
                .addAttribute(intAttr("axis", 1)).addAttribute(intAttr("largest", 1)).addAttribute(intAttr("sorted", 1));
        graph.addNode(topK);
        String zeros = zerosLike(in, prefix);
        String out = node("ScatterElements", prefix, List.of(zeros, topK.getOutput(1), topK.getOutput(0)), List.of(intAttr("axis", 1)));
        if (global && s.length > 1) {
            long[] target = new long[s.length + 1];
            for (int i = 0; i < s.length; i++) target[i + 1] = s[i]; // target[0] = 0: keep the batch dimension
            String shape = initializer(prefix + "shape", target, new int[] {target.length});
            out = node("Reshape", prefix, List.of(out, shape), List.of());
        }
        return new Value(out, s);
    }

    /** Zeros of the shape of {@code x}: ConstantOfShape(Shape(x)), value 0.0f. */
    private String zerosLike(String x, String prefix) {
        String shape = node("Shape", prefix, List.of(x), List.of());
        TensorProto zero = TensorProto.newBuilder().setDataType(TensorProto.DataType.FLOAT_VALUE).addDims(1)
                .setRawData(ByteString.copyFrom(new byte[4])).build();
        AttributeProto value = AttributeProto.newBuilder().setName("value").setType(AttributeProto.AttributeType.TENSOR).setT(zero).build();
        return node("ConstantOfShape", prefix, List.of(shape), List.of(value));
    }

    private void finish(Value out, int[] sampleShape, int[] outShape) {
        String last = out.name();
        if (last.equals(INPUT)) {
            last = node("Identity", "", List.of(INPUT), List.of());
        }
        // the last node's output becomes "logits"
        int lastIndex = graph.getNodeCount() - 1;
        NodeProto.Builder producer = graph.getNodeBuilder(lastIndex);
        if (!producer.getOutput(0).equals(last)) {
            producer = null;
            for (int i = 0; i < graph.getNodeCount(); i++) {
                if (graph.getNode(i).getOutputList().contains(last)) producer = graph.getNodeBuilder(i);
            }
            if (producer == null) throw new IllegalStateException("no node makes " + last);
        }
        for (int i = 0; i < producer.getOutputCount(); i++) if (producer.getOutput(i).equals(last)) producer.setOutput(i, OUTPUT);
        for (NodeProto.Builder n : graph.getNodeBuilderList()) {
            for (int i = 0; i < n.getInputCount(); i++) if (n.getInput(i).equals(last)) n.setInput(i, OUTPUT);
        }
        graph.addInput(valueInfo(INPUT, sampleShape));
        graph.addOutput(valueInfo(OUTPUT, outShape));
    }

    private static ValueInfoProto valueInfo(String name, int[] sample) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder()
                .addDim(TensorShapeProto.Dimension.newBuilder().setDimParam(BATCH));
        for (int d : sample) shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder()
                .setTensorType(TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE).setShape(shape))).build();
    }

    private String node(String op, String prefix, List<String> inputs, List<AttributeProto> attrs) {
        String name = uniqueNode(prefix, op);
        String out = fresh(name);
        graph.addNode(NodeProto.newBuilder().setOpType(op).setName(name).addAllInput(inputs).addOutput(out).addAllAttribute(attrs));
        return out;
    }

    private String uniqueNode(String prefix, String op) {
        return "/" + stripDot(prefix).replace('.', '/') + (prefix.isEmpty() ? "" : "/") + op + "_" + (counter++);
    }

    private String fresh(String base) {
        String n = base;
        for (int i = 1; !names.add(n); i++) n = base + "_" + i;
        return n;
    }

    private String initializer(String name, Tensor t) {
        String n = fresh(name);
        ByteBuffer b = ByteBuffer.allocate(t.size() * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(t.data());
        TensorProto.Builder p = TensorProto.newBuilder().setName(n).setDataType(TensorProto.DataType.FLOAT_VALUE)
                .setRawData(ByteString.copyFrom(b.array()));
        for (int d : t.shape()) p.addDims(d);
        graph.addInitializer(p);
        return n;
    }

    private String initializer(String name, long[] values, int[] shape) {
        String n = fresh(name);
        ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        b.asLongBuffer().put(values);
        TensorProto.Builder p = TensorProto.newBuilder().setName(n).setDataType(TensorProto.DataType.INT64_VALUE)
                .setRawData(ByteString.copyFrom(b.array()));
        for (int d : shape) p.addDims(d);
        graph.addInitializer(p);
        return n;
    }

    private static AttributeProto intAttr(String name, long v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(v).build();
    }

    private static AttributeProto floatAttr(String name, float v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF(v).build();
    }

    private static AttributeProto ints(String name, long... v) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long x : v) a.addInts(x);
        return a.build();
    }

    private static String stripDot(String prefix) {
        return prefix.endsWith(".") ? prefix.substring(0, prefix.length() - 1) : prefix;
    }
}
