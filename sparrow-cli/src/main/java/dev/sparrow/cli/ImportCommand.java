package dev.sparrow.cli;

import dev.sparrow.data.FashionMnist;
import dev.sparrow.io.Checkpoint;
import dev.sparrow.nn.Parameter;
import dev.sparrow.nn.Modules;
import dev.sparrow.nn.layers.Sequential;
import dev.sparrow.nn.models.ModelZoo;
import dev.sparrow.onnx.TorchStateDict;
import dev.sparrow.train.TrainConfig;
import dev.sparrow.util.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "import", mixinStandardHelpOptions = true,
        description = {"Reads a PyTorch state dict (safetensors, the names of the torch.nn module in docs/interop.md, as "
                + "'sparrow export --format torch' writes them) into a Sparrow checkpoint that eval, export and bench take.",
                "Every tensor's shape is checked against the model; a Linear or Conv2d weight with zeros gets a mask that is",
                "0 exactly there (torch.nn.utils.prune's weight_orig / weight_mask are read too)."})
final class ImportCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "STATE_DICT", description = "A .safetensors PyTorch state dict.")
    Path stateDict;

    @Option(names = "--model", paramLabel = "NAME", required = true,
            description = "The zoo model it is: mlp, lenet5, cnn, resnet, mlp-kwta, cnn-kwta, mlp-H1-H2-...")
    String model;

    @Option(names = "--input-shape", paramLabel = "C,H,W", defaultValue = "1,28,28",
            description = "One sample's shape (default: ${DEFAULT-VALUE}, Fashion-MNIST).")
    String inputShape;

    @Option(names = "--classes", paramLabel = "N", defaultValue = "" + FashionMnist.CLASSES, description = "Outputs (default: ${DEFAULT-VALUE}).")
    int classes;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", required = true, description = "The checkpoint to write (.safetensors).")
    Path output;

    @Override
    public Integer call() throws Exception {
        int[] shape = InteropFiles.parseShape(inputShape, "--input-shape");
        if (classes < 2) throw new UserInputException("--classes is " + classes + "; expected >= 2");
        if (!Files.isRegularFile(stateDict)) throw new UserInputException(stateDict + ": no such state dict file");
        if (!Files.isReadable(stateDict)) throw new UserInputException(stateDict + ": the state dict is not readable");
        InteropFiles.checkWritable(output, "-o");
        Sequential net = ModelZoo.create(model, shape, classes, 0);
        TorchStateDict.load(stateDict, net, model);

        Map<String, Object> config = TrainConfig.defaults().toJson();
        config.put("model", model);
        config.put("threads", 1);
        Map<String, String> meta = Checkpoint.metadata(Json.write(config), 0, 0);
        meta.put(InteropFiles.INPUT_SHAPE_KEY, InteropFiles.shapeText(shape));
        meta.put(InteropFiles.CLASSES_KEY, Integer.toString(classes));
        meta.put("sparrow.imported_from", stateDict.getFileName().toString());
        Checkpoint.save(output, net, null, meta);

        long total = 0, active = 0;
        int masked = 0;
        for (Parameter p : Modules.namedParameters(net).values()) {
            total += p.size();
            active += p.hasMask() ? p.mask().activeCount() : p.size();
            if (p.hasMask()) masked++;
        }
        System.out.printf(Locale.ROOT, "%s -> %s (%s, input [batch, %s]): %d parameters, %d masked tensors, %.2f%% sparse%n",
                stateDict, output, model, inputShape, total, masked, total == 0 ? 0.0 : 100.0 * (total - active) / total);
        return 0;
    }
}
