package dev.sparrow.cli;

import dev.sparrow.sparsity.MagnitudePruning;
import dev.sparrow.sparsity.SparsityConfig;
import dev.sparrow.train.TrainConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

import static org.assertj.core.api.Assertions.assertThat;

/** 'sparrow prune': option checks before any file is read, and the fine-tuning config it derives. */
class PruneCommandTest {

    private static PruneCommand parse(String... args) {
        PruneCommand cmd = new PruneCommand();
        new CommandLine(cmd).parseArgs(args);
        return cmd;
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "--sparsity 0.9 --method random | --method is random; expected magnitude, nm:N:M, balanced:BANK, block:R",
            "--sparsity 0.9 --method block:8 | block height R must be 4 or 16",
            "--sparsity 0.9 --method nm:2:4 | --sparsity is 0.9 but --method nm:2:4 means sparsity 0.5",
            "--method nm:5:4 | N is 5",
            "--method block:4 | Missing required option: '--sparsity=S'",
            "--sparsity 1 | --sparsity is 1.0",
            "--sparsity 0.9 --scope net | --scope is net; expected global or layer",
            "--sparsity 0.9 --distribution normal | --distribution is normal",
            "--sparsity 0.9 --finetune-epochs -1 | --finetune-epochs is -1",
            "--sparsity 0.9 --lr 0 | --lr is 0.0",
            " | Missing required option: '--sparsity=S'",
    })
    void badOptionsExitWithTwoBeforeTheCheckpointIsRead(String args, String message) {
        String[] extra = args == null ? new String[0] : args.trim().split(" ");
        String[] argv = new String[2 + extra.length];
        argv[0] = "prune";
        argv[1] = "/nonexistent/run/checkpoint.safetensors";
        System.arraycopy(extra, 0, argv, 2, extra.length);
        SparrowCliTest.Run r = SparrowCliTest.run(argv);
        assertThat(r.exit()).as(r.err()).isEqualTo(2);
        assertThat(r.err()).contains(message).doesNotContain("at dev.sparrow");
    }

    @Test
    void missingCheckpointNamesTheFile() {
        SparrowCliTest.Run r = SparrowCliTest.run("prune", "/nonexistent/run/checkpoint.safetensors", "--sparsity", "0.9");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("/nonexistent/run/checkpoint.safetensors");
    }

    @Test
    void fineTuningIsAStaticSparseRunAtATenthOfTheLearningRate() {
        PruneCommand cmd = parse("ckpt", "--sparsity", "0.8", "--scope", "layer", "--distribution", "erk", "--dense-last",
                "--finetune-epochs", "3", "--threads", "2");
        assertThat(cmd.checkOptions()).isEqualTo(MagnitudePruning.Scope.LAYER);
        TrainConfig trained = TrainConfig.defaults().withSparsity(SparsityConfig.of("rigl", 0.9, "erk"));
        TrainConfig t = cmd.fineTuneConfig(trained);
        assertThat(t.epochs()).isEqualTo(3);
        assertThat(t.learningRate()).isCloseTo(0.005, org.assertj.core.api.Assertions.within(1e-12));
        assertThat(t.threads()).isEqualTo(2);
        assertThat(t.sparsity()).isEqualTo(new SparsityConfig("static", 0.8, "erk", false, true, 100, 0.75, 0.3, true, 0.3, false));
        assertThat(parse("ckpt", "--sparsity", "0.5", "--lr", "0.01").fineTuneConfig(trained).learningRate()).isEqualTo(0.01);
    }

    @Test
    void structuredPruningFineTunesWithItsStructureRecorded() {
        TrainConfig trained = TrainConfig.defaults().withSparsity(SparsityConfig.of("rigl", 0.9, "erk"));
        PruneCommand nm = parse("ckpt", "--method", "nm:1:4", "--finetune-epochs", "2");
        nm.checkOptions();
        assertThat(nm.fineTuneConfig(trained).sparsity()).isEqualTo(new SparsityConfig("static", 0.75, "uniform", false, false,
                100, 0.75, 0.3, true, 0.3, false));
        PruneCommand block = parse("ckpt", "--method", "block:16", "--sparsity", "0.9", "--distribution", "erk");
        block.checkOptions();
        SparsityConfig s = block.fineTuneConfig(trained).sparsity();
        assertThat(s.block()).isEqualTo(16);
        assertThat(s.method()).isEqualTo("static");
        assertThat(s.sparsity()).isEqualTo(0.9);
    }

    @Test
    void pruneIsRegisteredWithHelp() {
        SparrowCliTest.Run r = SparrowCliTest.run("prune", "--help");
        assertThat(r.exit()).isZero();
        for (String opt : new String[] {"--method", "--scope", "--sparsity", "--distribution", "--finetune-epochs", "--lr",
                "--output", "--data", "--threads"}) {
            assertThat(r.out()).contains(opt);
        }
        assertThat(SparrowCliTest.run().out()).contains("prune");
    }
}
