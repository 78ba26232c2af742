/**
 * Sparse training: layer-wise sparsity budgets ({@link dev.sparrow.sparsity.SparsityBudget}), mask
 * initialisation ({@link dev.sparrow.sparsity.MaskInit}) and the methods that evolve masks during
 * training ({@link dev.sparrow.sparsity.SparsityMethod}: static, SET, RigL, SRigL, gradual magnitude
 * pruning, N:M with SR-STE), run from the trainer by the train package's {@code SparseTraining} listener
 * or configured for a whole run by {@link dev.sparrow.sparsity.SparsityConfig}. Structured masks
 * (N:M, bank-balanced) are in {@link dev.sparrow.sparsity.StructuredMasks}, r x 1 blocks in
 * {@link dev.sparrow.sparsity.BlockMasks}, complementary groups in
 * {@link dev.sparrow.sparsity.ComplementaryGroups}; one-shot pruning into a structure in
 * {@link dev.sparrow.sparsity.StructuredPruning}.
 *
 * <p>A method edits each weight's {@link dev.sparrow.nn.Mask} in place after an optimizer step; the
 * optimizers read the live mask on every step, so a masked weight stays exactly zero. Every method is
 * deterministic for a given seed: ties are broken by the lower flat index, and any randomness of an
 * update is drawn from (seed, step), so a resumed run makes the same updates.
 */
package dev.sparrow.sparsity;
