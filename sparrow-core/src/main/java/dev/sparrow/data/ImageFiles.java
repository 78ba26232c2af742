package dev.sparrow.data;

import javax.imageio.ImageIO;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/** Reads one image file (PNG, JPEG, GIF through javax.imageio) as grayscale or RGB bytes in CHW order. */
public final class ImageFiles {
    /** The file name endings read as images ({@link ImageFileNames#EXTENSIONS}). */
    public static final Set<String> EXTENSIONS = ImageFileNames.EXTENSIONS;

    private ImageFiles() {}

    /** Whether {@code file}'s name ends with an image extension. */
    public static boolean isImage(Path file) {
        return ImageFileNames.isImage(file);
    }

    /**
     * Decodes {@code file}.
     *
     * @param file an image file
     * @return the decoded image
     * @throws IOException when it cannot be read or is not an image ImageIO decodes
     */
    public static BufferedImage read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + ": " + (Files.isDirectory(file) ? "is a directory" : "no such file"));
        }
        BufferedImage img;
        try {
            img = ImageIO.read(file.toFile());
        } catch (IOException e) {
            throw new IOException(file + ": cannot decode the image: " + e.getMessage(), e);
        }
        if (img == null) throw new IOException(file + ": not a PNG, JPEG or GIF image");
        return img;
    }

    /**
     * An image as one raw sample of a model that takes images, what {@code InferenceSession.classify} wants:
     * resized and turned to gray or RGB as {@code sampleShape} says ({@link #pixels}), values in [0, 1].
     *
     * @param img         the image, e.g. from {@link #read}
     * @param sampleShape the model's sample shape, {channels (1 or 3), height, width} (its spec's {@code sampleShape()})
     * @return channels x height x width values in [0, 1]
     * @throws IllegalArgumentException when {@code sampleShape} is not the shape of an image
     */
    public static float[] sample(BufferedImage img, int[] sampleShape) {
        if (sampleShape == null || sampleShape.length != 3 || (sampleShape[0] != 1 && sampleShape[0] != 3)) {
            throw new IllegalArgumentException("sampleShape is " + java.util.Arrays.toString(sampleShape)
                    + "; expected an image's {channels (1 or 3), height, width}");
        }
        byte[] px = pixels(img, sampleShape[0], sampleShape[1], sampleShape[2]);
        float[] v = new float[px.length];
        for (int i = 0; i < v.length; i++) v[i] = (px[i] & 0xff) / 255f;
        return v;
    }

    /** 1 for a grayscale image, 3 for colour (alpha is dropped). */
    public static int channels(BufferedImage img) {
        return img.getColorModel().getColorSpace().getNumComponents() == 1 ? 1 : 3;
    }

    /**
     * The image's pixels as (channels, height, width) bytes, resized (bilinear) to {@code height} x
     * {@code width} when it has another size, and turned to gray (luma) or RGB as {@code channels} asks.
     */
    public static byte[] pixels(BufferedImage img, int channels, int height, int width) {
        if (channels != 1 && channels != 3) throw new IllegalArgumentException("channels is " + channels + "; expected 1 or 3");
        BufferedImage src = img;
        if (img.getWidth() != width || img.getHeight() != height) {
            BufferedImage scaled = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
            Graphics2D g = scaled.createGraphics();
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.drawImage(img, 0, 0, width, height, null);
            g.dispose();
            src = scaled;
        }
        byte[] out = new byte[channels * height * width];
        boolean gray = channels(img) == 1 && src == img;
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int i = y * width + x;
                if (gray) {
                    // the raster's own sample, not getRGB's colour-converted value, keeps gray levels exact
                    int v = src.getRaster().getSample(x, y, 0);
                    int bits = src.getColorModel().getComponentSize(0);
                    if (bits > 8) v >>= bits - 8;
                    if (channels == 1) out[i] = (byte) v;
                    else for (int c = 0; c < 3; c++) out[c * height * width + i] = (byte) v;
                    continue;
                }
                int rgb = src.getRGB(x, y);
                int r = (rgb >> 16) & 0xff;
                int gr = (rgb >> 8) & 0xff;
                int b = rgb & 0xff;
                if (channels == 1) {
                    out[i] = (byte) Math.round(0.299 * r + 0.587 * gr + 0.114 * b);
                } else {
                    out[i] = (byte) r;
                    out[height * width + i] = (byte) gr;
                    out[2 * height * width + i] = (byte) b;
                }
            }
        }
        return out;
    }
}
