package dev.sparrow.data;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * An image folder as a data set: one subfolder per class (the subfolder names, sorted, are the class
 * names), PNG, JPEG or GIF files in each. Every image must have the size and mode (grayscale or RGB)
 * of the first one read; a mixed folder or an empty class is an error naming the file or folder.
 */
public final class ImageFolder {
    private ImageFolder() {}

    /**
     * Reads {@code dir} with the classes found in it.
     *
     * @param dir the folder
     * @return the images, labelled by subfolder
     * @throws IOException when a file cannot be read
     */
    public static ImageDataset read(Path dir) throws IOException {
        return read(dir, null);
    }

    /**
     * Reads {@code dir}; with {@code classNames} given (e.g. those of the training folder), its
     * subfolders must be among them.
     *
     * @param dir        the folder
     * @param classNames the expected classes, or null to take the subfolders'
     * @return the images, labelled by subfolder
     * @throws IOException when a file cannot be read
     */
    public static ImageDataset read(Path dir, List<String> classNames) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IOException(dir + ": " + (Files.exists(dir) ? "is not a directory" : "no such directory"));
        }
        List<Path> classDirs;
        try (Stream<Path> s = Files.list(dir)) {
            classDirs = s.filter(Files::isDirectory).sorted().toList();
        }
        if (classDirs.isEmpty()) throw new IllegalArgumentException(dir + ": no class subfolders (expected one folder of images per class)");
        List<String> names = classNames != null ? classNames
                : classDirs.stream().map(p -> p.getFileName().toString()).toList();
        List<byte[]> images = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        int channels = 0;
        int height = 0;
        int width = 0;
        Path first = null;
        for (Path classDir : classDirs) {
            String name = classDir.getFileName().toString();
            int label = names.indexOf(name);
            if (label < 0) throw new IllegalArgumentException(classDir + ": class '" + name + "' is not one of the model's classes " + names);
            List<Path> files;
            try (Stream<Path> s = Files.list(classDir)) {
                files = s.filter(Files::isRegularFile).filter(ImageFiles::isImage).sorted().toList();
            }
            if (files.isEmpty()) throw new IllegalArgumentException(classDir + ": class folder has no PNG, JPEG or GIF images");
            for (Path f : files) {
                BufferedImage img = ImageFiles.read(f);
                int c = ImageFiles.channels(img);
                if (first == null) {
                    first = f;
                    channels = c;
                    height = img.getHeight();
                    width = img.getWidth();
                } else if (c != channels || img.getHeight() != height || img.getWidth() != width) {
                    throw new IllegalArgumentException(f + ": " + describe(c, img.getHeight(), img.getWidth()) + " but " + first
                            + " is " + describe(channels, height, width) + "; every image of a data set must have one size and mode");
                }
                images.add(ImageFiles.pixels(img, channels, height, width));
                labels.add(label);
            }
        }
        int s = channels * height * width;
        byte[] pixels = new byte[images.size() * s];
        int[] y = new int[images.size()];
        for (int i = 0; i < y.length; i++) {
            System.arraycopy(images.get(i), 0, pixels, i * s, s);
            y[i] = labels.get(i);
        }
        String name = dir.getFileName() == null ? dir.toString() : dir.getFileName().toString();
        return Dataset.of(name, pixels, y, channels, height, width, names.size()).withClassNames(names);
    }

    private static String describe(int channels, int height, int width) {
        return (channels == 1 ? "grayscale " : "RGB ") + width + " x " + height;
    }
}
