package dev.sparrow.sparsity;

import dev.sparrow.nn.Mask;
import dev.sparrow.nn.Parameter;
import dev.sparrow.optim.Optimizer;
import dev.sparrow.optim.Sgd;
import dev.sparrow.sparse.BlockSparse;
import dev.sparrow.sparse.MaskedWeights;
import dev.sparrow.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** r x 1 block masks for static, GMP and RigL: whole blocks after every update, exact counts, RigL growth by block. */
class BlockSparsityTest {
    private static final long SEED = 31;

    /** "0.weight" [32, 30], "1.weight" [16, 32], "2.weight" [10, 16] (10 outputs: not a multiple of 4). */
    private static Map<String, Parameter> threeLayers(long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        Map<String, Parameter> m = new LinkedHashMap<>();
        m.put("0.weight", Fixtures.weight(32, 30, rng));
        m.put("1.weight", Fixtures.weight(16, 32, rng));
        m.put("2.weight", Fixtures.weight(10, 16, rng));
        return m;
    }

    private static SparsityConfig config(String method, int block) {
        return new SparsityConfig(method, 0.8, "uniform", false, true, 2, 0.5, 0.3, true, 0.3, false, block, 0);
    }

    /** Every layer sparse, the 10-output last one included (its last block row is partial). */
    private static SparsityConfig allSparse(String method, int block) {
        return new SparsityConfig(method, 0.8, "uniform", false, false, 2, 0.5, 0.3, true, 0.3, false, block, 0);
    }

    /** Trains {@code total} steps on random gradients, checking the masks after every step and update. */
    private static List<LayerBudget> run(SparsityConfig config, long seed, long total) {
        Map<String, Parameter> params = threeLayers(seed);
        List<LayerBudget> layers = config.allocate(params);
        Optimizer opt = Sgd.builder(params).momentum(0.9f).weightDecay(5e-4f).build();
        SparsityMethod method = config.createMethod();
        method.initialize(layers, opt, new SplittableRandom(seed));
        SplittableRandom gradients = new SplittableRandom(seed + 1);
        for (long step = 1; step <= total; step++) {
            Fixtures.randomGradients(params, gradients);
            opt.step(0.05f);
            method.afterStep(step, total);
            for (LayerBudget l : layers) {
                if (l.dense()) continue;
                Mask mask = l.parameter().mask();
                assertThat(BlockMasks.wholeBlocks(mask, l.rows(), config.block())).as("%s whole blocks at step %d", l.name(), step)
                        .isTrue();
                float[] w = l.parameter().value().data();
                for (int i = 0; i < w.length; i++) {
                    if (mask.values()[i] == 0f && w[i] != 0f) {
                        throw new AssertionError(l.name() + " masked weight " + i + " is " + w[i] + " at step " + step);
                    }
                }
                int blocks = BlockMasks.activeBlockCount(mask, l.rows(), config.block());
                if (!config.method().equals("gmp")) {
                    assertThat(blocks).as(l.name()).isEqualTo(BlockMasks.keptBlocks(l, config.block()));
                    if (l.rows() % config.block() == 0) assertThat(mask.activeCount()).as(l.name()).isEqualTo(l.active());
                } else {
                    assertThat(blocks).as(l.name()).isGreaterThanOrEqualTo(BlockMasks.keptBlocks(l, config.block()));
                }
            }
        }
        return layers;
    }

    @Test
    void budgetIsRoundedToWholeBlocks() {
        for (int r : BlockMasks.HEIGHTS) {
            List<LayerBudget> plain = config("rigl", 0).allocate(threeLayers(SEED));
            List<LayerBudget> blocks = config("rigl", r).allocate(threeLayers(SEED));
            for (int i = 0; i < 2; i++) {
                LayerBudget l = plain.get(i);
                long nBlocks = (long) l.rows() / r * l.fanIn();
                long kept = Math.round((double) l.active() / l.size() * nBlocks);
                assertThat(blocks.get(i).active()).as("%s r=%d", l.name(), r).isEqualTo((int) (kept * r));
            }
            assertThat(blocks.get(2).dense()).isTrue();
        }
        // uniform 80% with the last layer dense: the first two are at density 166 / 1472; 0.1128 x 240 blocks = 27.07
        assertThat(config("rigl", 4).allocate(threeLayers(SEED)).get(0).active()).isEqualTo(27 * 4);
    }

    @Test
    void gmpPrunesWholeBlocksToTheExactCount() {
        for (int r : BlockMasks.HEIGHTS) {
            for (LayerBudget l : run(config("gmp", r), SEED, 20)) {
                if (!l.dense()) assertThat(l.parameter().mask().activeCount()).as("%s r=%d", l.name(), r).isEqualTo(l.active());
            }
            for (LayerBudget l : run(allSparse("gmp", r), SEED, 20)) {
                long expected = l.rows() % r == 0 ? Math.round((double) l.active() / l.size() * (l.rows() / r) * l.fanIn())
                        : Math.max(1, Math.round((double) l.active() / r));
                assertThat(BlockMasks.activeBlockCount(l.parameter().mask(), l.rows(), r)).as("%s r=%d", l.name(), r)
                        .isEqualTo((int) expected);
            }
        }
    }

    @Test
    void rigLAndStaticKeepWholeBlocksAndExactCounts() {
        run(config("rigl", 4), SEED, 20);
        run(config("rigl", 16), SEED, 20);
        run(config("static", 4), SEED, 5);
        run(allSparse("rigl", 4), SEED, 20);
        run(allSparse("rigl", 16), SEED, 20);
        run(allSparse("static", 16), SEED, 5);
    }

    @Test
    void blockShorthandIsGmpWithBlocks() {
        SparsityConfig c = SparsityConfig.of("block:16", 0.9, "erk");
        assertThat(c.method()).isEqualTo("gmp");
        assertThat(c.block()).isEqualTo(16);
        assertThat(c.createMethod().describe()).contains("block=16");
        assertThat(SparsityConfig.fromJson(c.toJson())).isEqualTo(c);
        assertThat(SparsityConfig.of("rigl", 0.9, "erk").toJson()).doesNotContainKey("block");
        assertThatThrownBy(() -> SparsityConfig.of("block:8", 0.9, "erk")).hasMessageContaining("method is block:8")
                .hasMessageContaining("4 or 16");
        assertThatThrownBy(() -> config("set", 4)).hasMessageContaining("block works with method static, gmp or rigl");
        assertThatThrownBy(() -> config("rigl", 8)).hasMessageContaining("block is 8");
    }

    @Test
    void aLayerWhoseOutputsAreNotAMultipleOfRHasAPartialLastBlockRow() {
        // 10 outputs in 4x1 blocks: block rows 0-3, 4-7 and a partial one of rows 8-9; 3 x 16 = 48 blocks
        List<LayerBudget> layers = allSparse("gmp", 4).check(threeLayers(SEED));
        LayerBudget last = layers.get(2);
        assertThat(last.dense()).isFalse();
        assertThat(BlockMasks.blockCount(10, 16, 4)).isEqualTo(48);
        assertThat(BlockMasks.keptBlocks(last, 4)).isEqualTo(Math.round(last.active() / 4.0));
        float[] keep = new float[160];
        for (int c = 0; c < 16; c += 2) {
            keep[8 * 16 + c] = 1f;
            keep[9 * 16 + c] = 1f;
        }
        assertThat(BlockMasks.wholeBlocks(Mask.of(keep), 10, 4)).isTrue();
        keep[9 * 16] = 0f;
        assertThat(BlockMasks.wholeBlocks(Mask.of(keep), 10, 4)).isFalse();
    }

    @Test
    void rigLGrowsTheInactiveBlocksWithTheLargestSummedGradient() {
        // [8, 3] with 4x1 blocks: blocks 0..2 are rows 0-3 columns 0..2, blocks 3..5 rows 4-7 columns 0..2
        float[] w = new float[24];
        float[] keep = new float[24];
        float[] g = new float[24];
        setBlock(w, keep, 0, 0, 0.5f);  // block 0, sum |w| 2.0
        setBlock(w, keep, 0, 1, -0.1f); // block 1, sum |w| 0.4: dropped
        setBlock(w, keep, 4, 0, 0.3f);  // block 3, sum |w| 1.2
        // inactive blocks: 2 has |grad| sum 1.2 (its plain sum is 0), 4 has 1.0, 5 has 0.9; block 1 has 0.2
        g[2] = 0.6f;
        g[3 + 2] = -0.6f;
        g[4 * 3 + 1] = -1.0f;
        g[4 * 3 + 2] = 0.3f;
        g[5 * 3 + 2] = 0.3f;
        g[6 * 3 + 2] = 0.3f;
        g[1] = 0.2f;
        Parameter p = new Parameter("weight", Tensor.wrap(w, 8, 3), true);
        p.setMask(Mask.of(keep));
        System.arraycopy(g, 0, p.grad().data(), 0, g.length);
        RigL rigl = new RigL(UpdateSchedule.constantFraction(1, 1.0, 0.5), 4);
        rigl.resume(List.of(new LayerBudget("w", p, 12, false)), null, new SplittableRandom(SEED));

        rigl.afterStep(1, 10);

        float[] expected = new float[24];
        for (int row = 0; row < 4; row++) {
            expected[row * 3] = 1;
            expected[row * 3 + 2] = 1;
        }
        for (int row = 4; row < 8; row++) expected[row * 3] = 1;
        assertThat(p.mask().values()).containsExactly(expected);
        assertThat(p.value().data()[1]).isEqualTo(0f);
        assertThat(p.value().data()[0]).isEqualTo(0.5f);
    }

    private static void setBlock(float[] w, float[] keep, int firstRow, int col, float value) {
        for (int row = firstRow; row < firstRow + 4; row++) {
            w[row * 3 + col] = value;
            keep[row * 3 + col] = 1f;
        }
    }

    @Test
    void theSameSeedGivesTheSameMasks() {
        List<LayerBudget> a = run(config("rigl", 4), SEED, 12);
        List<LayerBudget> b = run(config("rigl", 4), SEED, 12);
        List<LayerBudget> c = run(config("rigl", 4), SEED + 1, 12);
        for (int i = 0; i < 2; i++) {
            assertThat(b.get(i).parameter().mask().values()).isEqualTo(a.get(i).parameter().mask().values());
        }
        assertThat(c.get(0).parameter().mask().values()).isNotEqualTo(a.get(0).parameter().mask().values());
    }

    @Test
    void blockSparseBuildsFromTrainedMasks() {
        for (int r : BlockMasks.HEIGHTS) {
            for (String method : List.of("gmp", "rigl")) {
                for (LayerBudget l : run(allSparse(method, r), SEED, 20)) {
                    if (l.dense()) continue;
                    MaskedWeights mw = MaskedWeights.of(l.parameter().value().data(), l.parameter().mask().values(), l.rows(),
                            l.fanIn(), l.name());
                    BlockSparse packed = BlockSparse.from(mw, r);
                    assertThat(packed.nnz()).as("%s %s r=%d", method, l.name(), r).isEqualTo(l.parameter().mask().activeCount());
                    assertThat(packed.toDense()).isEqualTo(l.parameter().value().data());
                }
            }
        }
    }

    @Test
    void oneShotLargestBlocksKeepsTheHeaviestBlocks() {
        float[] w = new float[8 * 2];
        for (int row = 0; row < 4; row++) w[row * 2 + 1] = 1f;   // block 1: sum 4
        for (int row = 4; row < 8; row++) w[row * 2] = -0.5f;    // block 2: sum 2
        w[0] = 3f;                                                // block 0: sum 3
        Mask m = BlockMasks.largestBlocks(w, 8, 2, 4, 2);
        assertThat(BlockMasks.wholeBlocks(m, 8, 4)).isTrue();
        assertThat(m.activeCount()).isEqualTo(8);
        assertThat(m.values()[1]).isEqualTo(1f);
        assertThat(m.values()[0]).isEqualTo(1f);
        assertThat(m.values()[8]).isEqualTo(0f);
    }
}
