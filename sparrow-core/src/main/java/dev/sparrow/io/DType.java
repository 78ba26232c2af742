package dev.sparrow.io;

/**
 * Element types of the safetensors format, named exactly as in its header ("F32", "I64", ...). All
 * of them can be read and validated; converting to Java arrays is offered for F32, F64, I64, I32 and
 * U8 (see {@link TensorData}).
 */
public enum DType {
    BOOL(1), U8(1), I8(1), F8_E5M2(1), F8_E4M3(1),
    I16(2), U16(2), F16(2), BF16(2),
    I32(4), U32(4), F32(4),
    I64(8), U64(8), F64(8);

    private final int byteSize;

    DType(int byteSize) {
        this.byteSize = byteSize;
    }

    /** Bytes per element. */
    public int byteSize() { return byteSize; }

    /** The dtype named {@code name} in a safetensors header, or null when there is none such. */
    public static DType fromName(String name) {
        for (DType t : values()) {
            if (t.name().equals(name)) return t;
        }
        return null;
    }
}
