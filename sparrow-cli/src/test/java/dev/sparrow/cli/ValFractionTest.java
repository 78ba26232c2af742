package dev.sparrow.cli;

import dev.sparrow.train.TrainingRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** --val-fraction: the seeded share of the training data each epoch reports; the test set stays apart. */
class ValFractionTest {

    private static DataOptions parse(String... args) {
        DataOptions d = new DataOptions();
        new CommandLine(d).parseArgs(args);
        return d;
    }

    @Test
    void theValidationSplitIsTheAskedShareOfWhatIsLeftAfterTheTestHoldOut(@TempDir Path tmp) throws IOException {
        StringBuilder csv = new StringBuilder("a,label\n");
        for (int i = 0; i < 120; i++) csv.append(i).append(',').append(i % 3).append('\n');
        Path file = Files.writeString(tmp.resolve("d.csv"), csv);

        TrainingRun.Data byDefault = parse("--data", file.toString()).load(5);
        assertThat(byDefault.test().size()).isEqualTo(12);
        assertThat(byDefault.validation().size()).isEqualTo(11); // 10% of 108, rounded
        assertThat(byDefault.train().size() + byDefault.validation().size()).isEqualTo(108);

        TrainingRun.Data half = parse("--data", file.toString(), "--val-fraction", "0.5").load(5);
        assertThat(half.validation().size()).isEqualTo(54);
        assertThat(half.train().size()).isEqualTo(54);
        assertThat(half.test().size()).isEqualTo(12);
        // one seed, one split
        TrainingRun.Data again = parse("--data", file.toString(), "--val-fraction", "0.5").load(5);
        float[] a = new float[1], b = new float[1];
        for (int i = 0; i < 54; i++) {
            half.validation().copyExample(i, a, 0);
            again.validation().copyExample(i, b, 0);
            assertThat(a[0]).isEqualTo(b[0]);
        }

        assertThatThrownBy(() -> parse("--data", file.toString(), "--val-fraction", "1").load(5))
                .hasMessage("--val-fraction is 1.0; expected in (0, 1)");
    }
}
