package dev.sparrow.train;

import dev.sparrow.io.Checkpoint;
import dev.sparrow.io.TensorData;
import dev.sparrow.util.FaultInjection;
import dev.sparrow.util.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Issue 12's crash-consistency proof: a child JVM training the small run of {@link TrainingRunTest} halts
 * (as {@code kill -9} would) at a chosen write point ({@code -Dsparrow.fault.haltAt}, counted by
 * {@link FaultInjection}: inside the metrics line, inside and around the checkpoint's write and rename, and
 * the summary's); the run is then resumed (or restarted when no checkpoint exists) and finished here. Its
 * final weights and metrics must equal an uninterrupted run's, with no row duplicated or torn and no
 * temporary file left. The kill points are fixed, so a failure repeats.
 */
class CrashConsistencyTest {
    private static final int EPOCHS = 3;
    /** Timing fields differ between any two runs; everything else in a row must match. */
    private static final List<String> TIMING = List.of("seconds", "samples_per_second");
    private static final long CHILD_TIMEOUT_S = 60;

    /** The child: trains {@link TrainingRunTest#config} for {@value #EPOCHS} epochs into args[0]. */
    public static void main(String[] args) throws IOException {
        TrainingRun.run(TrainingRunTest.config(EPOCHS), TrainingRunTest.data(), Path.of(args[0]), null, TrainListener.NONE);
    }

    @Test
    void killedRunsResumeToTheUninterruptedResult(@TempDir Path tmp) throws Exception {
        Path reference = tmp.resolve("reference");
        FaultInjection.countOnly();
        TrainingRun.run(TrainingRunTest.config(EPOCHS), TrainingRunTest.data(), reference, null, TrainListener.NONE);
        long points = FaultInjection.count();
        FaultInjection.failAt(0, "");
        long perEpoch = (points - 2) / EPOCHS; // the summary's two points come last
        // epoch 1's metrics line half written (no checkpoint yet); epoch 2's line whole (no checkpoint of it
        // yet), its checkpoint's header written, before and after its rename; the summary before its rename
        long[] kills = {1, perEpoch + 2, perEpoch + 4, 2 * perEpoch - 1, 2 * perEpoch, points - 1};
        Map<String, byte[]> expectedWeights = tensors(reference);
        List<Map<String, Object>> expectedRows = rows(reference);
        int survived = 0;
        for (long kill : kills) {
            Path dir = tmp.resolve("kill-" + kill);
            int status = child(dir, kill);
            assertThat(status).as("child halted at point %d of %d", kill, points).isEqualTo(FaultInjection.HALT_STATUS);
            Path checkpoint = dir.resolve(RunDirectory.CHECKPOINT);
            // halted after the summary's rename: the run is complete, and a resume would (rightly) refuse
            if (!Files.exists(dir.resolve(RunDirectory.SUMMARY))) TrainingRun.run(TrainingRunTest.config(EPOCHS), TrainingRunTest.data(), dir,
                    Files.exists(checkpoint) ? checkpoint : null, TrainListener.NONE);
            assertThat(rows(dir)).as("metrics after a kill at point %d", kill).isEqualTo(expectedRows);
            Map<String, byte[]> weights = tensors(dir);
            assertThat(weights.keySet()).isEqualTo(expectedWeights.keySet());
            for (String name : weights.keySet()) {
                assertThat(weights.get(name)).as("tensor %s after a kill at point %d", name, kill).isEqualTo(expectedWeights.get(name));
            }
            assertThat(dir.resolve(RunDirectory.SUMMARY)).exists();
            try (var files = Files.list(dir)) {
                assertThat(files.map(p -> p.getFileName().toString())).as("after a kill at %d", kill).noneMatch(n -> n.endsWith(".tmp"));
            }
            survived++;
        }
        System.out.println("CrashConsistencyTest: " + survived + " kills survived (points " + java.util.Arrays.toString(kills)
                + " of " + points + ")");
    }

    private static int child(Path dir, long haltAt) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            // the same kernels as this JVM, so the child's epochs are bit for bit this JVM's
            if (arg.startsWith("--add-modules") || arg.startsWith("--enable-native-access") || arg.startsWith("-Dsparrow.")) cmd.add(arg);
        }
        cmd.addAll(List.of("-Xmx256m", "-XX:+UseSerialGC", "-Dsparrow.fault.haltAt=" + haltAt,
                "-cp", System.getProperty("java.class.path"), CrashConsistencyTest.class.getName(), dir.toString()));
        Path log = Files.createTempFile("crash-child", ".log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(CHILD_TIMEOUT_S, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("child halting at point " + haltAt + " still ran after " + CHILD_TIMEOUT_S + " s; its output: " + Files.readString(log));
        }
        if (p.exitValue() != FaultInjection.HALT_STATUS) {
            fail("child halting at point " + haltAt + " exited with " + p.exitValue() + ": " + Files.readString(log));
        }
        Files.deleteIfExists(log);
        return p.exitValue();
    }

    private static Map<String, byte[]> tensors(Path dir) throws IOException {
        Map<String, byte[]> out = new LinkedHashMap<>();
        for (Map.Entry<String, TensorData> e : Checkpoint.read(dir.resolve(RunDirectory.CHECKPOINT)).tensors().entrySet()) {
            java.nio.ByteBuffer b = e.getValue().bytes().duplicate();
            byte[] bytes = new byte[b.remaining()];
            b.get(bytes);
            out.put(e.getKey(), bytes);
        }
        return out;
    }

    private static List<Map<String, Object>> rows(Path dir) throws IOException {
        String text = Files.readString(dir.resolve(RunDirectory.METRICS));
        assertThat(text).as("no torn last line in " + dir).endsWith("\n");
        List<Map<String, Object>> rows = new ArrayList<>();
        for (String line : text.split("\n")) {
            Map<String, Object> row = Json.parseObject(line, Json.Limits.of(1 << 20));
            TIMING.forEach(row::remove);
            rows.add(row);
        }
        return rows;
    }
}
