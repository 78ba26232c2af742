package dev.sparrow.train;

import dev.sparrow.io.Checkpoint;
import dev.sparrow.util.FaultInjection;
import dev.sparrow.util.Json;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Issue 12, defects 4 to 7 and 9: the run folder stays consistent when a write fails (a full disk, a
 * read-only folder: {@link FaultInjection} makes the Nth write point throw, as root cannot make a folder
 * read-only) or training diverges, and a resume after either continues as if nothing happened.
 */
class RunFolderReliabilityTest {
    private static final String DISK_FULL = "No space left on device";

    @AfterEach
    void disarm() {
        FaultInjection.failAt(0, "");
    }

    /** Points one epoch passes: the metrics line (2), then the checkpoint write (temp, header, tensors, rename...). */
    private static long pointsPerEpoch(Path dir) throws IOException {
        FaultInjection.countOnly();
        TrainingRun.run(TrainingRunTest.config(1), TrainingRunTest.data(), dir, null, TrainListener.NONE);
        long summaryPoints = 2;
        long n = FaultInjection.count() - summaryPoints;
        FaultInjection.failAt(0, "");
        return n;
    }

    private static List<Long> epochs(Path dir) throws IOException {
        return Files.readAllLines(dir.resolve(RunDirectory.METRICS)).stream()
                .map(l -> ((Number) Json.parseObject(l, Json.Limits.of(1 << 20)).get("epoch")).longValue()).toList();
    }

    @Test
    void aCrashBetweenMetricsAndCheckpointDoesNotDuplicateTheEpochOnResume(@TempDir Path tmp) throws IOException {
        long perEpoch = pointsPerEpoch(tmp.resolve("count"));
        Path dir = tmp.resolve("run");
        // epoch 2's metrics line is written (2 points), its checkpoint fails at the temp file's creation
        FaultInjection.failAt(perEpoch + 3, DISK_FULL);
        assertThatThrownBy(() -> TrainingRun.run(TrainingRunTest.config(3), TrainingRunTest.data(), dir, null, TrainListener.NONE))
                .isInstanceOf(UncheckedIOException.class).hasMessageContaining(DISK_FULL).hasMessageContaining(dir.toString())
                .message().doesNotContain("\n");
        FaultInjection.failAt(0, "");
        assertThat(epochs(dir)).containsExactly(1L, 2L);
        assertThat(Checkpoint.read(dir.resolve(RunDirectory.CHECKPOINT)).epoch().getAsLong()).isEqualTo(1);

        TrainingRun.run(TrainingRunTest.config(3), TrainingRunTest.data(), dir, dir.resolve(RunDirectory.CHECKPOINT), TrainListener.NONE);
        assertThat(epochs(dir)).containsExactly(1L, 2L, 3L);
    }

    @Test
    void aFullDiskInTheMiddleOfAMetricsLineLeavesNoHalfLine(@TempDir Path dir) throws IOException {
        long perEpoch = pointsPerEpoch(dir.resolve("count"));
        Path run = dir.resolve("run");
        FaultInjection.failAt(perEpoch + 1, DISK_FULL); // epoch 2: between the two halves of its metrics line
        assertThatThrownBy(() -> TrainingRun.run(TrainingRunTest.config(3), TrainingRunTest.data(), run, null, TrainListener.NONE))
                .hasMessageContaining(DISK_FULL);
        FaultInjection.failAt(0, "");
        String text = Files.readString(run.resolve(RunDirectory.METRICS));
        assertThat(text).endsWith("\n");
        assertThat(epochs(run)).containsExactly(1L);
        // the old checkpoint survives the failed epoch
        assertThat(Checkpoint.read(run.resolve(RunDirectory.CHECKPOINT)).epoch().getAsLong()).isEqualTo(1);
        TrainingRun.run(TrainingRunTest.config(3), TrainingRunTest.data(), run, run.resolve(RunDirectory.CHECKPOINT), TrainListener.NONE);
        assertThat(epochs(run)).containsExactly(1L, 2L, 3L);
    }

    @Test
    void aTornLastLineFromACrashIsDroppedOnResumeAndReported(@TempDir Path dir) throws IOException {
        TrainingRun.run(TrainingRunTest.config(1), TrainingRunTest.data(), dir, null, TrainListener.NONE);
        Files.writeString(dir.resolve(RunDirectory.METRICS), "{\"epoch\":2,\"global_st", StandardOpenOption.APPEND);
        MetricsLines lines = MetricsLines.read(dir.resolve(RunDirectory.METRICS));
        assertThat(lines.torn()).isEqualTo("{\"epoch\":2,\"global_st");
        assertThat(lines.rows()).hasSize(1);
        TrainingRun.run(TrainingRunTest.config(2), TrainingRunTest.data(), dir, dir.resolve(RunDirectory.CHECKPOINT), TrainListener.NONE);
        assertThat(epochs(dir)).containsExactly(1L, 2L);
    }

    @Test
    void anUnwritableRunFolderFailsBeforeTrainingInOneLine(@TempDir Path dir) throws IOException {
        Path notAFolder = Files.writeString(dir.resolve("file"), "x");
        int[] steps = {0};
        TrainListener counting = new TrainListener() {
            @Override
            public void onStep(int epoch, long step, double loss, int samples) { steps[0]++; }
        };
        assertThatThrownBy(() -> TrainingRun.run(TrainingRunTest.config(1), TrainingRunTest.data(), notAFolder.resolve("run"), null, counting))
                .isInstanceOf(RunFolderException.class).hasMessageContaining(notAFolder.toString()).message().doesNotContain("\n");
        assertThat(steps[0]).as("no step before the folder is known to be writable").isZero();

        // a folder that refuses files (as a read-only one does, for the write probe's first point)
        FaultInjection.failAt(Long.MAX_VALUE, "");
        Path run = dir.resolve("run");
        TrainingRun.run(TrainingRunTest.config(1), TrainingRunTest.data(), run, null, TrainListener.NONE);
        byte[] good = Files.readAllBytes(run.resolve(RunDirectory.CHECKPOINT));
        FaultInjection.failAt(3, "Read-only file system");
        assertThatThrownBy(() -> TrainingRun.run(TrainingRunTest.config(2), TrainingRunTest.data(), run,
                run.resolve(RunDirectory.CHECKPOINT), TrainListener.NONE)).hasMessageContaining("Read-only file system");
        assertThat(Files.readAllBytes(run.resolve(RunDirectory.CHECKPOINT))).isEqualTo(good);
        try (var files = Files.list(run)) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".tmp"));
        }
    }

    @Test
    void divergenceAtTheEndOfAnEpochKeepsTheLastGoodCheckpoint(@TempDir Path dir) throws IOException {
        TrainingRun.run(TrainingRunTest.config(1), TrainingRunTest.data(), dir, null, TrainListener.NONE);
        byte[] good = Files.readAllBytes(dir.resolve(RunDirectory.CHECKPOINT));
        // one step per epoch: the step's own loss is finite, the update it makes is not
        TrainConfig wild = new TrainConfig("mlp", TrainConfig.DATASET_FASHION_MNIST, null, 2, 512, "sgd", 3e38, 0.9, true,
                5e-4, "constant", 0, 0.05, false, 7, 1);
        assertThatThrownBy(() -> TrainingRun.run(wild, TrainingRunTest.data(), dir, dir.resolve(RunDirectory.CHECKPOINT), TrainListener.NONE))
                .isInstanceOf(TrainingDivergedException.class).hasMessageContaining("epoch 2").hasMessageContaining("last good");
        assertThat(Files.readAllBytes(dir.resolve(RunDirectory.CHECKPOINT))).isEqualTo(good);
        assertThat(epochs(dir)).containsExactly(1L);
    }

    @Test
    void orphanedTemporaryFilesAreRemovedAndAFinishedRunGetsItsMissingSummary(@TempDir Path dir) throws IOException {
        TrainingRun.run(TrainingRunTest.config(2), TrainingRunTest.data(), dir, null, TrainListener.NONE);
        Files.delete(dir.resolve(RunDirectory.SUMMARY));
        Files.writeString(dir.resolve(".checkpoint.safetensors.1234.tmp"), "half");
        Files.writeString(dir.resolve("summary.json.99.tmp"), "half");
        Files.writeString(dir.resolve("notes.tmp"), "the user's");
        TrainingRun.Outcome out = TrainingRun.run(TrainingRunTest.config(2), TrainingRunTest.data(), dir,
                dir.resolve(RunDirectory.CHECKPOINT), TrainListener.NONE);
        assertThat(out.epochs()).hasSize(2);
        assertThat(dir.resolve(RunDirectory.SUMMARY)).exists();
        assertThat(dir.resolve(".checkpoint.safetensors.1234.tmp")).doesNotExist();
        assertThat(dir.resolve("summary.json.99.tmp")).doesNotExist();
        assertThat(dir.resolve("notes.tmp")).exists();
    }

    @Test
    void checkpointsFollowTheUmaskNotPrivateMode(@TempDir Path dir) throws IOException {
        TrainingRun.run(TrainingRunTest.config(1), TrainingRunTest.data(), dir, null, TrainListener.NONE);
        Set<PosixFilePermission> plain = Files.getPosixFilePermissions(Files.writeString(dir.resolve("plain"), "x",
                StandardCharsets.UTF_8));
        assertThat(Files.getPosixFilePermissions(dir.resolve(RunDirectory.CHECKPOINT))).isEqualTo(plain);
        assertThat(Files.getPosixFilePermissions(dir.resolve(RunDirectory.SUMMARY))).isEqualTo(plain);
    }
}
