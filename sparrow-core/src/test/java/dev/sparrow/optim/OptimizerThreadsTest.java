package dev.sparrow.optim;

import dev.sparrow.kernel.ComputePool;
import dev.sparrow.nn.Parameter;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A step split over the pool ({@link Optimizer#step(float, ComputePool)}) gives the same bits as on one thread, for
 * every optimizer, on dense, masked and packed parameters large enough to be split (and a tiny one that is not).
 */
class OptimizerThreadsTest {
    private static final long SEED = 777;

    private static Map<String, Parameter> model(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        Map<String, Parameter> m = new LinkedHashMap<>();
        m.put("dense", new Parameter("weight", OptimizerContractTest.random(rnd, 301, 257), true));
        m.put("masked", new Parameter("weight", OptimizerContractTest.random(rnd, 257, 301), true));
        m.put("packed", new Parameter("weight", OptimizerContractTest.random(rnd, 1024, 513), true));
        m.put("bias", new Parameter("bias", OptimizerContractTest.random(rnd, 7), false));
        m.get("masked").setMask(OptimizerContractTest.randomMask(rnd, 257 * 301, 0.7));
        m.get("packed").setMask(OptimizerContractTest.randomMask(rnd, 1024 * 513, 0.5));
        m.get("packed").pack();
        return m;
    }

    private static void gradients(Map<String, Parameter> m, SplittableRandom rnd) {
        for (Parameter p : m.values()) {
            float[] g = p.isPacked() ? p.packedGrads() : p.grad().data();
            for (int i = 0; i < g.length; i++) g[i] = (float) rnd.nextGaussian();
        }
    }

    private static float[][] run(Function<Map<String, Parameter>, Optimizer> make, ComputePool pool) {
        Map<String, Parameter> m = model(SEED);
        Optimizer opt = make.apply(m);
        SplittableRandom rnd = new SplittableRandom(SEED + 1);
        for (int step = 0; step < 4; step++) {
            opt.zeroGrad();
            gradients(m, rnd);
            opt.step(0.01f, pool);
        }
        float[][] out = new float[m.size()][];
        int i = 0;
        for (Parameter p : m.values()) out[i++] = p.value().data().clone();
        return out;
    }

    @Test
    void aSplitStepEqualsTheSerialOneBitForBit() {
        System.out.println("OptimizerThreadsTest seed " + SEED);
        Map<String, Function<Map<String, Parameter>, Optimizer>> optimizers = new LinkedHashMap<>();
        optimizers.put("sgd", p -> Sgd.builder(p).build());
        optimizers.put("sgd-momentum-nesterov-wd", p -> Sgd.builder(p).momentum(0.9f).nesterov(true).weightDecay(5e-4f).build());
        optimizers.put("adamw", p -> AdamW.builder(p).weightDecay(0.05f).build());
        try (ComputePool pool = ComputePool.ofThreads(3)) {
            for (var e : optimizers.entrySet()) {
                float[][] serial = run(e.getValue(), ComputePool.serial());
                float[][] split = run(e.getValue(), pool);
                for (int i = 0; i < serial.length; i++) {
                    assertThat(split[i]).as("%s, parameter %d", e.getKey(), i).isEqualTo(serial[i]);
                }
            }
        }
    }
}
