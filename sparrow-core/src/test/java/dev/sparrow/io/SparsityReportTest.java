package dev.sparrow.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** SparsityReport on a hand-made checkpoint: counts, fan-in spread and ablated neurons per layer. */
class SparsityReportTest {

    @Test
    void countsActiveWeightsFanInAndAblatedNeurons(@TempDir Path dir) throws IOException {
        Map<String, TensorSource> t = new LinkedHashMap<>();
        // linear [3, 4]: row fan-ins 2, 0, 3 by the mask (weights all nonzero)
        t.put("0.weight", TensorData.f32(new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, 3, 4));
        t.put("0.bias", TensorData.f32(new float[] {0, 0, 0}, 3));
        t.put("0.weight.mask", TensorData.u8(new byte[] {1, 0, 1, 0, 0, 0, 0, 0, 1, 1, 1, 0}, 3, 4));
        // conv [2, 1, 2, 2], no mask: nonzero weights count, fan-ins 4 and 1
        t.put("1.weight", TensorData.f32(new float[] {1, 1, 1, 1, 0, 0, 0, -2}, 2, 1, 2, 2));
        t.put("optim.0.weight.m", TensorData.f32(new float[12], 3, 4));
        Path file = dir.resolve("hand.safetensors");
        SafetensorsWriter.write(file, t, Map.of());

        SparsityReport r = SparsityReport.of(Checkpoint.read(file));

        assertThat(r.layers()).hasSize(2);
        SparsityReport.Layer a = r.layers().get(0);
        assertThat(a.name()).isEqualTo("0.weight");
        assertThat(a.masked()).isTrue();
        assertThat(a.active()).isEqualTo(5);
        assertThat(a.size()).isEqualTo(12);
        assertThat(a.sparsity()).isCloseTo(7.0 / 12, org.assertj.core.api.Assertions.within(1e-12));
        assertThat(new int[] {a.rows(), a.fanInMin(), a.fanInMax(), a.ablated()}).containsExactly(3, 0, 3, 1);
        assertThat(a.fanInMean()).isEqualTo(5.0 / 3);
        SparsityReport.Layer b = r.layers().get(1);
        assertThat(b.masked()).isFalse();
        assertThat(b.shape()).containsExactly(2, 1, 2, 2);
        assertThat(new long[] {b.active(), b.rows(), b.fanInMin(), b.fanInMax(), b.ablated()}).containsExactly(5, 2, 1, 4, 0);
        assertThat(r.active()).isEqualTo(10);
        assertThat(r.size()).isEqualTo(20);
        assertThat(r.sparsity()).isEqualTo(0.5);
        String table = r.table();
        assertThat(table).contains("fan-in min/mean/max").contains("5/12").contains("58.33%").contains("0 / 1.7 / 3")
                .contains("1 of 3").contains("w != 0").contains("total: 10 of 20 active (50.00% sparse)");
    }
}
