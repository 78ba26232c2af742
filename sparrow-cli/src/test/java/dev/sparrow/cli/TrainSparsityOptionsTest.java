package dev.sparrow.cli;

import dev.sparrow.sparsity.SparsityConfig;
import dev.sparrow.train.TrainConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

import static org.assertj.core.api.Assertions.assertThat;

/** The sparse-training flags of 'sparrow train': the config they build, and errors before any data is read. */
class TrainSparsityOptionsTest {

    private static TrainConfig parse(String... args) {
        TrainCommand cmd = new TrainCommand();
        new CommandLine(cmd).parseArgs(args);
        return cmd.config();
    }

    @Test
    void denseByDefault() {
        assertThat(parse().sparsity()).isEqualTo(SparsityConfig.DENSE);
    }

    @Test
    void everySparsityFlagReachesTheConfig() {
        SparsityConfig s = parse("--method", "srigl", "--sparsity", "0.95", "--distribution", "uniform", "--dense-first",
                "--dense-last", "--update-interval", "50", "--t-end", "0.5", "--drop-fraction", "0.2", "--gamma-sal", "0.9",
                "--no-ablation", "--no-sparse-init").sparsity();
        assertThat(s).isEqualTo(new SparsityConfig("srigl", 0.95, "uniform", true, true, 50, 0.5, 0.2, false, 0.9, false));
    }

    @Test
    void blockAndComplementaryOptionsReachTheConfig() {
        assertThat(parse("--method", "rigl", "--block", "4").sparsity()).isEqualTo(SparsityConfig.of("rigl", 0.9, "erk").withBlock(4));
        SparsityConfig shorthand = parse("--method", "block:16").sparsity();
        assertThat(shorthand.method()).isEqualTo("gmp");
        assertThat(shorthand.block()).isEqualTo(16);
        assertThat(shorthand.label()).isEqualTo("gmp block:16");
        SparsityConfig groups = parse("--method", "static", "--complementary", "10", "--dense-last").sparsity();
        assertThat(groups.complementary()).isEqualTo(10);
        assertThat(groups.sparsity()).isCloseTo(0.9, org.assertj.core.api.Assertions.within(1e-12));
        assertThat(groups.denseLast()).isTrue();
    }

    @Test
    void sparseMethodDefaultsToNinetyPercentErkWithThePublishedSchedule() {
        assertThat(parse("--method", "rigl").sparsity()).isEqualTo(SparsityConfig.of("rigl", 0.9, "erk"));
        assertThat(parse("--sparse-method", "nm:2:4").sparsity().sparsity()).isZero();
        assertThat(parse("--method", "balanced:4", "--update-end", "0.6").sparsity().updateEnd()).isEqualTo(0.6);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "--method rigl --sparsity 1.0 | --sparsity is 1.0",
            "--method rigl --sparsity -0.1 | --sparsity is -0.1",
            "--method lottery | --method is lottery",
            "--method nm:5:4 | --method nm:5:4: N is 5",
            "--method nm:2:3 | has fan-in 784, not a multiple of 3 (M)",
            "--method balanced:7 | --method balanced:7: layer '3.weight' has fan-in 300",
            "--method block:8 | --method is block:8; the block height R must be 4 or 16",
            "--method set --block 4 | --block works with --method static, gmp or rigl, not set",
            "--method block:4 --block 16 | --method block:4 and --block 16 disagree",
            "--method gmp --complementary 10 | --complementary works with --method static or rigl",
            "--method rigl --complementary 10 --sparsity 0.8 | --sparsity is 0.8 but --complementary 10",
            "--method static --complementary 7 | layer '1.weight' has 300 outputs, not a multiple of the complementary group size 7",
            "--block 4 | --block needs a sparse --method",
            "--method rigl --distribution normal | --distribution is normal",
            "--method set --update-interval 0 | --update-interval is 0",
            "--method rigl --drop-fraction 1.5 | --drop-fraction is 1.5",
            "--method rigl --t-end 0 | --t-end is 0.0",
            "--method srigl --gamma-sal 2 | --gamma-sal is 2.0",
            "--sparsity 0.9 | --sparsity needs a sparse --method",
            "--gamma-sal 0.5 | --gamma-sal needs a sparse --method",
    })
    void badOptionsExitWithTwoNamingTheOptionBeforeReadingData(String args, String message) {
        String[] argv = ("train --data /nonexistent/fashion " + args).split(" ");
        SparrowCliTest.Run r = SparrowCliTest.run(argv);
        assertThat(r.exit()).as(r.err()).isEqualTo(2);
        assertThat(r.err()).contains(message).doesNotContain("at dev.sparrow").doesNotContain("/nonexistent");
    }

    @Test
    void helpListsTheSparsityFlags() {
        String help = SparrowCliTest.run("train", "--help").out();
        for (String opt : new String[] {"--method", "--sparsity", "--distribution", "--dense-first", "--dense-last",
                "--update-interval", "--t-end", "--drop-fraction", "--gamma-sal", "--no-ablation", "--no-sparse-init"}) {
            assertThat(help).contains(opt);
        }
    }
}
