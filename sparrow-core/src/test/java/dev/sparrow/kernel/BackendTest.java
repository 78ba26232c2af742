package dev.sparrow.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class BackendTest {
    @Test
    void scalarPropertyForcesTheReference() {
        Backend b = Backend.choose("scalar");
        assertThat(b.kernels()).isSameAs(ScalarKernels.INSTANCE);
        assertThat(b.name()).isEqualTo("scalar");
        assertThat(b.reason()).contains("-Dsparrow.kernels=scalar");
    }

    @Test
    void autoAndVectorPickTheVectorKernelsWhenTheyAreUseful() {
        // The build runs tests with --add-modules jdk.incubator.vector on a machine with 256-bit vectors or wider.
        Kernels expected = VectorKernels.createIfUseful() != null ? VectorKernels.createIfUseful() : ScalarKernels.INSTANCE;
        assertThat(Backend.choose("auto").kernels()).isSameAs(expected);
        assertThat(Backend.choose("vector").kernels()).isSameAs(expected);
        assertThat(Backend.vectorOrNull() == null ? ScalarKernels.INSTANCE : Backend.vectorOrNull().kernels())
                .isSameAs(expected);
    }

    @Test
    void unknownValueIsRejectedNamingTheProperty() {
        assertThatThrownBy(() -> Backend.choose("gpu"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("-Dsparrow.kernels").hasMessageContaining("'gpu'");
    }

    @Test
    void vectorKernelsNameTheirWidth() {
        Kernels k = VectorKernels.createIfUseful();
        if (k != null) assertThat(k.name()).matches("vector-(256|512)");
        Backend v = Backend.vectorOrNull();
        if (v != null) assertThat(v.name()).isEqualTo(k.name());
    }

    @Test
    void theScalarBackendHandsOutTheScalarOfEveryFamily() {
        Object scalar = new Object();
        assertThat(Backend.scalar().kernels(Object.class, scalar, java.lang.invoke.MethodHandles.lookup(), "NoSuchClass"))
                .isSameAs(scalar);
    }

    @Test
    void aFamilyWhoseVectorClassIsMissingFallsBackToItsScalar() {
        Backend v = Backend.vectorOrNull();
        if (v == null) return;
        Runnable scalar = () -> {};
        assertThat(v.kernels(Runnable.class, scalar, java.lang.invoke.MethodHandles.lookup(), "NoSuchClass"))
                .isSameAs(scalar);
    }
}
