package dev.sparrow.cli;

import dev.sparrow.graph.GraphNode;
import dev.sparrow.graph.ModelGraph;
import dev.sparrow.graph.Op;
import dev.sparrow.infer.InferenceSession;
import dev.sparrow.infer.PlanNode;
import dev.sparrow.onnx.OnnxModelFile;
import dev.sparrow.sparse.FormatRegistry;
import dev.sparrow.sparse.MaskedWeights;
import dev.sparrow.sparse.Structure;
import dev.sparrow.tensor.Tensor;

import java.io.PrintWriter;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What 'sparrow inspect' shows of an .onnx file: the file's header and metadata, the operators it uses, every
 * initializer as stored (shape, zeros), each weight of the imported graph (after constant and BatchNorm folding)
 * with the structures its zeros really have ({@link FormatRegistry#detect}), and the session's plan.
 */
final class OnnxInspection {
    private OnnxInspection() {}

    static void print(OnnxModelFile f, boolean tune, PrintWriter out) {
        ModelGraph g = f.graph();
        String output = g.outputs().getFirst();
        out.printf(Locale.ROOT, "%s: ONNX, IR version %d, opset %d, producer %s%n", f.file(), f.irVersion(), f.opset(),
                f.producer().isEmpty() ? "(none)" : f.producer());
        out.printf(Locale.ROOT, "input '%s' [batch, %s] -> output '%s' [batch, %s]%n", g.inputName(), join(g.inputShape()), output,
                join(g.sampleShape(output)));
        if (!f.metadata().isEmpty()) {
            out.println("metadata:");
            for (Map.Entry<String, String> e : f.metadata().entrySet()) out.printf("  %s: %s%n", e.getKey(), e.getValue());
        }
        int nodes = f.operators().values().stream().mapToInt(Integer::intValue).sum();
        StringBuilder ops = new StringBuilder();
        for (Map.Entry<String, Integer> e : f.operators().entrySet()) {
            ops.append(ops.isEmpty() ? "" : ", ").append(e.getKey()).append(" x").append(e.getValue());
        }
        out.printf("operators (%d nodes): %s%n", nodes, ops);

        out.printf("%ninitializers (%d), as stored:%n", f.initializers().size());
        out.printf("  %-36s %-6s %-20s %10s %9s%n", "name", "type", "shape", "zeros", "sparsity");
        for (OnnxModelFile.Initializer i : f.initializers()) {
            out.printf(Locale.ROOT, "  %-36s %-6s %-20s %10d %8.2f%%%n", i.name(), i.floating() ? "float" : "int", i.shapeText(),
                    i.zeros(), 100 * i.sparsity());
        }

        out.printf("%nweights of the imported graph (%d nodes after folding), with the structure their zeros have:%n", g.nodes().size());
        out.printf("  %-36s %-6s %-20s %9s  %s%n", "node", "op", "weight", "sparsity", "structure");
        List<String> candidates = InferenceSession.Builder.defaultCandidates();
        for (GraphNode n : g.nodes()) {
            Tensor w = switch (n.op()) {
                case Op.Dense d -> d.weight();
                case Op.Conv c -> c.weight();
                default -> null;
            };
            if (w == null) continue;
            int rows = w.dim(0), cols = w.size() / rows;
            float[] mask = new float[w.size()];
            long zeros = 0;
            for (int i = 0; i < mask.length; i++) {
                mask[i] = w.data()[i] != 0f ? 1f : 0f;
                zeros += w.data()[i] == 0f ? 1 : 0;
            }
            String structure = zeros == 0 ? "dense" : describe(FormatRegistry.detect(MaskedWeights.of(w.data(), mask, rows, cols, n.name()), candidates));
            out.printf(Locale.ROOT, "  %-36s %-6s %-20s %8.2f%%  %s%n", n.name(), n.op() instanceof Op.Dense ? "Dense" : "Conv",
                    Arrays.toString(w.shape()), 100.0 * zeros / w.size(), structure);
        }

        try (InferenceSession s = InferenceSession.builder(g).tuning(tune).build()) {
            out.printf("%nplan (batch 1, %s):%n", tune ? "formats timed by the autotuner" : "formats untimed: csr where over 70% of a weight is zero, "
                    + "else dense; --tune times the candidates as a session does");
            out.printf("  %-36s %-28s %-16s %-6s %s%n", "step", "op", "shape", "layout", "format");
            for (PlanNode p : s.plan()) {
                out.printf("  %-36s %-28s %-16s %-6s %s%n", p.node(), p.op(), Arrays.toString(p.shape()), p.layout(),
                        p.format() == null ? "" : p.format());
            }
        }
    }

    /** "unstructured" or the structures found, e.g. "constant fan-in, N:M 1:8". */
    private static String describe(List<Structure> found) {
        if (found.isEmpty()) return "unstructured";
        StringBuilder sb = new StringBuilder();
        for (Structure s : found) {
            sb.append(sb.isEmpty() ? "" : ", ").append(switch (s) {
                case Structure.ConstantFanIn c -> "constant fan-in";
                case Structure.NOfM nm -> "N:M " + nm.n() + ":" + nm.m();
                case Structure.Blocks b -> "blocks " + b.rows() + "x" + b.cols();
                case Structure.Banks b -> "banks of " + b.width();
                case Structure.Complementary c -> "complementary groups of " + c.groupSize();
                case Structure.Unstructured u -> "unstructured";
            });
        }
        return sb.toString();
    }

    private static String join(int[] s) {
        return Arrays.toString(s).replaceAll("[\\[\\]]", "");
    }
}
