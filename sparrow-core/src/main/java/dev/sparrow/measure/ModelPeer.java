package dev.sparrow.measure;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;

/**
 * Another engine (ONNX Runtime) running a whole model file, timed beside an inference session by
 * {@code sparrow bench model FILE.onnx}. Like {@link MatMulPeer}, implementations live in sparrow-bench and are
 * found with {@link ServiceLoader} when the launcher puts them on the class path.
 */
public interface ModelPeer {

    /** The peers on the class path; none when the CLI jar runs alone. */
    static List<ModelPeer> discover() {
        List<ModelPeer> found = new ArrayList<>();
        try {
            for (ModelPeer p : ServiceLoader.load(ModelPeer.class)) found.add(p);
        } catch (ServiceConfigurationError | LinkageError e) {
            // a peer jar without its engine: reported by the caller as "no peer"
        }
        return found;
    }

    /** The column name in the benchmark, e.g. "onnxruntime". */
    String name();

    /** Whether this engine runs {@code model} (by its file name). */
    boolean accepts(Path model);

    /** Loads the engine and the model with {@code threads} intra-op threads; any throwable means "not here". */
    Instance open(Path model, int threads) throws Exception;

    /** One loaded model. Not thread-safe; {@link #run} must not allocate much. */
    interface Instance extends AutoCloseable {
        /** Engine and version, e.g. "ONNX Runtime 1.23.2". */
        String describe();

        /** Sets the input [batch, sample shape...] (copied) that later runs read. */
        void setInput(float[] x, int batch, int[] sampleShape) throws Exception;

        /** One inference on the current input. */
        void run();

        /** Copies the last run's first output into y. */
        void output(float[] y);

        @Override
        void close();
    }
}
