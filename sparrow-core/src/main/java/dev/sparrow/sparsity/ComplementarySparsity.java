package dev.sparrow.sparsity;

import dev.sparrow.nn.Mask;
import dev.sparrow.sparse.Structure;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Complementary groups of n output neurons (see {@link ComplementaryGroups}), starting from a random
 * partition. Without a schedule the masks never change ("static"). With one, ownership moves inside
 * each group at every update, RigL-like: every neuron drops floor(owned · f(t)) of its inputs with the
 * smallest |w|; each freed input is then handed to a neuron of the same group, by a greedy
 * assignment that takes the (neuron, freed input) pairs in order of decreasing |dense gradient| and
 * gives the input to the neuron if the input is still free and the neuron has not yet got back as many
 * inputs as it dropped (ties: the lower neuron, then the input freed first). So every neuron keeps its count, the
 * group stays disjoint and covering, and each freed input goes where the gradient says it would help
 * most among the neurons with room. A moved weight starts at zero with zeroed optimizer state; an
 * input handed back to the neuron that dropped it keeps its value.
 */
public final class ComplementarySparsity extends AbstractSparsityMethod {
    private final int groupSize;
    private final UpdateSchedule schedule;

    /**
     * @param groupSize n >= 2, which must divide the outputs of every sparse layer
     * @param schedule  when and how much ownership moves (RigL's cosine decay), or null for static groups
     */
    public ComplementarySparsity(int groupSize, UpdateSchedule schedule) {
        super(1, true);
        if (groupSize < 2 || groupSize > 256) {
            throw new IllegalArgumentException("complementary group size is " + groupSize + "; expected in [2, 256]");
        }
        this.groupSize = groupSize;
        this.schedule = schedule;
    }

    public int groupSize() { return groupSize; }

    @Override
    protected void checkLayers(java.util.List<LayerBudget> layers) {
        for (LayerBudget l : layers) {
            if (l.dense()) continue;
            ComplementaryGroups.checkLayer(l, groupSize);
            if ((long) l.active() * groupSize != l.size()) {
                throw new IllegalArgumentException("layer '" + l.name() + "': budget of " + l.active() + " weights is not 1/"
                        + groupSize + " of its " + l.size() + " (complementary groups keep exactly one owner per input)");
            }
        }
    }

    @Override
    protected Mask initialMask(LayerBudget layer, SplittableRandom rng) {
        return ComplementaryGroups.random(layer.rows(), layer.fanIn(), groupSize, rng);
    }

    @Override
    protected boolean isUpdateStep(long step, long totalSteps) {
        return schedule != null && schedule.isUpdateStep(step, totalSteps);
    }

    @Override
    protected void update(LayerBudget layer, long step, long totalSteps) {
        double fraction = schedule.dropFraction(step, totalSteps);
        int fanIn = layer.fanIn();
        float[] keep = layer.parameter().mask().values();
        float[] w = layer.parameter().value().data();
        float[] grad = layer.parameter().grad().data();
        boolean[] next = new boolean[keep.length];
        for (int i = 0; i < keep.length; i++) next[i] = keep[i] != 0f;
        int[] room = new int[groupSize];
        boolean[] free = new boolean[fanIn];
        boolean[] kept = new boolean[fanIn];
        int[] freed = new int[fanIn];
        boolean changed = false;
        for (int g = 0; g < layer.rows(); g += groupSize) {
            Arrays.fill(free, false);
            int freedCount = 0;
            for (int j = 0; j < groupSize; j++) {
                int row = (g + j) * fanIn;
                int[] owned = Ranking.where(keep, row, row + fanIn, true);
                int nDrop = (int) Math.floor(owned.length * fraction);
                room[j] = nDrop;
                if (nDrop == 0) continue;
                Arrays.fill(kept, false);
                for (int i : Ranking.largestAbs(w, owned, owned.length, owned.length - nDrop)) kept[i - row] = true;
                for (int i : owned) {
                    if (kept[i - row]) continue;
                    next[i] = false;
                    free[i - row] = true;
                    freed[freedCount++] = i - row;
                }
            }
            if (freedCount == 0) continue;
            changed = true;
            assign(g, fanIn, grad, freed, freedCount, free, room, next);
        }
        if (changed) commit(layer, next);
    }

    /** Greedy: (neuron, input) pairs by decreasing |grad|; an input goes to the first neuron with room. */
    private void assign(int group, int fanIn, float[] grad, int[] freed, int freedCount, boolean[] free, int[] room, boolean[] next) {
        int pairs = freedCount * groupSize;
        long[] keys = new long[pairs];
        int p = 0;
        for (int j = 0; j < groupSize; j++) {
            for (int f = 0; f < freedCount; f++) {
                int pair = j * freedCount + f; // lower neuron, then lower position in freed (ascending inputs)
                long bits = Float.floatToRawIntBits(Math.abs(grad[(group + j) * fanIn + freed[f]])) & 0x7fffffffL;
                keys[p++] = (bits << 32) | (Integer.MAX_VALUE - pair);
            }
        }
        Arrays.sort(keys);
        int left = freedCount;
        for (int q = pairs - 1; q >= 0 && left > 0; q--) {
            int pair = Integer.MAX_VALUE - (int) (keys[q] & 0xffffffffL);
            int j = pair / freedCount;
            int c = freed[pair % freedCount];
            if (!free[c] || room[j] == 0) continue;
            free[c] = false;
            room[j]--;
            left--;
            next[(group + j) * fanIn + c] = true;
        }
    }

    @Override
    public Structure structure() { return new Structure.Complementary(groupSize); }

    @Override
    public String describe() {
        return "complementary(n=" + groupSize + "," + (schedule == null ? "static" : "rigl " + schedule.describe()) + ")";
    }
}
