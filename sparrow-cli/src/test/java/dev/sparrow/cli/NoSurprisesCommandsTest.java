package dev.sparrow.cli;

import dev.sparrow.io.Checkpoint;
import dev.sparrow.train.CheckpointModel;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarConsumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/** Issue 11's "no surprises": run folders, --resume, unreadable files, eval's confusion matrix, the bar at 80 columns. */
class NoSurprisesCommandsTest {

    static Path csv(Path tmp) throws IOException {
        StringBuilder csv = new StringBuilder("a,b,c,d,kind\n");
        SplittableRandom rnd = new SplittableRandom(5);
        for (int i = 0; i < 90; i++) {
            int k = i % 3;
            csv.append(String.format(Locale.ROOT, "%.3f,%.3f,%.3f,%.3f,%s%n", k * 3 + rnd.nextDouble(), rnd.nextDouble(),
                    (2 - k) * 3 + rnd.nextDouble(), rnd.nextDouble(), new String[] {"x", "y", "z"}[k]));
        }
        return Files.writeString(tmp.resolve("data.csv"), csv);
    }

    static SparrowCliTest.Run train(Path data, Path run, String... more) {
        List<String> args = new ArrayList<>(List.of("train", "--data", data.toString(), "--label-column", "kind", "--batch-size", "16",
                "--threads", "1", "--no-progress", "-o", run.toString()));
        args.addAll(List.of(more));
        return SparrowCliTest.run(args.toArray(String[]::new));
    }

    @Test
    void anExistingRunFolderIsReplacedOnlyWithOverwrite(@TempDir Path tmp) throws IOException {
        Path data = csv(tmp);
        Path run = tmp.resolve("run");
        SparrowCliTest.Run first = train(data, run, "--epochs", "1", "--method", "rigl", "--sparsity", "0.5");
        assertThat(first.exit()).as(first.err()).isZero();
        assertThat(run.resolve(RunPlots.SPARSITY)).exists();
        byte[] checkpoint = Files.readAllBytes(run.resolve("checkpoint.safetensors"));

        SparrowCliTest.Run again = train(data, run, "--epochs", "1");
        assertThat(again.exit()).isEqualTo(2);
        assertThat(again.err()).contains("--output " + run + " already holds a run").contains("--overwrite").contains("--resume");
        assertThat(Files.readAllBytes(run.resolve("checkpoint.safetensors"))).isEqualTo(checkpoint);

        SparrowCliTest.Run dense = train(data, run, "--epochs", "1", "--overwrite");
        assertThat(dense.exit()).as(dense.err()).isZero();
        // the dense run draws no sparsity plot, and the sparse run's is gone with the rest of it
        assertThat(run.resolve(RunPlots.SPARSITY)).doesNotExist();
        assertThat(CheckpointModel.config(Checkpoint.read(run.resolve("checkpoint.safetensors"))).sparsity().isDense()).isTrue();
    }

    @Test
    void resumeTakesTheSparsityFromTheCheckpointAndNamesTheOneFlagThatDisagrees(@TempDir Path tmp) throws IOException {
        Path data = csv(tmp);
        Path run = tmp.resolve("run");
        assertThat(train(data, run, "--epochs", "1", "--method", "rigl", "--sparsity", "0.5", "--dense-last").exit()).isZero();
        String ckpt = run.resolve("checkpoint.safetensors").toString();

        SparrowCliTest.Run wrong = train(data, run, "--epochs", "2", "--resume", ckpt, "--sparsity", "0.7");
        assertThat(wrong.exit()).isEqualTo(2);
        assertThat(wrong.err()).contains("--sparsity gives sparsity 0.7").contains("trained with sparsity 0.5")
                .doesNotContain("{").doesNotContain("method");
        SparrowCliTest.Run wrongMethod = train(data, run, "--epochs", "2", "--resume", ckpt, "--method", "set");
        assertThat(wrongMethod.err()).contains("--method gives method set").contains("trained with method rigl");

        // the flags that agree are fine, and none at all takes the checkpoint's
        SparrowCliTest.Run agree = train(data, run, "--epochs", "2", "--resume", ckpt, "--method", "rigl", "--sparsity", "0.5");
        assertThat(agree.exit()).as(agree.err()).isZero();
        SparrowCliTest.Run bare = train(data, run, "--epochs", "3", "--resume", ckpt);
        assertThat(bare.exit()).as(bare.err()).isZero();
        var sparsity = CheckpointModel.config(Checkpoint.read(run.resolve("checkpoint.safetensors"))).sparsity();
        assertThat(sparsity.method()).isEqualTo("rigl");
        assertThat(sparsity.sparsity()).isEqualTo(0.5);
        assertThat(sparsity.denseLast()).isTrue();
        assertThat(Files.readAllLines(run.resolve("metrics.jsonl"))).hasSize(3);
    }

    @Test
    void evalPrintsPerClassAccuracyAndAConfusionMatrixAndDrawsIt(@TempDir Path tmp) throws IOException {
        Path data = csv(tmp);
        Path run = tmp.resolve("run");
        assertThat(train(data, run, "--epochs", "2", "--method", "static", "--sparsity", "0.5").exit()).isZero();
        String ckpt = run.resolve("checkpoint.safetensors").toString();

        SparrowCliTest.Run text = SparrowCliTest.run("eval", ckpt, "--data", data.toString(), "--label-column", "kind", "--threads", "1");
        assertThat(text.exit()).as(text.err()).isZero();
        assertThat(text.out()).contains("static at").contains("% sparsity").contains("accuracy").contains("confusion matrix")
                .containsPattern("(?m)^0 +x +[0-9.]+% +[0-9]+$").containsPattern("(?m)^2 +z ");
        assertThat(run.resolve(ConfusionMatrix.PNG)).exists();
        assertThat(Files.readAllBytes(run.resolve(ConfusionMatrix.PNG))).startsWith((byte) 0x89, (byte) 'P', (byte) 'N', (byte) 'G');

        Path plot = tmp.resolve("cm.png");
        SparrowCliTest.Run json = SparrowCliTest.run("eval", ckpt, "--data", data.toString(), "--label-column", "kind",
                "--threads", "1", "--json", "--plot", plot.toString());
        assertThat(json.exit()).as(json.err()).isZero();
        assertThat(json.out()).contains("\"class_names\":[\"x\",\"y\",\"z\"]").contains("\"class_accuracy\":[").contains("\"confusion\":[[");
        assertThat(plot).exists();
    }

    @Test
    void confusionMatrixCountsArgmaxPerTrueClass() {
        ConfusionMatrix m = new ConfusionMatrix(List.of("a", "b"));
        m.add(dev.sparrow.tensor.Tensor.wrap(new float[] {1, 0, 0, 1, 2, 1}, 3, 2), new int[] {0, 0, 1}, 3);
        assertThat(m.count(0, 0)).isEqualTo(1);
        assertThat(m.count(0, 1)).isEqualTo(1);
        assertThat(m.count(1, 0)).isEqualTo(1);
        assertThat(m.accuracy(0)).isEqualTo(0.5);
        assertThat(m.accuracy(1)).isZero();
    }

    @Test
    void aMissingOrUnreadableFileSaysWhy(@TempDir Path tmp) throws IOException {
        Path missing = tmp.resolve("nope.safetensors");
        for (String command : new String[] {"eval", "inspect", "predict", "bench model"}) {
            List<String> args = new ArrayList<>(List.of(command.split(" ")));
            args.add(missing.toString());
            if (command.equals("predict")) args.add(missing.toString());
            SparrowCliTest.Run r = SparrowCliTest.run(args.toArray(String[]::new));
            assertThat(r.exit()).as(command).isEqualTo(2);
            assertThat(r.err()).as(command).contains(missing + ": no such file").doesNotContain("at dev.sparrow");
        }
        SparrowCliTest.Run dir = SparrowCliTest.run("inspect", tmp.toString());
        assertThat(dir.err()).contains(tmp + ": is a directory");

        Path text = Files.writeString(tmp.resolve("notes.safetensors"), "these are my notes, not a model\n");
        SparrowCliTest.Run t = SparrowCliTest.run("eval", text.toString());
        assertThat(t.exit()).isEqualTo(2);
        assertThat(t.err()).contains("notes.safetensors: not a safetensors file");

        SparrowCliTest.Run resume = SparrowCliTest.run("train", "--resume", missing.toString(), "--data", "/nonexistent");
        assertThat(resume.err()).contains("--resume " + missing + ": no such file");

        // root reads every file, so permission denied is checked where the message is made
        assertThat(CliFiles.describe(new AccessDeniedException("/x/model.safetensors"), null)).isEqualTo("/x/model.safetensors: permission denied");
        assertThat(CliFiles.describe(new NoSuchFileException("/x/model.safetensors"), null)).isEqualTo("/x/model.safetensors: no such file");
        assertThat(CliFiles.describe(new IOException("Is a directory"), Path.of("/x"))).isEqualTo("/x: is a directory");
    }

    @Test
    void theProgressBarKeepsABarAndTheLossAtEightyColumns() {
        // the bar renders from its own thread as well as from refresh(): the list must take both
        List<String> lines = java.util.Collections.synchronizedList(new ArrayList<>());
        ProgressBarConsumer eighty = new ProgressBarConsumer() {
            @Override
            public int getMaxRenderedLength() {
                return 80;
            }

            @Override
            public void accept(String rendered) {
                lines.add(rendered);
            }

            @Override
            public void close() {}
        };
        try (ProgressBar bar = ProgressListener.bar(12, 15, 54_000).setConsumer(eighty).setUpdateIntervalMillis(1).build()) {
            bar.stepTo(23_040);
            bar.setExtraMessage(ProgressListener.lossMessage(0.4321));
            bar.refresh();
            bar.stepTo(54_000);
            bar.refresh();
        }
        String last;
        synchronized (lines) {
            last = lines.getLast().replace("\r", "");
        }
        assertThat(last.length()).as(last).isLessThanOrEqualTo(80);
        assertThat(last).contains("epoch 12/15").contains("54000/54000").contains("loss 0.4321").containsPattern("\\[=+]");
        assertThat(last.substring(last.indexOf('['), last.indexOf(']') + 1).length()).as(last).isGreaterThanOrEqualTo(10);
    }
}
