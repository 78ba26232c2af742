package dev.sparrow.cli;

import dev.sparrow.data.Dataset;
import dev.sparrow.sparsity.SparsityConfig;
import dev.sparrow.train.TrainConfig;
import dev.sparrow.train.TrainListener;
import dev.sparrow.train.TrainingRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/** 'sparrow compare': the configs it builds, its errors before any data is read, and a short run on generated data. */
class CompareCommandTest {
    private static final long SEED = 11;

    private static Map<String, TrainConfig> parse(String... args) {
        CompareCommand cmd = new CompareCommand();
        new CommandLine(cmd).parseArgs(args);
        return cmd.configs();
    }

    @Test
    void oneConfigPerMethodInOrderWithTheSharedSparsityAndSeed() {
        Map<String, TrainConfig> configs = parse("--methods", "dense,rigl,gmp", "--sparsity", "0.8",
                "--distribution", "uniform", "--epochs", "3", "--seed", "5", "--threads", "2");
        assertThat(configs.keySet()).containsExactly("dense", "rigl", "gmp");
        assertThat(configs.get("dense").sparsity()).isEqualTo(SparsityConfig.DENSE);
        assertThat(configs.get("rigl").sparsity()).isEqualTo(SparsityConfig.of("rigl", 0.8, "uniform"));
        assertThat(configs.get("gmp").sparsity()).isEqualTo(SparsityConfig.of("gmp", 0.8, "uniform"));
        for (TrainConfig c : configs.values()) {
            assertThat(c.model()).isEqualTo("mlp");
            assertThat(c.epochs()).isEqualTo(3);
            assertThat(c.seed()).isEqualTo(5);
            assertThat(c.threads()).isEqualTo(2);
            assertThat(c.learningRate()).isEqualTo(0.05); // the same default as 'sparrow train'
        }
    }

    @Test
    void defaultsAreTheSixMethodsAtNinetyPercentErk() {
        Map<String, TrainConfig> configs = parse();
        assertThat(configs.keySet()).containsExactly("dense", "static", "set", "rigl", "srigl", "gmp");
        assertThat(configs.get("srigl").sparsity()).isEqualTo(SparsityConfig.of("srigl", 0.9, "erk"));
        assertThat(configs.get("static").epochs()).isEqualTo(15);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "--methods dense,lottery | --methods 'lottery': --method is lottery",
            "--methods rigl,rigl | --methods names 'rigl' twice",
            "--methods rigl,,set | --methods has an empty entry",
            "--methods rigl --sparsity 1.0 | --sparsity is 1.0",
            "--methods rigl --distribution normal | --distribution is normal",
            "--methods nm:2:3 | not a multiple of 3 (M)",
            "--model vgg | --model is 'vgg'",
            "--epochs 0 | --epochs is 0",
            "--threads 0 | --threads is 0",
            "--sparsity lots | Invalid value for option '--sparsity'",
    })
    void badOptionsExitWithTwoBeforeReadingData(String args, String message) {
        String[] argv = ("compare --data /nonexistent/fashion " + args).split(" ");
        SparrowCliTest.Run r = SparrowCliTest.run(argv);
        assertThat(r.exit()).as(r.err()).isEqualTo(2);
        assertThat(r.err()).contains(message).doesNotContain("at dev.sparrow").doesNotContain("/nonexistent/fashion/");
    }

    @Test
    void helpListsTheOptions() {
        SparrowCliTest.Run r = SparrowCliTest.run("compare", "--help");
        assertThat(r.exit()).isZero();
        for (String opt : new String[] {"--model", "--methods", "--sparsity", "--epochs", "--seed", "--threads", "--data",
                "--distribution", "--output", "--json"}) {
            assertThat(r.out()).contains(opt);
        }
    }

    /** Four classes of 8x8 images, a bright quadrant per class plus noise (as in TrainingRunTest). */
    private static Dataset generated(String name, int n, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        int side = 8;
        byte[] pixels = new byte[n * side * side];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            int c = rng.nextInt(4);
            labels[i] = c;
            for (int y = 0; y < side; y++) {
                for (int x = 0; x < side; x++) {
                    boolean inQuadrant = (y < side / 2) == (c < 2) && (x < side / 2) == (c % 2 == 0);
                    pixels[i * side * side + y * side + x] = (byte) ((inQuadrant ? 150 : 30) + rng.nextInt(80));
                }
            }
        }
        return Dataset.of(name, pixels, labels, 1, side, side, 4);
    }

    @Test
    void twoMethodsForOneEpochOnGeneratedDataReachTheirSparsity(@TempDir Path dir) throws Exception {
        TrainingRun.Data data = new TrainingRun.Data(generated("train", 512, SEED), generated("test", 128, SEED + 1), 0.4f, 0.25f);
        Map<String, TrainConfig> configs = parse("--methods", "dense,static", "--sparsity", "0.8", "--epochs", "1",
                "--threads", "1", "--seed", Long.toString(SEED));

        List<CompareTable.Row> rows = CompareCommand.runAll(configs, data, dir, m -> TrainListener.NONE, System.out);

        assertThat(rows).extracting(CompareTable.Row::method).containsExactly("dense", "static");
        assertThat(rows.get(0).sparsity()).as("seed %d", SEED).isLessThan(0.01);
        // static keeps its initial masks: the reached sparsity is the budget
        assertThat(rows.get(1).sparsity()).as("seed %d", SEED).isCloseTo(0.8, org.assertj.core.data.Offset.offset(0.005));
        for (CompareTable.Row r : rows) {
            assertThat(r.testAccuracy()).as("%s, seed %d", r.method(), SEED).isGreaterThan(0.5); // chance is 0.25
            assertThat(r.trainSeconds()).isPositive();
        }
        assertThat(dir.resolve("dense").resolve("summary.json")).exists();
        // the runs side by side, and each run's own plots, titled with its method and sparsity
        assertThat(dir.resolve(ComparisonPlots.ACCURACY)).isNotEmptyFile();
        assertThat(dir.resolve("static").resolve(RunPlots.SPARSITY)).isNotEmptyFile();
        assertThat(dir.resolve("dense").resolve(RunPlots.ACCURACY)).isNotEmptyFile();
        assertThat(new ComparisonPlots.Run("static", 0.8, List.of(), 0.75).label()).isEqualTo("static, 80.0% sparsity: test 75.00%");
        assertThat(new ComparisonPlots.Run("dense", 0, List.of(), 0.5).label()).isEqualTo("dense: test 50.00%");
        assertThat(Files.list(dir.resolve("static")).map(p -> p.getFileName().toString()).toList())
                .contains("summary.json", "metrics.jsonl");
    }
}
