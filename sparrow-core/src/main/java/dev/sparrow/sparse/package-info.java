/**
 * Sparse weight formats and their inference kernels (y = act(W x + b), W [out, in] row-major as in
 * PyTorch). Every format is built from {@link dev.sparrow.sparse.MaskedWeights} (dense values + mask +
 * layer name), converts back exactly with {@code toDense()}, and rejects a mask it cannot represent with
 * an {@link dev.sparrow.sparse.UnsupportedMaskException} naming the layer and the offending row/group.
 *
 * <table>
 * <caption>Formats (bytes per stored nonzero; fp32 dense costs 4 / density, i.e. 40 at 90% sparsity)</caption>
 * <tr><th>class</th><th>mask it needs</th><th>bytes / nnz</th><th>best at</th></tr>
 * <tr><td>{@link dev.sparrow.sparse.Csr}</td><td>any</td><td>6 (16-bit cols) or 8, + 4 per row</td>
 *     <td>general fallback</td></tr>
 * <tr><td>{@link dev.sparrow.sparse.CondensedFanIn}</td><td>equal count per row (or empty rows)</td>
 *     <td>6, no row pointers</td><td>balanced threads and lanes (SRigL)</td></tr>
 * <tr><td>{@link dev.sparrow.sparse.BlockSparse}</td><td>r x 1 blocks, r = 4 or 16</td>
 *     <td>4 + 2/r (4.5 / 4.125)</td><td>batch 1: one vector load per block</td></tr>
 * <tr><td>{@link dev.sparrow.sparse.NmPacked}</td><td>at most N per M consecutive inputs</td>
 *     <td>5 (+ padding of groups with fewer than N)</td><td>in-register permute instead of gathers</td></tr>
 * <tr><td>{@link dev.sparrow.sparse.BankBalanced}</td><td>equal count per bank</td><td>5</td>
 *     <td>as N:M, equal work per bank</td></tr>
 * <tr><td>{@link dev.sparrow.sparse.Csc}</td><td>any</td><td>6 or 8, + 4 per input</td>
 *     <td>sparse inputs (k-WTA, ReLU): only nonzero inputs are visited</td></tr>
 * <tr><td>{@link dev.sparrow.sparse.ComplementaryPacked}</td><td>disjoint masks in each group of N rows</td>
 *     <td>5 per slot (one slot per input and group)</td><td>sparse x sparse, conflict-free scatter</td></tr>
 * </table>
 *
 * <p>Kernels: {@code gemv} (batch 1), {@code spmm} (batches, X kept batch-contiguous as X^T [in][batch]
 * and Y^T [out][batch], so each nonzero is one broadcast times a contiguous run of the batch), and for
 * the input-major formats ({@link dev.sparrow.sparse.SparseInputMatrix}) {@code gemvSparseInput} and
 * {@code spmmSparseInput}. Bias and ReLU are fused into the output pass. Work is split over the caller's
 * {@link dev.sparrow.kernel.ComputePool} by nonzeros (rows balanced by count; equal-work formats evenly;
 * scatter formats by batch columns).
 *
 * <p>{@link dev.sparrow.sparse.FormatRegistry} lists every format family (a module may add more);
 * {@link dev.sparrow.sparse.SparseFormats#build(String, dev.sparrow.sparse.MaskedWeights)} builds a
 * format from a short spec ("csr", "condensed", "block4", "nm1:8", "bank16", "complementary10", ...).
 *
 * <p>Backends: {@link dev.sparrow.sparse.ScalarSparseKernels} (the reference, always available) and a
 * Vector API implementation (256 or 512 bits) on the Vector API backend, handed out by
 * {@link dev.sparrow.sparse.SparseKernels#of(dev.sparrow.kernel.Backend)}; the incubator API never leaves the
 * package-private {@code Vector*} classes.
 */
package dev.sparrow.sparse;
