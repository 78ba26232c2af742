package dev.sparrow.sparse;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Random masks that a given sparse format can represent, as close to a requested sparsity as the format
 * allows (an N:M format can only hold N/M, a complementary group of N rows only 1 - 1/N): benchmarks
 * report the sparsity the mask really has. Shared by {@code sparrow bench kernels} and the JMH
 * benchmarks, so both time the same masks. Format specs are those of {@link FormatRegistry}.
 */
public final class FormatMasks {

    private FormatMasks() {}

    /**
     * Every format the registry holds, with the N:M ratio and complementary group size closest to the
     * sparsity (1:8, 2:16 and 10 at 90%).
     */
    public static List<String> defaultSpecs(double sparsity) {
        return FormatRegistry.benchmarkSpecs(sparsity);
    }

    /** Checks a spec before any work is done, so a typo fails at once with the option's name. */
    public static void checkSpec(String spec) {
        FormatRegistry.parse(spec);
    }

    /** A mask [rows * cols] that the format {@code spec} can store, at about {@code sparsity}. */
    public static boolean[] forSpec(String spec, double sparsity, int rows, int cols, SplittableRandom rnd) {
        return forStructure(FormatRegistry.parse(spec).structure(), sparsity, rows, cols, rnd);
    }

    /** A random mask [rows * cols] with {@code structure}, at about {@code sparsity}. */
    public static boolean[] forStructure(Structure structure, double sparsity, int rows, int cols, SplittableRandom rnd) {
        double density = 1 - sparsity;
        return switch (structure) {
            case Structure.Blocks b when b.cols() == 1 -> blocks(b.rows(), count(density, cols), rows, cols, rnd);
            case Structure.Blocks b -> throw new IllegalArgumentException("no masks of " + b.rows() + "x" + b.cols() + " blocks yet");
            case Structure.NOfM nm -> groups(nm.n(), nm.m(), rows, cols, rnd);
            case Structure.Banks b -> groups(count(density, b.width()), b.width(), rows, cols, rnd);
            case Structure.Complementary c -> complementary(c.groupSize(), rows, cols, rnd);
            case Structure.ConstantFanIn c -> constantFanIn(count(density, cols), rows, cols, rnd);
            case Structure.Unstructured u -> constantFanIn(count(density, cols), rows, cols, rnd);
        };
    }

    /** Exactly k random active inputs per row (csr, csc, condensed). */
    public static boolean[] constantFanIn(int k, int rows, int cols, SplittableRandom rnd) {
        boolean[] mask = new boolean[rows * cols];
        int[] scratch = identity(cols);
        for (int r = 0; r < rows; r++) {
            for (int c : pick(k, scratch, rnd)) mask[r * cols + c] = true;
        }
        return mask;
    }

    /** Blocks of height x 1 along the outputs, k random columns per block row. */
    public static boolean[] blocks(int height, int k, int rows, int cols, SplittableRandom rnd) {
        boolean[] mask = new boolean[rows * cols];
        int[] scratch = identity(cols);
        for (int r0 = 0; r0 < rows; r0 += height) {
            for (int c : pick(k, scratch, rnd)) {
                for (int r = r0; r < Math.min(rows, r0 + height); r++) mask[r * cols + c] = true;
            }
        }
        return mask;
    }

    /** Exactly n active in every group of width consecutive inputs of a row (N:M and banks). */
    public static boolean[] groups(int n, int width, int rows, int cols, SplittableRandom rnd) {
        boolean[] mask = new boolean[rows * cols];
        for (int g0 = 0; g0 < cols; g0 += width) {
            int w = Math.min(width, cols - g0);
            int[] scratch = identity(w);
            // a narrower last group keeps its share, never more than n
            int k = w == width ? n : Math.min(n, Math.max(1, (int) Math.round((double) n * w / width)));
            for (int r = 0; r < rows; r++) {
                for (int c : pick(k, scratch, rnd)) mask[r * cols + g0 + c] = true;
            }
        }
        return mask;
    }

    /** In each group of n rows every input feeds exactly one row, picked at random: sparsity 1 - 1/n. */
    public static boolean[] complementary(int n, int rows, int cols, SplittableRandom rnd) {
        boolean[] mask = new boolean[rows * cols];
        for (int r0 = 0; r0 < rows; r0 += n) {
            int size = Math.min(n, rows - r0);
            for (int c = 0; c < cols; c++) mask[(r0 + rnd.nextInt(size)) * cols + c] = true;
        }
        return mask;
    }

    public static double sparsityOf(boolean[] mask) {
        long active = 0;
        for (boolean b : mask) if (b) active++;
        return 1 - (double) active / mask.length;
    }

    private static int count(double density, int of) {
        return clamp((int) Math.round(density * of), 1, of);
    }

    /** k distinct values of scratch (a permutation, shuffled in place: a partial Fisher-Yates). */
    private static List<Integer> pick(int k, int[] scratch, SplittableRandom rnd) {
        List<Integer> out = new ArrayList<>(k);
        for (int i = 0; i < k; i++) {
            int j = i + rnd.nextInt(scratch.length - i);
            int t = scratch[i];
            scratch[i] = scratch[j];
            scratch[j] = t;
            out.add(scratch[i]);
        }
        return out;
    }

    private static int[] identity(int n) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) a[i] = i;
        return a;
    }

    private static int clamp(int v, int lo, int hi) {
        return Math.max(lo, Math.min(hi, v));
    }
}
