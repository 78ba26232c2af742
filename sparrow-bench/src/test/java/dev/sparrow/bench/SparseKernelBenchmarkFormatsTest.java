package dev.sparrow.bench;

import dev.sparrow.sparse.FormatRegistry;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.annotations.Param;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** JMH parameters are compile-time constants; this keeps the format list equal to the registry's. */
class SparseKernelBenchmarkFormatsTest {

    @Test
    void theFormatParameterListsDenseAndEveryRegisteredFormat() throws NoSuchFieldException {
        String[] sparsities = SparseKernelBenchmark.class.getField("sparsity").getAnnotation(Param.class).value();
        assertThat(sparsities).hasSize(1);
        List<String> expected = new ArrayList<>();
        expected.add("dense");
        expected.addAll(FormatRegistry.benchmarkSpecs(Double.parseDouble(sparsities[0])));
        String[] formats = SparseKernelBenchmark.class.getField("format").getAnnotation(Param.class).value();
        assertThat(formats).as("@Param of SparseKernelBenchmark.format").containsExactlyElementsOf(expected);
    }
}
