package dev.sparrow.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class PixelNoiseTest {
    private static final int N = 20, SIDE = 10, PIXELS = SIDE * SIDE;

    private static ImageDataset filled(int value) {
        byte[] pixels = new byte[N * PIXELS];
        Arrays.fill(pixels, (byte) value);
        int[] labels = new int[N];
        for (int i = 0; i < N; i++) labels[i] = i % 3;
        return Dataset.of("flat" + value, pixels, labels, 1, SIDE, SIDE, 3);
    }

    @ParameterizedTest(name = "fraction {0}, seed 901")
    @ValueSource(doubles = {0.1, 0.25, 0.5, 1.0})
    void replacesExactlyTheFractionOfEveryImage(double fraction) {
        long seed = 901;
        // positions and values do not depend on the content, so a pixel the noise chose differs from
        // 0 or from 255: the union of changes over the two flat sets is exactly the chosen pixels
        ImageDataset dark = PixelNoise.apply(filled(0), fraction, seed);
        ImageDataset bright = PixelNoise.apply(filled(255), fraction, seed);
        int expected = (int) Math.round(fraction * PIXELS);
        double sum = 0;
        int replaced = 0;
        for (int i = 0; i < N; i++) {
            int changed = 0;
            for (int p = 0; p < PIXELS; p++) {
                boolean chosen = dark.rawPixel(i, p) != 0 || bright.rawPixel(i, p) != 255;
                if (chosen) {
                    changed++;
                    assertThat(dark.rawPixel(i, p)).as("same value in both sets").isEqualTo(bright.rawPixel(i, p));
                    sum += dark.pixel(i, p);
                    replaced++;
                }
            }
            assertThat(changed).as("replaced pixels of image %d, fraction %s, seed %d", i, fraction, seed).isEqualTo(expected);
            assertThat(dark.label(i)).isEqualTo(i % 3);
        }
        assertThat(sum / replaced).as("mean of uniform [0, 1] values, seed %d", seed).isCloseTo(0.5, within(0.1));
    }

    @Test
    void seededNestedAndZeroIsTheIdentity() {
        ImageDataset flat = filled(0);
        assertThat(PixelNoise.apply(flat, 0.0, 5)).isSameAs(flat);
        ImageDataset a = PixelNoise.apply(flat, 0.3, 5);
        ImageDataset b = PixelNoise.apply(flat, 0.3, 5);
        ImageDataset c = PixelNoise.apply(flat, 0.3, 6);
        ImageDataset more = PixelNoise.apply(flat, 0.6, 5);
        boolean differs = false;
        for (int i = 0; i < N; i++) {
            for (int p = 0; p < PIXELS; p++) {
                assertThat(b.rawPixel(i, p)).isEqualTo(a.rawPixel(i, p));
                if (c.rawPixel(i, p) != a.rawPixel(i, p)) differs = true;
                if (a.rawPixel(i, p) != 0) assertThat(more.rawPixel(i, p)).as("0.6 corrupts what 0.3 did").isEqualTo(a.rawPixel(i, p));
            }
        }
        assertThat(differs).as("another seed gives other noise").isTrue();
        assertThat(flat.rawPixel(0, 0)).as("input untouched").isZero();
        assertThatThrownBy(() -> PixelNoise.apply(flat, 1.5, 1)).hasMessageContaining("[0, 1]");
        assertThatThrownBy(() -> PixelNoise.apply(flat, Double.NaN, 1)).hasMessageContaining("[0, 1]");
    }
}
