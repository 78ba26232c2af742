package dev.sparrow.graph;

import dev.sparrow.tensor.Tensor;

import java.util.List;

/** The reference loops of each {@link Op}, over whole batches of flat row-major values. */
final class ReferenceOps {
    private ReferenceOps() {}

    static float[] apply(Op op, List<float[]> in, List<int[]> inShapes, int[] outShape, int batch) {
        float[] x = in.get(0);
        int[] xs = inShapes.get(0);
        return switch (op) {
            case Op.Dense d -> dense(d, x, batch * (Tensor.checkedSize(xs) / d.inFeatures()));
            case Op.Conv c -> conv(c, x, xs, outShape, batch);
            case Op.BatchNorm b -> batchNorm(b, x, xs, batch);
            case Op.Unary u -> unary(u, x);
            case Op.Binary b -> binary(b, x, xs, b.constant() == null ? in.get(1) : b.constant().data(),
                    b.constant() == null ? inShapes.get(1) : Broadcast.constantAsSample(b.constant().shape(), xs.length),
                    b.constant() == null, outShape, batch);
            case Op.MaxPool p -> pool(x, xs, outShape, batch, p.kernel(), p.strides(), p.pads(), p.dilations(), true, false);
            case Op.AveragePool p -> pool(x, xs, outShape, batch, p.kernel(), p.strides(), p.pads(), new int[] {1, 1}, false, p.countIncludePad());
            case Op.GlobalAveragePool g -> globalAverage(x, xs, batch);
            case Op.ReduceMean r -> reduceMean(r, x, xs, batch);
            case Op.Flatten f -> x;
            case Op.Reshape r -> x;
            case Op.Transpose t -> transpose(t, x, xs, outShape, batch);
            case Op.Slice sl -> slice(sl, x, xs, outShape, batch);
            case Op.Concat c -> concat(c, in, inShapes, outShape, batch);
            case Op.Softmax s -> softmax(s, x, xs, batch);
            case Op.KWinners k -> k.local() ? localKWinners(k.k(), x, xs, batch) : kWinners(k.k(), x, Tensor.checkedSize(xs), batch);
        };
    }

    static float[] dense(Op.Dense d, float[] x, int rows) {
        int nIn = d.inFeatures(), nOut = d.outFeatures();
        float[] w = d.weight().data();
        float[] out = new float[rows * nOut];
        for (int r = 0; r < rows; r++) {
            for (int o = 0; o < nOut; o++) {
                double acc = d.bias() == null ? 0 : d.bias().get(o);
                for (int i = 0; i < nIn; i++) acc += (double) x[r * nIn + i] * w[o * nIn + i];
                out[r * nOut + o] = (float) acc;
            }
        }
        return out;
    }

    static float[] conv(Op.Conv c, float[] x, int[] xs, int[] os, int batch) {
        int cin = xs[0], h = xs[1], w = xs[2];
        int cout = os[0], oh = os[1], ow = os[2];
        int kh = c.weight().dim(2), kw = c.weight().dim(3);
        int cinPerGroup = cin / c.groups(), coutPerGroup = cout / c.groups();
        float[] wt = c.weight().data();
        float[] out = new float[batch * cout * oh * ow];
        for (int n = 0; n < batch; n++) {
            for (int oc = 0; oc < cout; oc++) {
                int g = oc / coutPerGroup;
                for (int oy = 0; oy < oh; oy++) {
                    for (int ox = 0; ox < ow; ox++) {
                        double acc = c.bias() == null ? 0 : c.bias().get(oc);
                        for (int ic = 0; ic < cinPerGroup; ic++) {
                            int channel = g * cinPerGroup + ic;
                            for (int ky = 0; ky < kh; ky++) {
                                int iy = oy * c.strides()[0] - c.pads()[0] + ky * c.dilations()[0];
                                if (iy < 0 || iy >= h) continue;
                                for (int kx = 0; kx < kw; kx++) {
                                    int ix = ox * c.strides()[1] - c.pads()[1] + kx * c.dilations()[1];
                                    if (ix < 0 || ix >= w) continue;
                                    acc += (double) x[((n * cin + channel) * h + iy) * w + ix]
                                            * wt[((oc * cinPerGroup + ic) * kh + ky) * kw + kx];
                                }
                            }
                        }
                        out[((n * cout + oc) * oh + oy) * ow + ox] = (float) acc;
                    }
                }
            }
        }
        return out;
    }

    static float[] batchNorm(Op.BatchNorm b, float[] x, int[] xs, int batch) {
        int channels = xs[0];
        int inner = Tensor.checkedSize(xs) / Math.max(1, channels);
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            int c = (i / inner) % channels;
            out[i] = x[i] * b.scale().get(c) + b.shift().get(c);
        }
        return out;
    }

    static float[] unary(Op.Unary u, float[] x) {
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) out[i] = unary(u.kind(), u.alpha(), u.beta(), x[i]);
        return out;
    }

    static float unary(Op.UnaryKind kind, float alpha, float beta, float v) {
        return switch (kind) {
            case IDENTITY -> v;
            case RELU -> v > 0 ? v : 0f;
            case LEAKY_RELU -> v >= 0 ? v : alpha * v;
            case SIGMOID -> (float) (1.0 / (1.0 + Math.exp(-v)));
            case TANH -> (float) Math.tanh(v);
            case ERF -> (float) Erf.erf(v);
            case GELU -> (float) (0.5 * v * (1.0 + Erf.erf(v / Math.sqrt(2.0))));
            case GELU_TANH -> (float) (0.5 * v * (1.0 + Math.tanh(Math.sqrt(2.0 / Math.PI) * (v + 0.044715 * v * v * v))));
            case CLIP -> Math.min(Math.max(v, alpha), beta);
            case NEG -> -v;
            case ABS -> Math.abs(v);
            case EXP -> (float) Math.exp(v);
            case SQRT -> (float) Math.sqrt(v);
            case HARD_SIGMOID -> Math.max(0f, Math.min(1f, alpha * v + beta));
            case HARD_SWISH -> v * Math.max(0f, Math.min(1f, v / 6f + 0.5f));
        };
    }

    static float[] binary(Op.Binary b, float[] a, int[] as, float[] c, int[] cs, boolean cHasBatch, int[] os, int batch) {
        int sampleSize = Tensor.checkedSize(os);
        int aSize = Tensor.checkedSize(as), cSize = Tensor.checkedSize(cs);
        int[] aStrides = Broadcast.strides(as, os), cStrides = Broadcast.strides(cs, os);
        int rank = os.length;
        int[] index = new int[rank];
        float[] out = new float[batch * sampleSize];
        for (int n = 0; n < batch; n++) {
            java.util.Arrays.fill(index, 0);
            for (int i = 0; i < sampleSize; i++) {
                int ai = 0, ci = 0;
                for (int d = 0; d < rank; d++) {
                    ai += index[d] * aStrides[d];
                    ci += index[d] * cStrides[d];
                }
                float left = a[n * aSize + ai];
                float right = c[(cHasBatch ? n * cSize : 0) + ci];
                if (b.constantFirst()) { float t = left; left = right; right = t; }
                out[n * sampleSize + i] = switch (b.kind()) {
                    case ADD -> left + right;
                    case SUB -> left - right;
                    case MUL -> left * right;
                    case DIV -> left / right;
                };
                for (int d = rank - 1; d >= 0 && ++index[d] == os[d]; d--) index[d] = 0;
            }
        }
        return out;
    }

    static float[] pool(float[] x, int[] xs, int[] os, int batch, int[] k, int[] s, int[] p, int[] dil,
                        boolean max, boolean countIncludePad) {
        int ch = xs[0], h = xs[1], w = xs[2], oh = os[1], ow = os[2];
        float[] out = new float[batch * ch * oh * ow];
        for (int nc = 0; nc < batch * ch; nc++) {
            for (int oy = 0; oy < oh; oy++) {
                for (int ox = 0; ox < ow; ox++) {
                    double acc = max ? Double.NEGATIVE_INFINITY : 0;
                    int counted = 0;
                    for (int ky = 0; ky < k[0]; ky++) {
                        int iy = oy * s[0] - p[0] + ky * dil[0];
                        for (int kx = 0; kx < k[1]; kx++) {
                            int ix = ox * s[1] - p[1] + kx * dil[1];
                            boolean inside = iy >= 0 && iy < h && ix >= 0 && ix < w;
                            boolean inPadding = iy >= -p[0] && iy < h + p[2] && ix >= -p[1] && ix < w + p[3];
                            if (inside) {
                                float v = x[(nc * h + iy) * w + ix];
                                acc = max ? Math.max(acc, v) : acc + v;
                                counted++;
                            } else if (countIncludePad && inPadding) {
                                counted++;
                            }
                        }
                    }
                    out[(nc * oh + oy) * ow + ox] = (float) (max ? acc : acc / Math.max(1, counted));
                }
            }
        }
        return out;
    }

    static float[] globalAverage(float[] x, int[] xs, int batch) {
        int ch = xs[0];
        int inner = Tensor.checkedSize(xs) / Math.max(1, ch);
        float[] out = new float[batch * ch];
        for (int r = 0; r < batch * ch; r++) {
            double acc = 0;
            for (int i = 0; i < inner; i++) acc += x[r * inner + i];
            out[r] = (float) (acc / inner);
        }
        return out;
    }

    static float[] reduceMean(Op.ReduceMean r, float[] x, int[] xs, int batch) {
        boolean[] reduced = new boolean[xs.length];
        for (int a : r.axes()) reduced[a - 1] = true;
        // the output index of an input element: its coordinates with the reduced ones set to 0
        int[] outDims = xs.clone();
        long count = 1;
        for (int d = 0; d < xs.length; d++) if (reduced[d]) { outDims[d] = 1; count *= xs[d]; }
        int inSize = Tensor.checkedSize(xs), outSize = Tensor.checkedSize(outDims);
        int[] outStrides = Broadcast.strides(outDims, xs);
        double[] acc = new double[batch * outSize];
        int[] index = new int[xs.length];
        for (int n = 0; n < batch; n++) {
            java.util.Arrays.fill(index, 0);
            for (int i = 0; i < inSize; i++) {
                int o = 0;
                for (int d = 0; d < xs.length; d++) o += index[d] * outStrides[d];
                acc[n * outSize + o] += x[n * inSize + i];
                for (int d = xs.length - 1; d >= 0 && ++index[d] == xs[d]; d--) index[d] = 0;
            }
        }
        float[] out = new float[acc.length];
        for (int i = 0; i < acc.length; i++) out[i] = (float) (acc[i] / count);
        return out;
    }

    static float[] transpose(Op.Transpose t, float[] x, int[] xs, int[] os, int batch) {
        int size = Tensor.checkedSize(xs);
        int rank = xs.length;
        int[] inStrides = new int[rank];
        for (int d = rank - 1, stride = 1; d >= 0; stride *= xs[d], d--) inStrides[d] = stride;
        // output axis d reads input axis perm[d + 1] - 1
        int[] readStrides = new int[rank];
        for (int d = 0; d < rank; d++) readStrides[d] = inStrides[t.perm()[d + 1] - 1];
        float[] out = new float[x.length];
        int[] index = new int[rank];
        for (int n = 0; n < batch; n++) {
            java.util.Arrays.fill(index, 0);
            for (int i = 0; i < size; i++) {
                int src = 0;
                for (int d = 0; d < rank; d++) src += index[d] * readStrides[d];
                out[n * size + i] = x[n * size + src];
                for (int d = rank - 1; d >= 0 && ++index[d] == os[d]; d--) index[d] = 0;
            }
        }
        return out;
    }

    static float[] slice(Op.Slice sl, float[] x, int[] xs, int[] os, int batch) {
        int inSize = Tensor.checkedSize(xs), outSize = Tensor.checkedSize(os);
        int rank = xs.length;
        int[] inStrides = new int[rank];
        for (int d = rank - 1, stride = 1; d >= 0; stride *= xs[d], d--) inStrides[d] = stride;
        float[] out = new float[batch * outSize];
        int[] index = new int[rank];
        for (int n = 0; n < batch; n++) {
            java.util.Arrays.fill(index, 0);
            for (int i = 0; i < outSize; i++) {
                int src = 0;
                for (int d = 0; d < rank; d++) src += (sl.starts()[d] + index[d] * sl.steps()[d]) * inStrides[d];
                out[n * outSize + i] = x[n * inSize + src];
                for (int d = rank - 1; d >= 0 && ++index[d] == os[d]; d--) index[d] = 0;
            }
        }
        return out;
    }

    static float[] concat(Op.Concat c, List<float[]> in, List<int[]> shapes, int[] os, int batch) {
        int axis = c.axis() - 1;
        int outer = batch;
        for (int d = 0; d < axis; d++) outer *= os[d];
        int inner = 1;
        for (int d = axis + 1; d < os.length; d++) inner *= os[d];
        float[] out = new float[batch * Tensor.checkedSize(os)];
        int outRow = os[axis] * inner;
        int offset = 0;
        for (int k = 0; k < in.size(); k++) {
            int chunk = shapes.get(k)[axis] * inner;
            for (int o = 0; o < outer; o++) System.arraycopy(in.get(k), o * chunk, out, o * outRow + offset, chunk);
            offset += chunk;
        }
        return out;
    }

    /** The k largest of each sample, ties to the lower index, by sorting indices (unlike the planner's quickselect). */
    static float[] kWinners(int k, float[] x, int size, int batch) {
        float[] out = new float[batch * size];
        for (int n = 0; n < batch; n++) {
            int base = n * size;
            Integer[] order = new Integer[size];
            for (int i = 0; i < size; i++) order[i] = i;
            java.util.Arrays.sort(order, (a, b) -> x[base + a] != x[base + b] ? Float.compare(x[base + b], x[base + a]) : Integer.compare(a, b));
            for (int i = 0; i < Math.min(k, size); i++) out[base + order[i]] = x[base + order[i]];
        }
        return out;
    }

    /** The k largest channels at each location of [C, H, W] samples, ties to the lower channel. */
    static float[] localKWinners(int k, float[] x, int[] xs, int batch) {
        int c = xs[0], hw = xs[1] * xs[2], size = c * hw;
        float[] out = new float[batch * size];
        for (int n = 0; n < batch; n++) {
            for (int p = 0; p < hw; p++) {
                int base = n * size + p;
                Integer[] order = new Integer[c];
                for (int i = 0; i < c; i++) order[i] = i;
                java.util.Arrays.sort(order, (a, b) -> x[base + a * hw] != x[base + b * hw]
                        ? Float.compare(x[base + b * hw], x[base + a * hw]) : Integer.compare(a, b));
                for (int i = 0; i < Math.min(k, c); i++) out[base + order[i] * hw] = x[base + order[i] * hw];
            }
        }
        return out;
    }

    static float[] softmax(Op.Softmax s, float[] x, int[] xs, int batch) {
        int axis = s.axis() - 1;
        int outer = batch;
        for (int d = 0; d < axis; d++) outer *= xs[d];
        int dim = xs[axis];
        int inner = 1;
        for (int d = axis + 1; d < xs.length; d++) inner *= xs[d];
        float[] out = new float[x.length];
        for (int o = 0; o < outer; o++) {
            for (int i = 0; i < inner; i++) {
                int base = o * dim * inner + i;
                float max = Float.NEGATIVE_INFINITY;
                for (int k = 0; k < dim; k++) max = Math.max(max, x[base + k * inner]);
                double sum = 0;
                for (int k = 0; k < dim; k++) sum += Math.exp(x[base + k * inner] - max);
                for (int k = 0; k < dim; k++) out[base + k * inner] = (float) (Math.exp(x[base + k * inner] - max) / sum);
            }
        }
        return out;
    }
}
