/**
 * Files: the safetensors format ({@link dev.sparrow.io.SafetensorsWriter},
 * {@link dev.sparrow.io.SafetensorsReader}) and training checkpoints stored in it
 * ({@link dev.sparrow.io.Checkpoint}).
 */
package dev.sparrow.io;
