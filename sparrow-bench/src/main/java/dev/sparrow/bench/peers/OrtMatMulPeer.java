package dev.sparrow.bench.peers;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.sparrow.measure.MatMulPeer;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * ONNX Runtime's dense MatMul (CPU execution provider, all graph optimisations) as a peer of our kernels:
 * one session per copy of the weights, all reading one input tensor over a direct buffer and writing
 * one pinned output tensor, so a timed run allocates no tensors. Idle intra-op workers do not spin (ORT's
 * default): in the bench the kernels take turns, and a spinning pool would slow the next kernel down.
 */
public final class OrtMatMulPeer implements MatMulPeer {

    @Override
    public String name() {
        return "ort-matmul";
    }

    @Override
    public Instance open(int threads) throws OrtException {
        if (threads < 1) throw new IllegalArgumentException("ONNX Runtime peer: threads must be >= 1, got " + threads);
        return new OrtInstance(OrtEnvironment.getEnvironment(), threads);
    }

    private static final class OrtInstance implements Instance {
        private final OrtEnvironment env;
        private final OrtSession.SessionOptions options;
        private final List<OrtSession> sessions = new ArrayList<>();
        private int out = -1, in = -1;
        private OnnxTensor input, output;
        private FloatBuffer outputBuffer;
        private Map<String, OnnxTensor> inputs, pinnedOutputs;

        OrtInstance(OrtEnvironment env, int threads) throws OrtException {
            this.env = env;
            options = new OrtSession.SessionOptions();
            options.setIntraOpNumThreads(threads);
            options.setInterOpNumThreads(1);
            options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            // idle workers would spin on the cores our kernels use next in the same round of the bench
            options.addConfigEntry("session.intra_op.allow_spinning", "0");
        }

        @Override
        public String describe() {
            return "ONNX Runtime " + env.getVersion() + " (CPU, MatMul)";
        }

        @Override
        public int addWeights(float[] w, int out, int in) throws OrtException {
            if (!sessions.isEmpty() && (out != this.out || in != this.in)) {
                throw new IllegalArgumentException("ONNX Runtime peer: every weight copy must be " + this.out + "x" + this.in
                        + ", got " + out + "x" + in);
            }
            this.out = out;
            this.in = in;
            sessions.add(env.createSession(OnnxMatMulModel.build(w, out, in), options));
            return sessions.size() - 1;
        }

        @Override
        public void setInput(float[] x, int batch) throws OrtException {
            if (sessions.isEmpty()) throw new IllegalStateException("ONNX Runtime peer: add weights before the input");
            if (batch < 1 || x.length != (long) batch * in) {
                throw new IllegalArgumentException("ONNX Runtime peer: input of length " + x.length + " is not batch x in = "
                        + batch + " x " + in);
            }
            closeTensors();
            FloatBuffer xb = OrtResources.direct(x.length);
            xb.put(x).rewind();
            input = OnnxTensor.createTensor(env, xb, new long[] {batch, in});
            outputBuffer = OrtResources.direct(batch * out);
            output = OnnxTensor.createTensor(env, outputBuffer, new long[] {batch, out});
            inputs = Map.of(OnnxMatMulModel.INPUT, input);
            pinnedOutputs = Map.of(OnnxMatMulModel.OUTPUT, output);
        }

        @Override
        public void run(int copy) {
            try (OrtSession.Result ignored = sessions.get(copy).run(inputs, pinnedOutputs)) {
                // the output is written into the pinned tensor
            } catch (OrtException e) {
                throw new IllegalStateException("ONNX Runtime peer: run failed: " + e.getMessage(), e);
            }
        }

        @Override
        public void output(float[] y) {
            if (y.length != outputBuffer.capacity()) {
                throw new IllegalArgumentException("ONNX Runtime peer: output of length " + y.length + ", expected "
                        + outputBuffer.capacity());
            }
            outputBuffer.get(0, y);
        }

        @Override
        public void close() {
            closeTensors();
            for (OrtSession s : sessions) OrtResources.closeQuietly(s);
            sessions.clear();
            options.close();
        }

        private void closeTensors() {
            if (input != null) input.close();
            if (output != null) output.close();
            input = output = null;
        }
    }
}
