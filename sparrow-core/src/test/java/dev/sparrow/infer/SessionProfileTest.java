package dev.sparrow.infer;

import dev.sparrow.infer.InferenceTestModels.MaskKind;
import dev.sparrow.nn.layers.Sequential;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The per-step profile that bench model --explain prints: one line per step, and the session still predicts the same. */
class SessionProfileTest {
    @Test
    void oneLinePerStepAndPredictionsUnchanged() {
        Sequential m = InferenceTestModels.mlp(5, 12, new int[] {9}, 4, MaskKind.UNSTRUCTURED, 0.5);
        try (InferenceSession s = InferenceSession.builder(m, 12).batchSize(3).formatAll("csr").build()) {
            float[] x = new float[3 * 12];
            for (int i = 0; i < x.length; i++) x[i] = (float) Math.sin(i);
            float[] before = new float[3 * 4];
            s.predictBatch(x, 3, before);
            String profile = s.profile(x, 3, 5);
            List<String> lines = profile.lines().toList();
            assertThat(lines.getFirst()).startsWith("per-step medians over 5 calls at batch 3:");
            int steps = s.describe().lines().toList().size() - 1;
            assertThat(lines).hasSize(1 + steps);
            assertThat(lines.get(1)).matches(" +[0-9.]+ us +[0-9.]+%  .+");
            float[] after = new float[3 * 4];
            s.predictBatch(x, 3, after);
            assertThat(after).containsExactly(before);
            assertThatThrownBy(() -> s.profile(x, 3, 0)).hasMessageContaining("rounds");
            assertThatThrownBy(() -> s.profile(x, 4, 1)).hasMessageContaining("batch 4");
        }
    }
}
