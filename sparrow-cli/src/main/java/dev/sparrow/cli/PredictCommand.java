package dev.sparrow.cli;

import dev.sparrow.data.CsvData;
import dev.sparrow.data.ImageFileNames;
import dev.sparrow.data.ImageFiles;
import dev.sparrow.data.NpyArray;
import dev.sparrow.graph.ModelGraph;
import dev.sparrow.infer.InferenceSession;
import dev.sparrow.infer.Prediction;
import dev.sparrow.infer.Predictor;
import dev.sparrow.infer.SavedModel;
import dev.sparrow.io.Checkpoint;
import dev.sparrow.io.ModelSpec;
import dev.sparrow.onnx.OnnxImporter;
import dev.sparrow.onnx.OnnxModelFile;
import dev.sparrow.onnx.OnnxModelFormat;
import dev.sparrow.util.Json;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

@Command(name = "predict", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Classifies inputs with a trained model: the class, its probability and the top 3 per input.",
                "Inputs: images (PNG, JPEG, GIF; resized to the model's input), the rows of .npy files, or the rows of "
                        + "CSV files with a header (a label column, if present, is ignored)."})
final class PredictCommand implements Callable<Integer> {
    static final int TOP = 3;

    @Parameters(index = "0", paramLabel = "MODEL", description = {"A checkpoint written by 'sparrow train', or an .onnx file: its class "
            + "names and input normalisation come from the model spec 'sparrow export' writes into its metadata; without one, "
            + "inputs are fed as read and classes are output indices (a note says which)."})
    Path model;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "FILE", description = "Images, .npy or .csv files.")
    List<Path> files;

    @Option(names = "--json", description = "One JSON object per input: input, class, probability, top.")
    boolean json;

    @Option(names = "--raw", description = "Each input's output vector (logits) exactly as the model computes it, as a JSON array per line.")
    boolean raw;

    @Option(names = "--label-column", paramLabel = "NAME", defaultValue = CsvData.DEFAULT_LABEL_COLUMN,
            description = "A CSV column to ignore (default: ${DEFAULT-VALUE}).")
    String labelColumn;

    @CommandLine.Mixin
    DeviceOption device;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** One input: where it came from and its raw values (pixels in [0, 1], or features as read). */
    record Input(String name, float[] values) {}

    @Override
    public Integer call() throws IOException {
        if (json && raw) throw new UserInputException("--json and --raw are alternatives; give one");
        device.device(); // a bad --device is refused before the model is read
        if (!Files.exists(model)) throw new UserInputException(model + ": no such file");
        InferenceSession.Builder builder;
        ModelSpec m;
        if (new OnnxModelFormat().accepts(model)) {
            OnnxModelFile file = OnnxImporter.load(model);
            Optional<ModelSpec> saved = file.spec();
            ModelGraph g = file.graph();
            m = saved.orElseGet(() -> new ModelSpec("onnx", g.inputShape(), ModelSpec.numberedClasses(g.sampleSize(g.outputs().getFirst())), 0f, 1f));
            spec.commandLine().getErr().println("note: " + model + (saved.isPresent()
                    ? ": class names and input normalisation from its metadata (" + Checkpoint.SPEC_KEY + ")"
                    : " has no model spec in its metadata (" + Checkpoint.SPEC_KEY + "): inputs are fed as read, classes are output indices"));
            builder = InferenceSession.builder(g).spec(m);
        } else {
            SavedModel saved = InferenceSession.loadModel(model);
            saved.note().ifPresent(n -> spec.commandLine().getErr().println("note: " + n));
            m = saved.spec();
            builder = InferenceSession.builder(saved.model(), m.sampleShape()).spec(m);
        }
        List<Input> inputs = new ArrayList<>();
        for (Path f : files) inputs.addAll(read(f, m));
        PrintWriter out = spec.commandLine().getOut();
        try (Predictor session = device.open(builder.tuning(false), spec.commandLine().getErr())) {
            int k = Math.min(TOP, m.classes());
            for (Input in : inputs) {
                if (raw) {
                    float[] x = in.values().clone();
                    m.normalize(x, 0, x.length);
                    out.println(rawJson(session.predict(x)));
                    continue;
                }
                List<Prediction> top = session.classify(in.values(), k);
                if (json) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    row.put("input", in.name());
                    row.put("class", top.getFirst().name());
                    row.put("probability", top.getFirst().probability());
                    List<Object> list = new ArrayList<>();
                    for (Prediction p : top) {
                        Map<String, Object> e = new LinkedHashMap<>();
                        e.put("class", p.name());
                        e.put("index", p.index());
                        e.put("probability", p.probability());
                        list.add(e);
                    }
                    row.put("top", list);
                    out.println(Json.write(row));
                } else {
                    StringBuilder sb = new StringBuilder();
                    for (Prediction p : top) {
                        if (!sb.isEmpty()) sb.append(", ");
                        sb.append(String.format(Locale.ROOT, "%s %.3f", p.name(), p.probability()));
                    }
                    out.printf(Locale.ROOT, "%s: %s (%.1f%%)   top %d: %s%n", in.name(), top.getFirst().name(),
                            100 * top.getFirst().probability(), k, sb);
                }
            }
        }
        out.flush();
        return 0;
    }

    /** Floats as JSON numbers with every digit Java needs to give back the same float. */
    static String rawJson(float[] v) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < v.length; i++) {
            if (i > 0) sb.append(',');
            sb.append(Float.isFinite(v[i]) ? Float.toString(v[i]) : "null");
        }
        return sb.append(']').toString();
    }

    private List<Input> read(Path f, ModelSpec m) throws IOException {
        if (!Files.exists(f)) throw new UserInputException(f + ": no such file");
        if (Files.isDirectory(f)) throw new UserInputException(f + ": is a directory; give the files");
        String name = f.getFileName().toString().toLowerCase(Locale.ROOT);
        List<Input> out = new ArrayList<>();
        if (ImageFileNames.isImage(f)) {
            int[] s = m.sampleShape();
            if (s.length != 3 || (s[0] != 1 && s[0] != 3)) {
                throw new UserInputException(f + ": an image, but the model takes samples of shape "
                        + java.util.Arrays.toString(s) + ", not images");
            }
            out.add(new Input(f.toString(), ImageFiles.sample(ImageFiles.read(f), s)));
            return out;
        }
        List<float[]> rows;
        if (name.endsWith(".npy")) rows = NpyArray.rows(f);
        else if (name.endsWith(".csv")) rows = CsvData.features(f, labelColumn);
        else throw new UserInputException(f + ": not an image (png, jpg, jpeg, gif), .npy or .csv file");
        for (int r = 0; r < rows.size(); r++) {
            if (rows.get(r).length != m.sampleSize()) {
                throw new UserInputException(f + ", row " + (r + 1) + ": " + rows.get(r).length + " values but the model takes "
                        + m.sampleSize() + " (shape " + java.util.Arrays.toString(m.sampleShape()) + ")");
            }
            out.add(new Input(f + ":" + (r + 1), rows.get(r)));
        }
        return out;
    }
}
