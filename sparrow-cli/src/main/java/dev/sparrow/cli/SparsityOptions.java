package dev.sparrow.cli;

import dev.sparrow.nn.Layer;
import dev.sparrow.nn.Modules;
import dev.sparrow.nn.models.ModelZoo;
import dev.sparrow.sparsity.SparsityConfig;
import dev.sparrow.train.TrainConfig;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** The sparse-training options of {@code sparrow train}; they build a {@link SparsityConfig}. */
final class SparsityOptions {
    private static final SparsityConfig D = SparsityConfig.DENSE;
    static final double DEFAULT_SPARSITY = 0.9;

    @Option(names = {"--method", "--sparse-method"}, paramLabel = "METHOD",
            description = "Sparse training: dense, static, set, rigl, srigl, gmp, nm:N:M (N:M with SR-STE), balanced:BANK "
                    + "(bank-balanced gradual magnitude pruning, bank width BANK) or block:R (gradual magnitude pruning of "
                    + "R x 1 blocks, the same as --method gmp --block R) (default: dense; with --resume, the checkpoint's).")
    String method;

    @Option(names = "--block", paramLabel = "R",
            description = "Masks of whole R x 1 blocks (R consecutive output neurons share one mask entry per input), "
                    + "R = 4 or 16, with --method static, gmp or rigl. Each sparse layer keeps round(density x blocks) "
                    + "blocks; a sparse layer whose outputs are not a multiple of R is an error (keep it dense with "
                    + "--dense-first/--dense-last).")
    Integer block;

    @Option(names = "--complementary", paramLabel = "N",
            description = "Complementary groups: in each group of N consecutive output neurons every input is owned by "
                    + "exactly one neuron (density 1/N; --sparsity defaults to 1 - 1/N), with --method static (a random "
                    + "partition) or rigl (ownership moves inside a group: each neuron drops its smallest |w| and the freed "
                    + "inputs go to the neurons of the group with the largest |gradient| there).")
    Integer complementary;

    @Option(names = "--sparsity", paramLabel = "S",
            description = "Global sparsity of the weights of rank 2 and 4, in [0, 1) (default: 0.9 for a sparse method; "
                    + "not used by nm:N:M).")
    Double sparsity;

    @Option(names = "--distribution", paramLabel = "NAME",
            description = "How the sparsity is split over layers: erk or uniform (default: erk).")
    String distribution;

    @Option(names = "--dense-first", description = "Keep the first sparsifiable layer dense.")
    Boolean denseFirst;

    @Option(names = "--dense-last", description = "Keep the last sparsifiable layer dense.")
    Boolean denseLast;

    @Option(names = "--update-interval", paramLabel = "STEPS", description = "dT: optimizer steps between mask updates "
            + "(set, rigl, srigl) or pruning steps (gmp, balanced) (default: 100).")
    Long updateInterval;

    @Option(names = {"--t-end", "--update-end"}, paramLabel = "FRACTION", description = "T_end as a fraction of training: "
            + "the last mask update, or the end of pruning (default: 0.75).")
    Double updateEnd;

    @Option(names = "--drop-fraction", paramLabel = "ALPHA", description = "alpha for rigl and srigl (cosine-decayed), "
            + "zeta for set (default: 0.3).")
    Double dropFraction;

    @Option(names = "--gamma-sal", paramLabel = "G", description = "srigl: a neuron is ablated when fewer than G x its "
            + "fan-in of its weights are salient, in [0, 1] (default: 0.3).")
    Double gammaSal;

    @Option(names = "--no-ablation", description = "srigl: never ablate neurons.")
    Boolean noAblation;

    @Option(names = "--no-sparse-init", description = "Keep the dense initialisation instead of He init over each "
            + "neuron's sparse fan-in.")
    Boolean noSparseInit;

    /** The config; options that only a sparse method uses are an error with --method dense. */
    SparsityConfig config() {
        return config(SparsityConfig.DENSE);
    }

    /** Whether any sparsity option was given on the command line. */
    boolean given() {
        return method != null || block != null || complementary != null || sparsity != null || distribution != null
                || denseFirst != null || denseLast != null || updateInterval != null || updateEnd != null
                || dropFraction != null || gammaSal != null || noAblation != null || noSparseInit != null;
    }

    /**
     * The config with {@code base}'s settings where no option is given: {@link SparsityConfig#DENSE} for a new run
     * (a sparse method then takes the published defaults), the checkpoint's for a resumed one.
     */
    SparsityConfig config(SparsityConfig base) {
        boolean fromBase = base != null && !base.isDense();
        SparsityConfig d = fromBase ? base : D;
        String m = method != null ? method : d.method();
        boolean dense = "dense".equals(m);
        if (dense) {
            String given = sparsity != null ? "--sparsity" : updateInterval != null ? "--update-interval"
                    : updateEnd != null ? "--t-end" : dropFraction != null ? "--drop-fraction" : gammaSal != null ? "--gamma-sal"
                    : isTrue(denseFirst) ? "--dense-first" : isTrue(denseLast) ? "--dense-last" : isTrue(noAblation) ? "--no-ablation"
                    : isTrue(noSparseInit) ? "--no-sparse-init" : block != null ? "--block" : complementary != null ? "--complementary"
                    : null;
            if (given != null) {
                throw new UserInputException(given + " needs a sparse --method (static, set, rigl, srigl, gmp, nm:N:M or balanced:BANK)");
            }
            return SparsityConfig.DENSE;
        }
        int c = complementary != null ? complementary : fromBase ? d.complementary() : 0;
        double s = sparsity != null ? sparsity : fromBase ? d.sparsity() : m.startsWith("nm:") ? 0
                : c > 0 ? 1.0 - 1.0 / c : DEFAULT_SPARSITY;
        // "block:R" names the block in the method; a checkpoint stores it as gmp with block R
        int b = block != null ? block : fromBase && !m.startsWith("block:") ? d.block() : 0;
        return new SparsityConfig(m, s, distribution != null ? distribution : fromBase ? d.distribution() : "erk",
                denseFirst != null ? denseFirst : d.denseFirst(), denseLast != null ? denseLast : d.denseLast(),
                updateInterval != null ? updateInterval : d.updateInterval(), updateEnd != null ? updateEnd : d.updateEnd(),
                dropFraction != null ? dropFraction : d.dropFraction(), noAblation != null ? !noAblation : d.ablation(),
                gammaSal != null ? gammaSal : d.gammaSal(), noSparseInit != null ? !noSparseInit : d.sparseInit(), b, c);
    }

    /**
     * The sparsity of a resumed run: the checkpoint's, with any option given checked against it; a mismatch
     * names the one option that differs.
     */
    SparsityConfig resumed(SparsityConfig saved, Path checkpoint) {
        SparsityConfig merged = config(saved);
        String key = saved.firstDifference(merged);
        if (key == null) return saved;
        Object was = saved.toJson().get(key);
        Object now = merged.toJson().get(key);
        throw new UserInputException(flag(key) + " gives " + key + " " + (now == null ? "none" : now) + " but " + checkpoint
                + " was trained with " + key + " " + (was == null ? "none" : was) + "; leave it out to continue that run");
    }

    /** The option that sets a key of {@link SparsityConfig#toJson()}. */
    static String flag(String key) {
        return switch (key) {
            case "update_end" -> "--t-end";
            case "ablation" -> "--no-ablation";
            case "sparse_init" -> "--no-sparse-init";
            default -> "--" + key.replace('_', '-');
        };
    }

    private static boolean isTrue(Boolean b) {
        return b != null && b;
    }

    /** Checks the run's sparsity against its model (budget, fan-in multiples), on a throwaway copy of the model. */
    void checkAgainst(TrainConfig config, int[] inputShape, int classes) {
        if (config.sparsity().isDense()) return;
        Layer model = ModelZoo.create(config.model(), inputShape, classes, config.seed());
        config.sparsity().check(Modules.namedParameters(model));
    }
}
