package dev.sparrow.cli;

import dev.sparrow.io.Checkpoint;
import dev.sparrow.nn.ExecutionContext;
import dev.sparrow.onnx.NpyWriter;
import dev.sparrow.onnx.OnnxExporter;
import dev.sparrow.onnx.TorchStateDict;
import dev.sparrow.tensor.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

@Command(name = "export", mixinStandardHelpOptions = true,
        description = {"Writes a trained model for other tools: an ONNX model or a PyTorch state dict.",
                "The ONNX model has opset 17, input 'input' [batch, ...] and output 'logits'; the state dict (safetensors) "
                + "has the parameter names of the torch.nn module in docs/interop.md.",
                "Masked weights are written with their zeros; Dropout is left out of the ONNX graph."})
final class ExportCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "CHECKPOINT", description = "A checkpoint.safetensors written by 'sparrow train' or 'sparrow import'.")
    Path checkpoint;

    @Option(names = "--format", paramLabel = "FORMAT", required = true, description = "onnx or torch.")
    String format;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", required = true,
            description = "The file to write (model.onnx, model.safetensors); written atomically.")
    Path output;

    /** For scripts/device/check-interop.sh: N random inputs and the model's outputs as FILE-stem.input.npy / .output.npy. */
    @Option(names = "--write-sample", paramLabel = "N", hidden = true, description = "Also write N random inputs and Sparrow's outputs as .npy.")
    Integer sample;

    @Override
    public Integer call() throws Exception {
        String f = InteropFiles.lower(format);
        if (!f.equals("onnx") && !f.equals("torch")) {
            throw new UserInputException("--format is '" + format + "'; expected onnx or torch");
        }
        if (sample != null && (sample < 1 || sample > 4096)) throw new UserInputException("--write-sample is " + sample + "; expected 1 to 4096");
        InteropFiles.checkWritable(output, "-o");
        InteropFiles.Loaded loaded = InteropFiles.load(checkpoint);
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("sparrow.model", loaded.modelName());
        meta.put(InteropFiles.INPUT_SHAPE_KEY, InteropFiles.shapeText(loaded.sampleShape()));
        meta.put("sparrow.checkpoint", checkpoint.getFileName().toString());
        // class names and input normalisation, so that 'sparrow predict model.onnx' classifies as the checkpoint does
        loaded.data().modelSpec().filter(s -> java.util.Arrays.equals(s.sampleShape(), loaded.sampleShape()) && s.classes() == loaded.classes())
                .ifPresent(s -> meta.put(Checkpoint.SPEC_KEY, s.toJsonText()));
        if (f.equals("onnx")) {
            OnnxExporter.write(loaded.model(), loaded.sampleShape(), meta, output);
        } else {
            long steps = loaded.data().globalStep().orElse(0);
            TorchStateDict.write(loaded.model(), output, meta, steps);
        }
        System.out.printf("%s (%s, input [batch, %s]) -> %s (%s)%n", checkpoint, loaded.modelName(),
                InteropFiles.shapeText(loaded.sampleShape()), output, f.equals("onnx") ? "ONNX opset " + OnnxExporter.OPSET : "PyTorch state dict");
        if (sample != null) {
            Tensor x = randomInput(sample, loaded.sampleShape(), 1234);
            Tensor y = loaded.model().forward(x, ExecutionContext.defaults().training(false));
            Path stem = InteropFiles.stem(output);
            NpyWriter.write(stem.resolveSibling(stem.getFileName() + ".input.npy"), x);
            NpyWriter.write(stem.resolveSibling(stem.getFileName() + ".output.npy"), y);
        }
        return 0;
    }

    static Tensor randomInput(int batch, int[] sample, long seed) {
        int[] shape = new int[sample.length + 1];
        shape[0] = batch;
        System.arraycopy(sample, 0, shape, 1, sample.length);
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[Tensor.checkedSize(shape)];
        for (int i = 0; i < v.length; i++) v[i] = (float) r.nextGaussian();
        return Tensor.wrap(v, shape);
    }
}
