package dev.sparrow;

import dev.sparrow.data.CsvData;
import dev.sparrow.data.Dataset;
import dev.sparrow.infer.InferenceSession;
import dev.sparrow.infer.Prediction;
import dev.sparrow.sparsity.Sparsity;
import dev.sparrow.train.EpochResult;
import dev.sparrow.train.SparseTrainer;
import dev.sparrow.train.TrainListener;
import dev.sparrow.train.TrainingRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The README's Java example, compiled and run here: the body of {@link #example} is the README's code
 * block (less its first two lines, which name the paths and where printing goes), and a test keeps the two the same.
 */
class ReadmeExampleTest {

    static void example(Path csv, Path runs, Consumer<String> print) throws IOException {
        Dataset data = CsvData.read(csv, "species");         // numeric feature columns + a label column
        TrainingRun.Outcome run = SparseTrainer.builder()
                .model(SparseTrainer.Model.MLP)                 // MLP from the feature count
                .data(data)                                     // 10% held out for the test, 10% of the rest for validation
                .optimizer(SparseTrainer.Optimizer.sgd(0.05, 0.9))
                .schedule(SparseTrainer.Schedule.COSINE, 0)
                .sparsity(Sparsity.rigl(0.8))                   // 80% of the weights zero, the masks moved by RigL
                .epochs(8)
                .batchSize(16)
                .listener(new TrainListener() {
                    @Override
                    public void onEpochEnd(EpochResult r) {
                        print.accept(String.format(Locale.ROOT, "epoch %d: validation accuracy %.3f", r.epoch(), r.valAccuracy()));
                    }
                })
                .output(runs)
                .train();
        print.accept(String.format(Locale.ROOT, "test accuracy %.3f", run.testAccuracy()));

        try (InferenceSession session = InferenceSession.load(run.checkpoint())) { // the checkpoint knows its model
            for (Prediction p : session.classify(new float[] {6.0f, 3.0f}, 2)) {   // raw features, normalised for you
                print.accept(String.format(Locale.ROOT, "%s %.3f", p.name(), p.probability()));
            }
        }
    }

    @Test
    void theExampleTrainsAndServesAModel(@TempDir Path tmp) throws IOException {
        StringBuilder csv = new StringBuilder("petal,sepal,species\n");
        SplittableRandom rnd = new SplittableRandom(11);
        for (int i = 0; i < 300; i++) {
            boolean large = i % 2 == 0;
            csv.append(String.format(Locale.ROOT, "%.2f,%.2f,%s%n", (large ? 6 : 2) + rnd.nextDouble(), (large ? 3 : 1) + rnd.nextDouble(),
                    large ? "large" : "small"));
        }
        List<String> printed = new ArrayList<>();
        example(Files.writeString(tmp.resolve("flowers.csv"), csv), tmp.resolve("runs"), printed::add);
        assertThat(printed).hasSize(8 + 1 + 2);
        assertThat(printed.get(8)).startsWith("test accuracy");
        assertThat(Double.parseDouble(printed.get(8).substring("test accuracy ".length()))).isGreaterThan(0.9);
        assertThat(printed.get(9)).startsWith("large ");
    }

    @Test
    void theReadmeShowsThisCode() throws IOException {
        String readme = Files.readString(Path.of("../README.md"));
        int start = readme.indexOf("```java\n");
        assertThat(start).as("README has a ```java block").isNotNegative();
        String block = readme.substring(start + 8, readme.indexOf("```", start + 8));
        String source = Files.readString(Path.of("src/test/java/dev/sparrow/ReadmeExampleTest.java"));
        List<String> lines = block.lines().skip(2).map(String::strip).filter(l -> !l.isEmpty()).toList();
        assertThat(lines).isNotEmpty();
        for (String line : lines) assertThat(source).as("README line: %s", line).contains(line);
    }
}
