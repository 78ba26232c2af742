package dev.sparrow.sparsity;

/**
 * A typed choice of sparse training for the Java API, instead of the command line's strings such as
 * "nm:2:4": each kind holds exactly what it needs and is checked when built. {@link #toConfig()} gives
 * the {@link SparsityConfig} a run stores (ERK distribution and the documented defaults for the rest).
 *
 * <pre>{@code
 * Sparsity s = Sparsity.rigl(0.9);          // RigL at 90% sparsity
 * Sparsity t = Sparsity.nOfM(2, 4);         // 2:4 with SR-STE
 * }</pre>
 */
public sealed interface Sparsity {

    /** The run's stored configuration. */
    SparsityConfig toConfig();

    /** No sparsity. */
    record Dense() implements Sparsity {
        @Override
        public SparsityConfig toConfig() { return SparsityConfig.DENSE; }
    }

    /** The unstructured methods, each with a global sparsity. */
    enum Method {
        /** A fixed random mask. */
        STATIC,
        /** Sparse Evolutionary Training: drop the smallest, regrow at random. */
        SET,
        /** RigL: drop the smallest, regrow where the gradient is largest. */
        RIGL,
        /** Structured RigL: constant fan-in, with neuron ablation. */
        SRIGL,
        /** Gradual magnitude pruning from a dense start. */
        GMP
    }

    /**
     * An unstructured method at a global sparsity.
     *
     * @param method   the method
     * @param sparsity fraction of the sparsifiable weights that are zero, in [0, 1)
     */
    record Unstructured(Method method, double sparsity) implements Sparsity {
        public Unstructured {
            if (method == null) throw new IllegalArgumentException("method is null");
            if (!(sparsity >= 0 && sparsity < 1)) throw new IllegalArgumentException("sparsity is " + sparsity + "; expected in [0, 1)");
        }

        @Override
        public SparsityConfig toConfig() {
            return SparsityConfig.of(method.name().toLowerCase(java.util.Locale.ROOT), sparsity, "erk");
        }
    }

    /**
     * N of every M consecutive weights kept (SR-STE), e.g. 2:4.
     *
     * @param n kept per group
     * @param m group size
     */
    record NOfM(int n, int m) implements Sparsity {
        public NOfM {
            if (!(n >= 1 && m > n)) throw new IllegalArgumentException("n:m is " + n + ":" + m + "; expected 1 <= n < m");
        }

        @Override
        public SparsityConfig toConfig() { return SparsityConfig.of("nm:" + n + ":" + m, 0, "erk"); }
    }

    /**
     * Bank-balanced gradual magnitude pruning: every bank of {@code bank} weights keeps the same count.
     *
     * @param bank     bank width
     * @param sparsity global sparsity, in [0, 1)
     */
    record BankBalanced(int bank, double sparsity) implements Sparsity {
        public BankBalanced {
            if (bank < 2) throw new IllegalArgumentException("bank is " + bank + "; expected >= 2");
            if (!(sparsity >= 0 && sparsity < 1)) throw new IllegalArgumentException("sparsity is " + sparsity + "; expected in [0, 1)");
        }

        @Override
        public SparsityConfig toConfig() { return SparsityConfig.of("balanced:" + bank, sparsity, "erk"); }
    }

    /**
     * Gradual magnitude pruning of whole r x 1 blocks.
     *
     * @param rows     r, 4 or 16
     * @param sparsity global sparsity, in [0, 1)
     */
    record Blocks(int rows, double sparsity) implements Sparsity {
        public Blocks {
            if (rows != 4 && rows != 16) throw new IllegalArgumentException("rows is " + rows + "; expected 4 or 16");
            if (!(sparsity >= 0 && sparsity < 1)) throw new IllegalArgumentException("sparsity is " + sparsity + "; expected in [0, 1)");
        }

        @Override
        public SparsityConfig toConfig() { return SparsityConfig.of("block:" + rows, sparsity, "erk"); }
    }

    /** @return no sparsity */
    static Sparsity dense() { return new Dense(); }

    /** @param sparsity global sparsity @return a fixed random mask */
    static Sparsity staticMask(double sparsity) { return new Unstructured(Method.STATIC, sparsity); }

    /** @param sparsity global sparsity @return SET */
    static Sparsity set(double sparsity) { return new Unstructured(Method.SET, sparsity); }

    /** @param sparsity global sparsity @return RigL */
    static Sparsity rigl(double sparsity) { return new Unstructured(Method.RIGL, sparsity); }

    /** @param sparsity global sparsity @return SRigL */
    static Sparsity srigl(double sparsity) { return new Unstructured(Method.SRIGL, sparsity); }

    /** @param sparsity final global sparsity @return gradual magnitude pruning */
    static Sparsity gmp(double sparsity) { return new Unstructured(Method.GMP, sparsity); }

    /** @param n kept per group @param m group size @return N:M with SR-STE */
    static Sparsity nOfM(int n, int m) { return new NOfM(n, m); }
}
