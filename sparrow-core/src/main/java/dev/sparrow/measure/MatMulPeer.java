package dev.sparrow.measure;

import java.util.ArrayList;
import java.util.List;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;

/**
 * A dense matrix multiply from another engine (ONNX Runtime), timed beside our kernels by
 * {@code sparrow bench kernels}. Implementations live outside the CLI jar (sparrow-bench) so that the
 * engine's large native jar is never shaded into it; they are found with {@link ServiceLoader}
 * when the launcher puts their jars on the class path.
 */
public interface MatMulPeer {

    /** The peers on the class path (sparrow-bench's ONNX Runtime peer); none when the CLI jar runs alone. */
    static List<MatMulPeer> discover() {
        List<MatMulPeer> found = new ArrayList<>();
        try {
            for (MatMulPeer p : ServiceLoader.load(MatMulPeer.class)) found.add(p);
        } catch (ServiceConfigurationError | LinkageError e) {
            // a peer jar without its engine: reported by the caller as "no peer"
        }
        return found;
    }

    /** The row name in the benchmark, e.g. "ort-matmul". */
    String name();

    /**
     * Loads the engine (its native library may be missing or fail to load: any throwable means "not here").
     *
     * @param threads the engine's intra-op threads (the benchmark's --threads)
     */
    Instance open(int threads) throws Exception;

    /**
     * Y[batch][out] = X[batch][in] · W^T over one or more copies of W (several copies: weights streamed from
     * memory, each run on the next copy). Not thread-safe; {@link #run} must not allocate much.
     */
    interface Instance extends AutoCloseable {
        /** Engine and version, e.g. "ONNX Runtime 1.23.2". */
        String describe();

        /** Adds one copy of the weights w [out][in] (all copies the same shape); returns its index. */
        int addWeights(float[] w, int out, int in) throws Exception;

        /** Sets the input x [batch][in] (copied) that later runs read, and sizes the output. */
        void setInput(float[] x, int batch) throws Exception;

        /** One multiply with the given copy of the weights on the current input. */
        void run(int copy);

        /** Copies the last run's output [batch][out] into y. */
        void output(float[] y);

        @Override
        void close();
    }
}
