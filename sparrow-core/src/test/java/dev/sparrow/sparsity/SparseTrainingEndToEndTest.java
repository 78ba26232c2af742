package dev.sparrow.sparsity;

import dev.sparrow.data.DataLoader;
import dev.sparrow.data.Dataset;
import dev.sparrow.nn.ExecutionContext;
import dev.sparrow.nn.Modules;
import dev.sparrow.nn.Parameter;
import dev.sparrow.nn.layers.Sequential;
import dev.sparrow.nn.loss.SoftmaxCrossEntropy;
import dev.sparrow.nn.models.ModelZoo;
import dev.sparrow.optim.LrSchedules;
import dev.sparrow.optim.Sgd;
import dev.sparrow.train.SparseTraining;
import dev.sparrow.train.EpochResult;
import dev.sparrow.train.TrainListener;
import dev.sparrow.train.Trainer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/** An MLP trained with RigL at 90% through the real Trainer keeps exact sparsity and learns. */
class SparseTrainingEndToEndTest {
    private static final long SEED = 7;

    static Dataset generated(String name, int n, long seed) {
        return dev.sparrow.train.TrainingRunTest.generated(name, n, seed);
    }

    @Test
    void rigl90PercentKeepsExactSparsityAndLearns() {
        Sequential model = ModelZoo.create("mlp", new int[] {1, 8, 8}, 4, SEED);
        Map<String, Parameter> params = Modules.namedParameters(model);
        List<LayerBudget> layers = SparsityBudget.allocate(params, 0.9, Distribution.UNIFORM, false, false);
        Sgd sgd = Sgd.builder(params).momentum(0.9f).nesterov(true).weightDecay(5e-4f).build();
        RigL rigl = new RigL(UpdateSchedule.cosine(8, 0.75, 0.3));
        rigl.initialize(layers, sgd, new SplittableRandom(SEED));
        float[][] initialMasks = new float[layers.size()][];
        for (int i = 0; i < layers.size(); i++) initialMasks[i] = layers.get(i).parameter().mask().values().clone();

        List<String> sparsityProblems = new ArrayList<>();
        int[] updateStepsWithDenseGradient = new int[1];
        TrainListener probe = new TrainListener() {
            long total;

            @Override
            public void onEpochStart(int epoch, int epochs, int batches) { total = (long) epochs * batches; }

            @Override
            public void onStep(int epoch, long step, double loss, int samples) {
                // Runs before SparseTraining on the same step: the gradient of this step is still there,
                // nonzero at masked weights too.
                if (!rigl.needsDenseGradient(step, total)) return;
                Parameter w = layers.getFirst().parameter();
                float[] keep = w.mask().values();
                float[] g = w.grad().data();
                for (int i = 0; i < keep.length; i++) {
                    if (keep[i] == 0f && g[i] != 0f) {
                        updateStepsWithDenseGradient[0]++;
                        return;
                    }
                }
            }

            @Override
            public void onEpochEnd(EpochResult r) {
                for (LayerBudget l : layers) {
                    int active = l.parameter().mask().activeCount();
                    if (active != l.active()) sparsityProblems.add(l.name() + " has " + active + " after epoch " + r.epoch());
                    float[] w = l.parameter().value().data();
                    float[] keep = l.parameter().mask().values();
                    for (int i = 0; i < w.length; i++) {
                        if (keep[i] == 0f && w[i] != 0f) sparsityProblems.add(l.name() + "[" + i + "] = " + w[i]);
                    }
                }
            }
        };
        List<EpochResult> results;
        try (DataLoader train = DataLoader.builder(generated("train", 512, SEED), 32).seed(SEED).shuffle(true)
                .normalize(0.4f, 0.25f).build();
             DataLoader test = DataLoader.builder(generated("test", 128, SEED + 1), 32).shuffle(false)
                     .normalize(0.4f, 0.25f).build()) {
            Trainer trainer = new Trainer(model, sgd, LrSchedules.cosine(0.05f, 0f), new SoftmaxCrossEntropy(),
                    ExecutionContext.defaults(), SEED);
            trainer.addListener(probe).addListener(new SparseTraining(rigl));
            results = trainer.fit(train, test, 1, 4);
        }

        assertThat(sparsityProblems).as("seed %d", SEED).isEmpty();
        // 16 steps per epoch, 64 in all, T_end 48: updates after steps 8, 16, ..., 40
        assertThat(updateStepsWithDenseGradient[0]).isEqualTo(5);
        boolean changed = false;
        for (int i = 0; i < layers.size(); i++) {
            changed |= !java.util.Arrays.equals(initialMasks[i], layers.get(i).parameter().mask().values());
        }
        assertThat(changed).as("RigL moved some connections").isTrue();
        assertThat(results.getLast().trainLoss()).isLessThan(results.getFirst().trainLoss());
        assertThat(results.getFirst().trainLoss()).isLessThan(Math.log(4));
        assertThat(results.getLast().valAccuracy()).isGreaterThan(0.9);
    }
}
