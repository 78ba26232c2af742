package dev.sparrow.cuda;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The unsupported path runs everywhere (CI has no GPU); the supported one is reported, never required. */
class CudaBackendTest {

    @Test
    void missingDriverLibraryGivesOneReadableLine() {
        CudaBackend b = CudaBackend.load("libsparrow-no-such-driver.so.1", 0);
        assertThat(b.isSupported()).isFalse();
        assertThat(b.reason()).isEqualTo("libsparrow-no-such-driver.so.1 not found (no NVIDIA driver)");
        assertThatThrownBy(b::device).isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContaining("libsparrow-no-such-driver.so.1 not found");
    }

    @Test
    void libraryWithoutTheDriverApiSaysWhichSymbolIsMissing() {
        CudaBackend b = CudaBackend.load("libc.so.6", 0);
        assertThat(b.isSupported()).isFalse();
        assertThat(b.reason()).isEqualTo("libc.so.6 lacks cuGetErrorName (driver too old)");
    }

    @Test
    void theProcessBackendAlwaysLoadsAndExplainsItself() {
        CudaBackend b = CudaBackend.load();
        assertThat(b).isSameAs(CudaBackend.load());
        assertThat(b.reason()).isNotBlank().doesNotContain("\n");
        if (b.isSupported()) {
            assertThat(b.reason()).startsWith("cuda: ");
            assertThat(b.device().multiprocessors()).isPositive();
        } else {
            System.out.println("CUDA backend unsupported here: " + b.reason());
            assertThatThrownBy(b::device).isInstanceOf(UnsupportedOperationException.class);
        }
    }

    @Test
    void unsupportedBackendCarriesItsReason() {
        CudaBackend b = CudaBackend.unsupported("no CUDA device");
        assertThat(b.isSupported()).isFalse();
        assertThat(b.toString()).isEqualTo("no CUDA device");
        assertThatThrownBy(b::device).hasMessage("CUDA backend unavailable: no CUDA device");
    }
}
