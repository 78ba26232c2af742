package dev.sparrow.bench.peers;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * An ONNX model (ModelProto bytes) of one dense layer without bias: Y[batch, out] = X[batch, in] · B with
 * B = W^T [in, out] an initializer, so ONNX Runtime sees the constant weight operand it prepacks. The
 * batch dimension is symbolic: one session serves every batch size. Field numbers are those of onnx.proto.
 */
final class OnnxMatMulModel {
    static final String INPUT = "X";
    static final String OUTPUT = "Y";
    static final String WEIGHTS = "W_t";
    /** IR version 8 with opset 13: old enough for any ONNX Runtime since 1.10, new enough for MatMul-13. */
    private static final int IR_VERSION = 8;
    private static final int OPSET = 13;
    private static final int FLOAT = 1;

    private OnnxMatMulModel() {}

    /** @param w the weights [out][in], row-major (PyTorch's Linear layout) */
    static byte[] build(float[] w, int out, int in) {
        if (out < 1 || in < 1 || w.length != (long) out * in) {
            throw new IllegalArgumentException("ONNX MatMul model: weights of length " + w.length + " are not out x in = "
                    + out + " x " + in);
        }
        ProtoWriter node = new ProtoWriter()
                .string(1, INPUT).string(1, WEIGHTS) // input
                .string(2, OUTPUT)                    // output
                .string(3, "matmul")                  // name
                .string(4, "MatMul");                 // op_type
        ProtoWriter graph = new ProtoWriter(16 + 4 * w.length)
                .message(1, node)
                .string(2, "sparrow_dense_layer")
                .message(5, initializer(w, out, in))
                .message(11, valueInfo(INPUT, in))
                .message(12, valueInfo(OUTPUT, out));
        return new ProtoWriter(32 + 4 * w.length)
                .varint(1, IR_VERSION)
                .string(2, "sparrow-bench")
                .message(7, graph)
                .message(8, new ProtoWriter().string(1, "").varint(2, OPSET))
                .toByteArray();
    }

    /** TensorProto of W^T [in][out], little-endian raw data. */
    private static ProtoWriter initializer(float[] w, int out, int in) {
        ByteBuffer raw = ByteBuffer.allocate(4 * w.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < in; i++) {
            for (int o = 0; o < out; o++) raw.putFloat(w[o * in + i]);
        }
        return new ProtoWriter(16 + raw.capacity())
                .varint(1, in).varint(1, out) // dims
                .varint(2, FLOAT)             // data_type
                .string(8, WEIGHTS)           // name
                .bytes(9, raw.array());       // raw_data
    }

    /** ValueInfoProto of a float tensor [batch, features] with a symbolic batch. */
    private static ProtoWriter valueInfo(String name, int features) {
        ProtoWriter shape = new ProtoWriter()
                .message(1, new ProtoWriter().string(2, "batch"))      // dim_param
                .message(1, new ProtoWriter().varint(1, features));   // dim_value
        ProtoWriter tensorType = new ProtoWriter().varint(1, FLOAT).message(2, shape);
        return new ProtoWriter().string(1, name).message(2, new ProtoWriter().message(1, tensorType));
    }
}
