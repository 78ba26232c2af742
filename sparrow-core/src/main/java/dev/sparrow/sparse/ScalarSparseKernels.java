package dev.sparrow.sparse;

/**
 * Plain loops over each format: the reference the Vector API kernels are tested against, and the path
 * used where the incubator module is absent. Obviously correct rather than fast.
 */
public final class ScalarSparseKernels implements SparseKernels {
    static final ScalarSparseKernels INSTANCE = new ScalarSparseKernels();

    private ScalarSparseKernels() {}

    @Override public String name() { return "scalar"; }

    static float out(float acc, float[] bias, int r, boolean relu) {
        float v = bias == null ? acc : acc + bias[r];
        return relu && !(v > 0f) ? 0f : v;
    }

    @Override
    public void csrGemv(Csr w, float[] x, int xOff, float[] y, int yOff, float[] bias, boolean relu, int rowFrom, int rowTo) {
        for (int r = rowFrom; r < rowTo; r++) {
            float acc = 0f;
            for (int p = w.rowPtr[r]; p < w.rowPtr[r + 1]; p++) acc += w.values[p] * x[xOff + w.col(p)];
            y[yOff + r] = out(acc, bias, r, relu);
        }
    }

    @Override
    public void csrSpmm(Csr w, float[] xt, int xtOff, int ldx, int batch, float[] yt, int ytOff, int ldy,
                        float[] bias, boolean relu, int rowFrom, int rowTo) {
        for (int r = rowFrom; r < rowTo; r++) {
            int yo = ytOff + r * ldy;
            for (int b = 0; b < batch; b++) yt[yo + b] = 0f;
            for (int p = w.rowPtr[r]; p < w.rowPtr[r + 1]; p++) {
                float v = w.values[p];
                int xo = xtOff + w.col(p) * ldx;
                for (int b = 0; b < batch; b++) yt[yo + b] += v * xt[xo + b];
            }
            for (int b = 0; b < batch; b++) yt[yo + b] = out(yt[yo + b], bias, r, relu);
        }
    }

    @Override
    public void condensedGemv(CondensedFanIn w, float[] x, int xOff, float[] y, int yOff, float[] bias, boolean relu,
                              int groupFrom, int groupTo) {
        int k = w.fanIn;
        for (int g = groupFrom; g < groupTo; g++) {
            for (int lane = 0; lane < CondensedFanIn.LANES; lane++) {
                int r = g * CondensedFanIn.LANES + lane;
                if (r >= w.rows) break;
                float acc = 0f;
                for (int j = 0; j < k; j++) {
                    int pos = (g * k + j) * CondensedFanIn.LANES + lane;
                    acc += w.values[pos] * x[xOff + w.index[pos]];
                }
                y[yOff + r] = out(acc, bias, r, relu);
            }
        }
    }

    @Override
    public void condensedSpmm(CondensedFanIn w, float[] xt, int xtOff, int ldx, int batch, float[] yt, int ytOff, int ldy,
                              float[] bias, boolean relu, int rowFrom, int rowTo) {
        int k = w.fanIn;
        for (int r = rowFrom; r < rowTo; r++) {
            int yo = ytOff + r * ldy;
            int base = (r / CondensedFanIn.LANES) * k * CondensedFanIn.LANES + r % CondensedFanIn.LANES;
            for (int b = 0; b < batch; b++) yt[yo + b] = 0f;
            for (int j = 0; j < k; j++) {
                int pos = base + j * CondensedFanIn.LANES;
                float v = w.values[pos];
                int xo = xtOff + w.index[pos] * ldx;
                for (int b = 0; b < batch; b++) yt[yo + b] += v * xt[xo + b];
            }
            for (int b = 0; b < batch; b++) yt[yo + b] = out(yt[yo + b], bias, r, relu);
        }
    }

    @Override
    public void blockGemv(BlockSparse w, float[] x, int xOff, float[] y, int yOff, float[] bias, boolean relu,
                          int blockRowFrom, int blockRowTo) {
        int h = w.blockHeight;
        for (int br = blockRowFrom; br < blockRowTo; br++) {
            int r0 = br * h, r1 = Math.min(w.rows, r0 + h);
            for (int r = r0; r < r1; r++) {
                float acc = 0f;
                for (int b = w.blockRowPtr[br]; b < w.blockRowPtr[br + 1]; b++) {
                    acc += w.values[b * h + (r - r0)] * x[xOff + w.col(b)];
                }
                y[yOff + r] = out(acc, bias, r, relu);
            }
        }
    }

    @Override
    public void blockSpmm(BlockSparse w, float[] xt, int xtOff, int ldx, int batch, float[] yt, int ytOff, int ldy,
                          float[] bias, boolean relu, int blockRowFrom, int blockRowTo) {
        int h = w.blockHeight;
        for (int br = blockRowFrom; br < blockRowTo; br++) {
            int r0 = br * h, r1 = Math.min(w.rows, r0 + h);
            for (int r = r0; r < r1; r++) {
                int yo = ytOff + r * ldy;
                for (int b = 0; b < batch; b++) yt[yo + b] = 0f;
                for (int blk = w.blockRowPtr[br]; blk < w.blockRowPtr[br + 1]; blk++) {
                    float v = w.values[blk * h + (r - r0)];
                    int xo = xtOff + w.col(blk) * ldx;
                    for (int b = 0; b < batch; b++) yt[yo + b] += v * xt[xo + b];
                }
                for (int b = 0; b < batch; b++) yt[yo + b] = out(yt[yo + b], bias, r, relu);
            }
        }
    }

    @Override
    public void packedGemv(PackedGroups w, float[] x, int xOff, float[] y, int yOff, float[] bias, boolean relu,
                           int groupFrom, int groupTo) {
        int spr = w.slotsPerRow;
        for (int g = groupFrom; g < groupTo; g++) {
            for (int lane = 0; lane < PackedGroups.LANES; lane++) {
                int r = g * PackedGroups.LANES + lane;
                if (r >= w.rows) break;
                float acc = 0f;
                for (int j = 0; j < spr; j++) {
                    int pos = (g * spr + j) * PackedGroups.LANES + lane;
                    int c = (j / w.slots) * w.groupWidth + (w.offsets[pos] & 0xFF);
                    acc += w.values[pos] * x[xOff + c];
                }
                y[yOff + r] = out(acc, bias, r, relu);
            }
        }
    }

    @Override
    public void packedSpmm(PackedGroups w, float[] xt, int xtOff, int ldx, int batch, float[] yt, int ytOff, int ldy,
                           float[] bias, boolean relu, int rowFrom, int rowTo) {
        int spr = w.slotsPerRow;
        for (int r = rowFrom; r < rowTo; r++) {
            int yo = ytOff + r * ldy;
            int base = (r / PackedGroups.LANES) * spr * PackedGroups.LANES + r % PackedGroups.LANES;
            for (int b = 0; b < batch; b++) yt[yo + b] = 0f;
            for (int j = 0; j < spr; j++) {
                int pos = base + j * PackedGroups.LANES;
                float v = w.values[pos];
                int c = (j / w.slots) * w.groupWidth + (w.offsets[pos] & 0xFF);
                int xo = xtOff + c * ldx;
                for (int b = 0; b < batch; b++) yt[yo + b] += v * xt[xo + b];
            }
            for (int b = 0; b < batch; b++) yt[yo + b] = out(yt[yo + b], bias, r, relu);
        }
    }

    private static void cscColumn(Csc w, int c, float xc, float[] y, int yOff) {
        for (int p = w.colPtr[c]; p < w.colPtr[c + 1]; p++) y[yOff + w.row(p)] += w.values[p] * xc;
    }

    @Override
    public void cscScatterDense(Csc w, float[] x, int xOff, float[] y, int yOff) {
        for (int c = 0; c < w.cols; c++) {
            float xc = x[xOff + c];
            if (xc != 0f) cscColumn(w, c, xc, y, yOff);
        }
    }

    @Override
    public void cscScatterSparse(Csc w, int[] activeIdx, float[] activeVals, int count, float[] y, int yOff) {
        for (int i = 0; i < count; i++) cscColumn(w, activeIdx[i], activeVals[i], y, yOff);
    }

    @Override
    public void cscSpmm(Csc w, float[] xt, int xtOff, int ldx, float[] yt, int ytOff, int ldy, int batchFrom, int batchTo) {
        for (int c = 0; c < w.cols; c++) {
            int xo = xtOff + c * ldx;
            for (int p = w.colPtr[c]; p < w.colPtr[c + 1]; p++) {
                float v = w.values[p];
                int yo = ytOff + w.row(p) * ldy;
                for (int b = batchFrom; b < batchTo; b++) yt[yo + b] += v * xt[xo + b];
            }
        }
    }

    @Override
    public void cscSpmmSparseInput(Csc w, float[] xt, int xtOff, int ldx, float[] yt, int ytOff, int ldy,
                                   int sampleFrom, int sampleTo) {
        for (int s = sampleFrom; s < sampleTo; s++) {
            for (int c = 0; c < w.cols; c++) {
                float xc = xt[xtOff + c * ldx + s];
                if (xc == 0f) continue;
                for (int p = w.colPtr[c]; p < w.colPtr[c + 1]; p++) yt[ytOff + w.row(p) * ldy + s] += w.values[p] * xc;
            }
        }
    }

    private static void complementaryColumn(ComplementaryPacked w, int c, float xc, float[] y, int yOff) {
        int base = c * w.paddedGroups;
        for (int g = 0; g < w.groups; g++) {
            y[yOff + g * w.groupSize + (w.owner[base + g] & 0xFF)] += w.values[base + g] * xc;
        }
    }

    @Override
    public void complementaryScatterDense(ComplementaryPacked w, float[] x, int xOff, float[] y, int yOff) {
        for (int c = 0; c < w.cols; c++) {
            float xc = x[xOff + c];
            if (xc != 0f) complementaryColumn(w, c, xc, y, yOff);
        }
    }

    @Override
    public void complementaryScatterSparse(ComplementaryPacked w, int[] activeIdx, float[] activeVals, int count,
                                           float[] y, int yOff) {
        for (int i = 0; i < count; i++) complementaryColumn(w, activeIdx[i], activeVals[i], y, yOff);
    }

    @Override
    public void complementarySpmm(ComplementaryPacked w, float[] xt, int xtOff, int ldx, float[] yt, int ytOff, int ldy,
                                  int batchFrom, int batchTo) {
        for (int c = 0; c < w.cols; c++) {
            int xo = xtOff + c * ldx, base = c * w.paddedGroups;
            for (int g = 0; g < w.groups; g++) {
                float v = w.values[base + g];
                if (v == 0f) continue;
                int yo = ytOff + (g * w.groupSize + (w.owner[base + g] & 0xFF)) * ldy;
                for (int b = batchFrom; b < batchTo; b++) yt[yo + b] += v * xt[xo + b];
            }
        }
    }

    @Override
    public void complementarySpmmSparseInput(ComplementaryPacked w, float[] xt, int xtOff, int ldx, float[] yt, int ytOff,
                                             int ldy, int sampleFrom, int sampleTo) {
        for (int s = sampleFrom; s < sampleTo; s++) {
            for (int c = 0; c < w.cols; c++) {
                float xc = xt[xtOff + c * ldx + s];
                if (xc == 0f) continue;
                int base = c * w.paddedGroups;
                for (int g = 0; g < w.groups; g++) {
                    yt[ytOff + (g * w.groupSize + (w.owner[base + g] & 0xFF)) * ldy + s] += w.values[base + g] * xc;
                }
            }
        }
    }

    @Override
    public void shiftedPlaneConv(ShiftedPlaneConv w, float[] in, int inOff, int positions, float[] acc, int accOff,
                                 int ldAcc, int rowFrom, int rowTo) {
        for (int r = rowFrom; r < rowTo; r++) {
            int ao = accOff + r * ldAcc;
            for (int q = 0; q < positions; q++) acc[ao + q] = 0f;
            for (int p = w.rowPtr[r]; p < w.rowPtr[r + 1]; p++) {
                float v = w.values[p];
                int io = inOff + w.offsets[p];
                for (int q = 0; q < positions; q++) acc[ao + q] += v * in[io + q];
            }
        }
    }

    @Override
    public void denseShiftedPlaneConv(ShiftedPlaneConv w, float[] in, int inOff, int positions, float[] acc, int accOff,
                                      int ldAcc, int blockFrom, int blockTo) {
        int m = ShiftedPlaneConv.DENSE_ROWS;
        for (int r = blockFrom * m; r < Math.min(blockTo * m, w.rows); r++) {
            int ao = accOff + r * ldAcc;
            int wb = r / m * w.taps * m + r % m;
            for (int q = 0; q < positions; q++) acc[ao + q] = 0f;
            for (int t = 0; t < w.taps; t++) {
                float v = w.packed[wb + t * m];
                int io = inOff + w.offsets[t];
                for (int q = 0; q < positions; q++) acc[ao + q] += v * in[io + q];
            }
        }
    }

    @Override
    public void pixelTileConv(PixelTileConv w, float[] in, int inOff, int count, float[] acc, int accOff, int ldAcc,
                              int blockFrom, int blockTo) {
        int m = w.block;
        for (int r = blockFrom * m; r < blockTo * m; r++) {
            int wb = r / m * w.taps * m + r % m;
            for (int i = 0; i < count; i++) {
                int base = inOff + w.pixels[i];
                float s = 0f;
                for (int t = 0; t < w.taps; t++) s += w.packed[wb + t * m] * in[base + w.offsets[t]];
                acc[accOff + i * ldAcc + r] = s;
            }
        }
    }
}
