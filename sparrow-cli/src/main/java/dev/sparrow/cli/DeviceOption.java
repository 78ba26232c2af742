package dev.sparrow.cli;

import dev.sparrow.infer.Device;
import dev.sparrow.infer.DeviceProvider;
import dev.sparrow.infer.InferenceSession;
import dev.sparrow.infer.Predictor;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * --device of the commands that run a model: cpu (default) or cuda (the whole session on an NVIDIA GPU through
 * sparrow-cuda). Where the GPU cannot run, one line on standard error says why and the CPU runs.
 */
final class DeviceOption {
    @Option(names = "--device", paramLabel = "cpu|cuda", defaultValue = "cpu",
            description = "Where the model runs: cpu or cuda (an NVIDIA GPU: weights uploaded once, formats timed per "
                    + "layer there); where no GPU is usable, one line says why and the CPU runs (default: ${DEFAULT-VALUE}).")
    String device;

    /** The device named, or a one-line refusal. */
    Device device() {
        return parse(device);
    }

    static Device parse(String name) {
        return switch (name == null ? "" : name.toLowerCase(Locale.ROOT)) {
            case "cpu" -> Device.CPU;
            case "cuda" -> Device.CUDA;
            default -> throw new UserInputException("--device is cpu or cuda, got '" + name + "'");
        };
    }

    /** {@code builder}'s session on the device named, a fallback to the CPU said on {@code err} (see {@link #note}). */
    Predictor open(InferenceSession.Builder builder, PrintWriter err) {
        Device d = device();
        return builder.device(d).onFallback(line -> note(err, d, line)).open();
    }

    /**
     * Null where the device named can run here, else the reason, said on {@code err} as the line {@link #open} says
     * when it falls back.
     */
    String unavailable(PrintWriter err) {
        Device d = device();
        String why = DeviceProvider.unavailableReason(d).orElse(null);
        if (why != null) note(err, d, InferenceSession.Builder.fallbackLine(d, why));
        return why;
    }

    /** The core's fallback line in the CLI's words: "note: --device cuda unavailable: REASON; ...". */
    private static void note(PrintWriter err, Device d, String line) {
        err.println("note: " + line.replace("device " + d, "--device " + d.name().toLowerCase(Locale.ROOT)));
        err.flush();
    }
}
