package dev.sparrow.bench.peers;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.sparrow.measure.ModelPeer;

import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * ONNX Runtime running a whole {@code .onnx} file (CPU execution provider, all graph optimisations, the same
 * intra-op threads as Sparrow), reading one input tensor over a direct buffer and writing one pinned output
 * tensor, so a timed run allocates no tensors. Idle workers do not spin (ORT's default; see OrtMatMulPeer).
 */
public final class OrtModelPeer implements ModelPeer {

    @Override
    public String name() { return "onnxruntime"; }

    @Override
    public boolean accepts(Path model) {
        Path n = model.getFileName();
        return n != null && n.toString().toLowerCase(Locale.ROOT).endsWith(".onnx");
    }

    @Override
    public Instance open(Path model, int threads) throws OrtException {
        if (threads < 1) throw new IllegalArgumentException("ONNX Runtime peer: threads must be >= 1, got " + threads);
        return new OrtModel(OrtEnvironment.getEnvironment(), model, threads);
    }

    private static final class OrtModel implements Instance {
        private final OrtEnvironment env;
        private final OrtSession.SessionOptions options;
        private final OrtSession session;
        private final String inputName;
        private final String outputName;
        private OnnxTensor input, output;
        private FloatBuffer outputBuffer;
        private Map<String, OnnxTensor> inputs, pinnedOutputs;

        OrtModel(OrtEnvironment env, Path model, int threads) throws OrtException {
            this.env = env;
            options = new OrtSession.SessionOptions();
            options.setIntraOpNumThreads(threads);
            options.setInterOpNumThreads(1);
            options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            options.addConfigEntry("session.intra_op.allow_spinning", "0");
            session = env.createSession(model.toString(), options);
            inputName = session.getInputNames().iterator().next();
            outputName = session.getOutputNames().iterator().next();
        }

        @Override
        public String describe() { return "ONNX Runtime " + env.getVersion() + " (CPU)"; }

        @Override
        public void setInput(float[] x, int batch, int[] sampleShape) throws OrtException {
            closeTensors();
            long[] shape = new long[sampleShape.length + 1];
            shape[0] = batch;
            for (int i = 0; i < sampleShape.length; i++) shape[i + 1] = sampleShape[i];
            FloatBuffer xb = OrtResources.direct(x.length);
            xb.put(x).rewind();
            input = OnnxTensor.createTensor(env, xb, shape);
            inputs = Map.of(inputName, input);
            // one unpinned run tells the output's shape; later runs write into a pinned tensor of that shape
            try (OrtSession.Result r = session.run(inputs)) {
                long[] outShape = ((ai.onnxruntime.TensorInfo) r.get(0).getInfo()).getShape();
                long n = 1;
                for (long d : outShape) n *= d;
                outputBuffer = OrtResources.direct((int) n);
                output = OnnxTensor.createTensor(env, outputBuffer, outShape);
            }
            pinnedOutputs = Map.of(outputName, output);
        }

        @Override
        public void run() {
            try (OrtSession.Result ignored = session.run(inputs, pinnedOutputs)) {
                // written into the pinned tensor
            } catch (OrtException e) {
                throw new IllegalStateException("ONNX Runtime peer: run failed: " + e.getMessage(), e);
            }
        }

        @Override
        public void output(float[] y) {
            outputBuffer.get(0, y, 0, Math.min(y.length, outputBuffer.capacity()));
        }

        @Override
        public void close() {
            closeTensors();
            OrtResources.closeQuietly(session);
            options.close();
        }

        private void closeTensors() {
            if (input != null) input.close();
            if (output != null) output.close();
            input = output = null;
        }
    }
}
