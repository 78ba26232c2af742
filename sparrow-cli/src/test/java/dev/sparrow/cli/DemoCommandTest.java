package dev.sparrow.cli;

import dev.sparrow.train.TrainConfig;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import static org.assertj.core.api.Assertions.assertThat;

/** The demo trains with exactly 'sparrow train''s settings (the full run is the main job, not a unit test). */
class DemoCommandTest {

    private static TrainConfig train(String... args) {
        TrainCommand t = new TrainCommand();
        new CommandLine(t).parseArgs(args);
        return t.config();
    }

    private static DemoCommand demo(String... args) {
        DemoCommand d = new DemoCommand();
        new CommandLine(d).parseArgs(args);
        return d;
    }

    @Test
    void sparseRunIsSriglAt90PercentErkWithTrainsDefaults() {
        TrainConfig c = demo().config("srigl");
        assertThat(c).isEqualTo(train("--method", "srigl", "--sparsity", "0.9", "--distribution", "erk"));
        assertThat(c.model()).isEqualTo("mlp");
        assertThat(c.epochs()).isEqualTo(15);
        assertThat(c.seed()).isEqualTo(42);
        assertThat(c.sparsity().method()).isEqualTo("srigl");
        assertThat(c.sparsity().sparsity()).isEqualTo(0.9);
        assertThat(c.sparsity().distribution()).isEqualTo("erk");
    }

    @Test
    void denseRunIsTrainsDefaultAndSharesEpochsSeedAndThreads() {
        DemoCommand d = demo("--epochs", "3", "--seed", "7", "--threads", "1");
        TrainConfig dense = d.config("dense");
        TrainConfig sparse = d.config("srigl");
        assertThat(dense).isEqualTo(train("--epochs", "3", "--seed", "7", "--threads", "1"));
        assertThat(dense.sparsity().isDense()).isTrue();
        for (TrainConfig c : new TrainConfig[] {dense, sparse}) {
            assertThat(c.epochs()).isEqualTo(3);
            assertThat(c.seed()).isEqualTo(7);
            assertThat(c.threads()).isEqualTo(1);
            assertThat(c.learningRate()).isEqualTo(0.05);
            assertThat(c.batchSize()).isEqualTo(128);
        }
        assertThat(d.inferenceThreads).isEqualTo(1);
    }

    @Test
    void badSparsityIsAUserError() {
        CommandLine cl = SparrowCli.newCommandLine();
        java.io.StringWriter err = new java.io.StringWriter();
        cl.setErr(new java.io.PrintWriter(err, true));
        cl.setOut(new java.io.PrintWriter(new java.io.StringWriter(), true));
        assertThat(cl.execute("demo", "--sparsity", "1.5")).isEqualTo(2);
        assertThat(err.toString()).contains("sparrow demo").contains("1.5");
    }
}
