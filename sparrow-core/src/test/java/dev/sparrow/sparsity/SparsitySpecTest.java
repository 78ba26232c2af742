package dev.sparrow.sparsity;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The Java API's typed sparsity spec: each kind gives the stored config the CLI's strings give, and checks itself. */
class SparsitySpecTest {

    @Test
    void eachKindGivesTheConfigOfItsCommandLineString() {
        assertThat(Sparsity.dense().toConfig()).isEqualTo(SparsityConfig.DENSE);
        assertThat(Sparsity.rigl(0.8).toConfig()).isEqualTo(SparsityConfig.of("rigl", 0.8, "erk"));
        assertThat(Sparsity.srigl(0.9).toConfig()).isEqualTo(SparsityConfig.of("srigl", 0.9, "erk"));
        assertThat(Sparsity.set(0.5).toConfig()).isEqualTo(SparsityConfig.of("set", 0.5, "erk"));
        assertThat(Sparsity.staticMask(0.5).toConfig()).isEqualTo(SparsityConfig.of("static", 0.5, "erk"));
        assertThat(Sparsity.gmp(0.7).toConfig()).isEqualTo(SparsityConfig.of("gmp", 0.7, "erk"));
        assertThat(Sparsity.nOfM(2, 4).toConfig().method()).isEqualTo("nm:2:4");
        assertThat(new Sparsity.BankBalanced(16, 0.75).toConfig().method()).isEqualTo("balanced:16");
        SparsityConfig blocks = new Sparsity.Blocks(4, 0.9).toConfig();
        assertThat(blocks.block()).isEqualTo(4);
        assertThat(blocks.sparsity()).isEqualTo(0.9);
    }

    @Test
    void aBadValueNamesTheRecordComponent() {
        assertThatThrownBy(() -> Sparsity.rigl(1.0)).hasMessage("sparsity is 1.0; expected in [0, 1)");
        assertThatThrownBy(() -> Sparsity.nOfM(4, 4)).hasMessage("n:m is 4:4; expected 1 <= n < m");
        assertThatThrownBy(() -> new Sparsity.Blocks(8, 0.5)).hasMessage("rows is 8; expected 4 or 16");
        assertThatThrownBy(() -> new Sparsity.BankBalanced(1, 0.5)).hasMessage("bank is 1; expected >= 2");
    }
}
