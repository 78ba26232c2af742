/** Ready-made models by name ({@link dev.sparrow.nn.models.ModelZoo}) and their summaries. */
package dev.sparrow.nn.models;
