package dev.sparrow.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class SparrowCliTest {

    record Run(int exit, String out, String err) {}

    static Run run(String... args) {
        CommandLine cl = SparrowCli.newCommandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"train", "eval", "inspect", "prune"})
    void everyCommandHasHelp(String command) {
        Run r = run(command, "--help");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("Usage: sparrow " + command);
    }

    @Test
    void trainHelpListsTheOptionsTheIssueNames() {
        String help = run("train", "--help").out();
        for (String opt : new String[] {"--model", "--dataset", "--epochs", "--batch-size", "--optimizer", "--lr",
                "--schedule", "--seed", "--threads", "--output", "--data", "--resume"}) {
            assertThat(help).contains(opt);
        }
    }

    @Test
    void unknownModelIsAClearErrorWithoutStackTrace() {
        Run r = run("train", "--model", "vgg", "--data", "/nonexistent");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("--model is 'vgg'").contains("mlp").doesNotContain("at dev.sparrow");
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource(delimiter = '|', value = {
            "--batch-size 0 | --batch-size is 0; expected >= 1",
            "--lr -1 | --lr is -1.0",
            "--weight-decay -1 | --weight-decay is -1.0",
            "--epochs 2 --warmup-epochs 3 | --warmup-epochs is 3.0",
            "--label-smoothing 1 | --label-smoothing is 1.0",
    })
    void theCoresArgumentNamesBecomeFlags(String args, String message) {
        Run r = run(("train --data /nonexistent " + args).split(" "));
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains(message).doesNotContain("batchSize").doesNotContain("learningRate");
    }

    @Test
    void inspectOfAFileThatIsNotACheckpointNamesTheFile(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path bogus = dir.resolve("bogus.safetensors");
        Files.writeString(bogus, "this is not a checkpoint");
        Run r = run("inspect", bogus.toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("bogus.safetensors");
    }

    @Test
    void noCommandPrintsUsage() {
        Run r = run();
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("train").contains("eval").contains("inspect");
    }
}
