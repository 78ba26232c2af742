package dev.sparrow.sparse;

import java.util.SplittableRandom;
import java.util.function.Function;

/** Seeded weights and format-conforming masks (with empty and full rows) for the sparse format tests. */
final class SparseTestData {
    private SparseTestData() {}

    /** Uniform in +-[0.1, 1]: never zero, so a missed or extra term always shows. */
    static float nonzero(SplittableRandom rnd) {
        float v = (float) (0.1 + 0.9 * rnd.nextDouble());
        return rnd.nextBoolean() ? v : -v;
    }

    static float[] nonzeros(SplittableRandom rnd, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = nonzero(rnd);
        return a;
    }

    /** A format under test: how to draw a mask it accepts, and how to build it. */
    record Case(String name, MaskMaker masks, Function<MaskedWeights, PackedWeights> build) {
        @Override public String toString() { return name; }
    }

    @FunctionalInterface
    interface MaskMaker {
        boolean[] make(int rows, int cols, SplittableRandom rnd);
    }

    /** Row r: r % 5 == 1 empty, r % 5 == 3 full, else about 10% active. */
    static boolean[] unstructured(int rows, int cols, SplittableRandom rnd) {
        boolean[] m = new boolean[rows * cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                m[r * cols + c] = switch (r % 5) {
                    case 1 -> false;
                    case 3 -> true;
                    default -> rnd.nextDouble() < 0.1;
                };
            }
        }
        return m;
    }

    static void chooseDistinct(boolean[] m, int base, int width, int count, SplittableRandom rnd) {
        int placed = 0;
        while (placed < count) {
            int c = rnd.nextInt(width);
            if (!m[base + c]) {
                m[base + c] = true;
                placed++;
            }
        }
    }

    /** Every row has k active inputs except rows r % 5 == 1, which are empty (ablated). */
    static MaskMaker constantFanIn(double fraction) {
        return (rows, cols, rnd) -> {
            int k = Math.max(1, (int) Math.round(cols * fraction));
            boolean[] m = new boolean[rows * cols];
            for (int r = 0; r < rows; r++) if (r % 5 != 1) chooseDistinct(m, r * cols, cols, k, rnd);
            return m;
        };
    }

    /** Block rows br % 4 == 1 empty, br % 4 == 3 full, else each block active with p = 0.15. */
    static MaskMaker blocks(int h) {
        return (rows, cols, rnd) -> {
            boolean[] m = new boolean[rows * cols];
            for (int r0 = 0, br = 0; r0 < rows; r0 += h, br++) {
                for (int c = 0; c < cols; c++) {
                    boolean on = switch (br % 4) {
                        case 1 -> false;
                        case 3 -> true;
                        default -> rnd.nextDouble() < 0.15;
                    };
                    for (int r = r0; r < Math.min(rows, r0 + h); r++) m[r * cols + c] = on;
                }
            }
            return m;
        };
    }

    /** Groups of m: rows r % 5 == 1 empty, r % 5 == 3 with n per group (the most allowed), else 0..n. */
    static MaskMaker nm(int n, int groupWidth) {
        return (rows, cols, rnd) -> {
            boolean[] m = new boolean[rows * cols];
            for (int r = 0; r < rows; r++) {
                for (int c0 = 0; c0 < cols; c0 += groupWidth) {
                    int width = Math.min(groupWidth, cols - c0);
                    int count = switch (r % 5) {
                        case 1 -> 0;
                        case 3 -> Math.min(n, width);
                        default -> Math.min(rnd.nextInt(n + 1), width);
                    };
                    chooseDistinct(m, r * cols + c0, width, count, rnd);
                }
            }
            return m;
        };
    }

    /** Banks of width: k per full bank, at most k in the partial one; rows r % 5 == 1 empty. */
    static MaskMaker banks(int bankWidth, int k) {
        return (rows, cols, rnd) -> {
            boolean[] m = new boolean[rows * cols];
            for (int r = 0; r < rows; r++) {
                if (r % 5 == 1) continue;
                for (int c0 = 0; c0 < cols; c0 += bankWidth) {
                    int width = Math.min(bankWidth, cols - c0);
                    chooseDistinct(m, r * cols + c0, width, width == bankWidth ? k : rnd.nextInt(Math.min(k, width) + 1), rnd);
                }
            }
            return m;
        };
    }

    /** Groups of n rows: each column owned by one random row of the group, or (p = 0.2) by none. */
    static MaskMaker complementary(int n) {
        return (rows, cols, rnd) -> {
            boolean[] m = new boolean[rows * cols];
            for (int r0 = 0; r0 < rows; r0 += n) {
                int size = Math.min(n, rows - r0);
                for (int c = 0; c < cols; c++) {
                    if (rnd.nextDouble() < 0.2) continue;
                    m[(r0 + rnd.nextInt(size)) * cols + c] = true;
                }
            }
            return m;
        };
    }
}
