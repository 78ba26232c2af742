/**
 * Measuring kernels and sessions fairly on a shared machine, for the autotuner, {@code sparrow bench} and
 * the JMH benchmarks alike: {@link dev.sparrow.measure.SideBySideTimer} (warm-up until compiled, interleaved
 * rounds, medians), the dense baselines and copies of weights the sparse kernels are measured against,
 * the output checks done before anything is timed, and {@link dev.sparrow.measure.MatMulPeer}, the
 * service interface through which another engine's dense MatMul (ONNX Runtime, in sparrow-bench) joins.
 */
package dev.sparrow.measure;
