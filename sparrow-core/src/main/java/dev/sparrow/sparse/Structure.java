package dev.sparrow.sparse;

/**
 * The structure a layer's mask is known to have: what a sparse training method promises about the
 * masks it produces (see {@code SparsityMethod.structure()}) and what a sparse format needs in order to
 * store a mask ({@link FormatSpec#structure()}). The inference planner skips a format whose structure
 * the declared one does not {@link #implies imply}, instead of building it and catching
 * {@link UnsupportedMaskException}.
 */
public sealed interface Structure {

    /** No promise: any mask (the planner then checks each format against the mask itself). */
    Structure UNSTRUCTURED = new Unstructured();

    /** Any mask. */
    record Unstructured() implements Structure {}

    /**
     * Every non-empty row has the same number of active inputs (empty rows, ablated neurons, allowed).
     * The count itself is left out: it differs per layer and no format needs it in advance.
     */
    record ConstantFanIn() implements Structure {}

    /** At most n active in every group of m consecutive inputs of a row (the last group may be narrower). */
    record NOfM(int n, int m) implements Structure {}

    /** All-or-nothing blocks of rows x cols (aligned; the last block row or column may be partial). */
    record Blocks(int rows, int cols) implements Structure {}

    /** Every full bank of {@code width} consecutive inputs of a non-empty row has the same active count. */
    record Banks(int width) implements Structure {}

    /** In every group of {@code groupSize} consecutive rows each input feeds at most one row. */
    record Complementary(int groupSize) implements Structure {}

    /** Whether every mask with this structure also has {@code other}. */
    default boolean implies(Structure other) {
        if (other instanceof Unstructured || equals(other)) return true;
        if (this instanceof NOfM a && other instanceof NOfM b) {
            // a group of b.m is b.m / a.m groups of a.m, each holding at most a.n
            return b.m() % a.m() == 0 && (long) a.n() * (b.m() / a.m()) <= b.n();
        }
        if (this instanceof Blocks a && other instanceof Blocks b) {
            return a.rows() % b.rows() == 0 && a.cols() % b.cols() == 0; // a 16x1 block is four 4x1 blocks
        }
        if (this instanceof Complementary a && other instanceof Complementary b) {
            return a.groupSize() % b.groupSize() == 0;
        }
        return false;
    }
}
