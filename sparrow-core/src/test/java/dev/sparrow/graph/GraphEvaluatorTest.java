package dev.sparrow.graph;

import dev.sparrow.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** Each op's reference loop against values computed by hand, and shape errors naming the node. */
class GraphEvaluatorTest {
    private static float[] run(Op op, int[] sample, float[] batch, int n) {
        ModelGraph g = new ModelGraph("x", sample, List.of(new GraphNode("op", op, "x", "y")), List.of("y"));
        int[] full = new int[sample.length + 1];
        full[0] = n;
        System.arraycopy(sample, 0, full, 1, sample.length);
        return GraphEvaluator.runFirst(g, Tensor.wrap(batch, full)).data();
    }

    @Test
    void denseIsXTimesWTransposedPlusBias() {
        Op op = new Op.Dense(Tensor.wrap(new float[] {1, 2, 3, 4, 5, 6}, 2, 3), Tensor.wrap(new float[] {10, 20}, 2));
        assertThat(run(op, new int[] {3}, new float[] {1, 0, -1, 2, 1, 0}, 2)).containsExactly(8, 18, 14, 33);
    }

    @Test
    void convWithPaddingStrideAndGroups() {
        // 1 channel 3x3, kernel 2x2 of ones, pad 1 on top/left only, stride 2: windows at (-1,-1), (-1,1), (1,-1), (1,1)
        Op conv = new Op.Conv(Tensor.wrap(new float[] {1, 1, 1, 1}, 1, 1, 2, 2), Tensor.wrap(new float[] {0.5f}, 1),
                new int[] {2, 2}, new int[] {1, 1, 0, 0}, new int[] {1, 1}, 1);
        assertThat(run(conv, new int[] {1, 3, 3}, new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9}, 1))
                .containsExactly(1.5f, 5.5f, 11.5f, 28.5f);
        // depthwise 1x1: each channel scaled by its own weight
        Op depthwise = new Op.Conv(Tensor.wrap(new float[] {2, -1}, 2, 1, 1, 1), null, new int[] {1, 1}, new int[4], new int[] {1, 1}, 2);
        assertThat(run(depthwise, new int[] {2, 1, 2}, new float[] {1, 2, 3, 4}, 1)).containsExactly(2, 4, -3, -4);
    }

    @Test
    void batchNormUnaryAndBinary() {
        Op bn = new Op.BatchNorm(Tensor.wrap(new float[] {2, 3}, 2), Tensor.wrap(new float[] {1, 0}, 2));
        assertThat(run(bn, new int[] {2, 2}, new float[] {1, 2, 3, 4}, 1)).containsExactly(3, 5, 9, 12);
        assertThat(run(Op.Unary.leakyRelu(0.1f), new int[] {2}, new float[] {-2, 3}, 1)).containsExactly(-0.2f, 3);
        assertThat(run(Op.Unary.clip(0, 6), new int[] {3}, new float[] {-1, 3, 9}, 1)).containsExactly(0, 3, 6);
        assertThat(run(Op.Unary.of(Op.UnaryKind.ERF), new int[] {3}, new float[] {0, 1, -2}, 1))
                .containsExactly(new float[] {0, 0.8427008f, -0.9953223f}, within(1e-7f));
        assertThat(run(Op.Unary.of(Op.UnaryKind.GELU), new int[] {1}, new float[] {1}, 1)[0]).isCloseTo(0.8413447f, within(1e-7f));
        assertThat(run(Op.Unary.of(Op.UnaryKind.SIGMOID), new int[] {1}, new float[] {0}, 1)).containsExactly(0.5f);
        assertThat(run(Op.Unary.of(Op.UnaryKind.HARD_SWISH), new int[] {3}, new float[] {3, -1, -4}, 1))
                .containsExactly(new float[] {3, -1f / 3, 0}, within(1e-7f));
        assertThat(run(Op.Unary.hardSigmoid(0.2f, 0.5f), new int[] {3}, new float[] {0, 10, -10}, 1)).containsExactly(0.5f, 1, 0);
        // constant [2, 1] broadcast over [N, 2, 3], constant first: c - x
        Op sub = Op.Binary.withConstant(Op.BinaryKind.SUB, Tensor.wrap(new float[] {10, 20}, 2, 1), true);
        assertThat(run(sub, new int[] {2, 3}, new float[] {1, 2, 3, 4, 5, 6}, 1)).containsExactly(9, 8, 7, 16, 15, 14);
        ModelGraph twoValues = new ModelGraph("x", new int[] {2}, List.of(
                new GraphNode("sq", Op.Binary.ofValues(Op.BinaryKind.MUL), List.of("x", "x"), "y")), List.of("y"));
        assertThat(GraphEvaluator.runFirst(twoValues, Tensor.wrap(new float[] {3, -2}, 1, 2)).data()).containsExactly(9, 4);
    }

    @Test
    void poolsWithCeilModeAndPadding() {
        float[] x = {1, 2, 3, 4, 5, 6, 7, 8, 9};
        Op max = new Op.MaxPool(new int[] {2, 2}, new int[] {2, 2}, new int[4], new int[] {1, 1}, true);
        assertThat(run(max, new int[] {1, 3, 3}, x, 1)).containsExactly(5, 6, 8, 9);
        Op avgExcl = new Op.AveragePool(new int[] {2, 2}, new int[] {2, 2}, new int[] {1, 1, 0, 0}, false, false);
        assertThat(run(avgExcl, new int[] {1, 3, 3}, x, 1)).containsExactly(1, 2.5f, 5.5f, 7);
        Op avgIncl = new Op.AveragePool(new int[] {2, 2}, new int[] {2, 2}, new int[] {1, 1, 0, 0}, false, true);
        assertThat(run(avgIncl, new int[] {1, 3, 3}, x, 1)).containsExactly(0.25f, 1.25f, 2.75f, 7);
        assertThat(run(new Op.GlobalAveragePool(), new int[] {2, 1, 2}, new float[] {1, 3, 5, 7}, 1)).containsExactly(2, 6);
        assertThat(run(new Op.ReduceMean(new int[] {2}, false), new int[] {2, 2}, new float[] {1, 3, 5, 7}, 1)).containsExactly(2, 6);
    }

    @Test
    void layoutOps() {
        float[] x = {1, 2, 3, 4, 5, 6};
        assertThat(run(new Op.Transpose(new int[] {0, 2, 1}), new int[] {2, 3}, x, 1)).containsExactly(1, 4, 2, 5, 3, 6);
        assertThat(run(new Op.Reshape(new int[] {3, 2}), new int[] {2, 3}, x, 1)).containsExactly(x);
        assertThat(run(new Op.Flatten(), new int[] {2, 3}, x, 1)).containsExactly(x);
        float[] s = run(new Op.Softmax(1), new int[] {2}, new float[] {0, (float) Math.log(3)}, 1);
        assertThat(s).containsExactly(new float[] {0.25f, 0.75f}, within(1e-7f));
        ModelGraph concat = new ModelGraph("x", new int[] {1, 2}, List.of(
                new GraphNode("neg", Op.Unary.of(Op.UnaryKind.NEG), "x", "n"),
                new GraphNode("cat", new Op.Concat(2), List.of("x", "n"), "y")), List.of("y"));
        assertThat(GraphEvaluator.runFirst(concat, Tensor.wrap(new float[] {1, 2, 3, 4}, 2, 1, 2)).data())
                .containsExactly(1, 2, -1, -2, 3, 4, -3, -4);
    }

    @Test
    void sliceTakesEveryStepthElementForwardOrBackward() {
        float[] x = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}; // one [3, 4] sample
        // rows 0..2 by 2, columns 3 down to 0 by -2
        assertThat(run(new Op.Slice(new int[] {0, 3}, new int[] {3, -1}, new int[] {2, -2}), new int[] {3, 4}, x, 1))
                .containsExactly(3, 1, 11, 9);
        assertThat(new Op.Slice(new int[] {1}, new int[] {1}, new int[] {1}).outputShape(List.of(new int[] {4}))).containsExactly(0);
        assertThatThrownBy(() -> new Op.Slice(new int[] {0}, new int[] {6}, new int[] {1}).outputShape(List.of(new int[] {4})))
                .hasMessageContaining("leaves [0, 4)");
        assertThatThrownBy(() -> new Op.Slice(new int[] {0}, new int[] {2}, new int[] {0})).hasMessageContaining("must not be 0");
    }

    @Test
    void badShapesNameTheNode() {
        Op dense = new Op.Dense(Tensor.zeros(2, 5), null);
        assertThatThrownBy(() -> new ModelGraph("x", new int[] {3}, List.of(new GraphNode("fc1", dense, "x", "y")), List.of("y")))
                .isInstanceOf(InvalidGraphException.class).hasMessageContaining("node 'fc1' (Dense)")
                .hasMessageContaining("expects [batch, ..., 5], got [N, 3]");
        assertThatThrownBy(() -> new ModelGraph("x", new int[] {3}, List.of(new GraphNode("r", Op.Unary.of(Op.UnaryKind.RELU), "z", "y")), List.of("y")))
                .hasMessageContaining("node 'r'").hasMessageContaining("reads 'z'");
    }
}
