package dev.sparrow.sparse;

/** A mask that a sparse format cannot represent; the message names the layer and the first offending place. */
public final class UnsupportedMaskException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public UnsupportedMaskException(String layerName, String format, String detail) {
        super("layer '" + layerName + "': mask cannot be stored as " + format + ": " + detail);
    }
}
