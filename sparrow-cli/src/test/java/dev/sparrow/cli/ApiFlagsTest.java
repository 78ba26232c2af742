package dev.sparrow.cli;

import dev.sparrow.nn.Parameter;
import dev.sparrow.sparsity.Distribution;
import dev.sparrow.sparsity.MagnitudePruning;
import dev.sparrow.sparsity.StructuredPruning;
import dev.sparrow.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/** The core's errors name API arguments; the CLI says the same in flags. */
class ApiFlagsTest {

    @Test
    void pruningErrorsOfTheCoreBecomeFlagsOfSparrowPrune() {
        Map<String, Parameter> params = new LinkedHashMap<>();
        params.put("0.weight", new Parameter("0.weight", Tensor.zeros(4, 6), true));
        params.put("1.weight", new Parameter("1.weight", Tensor.zeros(2, 4), true));

        Throwable notAMultiple = catchThrowable(() -> StructuredPruning.prune(params, "nm:2:4", 0, Distribution.UNIFORM, false, false));
        assertThat(notAMultiple.getMessage()).isEqualTo("structure nm:2:4: layer '0.weight' has fan-in 6, not a multiple of 4 (M); "
                + "keep it dense (denseFirst/denseLast)");
        assertThat(ApiFlags.message(notAMultiple)).isEqualTo("--method nm:2:4: layer '0.weight' has fan-in 6, not a multiple of 4 (M); "
                + "keep it dense (--dense-first/--dense-last)");

        Throwable scope = catchThrowable(() -> MagnitudePruning.Scope.parse("net"));
        assertThat(ApiFlags.message(scope)).isEqualTo("--scope is net; expected global or layer");
        Throwable sparsity = catchThrowable(() -> MagnitudePruning.prune(params, 1.5, MagnitudePruning.Scope.GLOBAL,
                Distribution.UNIFORM, false, false));
        assertThat(sparsity.getMessage()).isEqualTo("sparsity is 1.5; expected in [0, 1)");
        assertThat(ApiFlags.message(sparsity)).isEqualTo("--sparsity is 1.5; expected in [0, 1)");
    }

    @Test
    void wordsInsideOtherWordsStayAsTheyAre() {
        assertThat(ApiFlags.inFlags("pass it as dataDir or set SPARROW_DATA=DIR; dataDirs and mydataDir stay", "dataDir"))
                .isEqualTo("pass it as --data or set SPARROW_DATA=DIR; dataDirs and mydataDir stay");
    }
}
