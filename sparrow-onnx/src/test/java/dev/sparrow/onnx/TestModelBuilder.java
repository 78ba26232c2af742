package dev.sparrow.onnx;

import com.google.protobuf.ByteString;
import dev.sparrow.onnx.proto.OnnxProto.AttributeProto;
import dev.sparrow.onnx.proto.OnnxProto.GraphProto;
import dev.sparrow.onnx.proto.OnnxProto.ModelProto;
import dev.sparrow.onnx.proto.OnnxProto.NodeProto;
import dev.sparrow.onnx.proto.OnnxProto.OperatorSetIdProto;
import dev.sparrow.onnx.proto.OnnxProto.TensorProto;
import dev.sparrow.onnx.proto.OnnxProto.TensorShapeProto;
import dev.sparrow.onnx.proto.OnnxProto.TypeProto;
import dev.sparrow.onnx.proto.OnnxProto.ValueInfoProto;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * Small ONNX models written in Java for op tests: one float input "x" [batch, sample...] with a symbolic batch,
 * nodes added in order, the last node's first output is the graph output "y".
 */
final class TestModelBuilder {
    private final GraphProto.Builder graph = GraphProto.newBuilder().setName("test");
    private final long opset;
    private final SplittableRandom random;
    private int counter;

    TestModelBuilder(long opset, int[] sample, SplittableRandom random) {
        this.opset = opset;
        this.random = random;
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder().addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("batch"));
        for (int d : sample) shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        graph.addInput(ValueInfoProto.newBuilder().setName("x").setType(TypeProto.newBuilder()
                .setTensorType(TypeProto.Tensor.newBuilder().setElemType(1).setShape(shape))));
    }

    /** A node reading inputs ("" for an absent optional one), with the given attributes; returns its first output. */
    String node(String op, String[] inputs, AttributeProto... attributes) {
        return node(op, inputs, 1, attributes);
    }

    String node(String op, String[] inputs, int outputs, AttributeProto... attributes) {
        String name = op.toLowerCase() + "_" + counter++;
        NodeProto.Builder n = NodeProto.newBuilder().setOpType(op).setName(name);
        for (String i : inputs) n.addInput(i);
        for (int o = 0; o < outputs; o++) n.addOutput(name + "_out" + o);
        for (AttributeProto a : attributes) n.addAttribute(a);
        graph.addNode(n);
        return name + "_out0";
    }

    /** A float initializer of seeded values in [-1, 1). */
    String randomFloats(int... shape) {
        int n = 1;
        for (int d : shape) n *= d;
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (random.nextDouble() * 2 - 1);
        return floats(v, shape);
    }

    String floats(float[] v, int... shape) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v);
        return initializer(TensorProto.DataType.FLOAT_VALUE, b.array(), shape);
    }

    String longs(long... v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        b.asLongBuffer().put(v);
        return initializer(TensorProto.DataType.INT64_VALUE, b.array(), v.length);
    }

    /** An int64 scalar (shape []). */
    String longScalar(long v) {
        ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(0, v);
        return initializer(TensorProto.DataType.INT64_VALUE, b.array());
    }

    String bools(boolean[] v, int... shape) {
        byte[] bytes = new byte[v.length];
        for (int i = 0; i < v.length; i++) bytes[i] = (byte) (v[i] ? 1 : 0);
        return initializer(TensorProto.DataType.BOOL_VALUE, bytes, shape);
    }

    private String initializer(int type, byte[] data, int... shape) {
        String name = "c" + counter++;
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(type).setRawData(ByteString.copyFrom(data));
        for (int d : shape) t.addDims(d);
        graph.addInitializer(t);
        return name;
    }

    static AttributeProto attr(String name, long v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(v).build();
    }

    static AttributeProto attr(String name, float v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF(v).build();
    }

    static AttributeProto attr(String name, String v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.STRING)
                .setS(ByteString.copyFromUtf8(v)).build();
    }

    static AttributeProto ints(String name, long... v) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long x : v) a.addInts(x);
        return a.build();
    }

    /** The model with {@code output} renamed "y" and declared as the graph's output. */
    ModelProto build(String output) {
        GraphProto.Builder g = graph.clone();
        for (NodeProto.Builder n : g.getNodeBuilderList()) {
            for (int i = 0; i < n.getOutputCount(); i++) if (n.getOutput(i).equals(output)) n.setOutput(i, "y");
            for (int i = 0; i < n.getInputCount(); i++) if (n.getInput(i).equals(output)) n.setInput(i, "y");
        }
        g.addOutput(ValueInfoProto.newBuilder().setName("y").setType(TypeProto.newBuilder()
                .setTensorType(TypeProto.Tensor.newBuilder().setElemType(1))));
        return ModelProto.newBuilder().setIrVersion(opset >= 21 ? 10 : opset >= 19 ? 9 : 8).setProducerName("sparrow-test").setGraph(g)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(opset)).build();
    }

    Path write(Path file, String output) throws java.io.IOException {
        Files.write(file, build(output).toByteArray());
        return file;
    }
}
