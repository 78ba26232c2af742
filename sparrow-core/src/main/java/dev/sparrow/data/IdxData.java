package dev.sparrow.data;

import java.util.Arrays;

/**
 * The content of an IDX file of unsigned bytes: its dimensions (e.g. [60000, 28, 28]) and the
 * row-major data. The arrays are not copied.
 *
 * @param source the file name, for error messages
 */
public record IdxData(String source, int[] dims, byte[] data) {

    /** Number of items: the first dimension. */
    public int count() { return dims[0]; }

    /** Bytes per item: the product of the other dimensions. */
    public int itemSize() { return dims.length == 1 ? 1 : data.length / dims[0]; }

    public String dimsString() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < dims.length; i++) sb.append(i == 0 ? "" : " x ").append(dims[i]);
        return sb.toString();
    }

    @Override
    public String toString() {
        return "IdxData[" + source + ", " + Arrays.toString(dims) + "]";
    }
}
