package dev.sparrow.cli;

import dev.sparrow.infer.Device;
import dev.sparrow.infer.DeviceProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * --device cpu|cuda on the commands that run a model (predict, eval, bench model). Where no GPU is usable (CI, this
 * machine) --device cuda says why in one line on standard error and the CPU gives the same answers as --device cpu.
 */
class DeviceOptionTest {
    /** The one line --device cuda says here, or null on a machine with a usable GPU. */
    private static String fallbackNote() {
        return DeviceProvider.unavailableReason(Device.CUDA)
                .map(why -> "note: --device cuda unavailable: " + why + "; the session runs on the CPU")
                .orElse(null);
    }

    private static void saysWhyOnceOrRunsOnTheGpu(SparrowCliTest.Run r) {
        String note = fallbackNote();
        if (note == null) {
            assertThat(r.err()).doesNotContain("--device cuda unavailable");
        } else {
            assertThat(r.err().lines().filter(l -> l.contains("--device cuda")).toList()).containsExactly(note);
        }
    }

    @Test
    void predictAndEvalOnCudaSayWhyAndGiveTheCpusAnswersWhereThereIsNoGpu(@TempDir Path tmp) throws Exception {
        Path data = NoSurprisesCommandsTest.csv(tmp);
        Path run = tmp.resolve("run");
        SparrowCliTest.Run t = NoSurprisesCommandsTest.train(data, run, "--epochs", "2", "--method", "static", "--sparsity", "0.5");
        assertThat(t.exit()).as(t.err()).isZero();
        String ckpt = run.resolve("checkpoint.safetensors").toString();
        Path rows = Files.writeString(tmp.resolve("rows.csv"), "a,b,c,d\n0.5,0.5,6.5,0.5\n6.5,0.5,0.5,0.5\n3.5,0.5,3.5,0.5\n");

        SparrowCliTest.Run cpu = SparrowCliTest.run("predict", ckpt, rows.toString(), "--device", "cpu");
        SparrowCliTest.Run cuda = SparrowCliTest.run("predict", ckpt, rows.toString(), "--device", "cuda");
        assertThat(cpu.exit()).as(cpu.err()).isZero();
        assertThat(cuda.exit()).as(cuda.err()).isZero();
        assertThat(cpu.err()).doesNotContain("--device");
        saysWhyOnceOrRunsOnTheGpu(cuda);
        assertThat(cpu.out().lines().count()).isEqualTo(3);
        if (fallbackNote() != null) assertThat(cuda.out()).isEqualTo(cpu.out());

        SparrowCliTest.Run evalCpu = SparrowCliTest.run("eval", ckpt, "--data", data.toString(), "--label-column", "kind",
                "--threads", "1", "--no-plot");
        SparrowCliTest.Run evalCuda = SparrowCliTest.run("eval", ckpt, "--data", data.toString(), "--label-column", "kind",
                "--threads", "1", "--no-plot", "--device", "cuda");
        assertThat(evalCpu.exit()).as(evalCpu.err()).isZero();
        assertThat(evalCuda.exit()).as(evalCuda.err()).isZero();
        saysWhyOnceOrRunsOnTheGpu(evalCuda);
        assertThat(accuracy(evalCuda.out())).isEqualTo(accuracy(evalCpu.out()));
        assertThat(evalCuda.out()).contains("confusion matrix");
    }

    private static String accuracy(String out) {
        Matcher m = Pattern.compile("test accuracy ([0-9.]+%)").matcher(out);
        assertThat(m.find()).as(out).isTrue();
        return m.group(1);
    }

    @Test
    void benchModelOnCudaSaysWhyAndRunsTheCpuBenchWhereThereIsNoGpu(@TempDir Path dir) throws Exception {
        Path ckpt = BenchModelCommandTest.tinyCheckpoint(dir);
        SparrowCliTest.Run r = SparrowCliTest.run("bench", "model", ckpt.toString(), "--batch", "2", "--device", "cuda",
                "--threads", "1", "--warmup-ms", "1", "--measure-ms", "5", "--tune-ms", "1");
        assertThat(r.exit()).as(r.err()).isZero();
        saysWhyOnceOrRunsOnTheGpu(r);
        assertThat(r.out()).startsWith("machine: ");
        if (fallbackNote() != null) assertThat(r.out()).contains("speed-up");
    }

    @Test
    void aDeviceOtherThanCpuOrCudaAndNoiseOnTheGpuAreRefusedInOneLine(@TempDir Path tmp) throws Exception {
        Path data = NoSurprisesCommandsTest.csv(tmp);
        Path run = tmp.resolve("run");
        assertThat(NoSurprisesCommandsTest.train(data, run, "--epochs", "1").exit()).isZero();
        String ckpt = run.resolve("checkpoint.safetensors").toString();
        Path rows = Files.writeString(tmp.resolve("rows.csv"), "a,b,c,d\n0.5,0.5,6.5,0.5\n");
        for (String[] args : new String[][] {
                {"predict", ckpt, rows.toString(), "--device", "tpu"},
                {"eval", ckpt, "--data", data.toString(), "--label-column", "kind", "--device", "tpu"},
                {"bench", "model", ckpt, "--device", "tpu"}}) {
            SparrowCliTest.Run r = SparrowCliTest.run(args);
            assertThat(r.exit()).as(String.join(" ", args)).isEqualTo(2);
            assertThat(r.err()).as(args[0]).contains("--device is cpu or cuda, got 'tpu'").doesNotContain("at dev.sparrow");
        }
        SparrowCliTest.Run noise = SparrowCliTest.run("eval", ckpt, "--data", data.toString(), "--label-column", "kind",
                "--noise", "0.1", "--device", "cuda");
        assertThat(noise.exit()).isEqualTo(2);
        assertThat(noise.err()).contains("--noise runs on the CPU only; drop --device cuda");
    }
}
