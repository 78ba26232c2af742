package dev.sparrow.onnx;

import com.google.protobuf.ByteString;
import dev.sparrow.onnx.proto.OnnxProto.AttributeProto;
import dev.sparrow.onnx.proto.OnnxProto.GraphProto;
import dev.sparrow.onnx.proto.OnnxProto.ModelProto;
import dev.sparrow.onnx.proto.OnnxProto.NodeProto;
import dev.sparrow.onnx.proto.OnnxProto.StringStringEntryProto;
import dev.sparrow.onnx.proto.OnnxProto.TensorProto;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Seeded random mutations of the fixtures, on the bytes (bit flips, truncation, varint corruption, spliced
 * chunks) and through the protobuf builders (dims, data types, attributes, node order and wiring, external data
 * entries, opset): each must import to a valid graph or fail with OnnxFormatException, never another exception,
 * and allocate a bounded amount of memory. -Dsparrow.fuzz.seed=S repeats a run.
 */
class OnnxFuzzTest {
    private static final int BYTE_CASES = 2000;
    private static final int PROTO_CASES = 2000;
    private static final List<String> SOURCES = List.of("ops_zoo", "mlp_external", "cnn_bn", "resnet_pruned90_opset18", "mlp");

    @Test
    void mutatedModelsImportOrFailWithOnnxFormatException() throws Exception {
        long seed = Long.getLong("sparrow.fuzz.seed", System.nanoTime());
        System.out.println("OnnxFuzzTest seed " + seed + " (repeat with -Dsparrow.fuzz.seed=" + seed + ")");
        Random random = new Random(seed);
        List<Path> paths = new ArrayList<>();
        List<byte[]> originals = new ArrayList<>();
        List<ModelProto> models = new ArrayList<>();
        for (String name : SOURCES) {
            Path p = OnnxFixturesTest.FIXTURES.resolve(name + ".onnx");
            paths.add(p);
            originals.add(Files.readAllBytes(p));
            models.add(ModelProto.parseFrom(originals.getLast()));
        }
        // a model written here with the k-WTA subgraph (TopK, ScatterElements, ConstantOfShape), Slice and Where
        paths.add(2, OnnxFixturesTest.FIXTURES.resolve("generated_kwta_slice_where.onnx"));
        models.add(2, generatedOps());
        originals.add(2, models.get(2).toByteArray());
        List<String> sources = new ArrayList<>(SOURCES);
        sources.add(2, "generated_kwta_slice_where");
        assertThat(OnnxImporter.read(originals.get(2), paths.get(2)).nodes()).extracting(n -> n.op().opName())
                .contains("KWinners(k=4)", "Slice");
        int imported = 0, refused = 0;
        long start = System.nanoTime();
        for (int c = 0; c < BYTE_CASES + PROTO_CASES; c++) {
            // the small models most of the time, so thousands of cases stay within seconds
            int k = random.nextInt(10) < 9 ? random.nextInt(3) : random.nextInt(sources.size());
            byte[] bytes = c < BYTE_CASES ? mutateBytes(originals.get(k), random) : mutateProto(models.get(k), random).toByteArray();
            long before = allocatedBytes();
            try {
                OnnxImporter.read(bytes, paths.get(k));
                imported++;
            } catch (OnnxFormatException expected) {
                refused++;
                assertThat(expected.getMessage()).startsWith(paths.get(k).toString());
            } catch (Throwable t) {
                fail("case " + c + " of seed " + seed + " (" + sources.get(k) + ") threw " + t, t);
            }
            long allocated = allocatedBytes() - before;
            assertThat(allocated).as("bytes allocated by case %d of seed %d", c, seed)
                    .isLessThan(64L * 1024 * 1024 + 16L * bytes.length + 8L * 440_000);
        }
        System.out.printf("OnnxFuzzTest: %d cases (%d imported, %d refused with OnnxFormatException) in %.1f s%n",
                BYTE_CASES + PROTO_CASES, imported, refused, (System.nanoTime() - start) / 1e9);
        assertThat(refused).isGreaterThan(0);
    }

    private static ModelProto generatedOps() {
        TestModelBuilder b = new TestModelBuilder(17, new int[] {10}, new java.util.SplittableRandom(7));
        String h = b.node("Gemm", new String[] {"x", b.randomFloats(12, 10), b.randomFloats(12)}, TestModelBuilder.attr("transB", 1L));
        String k = OnnxOpsTest.kWinners(b, h, 4, 1);
        String s = b.node("Slice", new String[] {k, b.longs(1), b.longs(-1), b.longs(1), b.longs(1)});
        boolean[] c = new boolean[10];
        for (int i = 0; i < c.length; i += 3) c[i] = true;
        String w = b.node("Where", new String[] {b.bools(c, 10), s, b.randomFloats(10)});
        return b.build(b.node("Gemm", new String[] {w, b.randomFloats(10, 3)}));
    }

    private static long allocatedBytes() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }

    private static byte[] mutateBytes(byte[] original, Random r) {
        byte[] b = original.clone();
        switch (r.nextInt(5)) {
            case 0 -> { for (int i = 1 + r.nextInt(8); i > 0; i--) b[r.nextInt(b.length)] ^= (byte) (1 << r.nextInt(8)); }
            case 1 -> b = Arrays.copyOf(b, r.nextInt(b.length));
            case 2 -> { // varint corruption: continuation bits set on a run of bytes, or a huge length
                int at = r.nextInt(b.length);
                for (int i = at; i < Math.min(b.length, at + 1 + r.nextInt(10)); i++) b[i] |= (byte) 0x80;
            }
            case 3 -> { int at = r.nextInt(b.length); b[at] = (byte) r.nextInt(256); }
            default -> { // a chunk copied over another place
                int from = r.nextInt(b.length), to = r.nextInt(b.length), n = Math.min(1 + r.nextInt(64), Math.min(b.length - from, b.length - to));
                System.arraycopy(original, from, b, to, n);
            }
        }
        return b;
    }

    private static ModelProto mutateProto(ModelProto model, Random r) {
        ModelProto.Builder m = model.toBuilder();
        GraphProto.Builder g = m.getGraphBuilder();
        int mutations = 1 + r.nextInt(3);
        for (int i = 0; i < mutations; i++) {
            switch (r.nextInt(11)) {
                case 0 -> { // an initializer's dims
                    if (g.getInitializerCount() == 0) break;
                    TensorProto.Builder t = g.getInitializerBuilder(r.nextInt(g.getInitializerCount()));
                    if (t.getDimsCount() > 0 && r.nextBoolean()) t.setDims(r.nextInt(t.getDimsCount()), wildLong(r));
                    else t.addDims(wildLong(r));
                }
                case 1 -> { // an initializer's data type or data
                    if (g.getInitializerCount() == 0) break;
                    TensorProto.Builder t = g.getInitializerBuilder(r.nextInt(g.getInitializerCount()));
                    if (r.nextBoolean()) t.setDataType(r.nextInt(18));
                    else t.setRawData(ByteString.copyFrom(new byte[r.nextInt(64)]));
                }
                case 2 -> { // a node removed
                    if (g.getNodeCount() > 0) g.removeNode(r.nextInt(g.getNodeCount()));
                }
                case 3 -> { // nodes reversed (the importer sorts them) or shuffled
                    List<NodeProto> nodes = new ArrayList<>(g.getNodeList());
                    if (r.nextBoolean()) java.util.Collections.reverse(nodes); else java.util.Collections.shuffle(nodes, r);
                    g.clearNode().addAllNode(nodes);
                }
                case 4 -> { // an input rewired: to a missing value, to a later node's output (a cycle), or dropped
                    if (g.getNodeCount() == 0) break;
                    NodeProto.Builder n = g.getNodeBuilder(r.nextInt(g.getNodeCount()));
                    if (n.getInputCount() == 0) break;
                    int which = r.nextInt(n.getInputCount());
                    switch (r.nextInt(3)) {
                        case 0 -> n.setInput(which, "missing_" + r.nextInt(100));
                        case 1 -> n.setInput(which, g.getNode(r.nextInt(g.getNodeCount())).getOutput(0));
                        default -> {
                            List<String> in = new ArrayList<>(n.getInputList());
                            in.remove(which);
                            n.clearInput().addAllInput(in);
                        }
                    }
                }
                case 5 -> { // an int or ints attribute given a wild value
                    if (g.getNodeCount() == 0) break;
                    NodeProto.Builder n = g.getNodeBuilder(r.nextInt(g.getNodeCount()));
                    if (n.getAttributeCount() == 0) break;
                    AttributeProto.Builder a = n.getAttributeBuilder(r.nextInt(n.getAttributeCount()));
                    if (a.getIntsCount() > 0) a.setInts(r.nextInt(a.getIntsCount()), wildLong(r));
                    else if (r.nextBoolean()) a.setI(wildLong(r));
                    else a.setF(r.nextBoolean() ? Float.NaN : (float) r.nextGaussian() * 10);
                }
                case 6 -> { // an op type changed
                    if (g.getNodeCount() == 0) break;
                    String[] ops = {"Conv", "Gemm", "MatMul", "Relu", "Add", "Reshape", "Concat", "Transpose", "MaxPool",
                            "BatchNormalization", "Squeeze", "Gather", "Shape", "NoSuchOp", "Softmax", "ReduceMean", "Flatten"};
                    g.getNodeBuilder(r.nextInt(g.getNodeCount())).setOpType(ops[r.nextInt(ops.length)]);
                }
                case 7 -> m.getOpsetImportBuilder(0).setVersion(r.nextInt(25));
                case 8 -> { // the input's dims
                    var shape = g.getInputBuilder(0).getTypeBuilder().getTensorTypeBuilder().getShapeBuilder();
                    if (shape.getDimCount() > 0) shape.getDimBuilder(r.nextInt(shape.getDimCount())).setDimValue(wildLong(r));
                }
                case 9 -> { // external data entries
                    if (g.getInitializerCount() == 0) break;
                    TensorProto.Builder t = g.getInitializerBuilder(r.nextInt(g.getInitializerCount()));
                    String[] keys = {"location", "offset", "length"};
                    String[] locations = {"../escape.data", "/etc/passwd", "missing.data", "mlp_external.onnx.data", "", "a\u0000b"};
                    String key = keys[r.nextInt(3)];
                    String value = key.equals("location") ? locations[r.nextInt(locations.length)] : Long.toString(wildLong(r));
                    t.setDataLocation(TensorProto.DataLocation.EXTERNAL).addExternalData(StringStringEntryProto.newBuilder().setKey(key).setValue(value));
                }
                default -> { // a node's output renamed to another value's name
                    if (g.getNodeCount() < 2) break;
                    g.getNodeBuilder(r.nextInt(g.getNodeCount())).setOutput(0, g.getNode(r.nextInt(g.getNodeCount())).getOutput(0));
                }
            }
        }
        return m.build();
    }

    private static long wildLong(Random r) {
        return switch (r.nextInt(6)) {
            case 0 -> -1 - r.nextInt(3);
            case 1 -> 0;
            case 2 -> Long.MAX_VALUE - r.nextInt(3);
            case 3 -> (1L << 31) + r.nextInt(3);
            case 4 -> 1 + r.nextInt(4);
            default -> r.nextInt(70_000);
        };
    }
}
