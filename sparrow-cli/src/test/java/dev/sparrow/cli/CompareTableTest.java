package dev.sparrow.cli;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CompareTableTest {
    private static final List<CompareTable.Row> ROWS = List.of(
            new CompareTable.Row("dense", 0.0, 0.8934, 12.34),
            new CompareTable.Row("srigl", 0.90004, 0.8812, 123.45),
            new CompareTable.Row("nm:2:4", 0.5, 0.8, 7.0));

    @Test
    void tableIsAlignedWithOneLinePerMethodInOrder() {
        String table = CompareTable.table(ROWS);
        assertThat(table).isEqualTo("""
                method  sparsity  test acc  train s
                -----------------------------------
                dense      0.00%    89.34%     12.3
                srigl     90.00%    88.12%    123.5
                nm:2:4    50.00%    80.00%      7.0
                """);
    }

    @Test
    void longMethodNameWidensItsColumn() {
        String table = CompareTable.table(List.of(new CompareTable.Row("balanced:16", 0.9, 0.5, 1)));
        assertThat(table.lines().toList()).containsExactly(
                "method       sparsity  test acc  train s",
                "----------------------------------------",
                "balanced:16    90.00%    50.00%      1.0");
    }

    @Test
    void jsonIsOneObjectPerMethod() {
        assertThat(CompareTable.json(ROWS).lines().toList()).containsExactly(
                "{\"method\":\"dense\",\"sparsity\":0.000000,\"test_accuracy\":0.893400,\"train_seconds\":12.340}",
                "{\"method\":\"srigl\",\"sparsity\":0.900040,\"test_accuracy\":0.881200,\"train_seconds\":123.450}",
                "{\"method\":\"nm:2:4\",\"sparsity\":0.500000,\"test_accuracy\":0.800000,\"train_seconds\":7.000}");
    }

    @Test
    void emptyListIsHeaderOnly() {
        assertThat(CompareTable.table(List.of()).lines()).hasSize(2);
        assertThat(CompareTable.json(List.of())).isEmpty();
    }

    @Test
    void blankMethodIsRejected() {
        assertThatThrownBy(() -> new CompareTable.Row(" ", 0, 0, 0)).hasMessageContaining("method is ' '");
    }
}
