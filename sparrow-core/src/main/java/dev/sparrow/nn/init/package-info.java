/** Seeded weight initialisers (Kaiming, Xavier, PyTorch's default). */
package dev.sparrow.nn.init;
