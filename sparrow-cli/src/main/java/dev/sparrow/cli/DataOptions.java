package dev.sparrow.cli;

import dev.sparrow.data.Dataset;
import dev.sparrow.data.FashionMnist;
import dev.sparrow.train.TrainingRun;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;

/** Where the data comes from; shared by the commands that read Fashion-MNIST. */
final class DataOptions {
    @Option(names = "--data", paramLabel = "DIR",
            description = "Folder with the Fashion-MNIST IDX files. Otherwise: $SPARROW_DATA, ~/.cache/sparrow/fashion-mnist, "
                    + "/usr/share/datasets/fashion-mnist (Debian package dataset-fashion-mnist), then a checksum-verified download.")
    Path dataDir;

    TrainingRun.Data load() throws IOException {
        Dataset train = FashionMnist.load(FashionMnist.Split.TRAIN, dataDir);
        Dataset test = FashionMnist.load(FashionMnist.Split.TEST, dataDir);
        return new TrainingRun.Data(train, test, FashionMnist.MEAN, FashionMnist.STD);
    }

    Dataset loadTest() throws IOException {
        return FashionMnist.load(FashionMnist.Split.TEST, dataDir);
    }
}
