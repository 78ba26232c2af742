package dev.sparrow.cuda;

/** A CUDA driver call that returned an error: names the call, the CUresult and its enum name. */
public final class CudaException extends RuntimeException {
    private final String call;
    private final int result;

    CudaException(String call, int result, String errorName) {
        super(call + " failed: " + errorName + " (" + result + ")");
        this.call = call;
        this.result = result;
    }

    /** The driver function that failed, e.g. "cuMemAlloc_v2". */
    public String call() { return call; }

    /** The CUresult it returned. */
    public int result() { return result; }
}
