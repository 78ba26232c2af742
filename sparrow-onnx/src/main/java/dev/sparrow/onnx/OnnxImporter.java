package dev.sparrow.onnx;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.sparrow.graph.ModelGraph;
import dev.sparrow.onnx.proto.OnnxProto.ModelProto;
import dev.sparrow.onnx.proto.OnnxProto.OperatorSetIdProto;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads an ONNX model (as torch.onnx.export writes them, opset 13 and later) into a {@link ModelGraph}, folding
 * constants and batch norms at load. Every problem with the file is one {@link OnnxFormatException} naming the
 * file, the node and what was expected.
 */
public final class OnnxImporter {
    /** The oldest default-domain opset whose operator definitions the importer follows. */
    public static final int MIN_OPSET = 13;
    /** Protobuf's own limit for one message. */
    private static final long MAX_FILE_BYTES = Integer.MAX_VALUE - 64;

    private OnnxImporter() {}

    public static ModelGraph read(Path file) throws IOException {
        return load(file).graph();
    }

    /**
     * A model from bytes; file names it in errors and its folder holds external data (null: none may be used).
     */
    public static ModelGraph read(byte[] bytes, Path file) throws OnnxFormatException {
        return load(bytes, file).graph();
    }

    /**
     * The model in {@code file} with what the file says about itself besides the graph (producer, opset, metadata,
     * initializers, operators), read once: for {@code sparrow inspect} and {@code sparrow predict}.
     */
    public static OnnxModelFile load(Path file) throws IOException {
        String name = file.toString();
        long size;
        try {
            size = Files.size(file);
        } catch (IOException e) {
            throw new OnnxFormatException(name, null, "cannot read the file (" + e + ")", e);
        }
        if (size > MAX_FILE_BYTES) throw new OnnxFormatException(name, null, size + " bytes; expected at most 2 GiB (larger weights go to external data)");
        return load(Files.readAllBytes(file), file);
    }

    static OnnxModelFile load(byte[] bytes, Path file) throws OnnxFormatException {
        String name = file == null ? "<model bytes>" : file.toString();
        ModelProto model = parse(bytes, name);
        long opset = opset(model, name);
        if (!model.hasGraph()) throw new OnnxFormatException(name, null, "no graph; expected a model with a graph");
        Path folder = file == null ? null : file.toAbsolutePath().normalize().getParent();
        LoadBudget budget = new LoadBudget(bytes.length);
        GraphConverter converter = new GraphConverter(name, model.getGraph(), opset, new TensorDecoder(folder, budget), new ConstantFolder(budget));
        ModelGraph graph = converter.convert();
        return OnnxModelFile.of(name, model, opset, graph, converter.initializers());
    }

    /** The ModelProto in {@code bytes}; a truncated or corrupted file is one OnnxFormatException naming {@code name}. */
    static ModelProto parse(byte[] bytes, String name) throws OnnxFormatException {
        try {
            CodedInputStream in = CodedInputStream.newInstance(bytes);
            in.setRecursionLimit(64);
            return ModelProto.parseFrom(in);
        } catch (InvalidProtocolBufferException e) {
            throw new OnnxFormatException(name, null, "not a valid ONNX protobuf (" + e.getMessage() + ")", e);
        } catch (IOException e) {
            throw new OnnxFormatException(name, null, "cannot parse (" + e + ")", e);
        }
    }

    /** The default domain's opset, refused below {@link #MIN_OPSET}. */
    static long opset(ModelProto model, String name) throws OnnxFormatException {
        long opset = -1;
        for (OperatorSetIdProto o : model.getOpsetImportList()) {
            if (o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx")) opset = o.getVersion();
        }
        if (opset < MIN_OPSET) {
            throw new OnnxFormatException(name, null, (opset < 0 ? "no default-domain opset" : "opset " + opset)
                    + "; expected opset " + MIN_OPSET + " or later (re-export with opset_version=" + MIN_OPSET + "+)");
        }
        return opset;
    }
}
