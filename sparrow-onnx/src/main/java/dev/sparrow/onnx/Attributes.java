package dev.sparrow.onnx;

import dev.sparrow.onnx.proto.OnnxProto.AttributeProto;
import dev.sparrow.onnx.proto.OnnxProto.AttributeProto.AttributeType;
import dev.sparrow.onnx.proto.OnnxProto.NodeProto;
import dev.sparrow.onnx.proto.OnnxProto.TensorProto;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/** A node's attributes by name, each read with the type the operator defines (a wrong type is an error). */
final class Attributes {
    private final Map<String, AttributeProto> byName = new HashMap<>();

    Attributes(NodeProto node) {
        for (AttributeProto a : node.getAttributeList()) {
            if (byName.put(a.getName(), a) != null) throw new ImportProblem("attribute '" + a.getName() + "' given twice");
        }
    }

    boolean has(String name) { return byName.containsKey(name); }

    Set<String> names() { return byName.keySet(); }

    long getInt(String name, long fallback) {
        AttributeProto a = typed(name, AttributeType.INT);
        return a == null ? fallback : a.getI();
    }

    /** An int attribute that must lie in [min, max]. */
    int getInt(String name, long fallback, long min, long max) {
        long v = getInt(name, fallback);
        if (v < min || v > max) throw new ImportProblem("attribute " + name + " = " + v + "; expected " + min + ".." + max);
        return (int) v;
    }

    float getFloat(String name, float fallback) {
        AttributeProto a = typed(name, AttributeType.FLOAT);
        return a == null ? fallback : a.getF();
    }

    String getString(String name, String fallback) {
        AttributeProto a = typed(name, AttributeType.STRING);
        return a == null ? fallback : a.getS().toStringUtf8();
    }

    /** An ints attribute of the given length (-1: any), each in [min, max]; fallback when absent. */
    int[] getInts(String name, int[] fallback, int length, long min, long max) {
        AttributeProto a = typed(name, AttributeType.INTS);
        if (a == null) return fallback == null ? null : fallback.clone();
        if (length >= 0 && a.getIntsCount() != length) {
            throw new ImportProblem("attribute " + name + " has " + a.getIntsCount() + " values; expected " + length);
        }
        if (a.getIntsCount() > 64) throw new ImportProblem("attribute " + name + " has " + a.getIntsCount() + " values; expected at most 64");
        int[] out = new int[a.getIntsCount()];
        for (int i = 0; i < out.length; i++) {
            long v = a.getInts(i);
            if (v < min || v > max) throw new ImportProblem("attribute " + name + " holds " + v + "; expected " + min + ".." + max);
            out[i] = (int) v;
        }
        return out;
    }

    float[] getFloats(String name) {
        AttributeProto a = typed(name, AttributeType.FLOATS);
        if (a == null) return null;
        float[] out = new float[a.getFloatsCount()];
        for (int i = 0; i < out.length; i++) out[i] = a.getFloats(i);
        return out;
    }

    long[] getLongs(String name) {
        AttributeProto a = typed(name, AttributeType.INTS);
        if (a == null) return null;
        long[] out = new long[a.getIntsCount()];
        for (int i = 0; i < out.length; i++) out[i] = a.getInts(i);
        return out;
    }

    TensorProto getTensor(String name) {
        AttributeProto a = typed(name, AttributeType.TENSOR);
        return a == null ? null : a.getT();
    }

    private AttributeProto typed(String name, AttributeType type) {
        AttributeProto a = byName.get(name);
        if (a == null) return null;
        // files from old writers may leave type unset; then the field present decides
        if (a.hasType() && a.getType() != type) {
            throw new ImportProblem("attribute " + name + " is " + a.getType() + "; expected " + type);
        }
        return a;
    }
}
