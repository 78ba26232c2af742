package dev.sparrow.onnx;

/**
 * Bounds the memory an import may allocate for constants: what the model file and its external data files hold
 * (times two, as int32 data widens to int64), plus a little for folded shape arithmetic. Every tensor is charged
 * before its array is allocated, so a corrupted size is refused instead of running out of memory.
 */
final class LoadBudget {
    private static final long SLACK_BYTES = 16L << 20;
    private long limitBytes;
    private long usedBytes;

    LoadBudget(long modelFileBytes) {
        this.limitBytes = 2 * modelFileBytes + SLACK_BYTES;
    }

    /** An external data file's bytes may be loaded too. */
    void addSource(long bytes) {
        limitBytes += 2 * bytes;
    }

    /** Charges count elements of elementBytes each; refuses sizes beyond the budget or an int array. */
    void charge(long count, int elementBytes, String what) {
        if (count < 0 || count > Integer.MAX_VALUE - 16) {
            throw new ImportProblem(what + " has " + count + " elements, more than an array holds");
        }
        long bytes = count * elementBytes;
        if (usedBytes + bytes > limitBytes) {
            throw new ImportProblem(what + " needs " + bytes + " bytes, beyond what the model's files hold ("
                    + (limitBytes - usedBytes) + " bytes left of the load budget)");
        }
        usedBytes += bytes;
    }
}
