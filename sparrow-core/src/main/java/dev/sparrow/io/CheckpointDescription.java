package dev.sparrow.io;

import dev.sparrow.util.Json;
import dev.sparrow.util.JsonException;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Set;

/** What {@link CheckpointData#summary()} and {@link CheckpointData#describe()} report about a checkpoint's tensors. */
final class CheckpointDescription {
    private CheckpointDescription() {}

    static List<TensorSummary> summary(CheckpointData data) {
        Map<String, TensorData> tensors = data.tensors();
        Set<String> bufferNames = bufferNames(data.metadata());
        List<TensorSummary> out = new ArrayList<>();
        Map<String, Double> sparsityByParameter = new LinkedHashMap<>();
        for (Map.Entry<String, TensorData> e : tensors.entrySet()) {
            String name = e.getKey();
            if (data.isMask(name)) {
                float[] keep = CheckpointRestore.maskValues(name, e.getValue(), new ArrayList<>());
                if (keep != null) {
                    long zeros = 0;
                    for (float k : keep) if (k == 0f) zeros++;
                    double sparsity = keep.length == 0 ? 0.0 : (double) zeros / keep.length;
                    sparsityByParameter.put(name.substring(0, name.length() - Checkpoint.MASK_SUFFIX.length()), sparsity);
                }
            }
        }
        for (Map.Entry<String, TensorData> e : tensors.entrySet()) {
            String name = e.getKey();
            TensorData t = e.getValue();
            TensorSummary.Kind kind;
            OptionalDouble sparsity = OptionalDouble.empty();
            if (name.startsWith(Checkpoint.OPTIMIZER_PREFIX)) {
                kind = TensorSummary.Kind.OPTIMIZER;
            } else if (name.startsWith(Checkpoint.SPARSITY_PREFIX)) {
                kind = TensorSummary.Kind.SPARSITY;
            } else if (data.isMask(name)) {
                kind = TensorSummary.Kind.MASK;
                Double s = sparsityByParameter.get(name.substring(0, name.length() - Checkpoint.MASK_SUFFIX.length()));
                if (s != null) sparsity = OptionalDouble.of(s);
            } else if (bufferNames.contains(name)) {
                kind = TensorSummary.Kind.BUFFER;
            } else {
                kind = TensorSummary.Kind.PARAMETER;
                Double s = sparsityByParameter.get(name);
                if (s != null) sparsity = OptionalDouble.of(s);
            }
            out.add(new TensorSummary(name, kind, t.dtype(), t.shape(), t.elementCount(), sparsity));
        }
        return out;
    }

    static String describe(CheckpointData data) {
        StringBuilder sb = new StringBuilder();
        sb.append("checkpoint ").append(data.file()).append('\n');
        for (Map.Entry<String, String> e : data.metadata().entrySet()) {
            String v = e.getValue().replace("\n", " ");
            if (v.length() > 200) v = v.substring(0, 197) + "...";
            sb.append("  ").append(e.getKey()).append(" = ").append(v).append('\n');
        }
        List<TensorSummary> rows = summary(data);
        int width = "name".length();
        for (TensorSummary r : rows) width = Math.max(width, r.name().length());
        String format = "%-" + width + "s  %-9s  %-5s  %-18s  %12s  %s";
        sb.append(String.format(Locale.ROOT, format, "name", "kind", "dtype", "shape", "elements", "sparsity")).append('\n');
        long parameters = 0;
        double active = 0;
        for (TensorSummary r : rows) {
            String sparsity = r.sparsity().isPresent()
                    ? String.format(Locale.ROOT, "%.2f%%", 100 * r.sparsity().getAsDouble()) : "";
            sb.append(String.format(Locale.ROOT, format, r.name(), r.kind().name().toLowerCase(Locale.ROOT), r.dtype(),
                    Arrays.toString(r.shape()), r.elements(), sparsity).stripTrailing()).append('\n');
            if (r.kind() == TensorSummary.Kind.PARAMETER) {
                parameters += r.elements();
                active += r.elements() * (1 - r.sparsity().orElse(0));
            }
        }
        for (Map.Entry<String, TensorData> e : data.tensors().entrySet()) {
            if (e.getValue().dtype() != DType.F32) continue;
            float[] v = e.getValue().toF32();
            int bad = CheckpointRestore.firstNonFinite(v);
            if (bad >= 0) {
                int count = 0;
                for (float x : v) if (!Float.isFinite(x)) count++;
                sb.append("warning: tensor '").append(e.getKey()).append("' has ").append(count).append(" NaN/infinite values, the first ")
                        .append(v[bad]).append(" at index ").append(bad).append("; eval and inference refuse it\n");
            }
        }
        sb.append(String.format(Locale.ROOT, "parameters: %d, active: %d (%.2f%% sparse)%n", parameters, Math.round(active),
                parameters == 0 ? 0.0 : 100 * (1 - active / parameters)));
        return sb.toString();
    }

    private static Set<String> bufferNames(Map<String, String> metadata) {
        String json = metadata.get(Checkpoint.BUFFERS_KEY);
        Set<String> names = new HashSet<>();
        if (json == null) return names;
        try {
            if (Json.parse(json, json.length()) instanceof List<?> list) {
                for (Object o : list) if (o instanceof String s) names.add(s);
            }
        } catch (JsonException e) {
            // a hand-edited or foreign file: treat every tensor as a parameter rather than fail an inspection
        }
        return names;
    }
}
