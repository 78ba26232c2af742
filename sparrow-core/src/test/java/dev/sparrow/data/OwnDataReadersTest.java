package dev.sparrow.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** CSV and NumPy files as data sets, the validation split, and one clear error per kind of bad input. */
class OwnDataReadersTest {

    /** A version-1 .npy file of {@code descr} with {@code shape}, values written by {@code put}. */
    static Path npy(Path file, String descr, int[] shape, int width, java.util.function.Consumer<ByteBuffer> put) throws IOException {
        StringBuilder dims = new StringBuilder();
        long n = 1;
        for (int d : shape) {
            dims.append(d).append(", ");
            n *= d;
        }
        String header = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (" + dims.toString().trim() + "), }";
        while ((10 + header.length() + 1) % 64 != 0) header += " ";
        header += "\n";
        ByteBuffer b = ByteBuffer.allocate(10 + header.length() + (int) n * width).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
        b.putShort((short) header.length());
        b.put(header.getBytes(StandardCharsets.ISO_8859_1));
        put.accept(b);
        Files.write(file, b.array());
        return file;
    }

    @Test
    void npyFeaturesAndLabelsBecomeADataSet(@TempDir Path tmp) throws IOException {
        Path x = npy(tmp.resolve("x.npy"), "<f4", new int[] {4, 3}, 4, b -> { for (int i = 0; i < 12; i++) b.putFloat(i); });
        Path y = npy(tmp.resolve("y.npy"), "<i8", new int[] {4}, 8, b -> { for (long v : new long[] {0, 2, 1, 2}) b.putLong(v); });
        FloatDataset d = NpyArray.dataset(x, y, null);
        assertThat(d.size()).isEqualTo(4);
        assertThat(d.sampleShape()).containsExactly(3);
        assertThat(d.classes()).isEqualTo(3);
        float[] row = new float[3];
        d.copyExample(1, row, 0);
        assertThat(row).containsExactly(3, 4, 5);
        assertThat(d.label(3)).isEqualTo(2);
    }

    @Test
    void badNpyFilesSayWhatIsWrong(@TempDir Path tmp) throws IOException {
        Path c16 = npy(tmp.resolve("c.npy"), "<c16", new int[] {1, 1}, 16, b -> b.put(new byte[16]));
        assertThatThrownBy(() -> NpyArray.read(c16)).hasMessageContaining("c.npy: dtype '<c16' is not supported");
        Path x = npy(tmp.resolve("x.npy"), "<f4", new int[] {4, 2}, 4, b -> { for (int i = 0; i < 8; i++) b.putFloat(i); });
        Path y3 = npy(tmp.resolve("y3.npy"), "|u1", new int[] {3}, 1, b -> b.put(new byte[] {0, 1, 1}));
        assertThatThrownBy(() -> NpyArray.dataset(x, y3, null)).hasMessageContaining("y3.npy: shape [3] does not match the 4 examples");
        Path y = npy(tmp.resolve("y.npy"), "|u1", new int[] {4}, 1, b -> b.put(new byte[] {0, 1, 5, 1}));
        assertThatThrownBy(() -> NpyArray.dataset(x, y, List.of("a", "b")))
                .hasMessageContaining("y.npy: label 5 at index 2 is outside the 2 classes");
    }

    @Test
    void csvNamesFileLineAndColumnOfABadCell(@TempDir Path tmp) throws IOException {
        Path ok = Files.writeString(tmp.resolve("ok.csv"), "f1,f2,label\n1,2,cat\n3,4,dog\n5,6,cat\n");
        FloatDataset d = CsvData.read(ok, "label");
        assertThat(d.classNames()).containsExactly("cat", "dog");
        assertThat(d.sampleShape()).containsExactly(2);
        Path last = Files.writeString(tmp.resolve("last.csv"), "f1,y\n1,10\n2,9\n");
        assertThat(CsvData.read(last, "label").classNames()).containsExactly("9", "10"); // last column, numeric order
        Path missing = Files.writeString(tmp.resolve("m.csv"), "f1,f2,label\n1,,cat\n");
        assertThatThrownBy(() -> CsvData.read(missing, "label")).hasMessage(missing + ", line 2, column 2 ('f2'): missing value");
        Path unknown = Files.writeString(tmp.resolve("u.csv"), "f1,label\n1,bird\n");
        assertThatThrownBy(() -> CsvData.read(unknown, "label", List.of("cat", "dog")))
                .hasMessageContaining("label 'bird' is not one of the classes [cat, dog]");
        assertThatThrownBy(() -> CsvData.read(ok, "kind")).hasMessageContaining("no column named 'kind'");
    }

    @Test
    void anEmptyClassFolderIsAnError(@TempDir Path tmp) throws IOException {
        Files.createDirectories(tmp.resolve("a"));
        assertThatThrownBy(() -> ImageFolder.read(tmp)).hasMessageContaining("class folder has no PNG, JPEG or GIF images");
    }

    @Test
    void featureDataIsNormalisedPerFeatureAndImagesWithOneMean() {
        // feature 0 around 1000 (std 1), feature 1 around 0.5 (std 0.5), feature 2 constant: one figure for all would
        // flatten feature 1
        float[] x = {999, 0, 7, 1001, 1, 7, 999, 0, 7, 1001, 1, 7};
        FloatDataset rows = FloatDataset.of("rows", x, new int[] {0, 1, 0, 1}, new int[] {3}, List.of("a", "b"));
        float[][] norm = Datasets.normalization(rows);
        assertThat(norm[0]).containsExactly(1000f, 0.5f, 7f);
        assertThat(norm[1]).containsExactly(1f, 0.5f, 1f);
        float[][] images = Datasets.normalization(ImageDataset.of("img", new byte[] {0, (byte) 255, 0, (byte) 255},
                new int[] {0, 1}, 1, 1, 2, 2));
        assertThat(images[0]).containsExactly(0.5f);
        assertThat(images[1]).containsExactly(0.5f);
    }

    @Test
    void anImageBecomesOneRawSampleOfTheModelsShape() {
        java.awt.image.BufferedImage rgb = new java.awt.image.BufferedImage(16, 12, java.awt.image.BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 12; y++) for (int x = 0; x < 16; x++) rgb.setRGB(x, y, 0xFFFFFF);
        float[] gray = ImageFiles.sample(rgb, new int[] {1, 8, 8});
        assertThat(gray).hasSize(64).containsOnly(1f);
        float[] colour = ImageFiles.sample(rgb, new int[] {3, 4, 4});
        assertThat(colour).hasSize(48).containsOnly(1f);
        assertThatThrownBy(() -> ImageFiles.sample(rgb, new int[] {3}))
                .hasMessage("sampleShape is [3]; expected an image's {channels (1 or 3), height, width}");
    }

    @Test
    void theValidationSplitIsSeededAndDisjoint() {
        byte[] px = new byte[100];
        int[] labels = new int[100];
        for (int i = 0; i < 100; i++) {
            px[i] = (byte) i;
            labels[i] = i % 2;
        }
        ImageDataset all = Dataset.of("all", px, labels, 1, 1, 1, 2);
        Datasets.Split a = Datasets.holdOut(all, 0.1, 5);
        Datasets.Split b = Datasets.holdOut(all, 0.1, 5);
        assertThat(a.heldOut().size()).isEqualTo(10);
        assertThat(a.kept().size()).isEqualTo(90);
        assertThat(a.kept()).isInstanceOf(ImageDataset.class); // still images: augmentation applies
        java.util.Set<Integer> seen = new java.util.HashSet<>();
        for (Dataset part : List.of(a.kept(), a.heldOut())) {
            for (int i = 0; i < part.size(); i++) assertThat(seen.add(((ImageDataset) part).rawPixel(i, 0))).isTrue();
        }
        for (int i = 0; i < 10; i++) {
            assertThat(((ImageDataset) a.heldOut()).rawPixel(i, 0)).isEqualTo(((ImageDataset) b.heldOut()).rawPixel(i, 0));
        }
    }
}
