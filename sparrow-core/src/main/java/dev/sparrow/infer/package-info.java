/**
 * Inference from a trained model: {@link dev.sparrow.infer.InferenceSession} packs each Linear layer's
 * weights once into the format (dense or one of {@link dev.sparrow.sparse.FormatRegistry}) that measured
 * fastest at the session's batch size on this machine, fuses the following ReLU into the kernel, keeps
 * activations transposed ([features][batch]) between Linear layers, runs other layers through their own
 * eval-mode forward, and serves thread-safe {@code predict} calls from preallocated workspaces.
 */
package dev.sparrow.infer;
