/**
 * Inference: {@link dev.sparrow.infer.InferenceSession} plans a {@link dev.sparrow.graph.ModelGraph} (a Sparrow
 * model lowered into one, or a file read by a {@link dev.sparrow.infer.ModelFormat} such as sparrow-onnx's): each
 * Dense and Conv packed once into the format (dense or one of {@link dev.sparrow.sparse.FormatRegistry}) that
 * measured fastest at the session's batch size on this machine, ReLU / k-WTA / batch norm fused or folded, other
 * ops as loops over buffers assigned by liveness, activations transposed ([features][batch]) between Dense
 * layers; thread-safe {@code predict} calls run from preallocated workspaces without allocating.
 */
package dev.sparrow.infer;
