package dev.sparrow.infer;

import dev.sparrow.io.ModelSpec;
import dev.sparrow.tensor.Tensor;

import java.util.List;
import java.util.Optional;

/**
 * A model ready for inference on one {@link Device}: {@link InferenceSession} on the CPU, or a GPU session from a
 * {@link DeviceProvider} (sparrow-cuda's {@code CudaSession}). {@link InferenceSession.Builder#open()} gives one on the
 * builder's device, or the CPU session with a one-line reason where that device cannot run here.
 *
 * <p>Inputs and outputs are batch-major host arrays; what a GPU session keeps on the device (weights, activations)
 * stays behind this interface.
 */
public interface Predictor extends AutoCloseable {
    /** The device this predictor runs on (the CPU where a requested device was unavailable). */
    Device device();

    /** The shape of one sample (batch excluded). */
    int[] sampleShape();

    /** The values of one sample. */
    int sampleSize();

    /** The outputs of one sample. */
    int outputSize();

    /** The largest batch one call accepts (the batch the formats were tuned for). */
    int maxBatch();

    /** What the model says about itself (class names, input normalisation), when known. */
    Optional<ModelSpec> spec();

    /** The plan: one description per step, in execution order. */
    List<PlanNode> plan();

    /** One line per step of the plan, with each layer's chosen format. */
    String describe();

    /** Outputs (logits) for one sample; allocates the result. */
    float[] predict(float[] sample);

    /** Outputs [batch, outputSize] for a batch [batch, sample shape...]; allocates the result. */
    Tensor predict(Tensor batch);

    /**
     * Outputs for {@code batch} samples stored batch-major in {@code input} (batch * sampleSize values) into
     * {@code out} (batch * outputSize values, batch-major).
     */
    void predictBatch(float[] input, int batch, float[] out);

    /**
     * The {@code k} most probable classes for one raw sample (pixels in [0, 1], or features as read): the sample is
     * normalised as the spec says, run, and the outputs turned into probabilities (softmax).
     *
     * @param rawSample one sample of {@link #sampleSize()} values, not normalised
     * @param k         how many classes, at most the output size
     * @return the top {@code k} classes, most probable first, named from the spec when there is one
     */
    default List<Prediction> classify(float[] rawSample, int k) {
        if (rawSample == null) throw new IllegalArgumentException("sample is null");
        float[] x = rawSample.clone();
        Optional<ModelSpec> spec = spec();
        spec.ifPresent(s -> s.normalize(x, 0, x.length));
        return Prediction.topK(predict(x), k, spec.map(ModelSpec::classNames).orElse(null));
    }

    /** Frees what the predictor holds (threads, device memory). */
    @Override
    void close();
}
