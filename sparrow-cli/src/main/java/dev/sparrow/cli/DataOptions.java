package dev.sparrow.cli;

import dev.sparrow.data.CsvData;
import dev.sparrow.data.Dataset;
import dev.sparrow.data.Datasets;
import dev.sparrow.data.FashionMnist;
import dev.sparrow.data.ImageFolder;
import dev.sparrow.data.NpyArray;
import dev.sparrow.train.TrainConfig;
import dev.sparrow.train.TrainingRun;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Where the data comes from; shared by the commands that train or evaluate. Fashion-MNIST by default;
 * {@code --data} may also name an image folder, a CSV file or a NumPy features file. This is the CLI edge:
 * the strings and paths become typed data sets here.
 */
final class DataOptions {
    /** The seed of the test hold-out when the data has no test set of its own, apart from the validation split's. */
    private static final long TEST_SPLIT_SALT = 0x7E57_5EEDL;
    static final double TEST_FRACTION = 0.1;

    @Option(names = "--data", paramLabel = "PATH",
            description = {"The data: a folder with the Fashion-MNIST IDX files, an image folder (one subfolder of PNG, JPEG "
                    + "or GIF images per class; with train/ and test/ subfolders those are the splits), a CSV file with a "
                    + "header (numeric features and a label column), or a NumPy .npy features file (with --labels).",
                    "Without it: Fashion-MNIST from $SPARROW_DATA, ~/.cache/sparrow/fashion-mnist, /usr/share/datasets/fashion-mnist "
                            + "(Debian package dataset-fashion-mnist), then a checksum-verified download."})
    Path dataDir;

    @Option(names = "--labels", paramLabel = "FILE", description = "The .npy labels (integers) of a .npy --data file.")
    Path labels;

    @Option(names = "--test-data", paramLabel = "PATH",
            description = "Test data of the same kind as --data (evaluated once, at the end); without it 10%% of --data is held out "
                    + "(seeded) for testing, except for Fashion-MNIST, which has its own.")
    Path testData;

    @Option(names = "--test-labels", paramLabel = "FILE", description = "The .npy labels of a .npy --test-data file.")
    Path testLabels;

    @Option(names = "--label-column", paramLabel = "NAME", defaultValue = CsvData.DEFAULT_LABEL_COLUMN,
            description = "The label column of a CSV file (default: ${DEFAULT-VALUE}, else the last column).")
    String labelColumn;

    @Option(names = "--val-fraction", paramLabel = "F", defaultValue = "0.1",
            description = "Fraction of the training data held out (seeded) as the validation set reported after each epoch, "
                    + "in (0, 1) (default: ${DEFAULT-VALUE}).")
    double valFraction;

    /** The kinds of data --data can name. */
    enum Kind { FASHION_MNIST, IMAGE_FOLDER, CSV, NPY }

    Kind kind() throws IOException {
        if (dataDir == null) return Kind.FASHION_MNIST;
        String name = dataDir.getFileName() == null ? "" : dataDir.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".csv")) return Kind.CSV;
        if (name.endsWith(".npy")) return Kind.NPY;
        // a missing folder is left to the Fashion-MNIST locator, which says where it looked, after the options are checked
        if (!Files.exists(dataDir)) return Kind.FASHION_MNIST;
        if (!Files.isDirectory(dataDir)) {
            throw new UserInputException("--data " + dataDir + ": expected a folder (Fashion-MNIST or images), a .csv or a .npy file");
        }
        try (Stream<Path> s = Files.list(dataDir)) {
            boolean idx = s.anyMatch(p -> p.getFileName().toString().startsWith("train-images-idx3-ubyte"));
            return idx ? Kind.FASHION_MNIST : Kind.IMAGE_FOLDER;
        }
    }

    /** The data set's name in the run config: "fashion-mnist" or the path. */
    String datasetName() throws IOException {
        return kind() == Kind.FASHION_MNIST ? TrainConfig.DATASET_FASHION_MNIST : dataDir.toString();
    }

    /** Train, validation and test sets with the default seed (for commands without --seed). */
    TrainingRun.Data load() throws IOException {
        return load(42);
    }

    /**
     * Train (less the validation hold-out), validation and test sets; the normalisation is Fashion-MNIST's
     * known one or {@link Datasets#normalization} of the training data (images: one mean and std; features: per feature).
     */
    TrainingRun.Data load(long seed) throws IOException {
        if (!(valFraction > 0 && valFraction < 1)) throw new UserInputException("--val-fraction is " + valFraction + "; expected in (0, 1)");
        Dataset train;
        Dataset test;
        Kind kind = kind();
        if (kind == Kind.FASHION_MNIST) {
            if (testData != null) throw new UserInputException("--test-data is for your own data; Fashion-MNIST has its own test set");
            train = FashionMnist.load(FashionMnist.Split.TRAIN, dataDir);
            test = FashionMnist.load(FashionMnist.Split.TEST, dataDir);
            return TrainingRun.Data.split(train, test, valFraction, seed, FashionMnist.MEAN, FashionMnist.STD);
        }
        Path trainPath = dataDir;
        Path testPath = testData;
        if (kind == Kind.IMAGE_FOLDER && testPath == null && Files.isDirectory(dataDir.resolve("train"))
                && Files.isDirectory(dataDir.resolve("test"))) {
            trainPath = dataDir.resolve("train");
            testPath = dataDir.resolve("test");
        }
        train = read(kind, trainPath, labels, "--labels", null);
        if (testPath != null) {
            test = read(kind, testPath, testLabels, "--test-labels", train.classNames());
            if (!java.util.Arrays.equals(test.sampleShape(), train.sampleShape())) {
                throw new UserInputException(testPath + ": examples of shape " + java.util.Arrays.toString(test.sampleShape())
                        + " but the training data's are " + java.util.Arrays.toString(train.sampleShape()));
            }
        } else {
            Datasets.Split s = Datasets.holdOut(train, TEST_FRACTION, seed ^ TEST_SPLIT_SALT);
            if (s.heldOut() == null) throw new UserInputException(dataDir + ": too few examples (" + train.size() + ") to hold out a test set; give --test-data");
            train = s.kept();
            test = s.heldOut();
        }
        return TrainingRun.Data.splitAndNormalize(train, test, valFraction, seed);
    }

    private Dataset read(Kind kind, Path path, Path labelsFile, String labelsOption, List<String> classNames) throws IOException {
        return switch (kind) {
            case IMAGE_FOLDER -> ImageFolder.read(path, classNames);
            case CSV -> CsvData.read(path, labelColumn, classNames);
            case NPY -> {
                if (labelsFile == null) throw new UserInputException(path + ": a .npy features file needs its labels: " + labelsOption + " FILE.npy");
                yield NpyArray.dataset(path, labelsFile, classNames);
            }
            case FASHION_MNIST -> throw new IllegalStateException("Fashion-MNIST is read above");
        };
    }

    /** The test set alone (eval). */
    Dataset loadTest() throws IOException {
        if (kind() == Kind.FASHION_MNIST) return FashionMnist.load(FashionMnist.Split.TEST, dataDir);
        return load().test();
    }
}
