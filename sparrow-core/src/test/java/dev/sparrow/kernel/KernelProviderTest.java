package dev.sparrow.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class KernelProviderTest {
    @Test
    void scalarPropertyForcesTheReference() {
        assertThat(KernelProvider.choose("scalar")).isSameAs(ScalarKernels.INSTANCE);
    }

    @Test
    void autoAndVectorPickTheVectorKernelsWhenTheyAreUseful() {
        // The build runs tests with --add-modules jdk.incubator.vector on a machine with 256-bit vectors or wider.
        Kernels expected = VectorKernels.createIfUseful() != null ? VectorKernels.createIfUseful() : ScalarKernels.INSTANCE;
        assertThat(KernelProvider.choose("auto")).isSameAs(expected);
        assertThat(KernelProvider.choose("vector")).isSameAs(expected);
    }

    @Test
    void unknownValueIsRejectedNamingTheProperty() {
        assertThatThrownBy(() -> KernelProvider.choose("gpu"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("-Dsparrow.kernels").hasMessageContaining("'gpu'");
    }

    @Test
    void vectorKernelsNameTheirWidth() {
        Kernels k = VectorKernels.createIfUseful();
        if (k != null) assertThat(k.name()).matches("vector-(256|512)");
    }
}
