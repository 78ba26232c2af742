package dev.sparrow.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The entry point, in the manner of NVIDIA's cuVS Java provider: this class loads on every JVM and
 * platform; {@link #load()} returns either a working backend (a {@link CudaDevice} with Sparrow's kernel
 * module loaded) or an unsupported one whose {@link #reason()} says why in one line ("libcuda.so.1 not
 * found (no NVIDIA driver)", "no CUDA device", ...). Nothing native is touched before {@code load}.
 *
 * <p>Properties: {@code -Dsparrow.cuda=off} forces the unsupported backend; {@code
 * -Dsparrow.cuda.fatbin=PATH} loads the kernels from a file instead of the jar's resource (for a
 * freshly built fatbin); {@code -Dsparrow.cuda.device=N} picks the device ordinal (default 0).
 */
public final class CudaBackend {
    public static final String LIBRARY = "libcuda.so.1";
    public static final String PROPERTY = "sparrow.cuda";
    public static final String FATBIN_PROPERTY = "sparrow.cuda.fatbin";
    public static final String DEVICE_PROPERTY = "sparrow.cuda.device";
    /** The kernels' fatbin on the class path (built by scripts/device/build-cuda-kernels.sh). */
    public static final String FATBIN_RESOURCE = "/dev/sparrow/cuda/sparrow_kernels.fatbin";

    private static volatile CudaBackend loaded;

    private final CudaDevice device;
    private final String reason;

    private CudaBackend(CudaDevice device, String reason) {
        this.device = device;
        this.reason = reason;
    }

    /** The backend of this JVM, probed once (device from {@code -Dsparrow.cuda.device}, default 0). */
    public static CudaBackend load() {
        CudaBackend b = loaded;
        if (b == null) {
            synchronized (CudaBackend.class) {
                b = loaded;
                if (b == null) {
                    if ("off".equalsIgnoreCase(System.getProperty(PROPERTY, ""))) {
                        b = unsupported("disabled by -D" + PROPERTY + "=off");
                    } else {
                        b = load(LIBRARY, Integer.getInteger(DEVICE_PROPERTY, 0));
                    }
                    loaded = b;
                }
            }
        }
        return b;
    }

    /** Probes a driver library and device afresh (not cached; the caller owns the device it returns). */
    public static CudaBackend load(String library, int ordinal) {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        if (!os.contains("linux")) return unsupported("the CUDA backend runs on Linux only (os.name = " + os + ")");
        CudaDriver driver;
        try {
            driver = new CudaDriver(library);
        } catch (IllegalArgumentException e) {
            String m = String.valueOf(e.getMessage());
            return unsupported(m.startsWith("lacks ") ? library + " " + m + " (driver too old)"
                    : library + " not found (no NVIDIA driver)");
        } catch (IllegalCallerException e) {
            return unsupported("native access denied (run java with --enable-native-access=ALL-UNNAMED)");
        }
        try {
            driver.init();
        } catch (CudaException e) {
            String name = driver.errorName(e.result());
            return unsupported(name.equals("CUDA_ERROR_NO_DEVICE") ? "no CUDA device (cuInit: " + name + ")"
                    : "cuInit failed: " + name);
        }
        int count;
        try {
            count = driver.deviceCount();
        } catch (CudaException e) {
            return unsupported(e.getMessage());
        }
        if (count == 0) return unsupported("no CUDA device");
        if (ordinal < 0 || ordinal >= count) {
            return unsupported("CUDA device " + ordinal + " requested but " + count + " present");
        }
        byte[] image;
        try {
            image = fatbin();
        } catch (IOException e) {
            return unsupported("cannot read the kernel fatbin: " + e.getMessage());
        }
        if (image == null) {
            return unsupported("kernel fatbin " + FATBIN_RESOURCE + " missing from the class path"
                    + " (build it with scripts/device/build-cuda-kernels.sh)");
        }
        try {
            return new CudaBackend(new CudaDevice(driver, ordinal, image), null);
        } catch (CudaException e) {
            return unsupported(e.getMessage());
        }
    }

    static CudaBackend unsupported(String reason) {
        return new CudaBackend(null, reason);
    }

    private static byte[] fatbin() throws IOException {
        String path = System.getProperty(FATBIN_PROPERTY);
        if (path != null && !path.isBlank()) return Files.readAllBytes(Path.of(path));
        try (InputStream in = CudaBackend.class.getResourceAsStream(FATBIN_RESOURCE)) {
            return in == null ? null : in.readAllBytes();
        }
    }

    public boolean isSupported() { return device != null; }

    /** One line: why there is no GPU backend, or which device it runs on. */
    public String reason() {
        return device != null ? "cuda: " + device.describe() : reason;
    }

    /** The device; throws {@link UnsupportedOperationException} with the reason where unsupported. */
    public CudaDevice device() {
        if (device == null) throw new UnsupportedOperationException("CUDA backend unavailable: " + reason);
        return device;
    }

    @Override
    public String toString() {
        return reason();
    }
}
