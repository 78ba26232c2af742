/** Loss functions: a scalar from logits and labels, and its gradient with respect to the logits. */
package dev.sparrow.nn.loss;
