/** Small dependency-free utilities shared across Sparrow: JSON writing and parsing. */
package dev.sparrow.util;
