package dev.sparrow.nn.models;

import dev.sparrow.nn.Layer;
import dev.sparrow.nn.layers.BatchNorm2d;
import dev.sparrow.nn.layers.Conv2d;
import dev.sparrow.nn.layers.Dropout;
import dev.sparrow.nn.layers.Flatten;
import dev.sparrow.nn.layers.GlobalAvgPool2d;
import dev.sparrow.nn.layers.KWinners;
import dev.sparrow.nn.layers.KWinners2d;
import dev.sparrow.nn.layers.KWinnersOptions;
import dev.sparrow.nn.layers.Linear;
import dev.sparrow.nn.layers.MaxPool2d;
import dev.sparrow.nn.layers.ReLU;
import dev.sparrow.nn.layers.ResidualBlock;
import dev.sparrow.nn.layers.Sequential;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Ready-made models for small images (Fashion-MNIST 1×28×28, CIFAR 3×32×32). Every model is a
 * {@link Sequential}, so parameters are named "0.weight", "3.1.bias" and so on. FLOPs below are per
 * sample, forward only, for 1×28×28 input (a training step costs about 3×); see {@link ModelSummary}.
 *
 * <ul>
 *   <li>{@code mlp-wide}: {@code mlp-2048-2048} (784-2048-2048-10, 5.8 M parameters), the wide MLP of the
 *       sparse training benchmarks (issue 13).</li>
 *   <li>{@code mlp}: Flatten, Linear 784-300, ReLU, 300-100, ReLU, 100-10 (the LeNet-300-100 of the
 *       pruning literature); 266,610 parameters, 0.53 MFLOPs. {@code mlp-H1-H2-...} picks other hidden
 *       sizes ({@code mlp-} alone, no hidden layer, is not accepted: use {@link #mlp}).</li>
 *   <li>{@code lenet5}: conv 1→6 5×5 pad 2, ReLU, maxpool 2, conv 6→16 5×5, ReLU, maxpool 2, Linear
 *       400-120-84-10 with ReLUs; 61,706 parameters, 0.84 MFLOPs.</li>
 *   <li>{@code cnn}: three 3×3 conv + BatchNorm + ReLU stages (1→32 at 28×28, maxpool, 32→64 at 14×14,
 *       maxpool, 64→64 at 7×7), Linear 3136-128, ReLU, Dropout 0.3, Linear 128-10; 458,730 parameters. Aimed at ≥ 91% on
 *       Fashion-MNIST while keeping an epoch of 60k samples to about a minute on one core at 40 GFLOP/s
 *       (12.1 MFLOPs forward, ~36 MFLOPs per training sample); the four-conv variant with a 32→32
 *       conv at 28×28 would cost 3× that.</li>
 *   <li>{@code resnet}: stem conv 3×3 → 16 + BN + ReLU, ResidualBlocks 16→16, 16→32 stride 2,
 *       32→64 stride 2, global average pool, Linear 64-10 (a ResNet-8 shape); 77,754 parameters,
 *       18.7 MFLOPs.</li>
 *   <li>{@code mlp-kwta} and {@code cnn-kwta}: {@code mlp} and {@code cnn} with each hidden Linear followed
 *       by k-winners-take-all ({@link KWinners}, Numenta's defaults: k_inference_factor 1.5, boost 1.5
 *       decaying ×0.9 per epoch, duty-cycle period 1000) instead of ReLU, at density
 *       {@value #DEFAULT_KWTA_DENSITY}; {@code mlp-kwta0.05} picks density 0.05. Same parameters and FLOPs
 *       as the ReLU models. (cnn-kwta keeps cnn's Dropout after the k-WTA, so the two differ only in the
 *       activation.)</li>
 *   <li>{@code gsc-cnn}: Numenta's sparse CNN for Google Speech Commands (Hunter, Spracklen, Ahmad: Complementary
 *       Sparsity) on 28×28: conv 1→64 5×5 + BatchNorm + ReLU, maxpool 2, conv 64→64 5×5 + BatchNorm + ReLU,
 *       maxpool 2, Linear 1024-1000 + ReLU, Linear 1000-10; 1,097,418 parameters, about 17 MFLOPs (the second
 *       conv is three quarters). {@code gsc-cnn-kwta} (density D with {@code gsc-cnn-kwtaD}): its dual-sparse
 *       version, Numenta's order conv, BatchNorm, maxpool, {@link KWinners2d} global (over each sample's C×H×W)
 *       and Linear + {@link KWinners}; {@code gsc-cnn-kwta-local} chooses the winners per location over
 *       channels instead. Weight sparsity comes from the training method (--sparsity).</li>
 * </ul>
 */
public final class ModelZoo {
    public static final List<String> NAMES = List.of("mlp", "lenet5", "cnn", "resnet", "mlp-kwta", "cnn-kwta", "mlp-wide",
            "gsc-cnn", "gsc-cnn-kwta", "gsc-cnn-kwta-local");
    /** Fraction of hidden units that win in the k-WTA models unless the name gives another. */
    public static final double DEFAULT_KWTA_DENSITY = 0.1;
    private static final String KWTA = "-kwta";
    private static final String GSC = "gsc-cnn";
    private static final String LOCAL = "-local";

    private ModelZoo() {}

    /**
     * Builds a model by name for samples of {@code inputShape} ([channels, height, width], or [features]
     * for the mlp) and {@code classes} outputs, its weights drawn from {@code seed}.
     */
    public static Sequential create(String name, int[] inputShape, int classes, long seed) {
        if (name == null) throw new IllegalArgumentException("model name is null; known models: " + NAMES);
        if (inputShape == null || inputShape.length == 0) {
            throw new IllegalArgumentException("inputShape must be a non-empty sample shape, got " + Arrays.toString(inputShape));
        }
        for (int d : inputShape) {
            if (d < 1) throw new IllegalArgumentException("inputShape has a dimension < 1: " + Arrays.toString(inputShape));
        }
        if (classes < 2) throw new IllegalArgumentException("classes must be >= 2, got " + classes);
        SplittableRandom rng = new SplittableRandom(seed);
        Sequential model = switch (name) {
            case "mlp" -> mlp(inputShape, new int[] {300, 100}, classes, rng);
            case "mlp-wide" -> mlp(inputShape, new int[] {2048, 2048}, classes, rng);
            case "lenet5" -> lenet5(image(name, inputShape), classes, rng);
            case "cnn" -> cnn(image(name, inputShape), classes, rng);
            case "resnet" -> resnet(image(name, inputShape), classes, rng);
            case GSC -> gscCnn(image(name, inputShape), classes, rng);
            default -> {
                if (name.startsWith(GSC + KWTA + LOCAL)) {
                    yield gscCnnKwta(image(name, inputShape), kwtaDensity(name, GSC.length() + LOCAL.length()), true,
                            KWinnersOptions.defaults(), classes, rng);
                }
                if (name.startsWith(GSC + KWTA)) {
                    yield gscCnnKwta(image(name, inputShape), kwtaDensity(name, GSC.length()), false,
                            KWinnersOptions.defaults(), classes, rng);
                }
                if (name.startsWith("mlp" + KWTA)) yield mlpKwta(inputShape, kwtaDensity(name, 3), classes, rng);
                if (name.startsWith("cnn" + KWTA)) yield cnnKwta(image(name, inputShape), kwtaDensity(name, 3), classes, rng);
                if (name.startsWith("mlp-")) {
                    int[] hidden = hiddenSizes(name);
                    checkFitsHeap(name, mlpParameters(inputShape, hidden, classes));
                    yield mlp(inputShape, hidden, classes, rng);
                }
                throw new IllegalArgumentException("unknown model '" + name + "'; known models: " + NAMES
                        + " (or mlp-H1-H2-... for other hidden sizes, mlp-kwtaD, cnn-kwtaD, gsc-cnn-kwtaD or gsc-cnn-kwta-localD for k-WTA density D)");
            }
        };
        model.outputShape(inputShape); // fails early, naming the layer, if the input is too small
        return model;
    }

    /** Flatten, then Linear+ReLU for each hidden size, then a Linear to {@code classes}. */
    public static Sequential mlp(int[] inputShape, int[] hidden, int classes, SplittableRandom rng) {
        if (hidden == null) throw new IllegalArgumentException("hidden sizes are null");
        List<Layer> layers = new ArrayList<>();
        layers.add(new Flatten());
        int width = dev.sparrow.tensor.Tensor.checkedSize(inputShape);
        for (int h : hidden) {
            if (h < 1) throw new IllegalArgumentException("hidden sizes must be >= 1, got " + Arrays.toString(hidden));
            layers.add(new Linear(width, h, true, rng));
            layers.add(new ReLU());
            width = h;
        }
        layers.add(new Linear(width, classes, true, rng));
        return new Sequential(layers);
    }

    /** The name of {@code base} ("mlp" or "cnn") with k-WTA at {@code density}, e.g. "mlp-kwta0.1"; {@link #create} reads it back. */
    public static String kwtaName(String base, double density) {
        if (!"mlp".equals(base) && !"cnn".equals(base) && !GSC.equals(base)) {
            throw new IllegalArgumentException("k-WTA variants exist for mlp, cnn and gsc-cnn, not '" + base + "'");
        }
        checkDensity(base + KWTA, density);
        return base + KWTA + density;
    }

    /** {@link #mlp} 784-300-100-10 with {@link KWinners} at {@code density} in place of each ReLU. */
    public static Sequential mlpKwta(int[] inputShape, double density, int classes, SplittableRandom rng) {
        Sequential relu = mlp(inputShape, new int[] {300, 100}, classes, rng);
        return withKwta(relu, density);
    }

    /** {@link #cnn} with {@link KWinners} at {@code density} in place of the ReLU of its dense hidden layer. */
    public static Sequential cnnKwta(int[] chw, double density, int classes, SplittableRandom rng) {
        return withKwta(cnn(chw, classes, rng), density);
    }

    /** {@code gsc-cnn} (see the class comment): dense, ReLU activations. */
    public static Sequential gscCnn(int[] chw, int classes, SplittableRandom rng) {
        int flat = gscFlat(chw);
        // ReLU before the pool (they commute), so the session fuses it into the convolution
        return new Sequential(
                new Conv2d(chw[0], 64, 5, 1, 0, false, rng), new BatchNorm2d(64), new ReLU(), new MaxPool2d(2),
                new Conv2d(64, 64, 5, 1, 0, false, rng), new BatchNorm2d(64), new ReLU(), new MaxPool2d(2),
                new Flatten(),
                new Linear(flat, 1000, true, rng), new ReLU(),
                new Linear(1000, classes, true, rng));
    }

    /**
     * The dual-sparse {@code gsc-cnn}: k-WTA at {@code density} after each pooled convolution ({@code local}: per
     * location over channels) and after the hidden Linear, with {@code options} (boosting, k_inference_factor).
     */
    public static Sequential gscCnnKwta(int[] chw, double density, boolean local, KWinnersOptions options, int classes,
                                        SplittableRandom rng) {
        int flat = gscFlat(chw);
        return new Sequential(
                new Conv2d(chw[0], 64, 5, 1, 0, false, rng), new BatchNorm2d(64), new MaxPool2d(2), kwta2d(64, density, local, options),
                new Conv2d(64, 64, 5, 1, 0, false, rng), new BatchNorm2d(64), new MaxPool2d(2), kwta2d(64, density, local, options),
                new Flatten(),
                new Linear(flat, 1000, true, rng), new KWinners(1000, density, options),
                new Linear(1000, classes, true, rng));
    }

    private static KWinners2d kwta2d(int channels, double density, boolean local, KWinnersOptions options) {
        return local ? KWinners2d.local(channels, density, options) : KWinners2d.global(channels, density, options);
    }

    /** Features after gsc-cnn's second pool: 64 × ((H − 4) / 2 − 4) / 2 × the same for W. */
    private static int gscFlat(int[] chw) {
        int h = ((chw[1] - 4) / 2 - 4) / 2, w = ((chw[2] - 4) / 2 - 4) / 2;
        if (h < 1 || w < 1) throw new IllegalArgumentException("gsc-cnn: input " + Arrays.toString(chw) + " is too small (needs at least 20x20)");
        return 64 * h * w;
    }

    /** The layers of {@code model} with every ReLU that follows a Linear replaced by k-WTA over its outputs. */
    private static Sequential withKwta(Sequential model, double density) {
        List<Layer> layers = new ArrayList<>(model.children());
        for (int i = 1; i < layers.size(); i++) {
            if (layers.get(i) instanceof ReLU && layers.get(i - 1) instanceof Linear linear) {
                layers.set(i, new KWinners(linear.outFeatures(), density, KWinnersOptions.defaults()));
            }
        }
        return new Sequential(layers);
    }

    /** "mlp-kwta" gives the default density, "mlp-kwta0.2" gives 0.2. */
    private static double kwtaDensity(String name, int baseLength) {
        String rest = name.substring(baseLength + KWTA.length());
        if (rest.isEmpty()) return DEFAULT_KWTA_DENSITY;
        double d;
        try {
            d = Double.parseDouble(rest);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("model '" + name + "': k-WTA density '" + rest + "' is not a number");
        }
        checkDensity(name, d);
        return d;
    }

    private static void checkDensity(String name, double d) {
        if (!(d > 0 && d <= 1)) throw new IllegalArgumentException("model '" + name + "': k-WTA density must be in (0, 1], got " + d);
    }

    public static Sequential lenet5(int[] chw, int classes, SplittableRandom rng) {
        int h = (chw[1] / 2 - 4) / 2; // 5x5 pad 2 keeps the size; pool; 5x5 valid; pool
        int w = (chw[2] / 2 - 4) / 2;
        if (chw[1] / 2 < 5 || chw[2] / 2 < 5) {
            throw new IllegalArgumentException("lenet5: input " + Arrays.toString(chw) + " is too small (needs at least 10x10)");
        }
        return new Sequential(
                new Conv2d(chw[0], 6, 5, 1, 2, true, rng), new ReLU(), new MaxPool2d(2),
                new Conv2d(6, 16, 5, 1, 0, true, rng), new ReLU(), new MaxPool2d(2),
                new Flatten(),
                new Linear(16 * h * w, 120, true, rng), new ReLU(),
                new Linear(120, 84, true, rng), new ReLU(),
                new Linear(84, classes, true, rng));
    }

    public static Sequential cnn(int[] chw, int classes, SplittableRandom rng) {
        int h = chw[1] / 2 / 2;
        int w = chw[2] / 2 / 2;
        if (h < 1 || w < 1) throw new IllegalArgumentException("cnn: input " + Arrays.toString(chw) + " is too small");
        return new Sequential(
                new Conv2d(chw[0], 32, 3, 1, 1, false, rng), new BatchNorm2d(32), new ReLU(), new MaxPool2d(2),
                new Conv2d(32, 64, 3, 1, 1, false, rng), new BatchNorm2d(64), new ReLU(), new MaxPool2d(2),
                new Conv2d(64, 64, 3, 1, 1, false, rng), new BatchNorm2d(64), new ReLU(),
                new Flatten(),
                new Linear(64 * h * w, 128, true, rng), new ReLU(), new Dropout(0.3),
                new Linear(128, classes, true, rng));
    }

    public static Sequential resnet(int[] chw, int classes, SplittableRandom rng) {
        return new Sequential(
                new Conv2d(chw[0], 16, 3, 1, 1, false, rng), new BatchNorm2d(16), new ReLU(),
                new ResidualBlock(16, 16, 1, rng),
                new ResidualBlock(16, 32, 2, rng),
                new ResidualBlock(32, 64, 2, rng),
                new GlobalAvgPool2d(),
                new Linear(64, classes, true, rng));
    }

    /**
     * The parameter count of model {@code name}, computed without building it where it can be large (the
     * {@code mlp-H1-H2...} family, whose sizes come from the name); the fixed architectures are built.
     */
    public static long parameterCount(String name, int[] inputShape, int classes) {
        if (name != null && name.startsWith("mlp-") && !name.startsWith("mlp" + KWTA) && inputShape != null) {
            return mlpParameters(inputShape, hiddenSizes(name), classes);
        }
        return dev.sparrow.nn.Modules.parameterCount(create(name, inputShape, classes, 0));
    }

    /** Bytes a training model needs per parameter: value, gradient, mask (optimizer state comes on top). */
    public static final long BYTES_PER_PARAMETER = 12;

    /** Refuses a model the heap cannot hold before any of it is allocated, with the estimate and the heap size. */
    public static void checkFitsHeap(String name, long parameters) {
        long need = parameters * BYTES_PER_PARAMETER;
        long heap = Runtime.getRuntime().maxMemory();
        if (parameters > Integer.MAX_VALUE || need > heap) {
            // nn sits below util: the name is capped here (a model name is user input)
            String shown = name.length() <= 80 ? name : name.substring(0, 80) + "... (" + name.length() + " chars)";
            throw new IllegalArgumentException("model '" + shown + "' has " + parameters
                    + " parameters, about " + (need >> 20) + " MB with gradients and masks; the heap holds at most "
                    + (heap >> 20) + " MB (-Xmx)");
        }
    }

    private static long mlpParameters(int[] inputShape, int[] hidden, int classes) {
        long width = 1;
        for (int d : inputShape) width = saturatingMul(width, d);
        long total = 0;
        for (int h : hidden) {
            if (h < 1) throw new IllegalArgumentException("hidden sizes must be >= 1, got " + Arrays.toString(hidden));
            total = saturatingAdd(total, saturatingMul(width, h) + h);
            width = h;
        }
        return saturatingAdd(total, saturatingMul(width, classes) + classes);
    }

    private static long saturatingMul(long a, long b) {
        try {
            return Math.min(Math.multiplyExact(a, b), Long.MAX_VALUE / 4);
        } catch (ArithmeticException overflow) {
            return Long.MAX_VALUE / 4;
        }
    }

    private static long saturatingAdd(long a, long b) {
        return Math.min(Long.MAX_VALUE / 4, a + b);
    }

    /** "mlp-512-256" gives {512, 256}. */
    private static int[] hiddenSizes(String name) {
        String[] parts = name.substring(4).split("-", -1);
        int[] sizes = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                sizes[i] = Integer.parseInt(parts[i]);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("model '" + name + "': hidden size '" + parts[i] + "' is not a number");
            }
        }
        return sizes;
    }

    private static int[] image(String model, int[] shape) {
        if (shape.length != 3) {
            throw new IllegalArgumentException(model + " needs an image sample shape [channels, height, width], got "
                    + Arrays.toString(shape));
        }
        return shape;
    }
}
