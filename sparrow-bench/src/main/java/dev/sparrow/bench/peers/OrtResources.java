package dev.sparrow.bench.peers;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/** What both ONNX Runtime peers need: direct input/output buffers and a quiet close of a session. */
final class OrtResources {
    private OrtResources() {}

    /** A direct native-order buffer, so ONNX Runtime reads and writes it without a copy. */
    static FloatBuffer direct(int floats) {
        return ByteBuffer.allocateDirect(4 * floats).order(ByteOrder.nativeOrder()).asFloatBuffer();
    }

    static void closeQuietly(OrtSession session) {
        try {
            session.close();
        } catch (OrtException e) {
            // closing frees native memory; nothing else to do when it fails
        }
    }
}
