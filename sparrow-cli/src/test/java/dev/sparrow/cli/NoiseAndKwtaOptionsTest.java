package dev.sparrow.cli;

import dev.sparrow.data.Dataset;
import dev.sparrow.nn.ExecutionContext;
import dev.sparrow.nn.layers.Sequential;
import dev.sparrow.nn.models.ModelZoo;
import dev.sparrow.train.TrainConfig;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** eval --noise levels and train --kwta, without Fashion-MNIST. */
class NoiseAndKwtaOptionsTest {

    @Test
    void noiseLevelsParseAndRejectBadOnes() {
        assertThat(NoiseLevels.parse("0.0,0.1, 0.5,1")).containsExactly(0.0, 0.1, 0.5, 1.0);
        assertThatThrownBy(() -> NoiseLevels.parse("0.1,x")).hasMessageContaining("'x' is not a number");
        assertThatThrownBy(() -> NoiseLevels.parse("0.1,1.2")).hasMessageContaining("1.2 is outside [0, 1]");
        assertThatThrownBy(() -> NoiseLevels.parse("0.1,")).hasMessageContaining("'' is not a number");
    }

    @Test
    void everyLevelIsEvaluatedWithSeededNoise() {
        long seed = 931;
        Dataset test = stripes(256, seed);
        Sequential model = ModelZoo.create("mlp-16", test.sampleShape(), 2, seed);
        var ctx = ExecutionContext.defaults();
        List<NoiseLevels.Result> a = NoiseLevels.evaluate(model, test, new double[] {0.0, 0.5, 1.0}, 7, 64, new float[] {0.5f}, new float[] {0.3f}, ctx);
        List<NoiseLevels.Result> b = NoiseLevels.evaluate(model, test, new double[] {0.0, 0.5, 1.0}, 7, 64, new float[] {0.5f}, new float[] {0.3f}, ctx);
        assertThat(a).hasSize(3);
        for (int i = 0; i < 3; i++) {
            assertThat(a.get(i).level()).isEqualTo(new double[] {0.0, 0.5, 1.0}[i]);
            assertThat(a.get(i).eval().samples()).isEqualTo(256);
            assertThat(b.get(i).eval().loss()).as("seeded, level %d, seed %d", i, seed).isEqualTo(a.get(i).eval().loss());
        }
        assertThat(a.get(1).eval().loss()).as("noise changes the inputs").isNotEqualTo(a.get(0).eval().loss());
    }

    /** Two classes of 6x6 images: bright top half or bright bottom half. */
    private static Dataset stripes(int n, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        byte[] pixels = new byte[n * 36];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = rng.nextInt(2);
            for (int p = 0; p < 36; p++) pixels[i * 36 + p] = (byte) (((p < 18) == (labels[i] == 0)) ? 220 : 20);
        }
        return Dataset.of("stripes", pixels, labels, 1, 6, 6, 2);
    }

    @Test
    void kwtaTurnsTheModelIntoItsKwtaVariant() {
        TrainCommand cmd = new TrainCommand();
        new CommandLine(cmd).parseArgs("--model", "cnn", "--kwta", "0.05");
        TrainConfig config = cmd.config();
        assertThat(config.model()).isEqualTo("cnn-kwta0.05");
        assertThat(config.epochs()).isEqualTo(12);
        TrainCommand plain = new TrainCommand();
        new CommandLine(plain).parseArgs("--model", "mlp");
        assertThat(plain.config().model()).isEqualTo("mlp");
        TrainCommand bad = new TrainCommand();
        new CommandLine(bad).parseArgs("--model", "resnet", "--kwta", "0.1");
        assertThatThrownBy(bad::config).hasMessageContaining("--kwta works with --model mlp, cnn or gsc-cnn");
        TrainCommand gsc = new TrainCommand();
        new CommandLine(gsc).parseArgs("--model", "gsc-cnn", "--method", "rigl", "--sparsity", "0.95", "--kwta", "0.1");
        assertThat(gsc.config().model()).isEqualTo("gsc-cnn-kwta0.1");
        assertThat(dev.sparrow.nn.models.ModelZoo.create(gsc.config().model(), new int[] {1, 28, 28}, 10, 1).describe())
                .contains("KWinners2d(64, density=0.1, global)");
        TrainCommand dense = new TrainCommand();
        new CommandLine(dense).parseArgs("--kwta", "0");
        assertThatThrownBy(dense::config).hasMessageContaining("(0, 1]");
    }
}
