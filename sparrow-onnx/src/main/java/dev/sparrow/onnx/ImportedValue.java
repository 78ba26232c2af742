package dev.sparrow.onnx;

/** What an ONNX value name stands for while a graph is converted. */
sealed interface ImportedValue permits ImportedValue.Const, ImportedValue.Dyn, ImportedValue.TopKOutput, ImportedValue.ZerosLike {
    /** A constant known at load. */
    record Const(ConstTensor tensor) implements ImportedValue {}

    /** A batched value of the graph: its graph name and sample shape. */
    record Dyn(String name, int[] shape) implements ImportedValue {}

    /** TopK's values (output 0) or indices (output 1), kept until a ScatterElements turns the pair into a k-WTA. */
    record TopKOutput(TopK topK, int output) implements ImportedValue {}

    /** The k largest of x along a full-rank axis, from the TopK node named node. */
    record TopK(String node, Dyn x, int k, int axis) {}

    /** Zeros of x's shape (ConstantOfShape(Shape(x)) with value 0): the canvas a k-WTA scatters its winners onto. */
    record ZerosLike(Dyn x) implements ImportedValue {}
}
