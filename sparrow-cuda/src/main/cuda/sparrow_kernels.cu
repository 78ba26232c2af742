// Sparrow's CUDA kernels: y = act(W x + b) for one input (gemv) and Y^T = act(W X^T + b) for a batch
// (spmm), with activations laid out [features][batch] as in Sparrow's CPU spmm (X^T [cols][batch],
// Y^T [rows][batch], leading dimension = batch). act is identity or ReLU, fused with the bias into the
// store. Every entry point is extern "C" so the Java side finds it by its plain name
// (cuModuleGetFunction). Built into a fatbin by scripts/device/build-cuda-kernels.sh.
//
// Formats (built by dev.sparrow.cuda.CudaMatrix from a MaskedWeights):
//   dense      W [rows][cols] fp32, row-major
//   condensed  constant fan-in k: vals [rows][k] fp32, idx [rows][k] uint16 (empty rows: zero padding)
//   csr        rowPtr [rows+1] int32, vals [nnz] fp32, col [nnz] uint16 (csr16) or int32 (csr32)
//   nm         N:M: slotsPerRow = ceil(cols/M)*N slots per row; vals [rows][slots] fp32,
//              off [rows][slots] uint8 (column = (slot / N) * M + off; padding has value 0, off 0)

#include <cstdint>

#define FULL 0xffffffffu

__device__ __forceinline__ float act(float v, float b, int relu) {
    v += b;
    return relu ? (v > 0.f ? v : 0.f) : v;
}

__device__ __forceinline__ float warp_sum(float v) {
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(FULL, v, o);
    return v;
}

// ---------------------------------------------------------------------------------------------
// Dense baseline
// ---------------------------------------------------------------------------------------------

// One warp per output row; float4 loads when cols % 4 == 0 (buffers are 256-byte aligned).
extern "C" __global__ void dense_gemv(const float* __restrict__ W, const float* __restrict__ x,
                                      float* __restrict__ y, const float* __restrict__ bias,
                                      int rows, int cols, int relu) {
    int r = (int) ((blockIdx.x * (unsigned) blockDim.x + threadIdx.x) >> 5);
    int lane = threadIdx.x & 31;
    if (r >= rows) return;
    const float* w = W + (size_t) r * cols;
    float acc = 0.f;
    if ((cols & 3) == 0) {
        const float4* w4 = reinterpret_cast<const float4*>(w);
        const float4* x4 = reinterpret_cast<const float4*>(x);
        int n4 = cols >> 2;
#pragma unroll 4
        for (int i = lane; i < n4; i += 32) {
            float4 a = __ldcs(w4 + i);
            float4 b = __ldg(x4 + i);
            acc = fmaf(a.x, b.x, acc);
            acc = fmaf(a.y, b.y, acc);
            acc = fmaf(a.z, b.z, acc);
            acc = fmaf(a.w, b.w, acc);
        }
    } else {
        for (int i = lane; i < cols; i += 32) acc = fmaf(__ldcs(w + i), __ldg(x + i), acc);
    }
    acc = warp_sum(acc);
    if (lane == 0) y[r] = act(acc, bias ? bias[r] : 0.f, relu);
}

// Simple tiled SGEMM: Y^T [M][N] = W [M][K] * X^T [K][N]; 64x64 output tile per block of 256 threads,
// 4x4 outputs per thread, K in steps of 16 through shared memory. Any shape (bounds checked).
#define GM 64
#define GN 64
#define GK 16
extern "C" __global__ void __launch_bounds__(256) dense_gemm(const float* __restrict__ W,
                                                             const float* __restrict__ X,
                                                             float* __restrict__ Y,
                                                             const float* __restrict__ bias,
                                                             int M, int N, int K, int relu) {
    __shared__ float As[GK][GM + 4];
    __shared__ float Bs[GK][GN];
    int tid = threadIdx.x;
    int m0 = blockIdx.y * GM, n0 = blockIdx.x * GN;
    int tx = tid & 15, ty = tid >> 4;
    float acc[4][4];
#pragma unroll
    for (int i = 0; i < 4; i++)
#pragma unroll
        for (int j = 0; j < 4; j++) acc[i][j] = 0.f;
    for (int k0 = 0; k0 < K; k0 += GK) {
#pragma unroll
        for (int i = 0; i < 4; i++) {
            int e = tid + 256 * i, m = e >> 4, k = e & 15;
            int gm = m0 + m, gk = k0 + k;
            As[k][m] = (gm < M && gk < K) ? W[(size_t) gm * K + gk] : 0.f;
        }
#pragma unroll
        for (int i = 0; i < 4; i++) {
            int e = tid + 256 * i, k = e >> 6, n = e & 63;
            int gk = k0 + k, gn = n0 + n;
            Bs[k][n] = (gk < K && gn < N) ? X[(size_t) gk * N + gn] : 0.f;
        }
        __syncthreads();
#pragma unroll
        for (int k = 0; k < GK; k++) {
            float a[4], b[4];
#pragma unroll
            for (int i = 0; i < 4; i++) a[i] = As[k][ty + 16 * i];
#pragma unroll
            for (int j = 0; j < 4; j++) b[j] = Bs[k][tx + 16 * j];
#pragma unroll
            for (int i = 0; i < 4; i++)
#pragma unroll
                for (int j = 0; j < 4; j++) acc[i][j] = fmaf(a[i], b[j], acc[i][j]);
        }
        __syncthreads();
    }
#pragma unroll
    for (int i = 0; i < 4; i++) {
        int gm = m0 + ty + 16 * i;
        if (gm >= M) continue;
        float bv = bias ? bias[gm] : 0.f;
#pragma unroll
        for (int j = 0; j < 4; j++) {
            int gn = n0 + tx + 16 * j;
            if (gn < N) Y[(size_t) gm * N + gn] = act(acc[i][j], bv, relu);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Sparse formats: each gives, for row r, its entry range [begin, end) and each entry's (value, column).
// ---------------------------------------------------------------------------------------------

struct Condensed {
    const float* __restrict__ vals;
    const unsigned short* __restrict__ idx;
    int k;
    __device__ __forceinline__ long long begin(int r) const { return (long long) r * k; }
    __device__ __forceinline__ long long end(int r) const { return (long long) r * k + k; }
    __device__ __forceinline__ void entry(long long p, long long, float& v, int& c) const {
        v = __ldg(vals + p);
        c = __ldg(idx + p);
    }
};

template <typename I>
struct Csr {
    const int* __restrict__ rowPtr;
    const float* __restrict__ vals;
    const I* __restrict__ col;
    __device__ __forceinline__ long long begin(int r) const { return __ldg(rowPtr + r); }
    __device__ __forceinline__ long long end(int r) const { return __ldg(rowPtr + r + 1); }
    __device__ __forceinline__ void entry(long long p, long long, float& v, int& c) const {
        v = __ldg(vals + p);
        c = (int) __ldg(col + p);
    }
};

struct Nm {
    const float* __restrict__ vals;
    const unsigned char* __restrict__ off;
    int slots;  // per row
    int n, m;
    __device__ __forceinline__ long long begin(int r) const { return (long long) r * slots; }
    __device__ __forceinline__ long long end(int r) const { return (long long) r * slots + slots; }
    __device__ __forceinline__ void entry(long long p, long long p0, float& v, int& c) const {
        int s = (int) (p - p0);
        v = __ldg(vals + p);
        c = (s / n) * m + (int) __ldg(off + p);
    }
};

// Batch 1: one warp per row, lanes stride over the row's entries, x gathered through L1.
template <class F>
__device__ __forceinline__ void sparse_gemv(const F f, const float* __restrict__ x, float* __restrict__ y,
                                            const float* __restrict__ bias, int rows, int relu) {
    int r = (int) ((blockIdx.x * (unsigned) blockDim.x + threadIdx.x) >> 5);
    int lane = threadIdx.x & 31;
    if (r >= rows) return;
    long long p0 = f.begin(r), p1 = f.end(r);
    float acc = 0.f;
#pragma unroll 4
    for (long long p = p0 + lane; p < p1; p += 32) {
        float v; int c;
        f.entry(p, p0, v, c);
        acc = fmaf(v, __ldg(x + c), acc);
    }
    acc = warp_sum(acc);
    if (lane == 0) y[r] = act(acc, bias ? bias[r] : 0.f, relu);
}

// Batches: block (bx, by) computes rows [bx*rowsPerBlock, ...) for batch columns [by*BT, by*BT+BT).
// The tile X^T[0..cols)[b0..b0+BT) is staged in shared memory (dynamic, cols*BT floats, zero beyond
// the batch); then one warp per row: lane = s*Q + q takes float4 quad q of the tile's batch and every
// S-th entry of the row (S = 32/Q streams), and the streams are summed with shuffles at the end.
template <int BT, class F>
__device__ __forceinline__ void sparse_spmm_tile(const F f, const float* __restrict__ X, float* __restrict__ Y,
                                                 const float* __restrict__ bias, int rows, int cols, int batch,
                                                 int relu, int rowsPerBlock) {
    extern __shared__ float4 smem4[];
    float* sX = reinterpret_cast<float*>(smem4);
    const int b0 = blockIdx.y * BT;
    const int total = cols * BT;
    if (b0 + BT <= batch && (batch & 3) == 0) {
        for (int e = threadIdx.x; e < total / 4; e += blockDim.x) {
            int c = e / (BT / 4), b = (e % (BT / 4)) * 4;
            smem4[e] = __ldg(reinterpret_cast<const float4*>(X + (size_t) c * batch + b0 + b));
        }
    } else {
        for (int e = threadIdx.x; e < total; e += blockDim.x) {
            int c = e / BT, b = e % BT;
            sX[e] = (b0 + b < batch) ? __ldg(X + (size_t) c * batch + b0 + b) : 0.f;
        }
    }
    __syncthreads();
    constexpr int Q = BT / 4;
    constexpr int S = 32 / Q;
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, nwarps = blockDim.x >> 5;
    const int q = lane % Q, s = lane / Q;
    const int rBegin = blockIdx.x * rowsPerBlock;
    const int rEnd = min(rows, rBegin + rowsPerBlock);
    for (int r = rBegin + warp; r < rEnd; r += nwarps) {
        long long p0 = f.begin(r), p1 = f.end(r);
        float4 acc = make_float4(0.f, 0.f, 0.f, 0.f);
#pragma unroll 4
        for (long long p = p0 + s; p < p1; p += S) {
            float v; int c;
            f.entry(p, p0, v, c);
            float4 xv = smem4[c * Q + q];
            acc.x = fmaf(v, xv.x, acc.x);
            acc.y = fmaf(v, xv.y, acc.y);
            acc.z = fmaf(v, xv.z, acc.z);
            acc.w = fmaf(v, xv.w, acc.w);
        }
#pragma unroll
        for (int o = Q; o < 32; o <<= 1) {
            acc.x += __shfl_xor_sync(FULL, acc.x, o);
            acc.y += __shfl_xor_sync(FULL, acc.y, o);
            acc.z += __shfl_xor_sync(FULL, acc.z, o);
            acc.w += __shfl_xor_sync(FULL, acc.w, o);
        }
        if (s == 0) {
            float bv = bias ? bias[r] : 0.f;
            int b = b0 + q * 4;
            float* yr = Y + (size_t) r * batch;
            if (b + 0 < batch) yr[b + 0] = act(acc.x, bv, relu);
            if (b + 1 < batch) yr[b + 1] = act(acc.y, bv, relu);
            if (b + 2 < batch) yr[b + 2] = act(acc.z, bv, relu);
            if (b + 3 < batch) yr[b + 3] = act(acc.w, bv, relu);
        }
    }
}

// Fallback when the tile does not fit in shared memory: one warp per row, lane = batch column
// (blockIdx.y selects 32 of them), X^T read from global memory.
template <class F>
__device__ __forceinline__ void sparse_spmm_global(const F f, const float* __restrict__ X, float* __restrict__ Y,
                                                   const float* __restrict__ bias, int rows, int batch, int relu) {
    int r = (int) ((blockIdx.x * (unsigned) blockDim.x + threadIdx.x) >> 5);
    int lane = threadIdx.x & 31;
    if (r >= rows) return;
    int b = blockIdx.y * 32 + lane;
    bool live = b < batch;
    long long p0 = f.begin(r), p1 = f.end(r);
    float acc = 0.f;
    for (long long p = p0; p < p1; p++) {
        float v; int c;
        f.entry(p, p0, v, c);
        if (live) acc = fmaf(v, __ldg(X + (size_t) c * batch + b), acc);
    }
    if (live) Y[(size_t) r * batch + b] = act(acc, bias ? bias[r] : 0.f, relu);
}

// ---------------------------------------------------------------------------------------------
// Entry points
// ---------------------------------------------------------------------------------------------

#define SPMM_ENTRIES(NAME, PARAMS, MAKE)                                                                 \
    extern "C" __global__ void __launch_bounds__(512) NAME##_spmm16(PARAMS, const float* __restrict__ X,  \
            float* __restrict__ Y, const float* __restrict__ bias, int rows, int cols, int batch,          \
            int relu, int rowsPerBlock) {                                                                 \
        sparse_spmm_tile<16>(MAKE, X, Y, bias, rows, cols, batch, relu, rowsPerBlock);                    \
    }                                                                                                     \
    extern "C" __global__ void __launch_bounds__(512) NAME##_spmm8(PARAMS, const float* __restrict__ X,   \
            float* __restrict__ Y, const float* __restrict__ bias, int rows, int cols, int batch,          \
            int relu, int rowsPerBlock) {                                                                 \
        sparse_spmm_tile<8>(MAKE, X, Y, bias, rows, cols, batch, relu, rowsPerBlock);                     \
    }                                                                                                     \
    extern "C" __global__ void __launch_bounds__(512) NAME##_spmm4(PARAMS, const float* __restrict__ X,   \
            float* __restrict__ Y, const float* __restrict__ bias, int rows, int cols, int batch,          \
            int relu, int rowsPerBlock) {                                                                 \
        sparse_spmm_tile<4>(MAKE, X, Y, bias, rows, cols, batch, relu, rowsPerBlock);                     \
    }                                                                                                     \
    extern "C" __global__ void NAME##_spmm_global(PARAMS, const float* __restrict__ X,                    \
            float* __restrict__ Y, const float* __restrict__ bias, int rows, int cols, int batch,          \
            int relu, int rowsPerBlock) {                                                                 \
        sparse_spmm_global(MAKE, X, Y, bias, rows, batch, relu);                                          \
    }                                                                                                     \
    extern "C" __global__ void NAME##_gemv(PARAMS, const float* __restrict__ x, float* __restrict__ y,    \
            const float* __restrict__ bias, int rows, int cols, int batch, int relu, int rowsPerBlock) {  \
        sparse_gemv(MAKE, x, y, bias, rows, relu);                                                        \
    }

#define COMMA ,
SPMM_ENTRIES(condensed,
             const float* __restrict__ vals COMMA const unsigned short* __restrict__ idx COMMA int k COMMA int unused0
             COMMA int unused1,
             (Condensed{vals, idx, k}))
SPMM_ENTRIES(csr16,
             const int* __restrict__ rowPtr COMMA const float* __restrict__ vals COMMA const unsigned short* __restrict__ col
             COMMA int unused0 COMMA int unused1,
             (Csr<unsigned short>{rowPtr, vals, col}))
SPMM_ENTRIES(csr32,
             const int* __restrict__ rowPtr COMMA const float* __restrict__ vals COMMA const int* __restrict__ col
             COMMA int unused0 COMMA int unused1,
             (Csr<int>{rowPtr, vals, col}))
SPMM_ENTRIES(nm,
             const float* __restrict__ vals COMMA const unsigned char* __restrict__ off COMMA int slots COMMA int n
             COMMA int m,
             (Nm{vals, off, slots, n, m}))

// ---------------------------------------------------------------------------------------------
// Round 2: vectorised gemv, bf16 values, block 4x1, and the K-chunked batched kernel.
//
//   condensed (padded)  vals [rows][kp] fp32 or bf16, idx [rows][kp] uint16, kp = k rounded up to 4
//                       (padding: value 0, column 0); bnd [nch+1][rows] uint16 = entries of the row
//                       with column < ch*KC (bnd[nch] = the row's count), KC = 256 columns per chunk
//   block4              rows in groups of 4 share one column list (the union of their masks): vals
//                       [groups][kp][4] fp32 (0 where a row lacks the column), idx [groups][kp] uint16,
//                       bnd [nch+1][groups]
// ---------------------------------------------------------------------------------------------

#define KC 256

__device__ __forceinline__ float bf16f(unsigned short u) { return __uint_as_float(((unsigned) u) << 16); }

__device__ __forceinline__ void load4(const float* __restrict__ v, int q, float o[4]) {
    float4 t = __ldg(reinterpret_cast<const float4*>(v) + q);
    o[0] = t.x; o[1] = t.y; o[2] = t.z; o[3] = t.w;
}
__device__ __forceinline__ void load4(const unsigned short* __restrict__ v, int q, float o[4]) {
    uint2 t = __ldg(reinterpret_cast<const uint2*>(v) + q);
    o[0] = __uint_as_float(t.x << 16); o[1] = __uint_as_float(t.x & 0xffff0000u);
    o[2] = __uint_as_float(t.y << 16); o[3] = __uint_as_float(t.y & 0xffff0000u);
}

// Batch 1, condensed with kp % 4 == 0: LPR lanes per row (LPR = 32, 16 or 8; 32/LPR rows per warp),
// each lane takes 4 entries per step (one 16- or 8-byte value load, one 8-byte index load).
template <int LPR, typename T>
__device__ __forceinline__ void condensed_gemv4(const T* __restrict__ vals, const unsigned short* __restrict__ idx,
                                                int kp, const float* __restrict__ x, float* __restrict__ y,
                                                const float* __restrict__ bias, int rows, int relu) {
    int t = (int) (blockIdx.x * (unsigned) blockDim.x + threadIdx.x);
    int r = t / LPR, lane = t % LPR;
    bool live = r < rows;
    int rr = live ? r : 0;
    const T* vr = vals + (size_t) rr * kp;
    const uint2* ir = reinterpret_cast<const uint2*>(idx + (size_t) rr * kp);
    const int nq = live ? kp >> 2 : 0;
    float acc = 0.f;
#pragma unroll 4
    for (int q = lane; q < nq; q += LPR) {
        float v[4];
        load4(vr, q, v);
        uint2 ii = __ldg(ir + q);
        acc = fmaf(v[0], __ldg(x + (ii.x & 0xffffu)), acc);
        acc = fmaf(v[1], __ldg(x + (ii.x >> 16)), acc);
        acc = fmaf(v[2], __ldg(x + (ii.y & 0xffffu)), acc);
        acc = fmaf(v[3], __ldg(x + (ii.y >> 16)), acc);
    }
#pragma unroll
    for (int o = LPR / 2; o > 0; o >>= 1) acc += __shfl_xor_sync(FULL, acc, o);
    if (live && lane == 0) y[r] = act(acc, bias ? bias[r] : 0.f, relu);
}

#define GEMV4_ENTRIES(NAME, T)                                                                            \
    extern "C" __global__ void NAME##_gemv4_32(const T* __restrict__ vals, const unsigned short* __restrict__ idx, \
            int kp, const float* __restrict__ x, float* __restrict__ y, const float* __restrict__ bias, int rows, \
            int relu) { condensed_gemv4<32>(vals, idx, kp, x, y, bias, rows, relu); }                      \
    extern "C" __global__ void NAME##_gemv4_16(const T* __restrict__ vals, const unsigned short* __restrict__ idx, \
            int kp, const float* __restrict__ x, float* __restrict__ y, const float* __restrict__ bias, int rows, \
            int relu) { condensed_gemv4<16>(vals, idx, kp, x, y, bias, rows, relu); }                      \
    extern "C" __global__ void NAME##_gemv4_8(const T* __restrict__ vals, const unsigned short* __restrict__ idx, \
            int kp, const float* __restrict__ x, float* __restrict__ y, const float* __restrict__ bias, int rows, \
            int relu) { condensed_gemv4<8>(vals, idx, kp, x, y, bias, rows, relu); }
GEMV4_ENTRIES(condensed, float)
GEMV4_ENTRIES(condensedbf, unsigned short)

// Batch 1, block4: one warp per group of 4 rows, lanes stride over the group's entries.
extern "C" __global__ void block4_gemv(const float* __restrict__ vals, const unsigned short* __restrict__ idx,
                                       int kp, const float* __restrict__ x, float* __restrict__ y,
                                       const float* __restrict__ bias, int rows, int relu) {
    int g = (int) ((blockIdx.x * (unsigned) blockDim.x + threadIdx.x) >> 5);
    int lane = threadIdx.x & 31;
    int groups = (rows + 3) >> 2;
    if (g >= groups) return;
    const float4* v4 = reinterpret_cast<const float4*>(vals) + (size_t) g * kp;
    const unsigned short* ig = idx + (size_t) g * kp;
    float a0 = 0.f, a1 = 0.f, a2 = 0.f, a3 = 0.f;
#pragma unroll 4
    for (int p = lane; p < kp; p += 32) {
        float4 w = __ldg(v4 + p);
        float xv = __ldg(x + __ldg(ig + p));
        a0 = fmaf(w.x, xv, a0); a1 = fmaf(w.y, xv, a1); a2 = fmaf(w.z, xv, a2); a3 = fmaf(w.w, xv, a3);
    }
    a0 = warp_sum(a0); a1 = warp_sum(a1); a2 = warp_sum(a2); a3 = warp_sum(a3);
    if (lane < 4) {
        int r = g * 4 + lane;
        float a = lane == 0 ? a0 : lane == 1 ? a1 : lane == 2 ? a2 : a3;
        if (r < rows) y[r] = act(a, bias ? bias[r] : 0.f, relu);
    }
}

// Formats for the chunked kernel: units of R rows sharing one column list.
template <typename T>
struct CondensedP {
    static constexpr int R = 1;
    const T* __restrict__ vals;
    const unsigned short* __restrict__ idx;
    int kp;
    __device__ __forceinline__ long long base(int u) const { return (long long) u * kp; }
    __device__ __forceinline__ void entry(long long p, float w[1], int& c) const;
};
template <> __device__ __forceinline__ void CondensedP<float>::entry(long long p, float w[1], int& c) const {
    w[0] = __ldg(vals + p);
    c = __ldg(idx + p);
}
template <> __device__ __forceinline__ void CondensedP<unsigned short>::entry(long long p, float w[1], int& c) const {
    w[0] = bf16f(__ldg(vals + p));
    c = __ldg(idx + p);
}
struct Block4 {
    static constexpr int R = 4;
    const float* __restrict__ vals;
    const unsigned short* __restrict__ idx;
    int kp;
    __device__ __forceinline__ long long base(int u) const { return (long long) u * kp; }
    __device__ __forceinline__ void entry(long long p, float w[4], int& c) const {
        float4 t = __ldg(reinterpret_cast<const float4*>(vals) + p);
        w[0] = t.x; w[1] = t.y; w[2] = t.z; w[3] = t.w;
        c = __ldg(idx + p);
    }
};

// Batches, K-chunked: block (bx, by) owns units [bx*W*RW, ...) (W = warps per block, RW units per warp)
// and batch columns [by*BT, by*BT + BT), BT = 32*V (lane l holds columns l*V .. l*V+V-1 of the tile).
// For each chunk of KC input columns the block stages X^T[chunk][tile] (KC*BT floats) in shared memory;
// each warp then walks its units' entries of that chunk (bnd gives the range): every lane reads the
// same weight (broadcast) and V consecutive floats of the staged row (conflict-free), and keeps R*V
// accumulators per unit in registers across chunks. Any cols, any batch.
template <int V, int RW, class F>
__device__ __forceinline__ void spmm_kc(const F f, const unsigned short* __restrict__ bnd, int units,
                                        const float* __restrict__ X, float* __restrict__ Y,
                                        const float* __restrict__ bias, int rows, int cols, int batch, int relu) {
    constexpr int BT = 32 * V;
    constexpr int R = F::R;
    extern __shared__ float4 smem4[];
    float* sX = reinterpret_cast<float*>(smem4);
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, nwarps = blockDim.x >> 5;
    const int uBase = (blockIdx.x * nwarps + warp) * RW;
    const int b0 = blockIdx.y * BT;
    const int nch = (cols + KC - 1) / KC;
    float acc[RW][R][V];
#pragma unroll
    for (int i = 0; i < RW; i++)
#pragma unroll
        for (int r = 0; r < R; r++)
#pragma unroll
            for (int v = 0; v < V; v++) acc[i][r][v] = 0.f;
    const bool vec = (batch & 3) == 0 && b0 + BT <= batch;
    const float* xs = sX + lane * V;
    for (int ch = 0; ch < nch; ch++) {
        const int c0 = ch * KC;
        __syncthreads();
        if (vec) {
            for (int e = threadIdx.x; e < KC * BT / 4; e += blockDim.x) {
                int c = e / (BT / 4), q = e % (BT / 4), gc = c0 + c;
                smem4[e] = gc < cols ? __ldg(reinterpret_cast<const float4*>(X + (size_t) gc * batch + b0) + q)
                                     : make_float4(0.f, 0.f, 0.f, 0.f);
            }
        } else {
            for (int e = threadIdx.x; e < KC * BT; e += blockDim.x) {
                int c = e / BT, b = e % BT, gc = c0 + c;
                sX[e] = (gc < cols && b0 + b < batch) ? __ldg(X + (size_t) gc * batch + b0 + b) : 0.f;
            }
        }
        __syncthreads();
        int s[RW], en[RW];
#pragma unroll
        for (int i = 0; i < RW; i++) {
            int u = uBase + i;
            bool ok = u < units;
            s[i] = ok ? (int) __ldg(bnd + (size_t) ch * units + u) : 0;
            en[i] = ok ? (int) __ldg(bnd + (size_t) (ch + 1) * units + u) : 0;
        }
#pragma unroll
        for (int i = 0; i < RW; i++) {
            const long long base = f.base(uBase + i);
#pragma unroll 4
            for (int p = s[i]; p < en[i]; p++) {
                float w[R];
                int c;
                f.entry(base + p, w, c);
                const float* xp = xs + (c - c0) * BT;
                float xv[V];
                if constexpr (V == 4) {
                    float4 t = *reinterpret_cast<const float4*>(xp);
                    xv[0] = t.x; xv[1] = t.y; xv[2] = t.z; xv[3] = t.w;
                } else if constexpr (V == 2) {
                    float2 t = *reinterpret_cast<const float2*>(xp);
                    xv[0] = t.x; xv[1] = t.y;
                } else {
                    xv[0] = xp[0];
                }
#pragma unroll
                for (int r = 0; r < R; r++)
#pragma unroll
                    for (int v = 0; v < V; v++) acc[i][r][v] = fmaf(w[r], xv[v], acc[i][r][v]);
            }
        }
    }
#pragma unroll
    for (int i = 0; i < RW; i++) {
        int u = uBase + i;
        if (u >= units) break;
#pragma unroll
        for (int r = 0; r < R; r++) {
            int row = u * R + r;
            if (row >= rows) break;
            float bv = bias ? bias[row] : 0.f;
            float* yr = Y + (size_t) row * batch;
#pragma unroll
            for (int v = 0; v < V; v++) {
                int b = b0 + lane * V + v;
                if (b < batch) yr[b] = act(acc[i][r][v], bv, relu);
            }
        }
    }
}

#define KC_ENTRY(NAME, T, MAKE, V, RW)                                                                     \
    extern "C" __global__ void __launch_bounds__(1024) NAME##_kc##V##_##RW(const T* __restrict__ vals,    \
            const unsigned short* __restrict__ idx, int kp, const unsigned short* __restrict__ bnd, int units, \
            const float* __restrict__ X, float* __restrict__ Y, const float* __restrict__ bias, int rows,   \
            int cols, int batch, int relu) {                                                              \
        spmm_kc<V, RW>(MAKE, bnd, units, X, Y, bias, rows, cols, batch, relu);                            \
    }
#define KC_SET(NAME, T, MAKE)                                                                              \
    KC_ENTRY(NAME, T, MAKE, 1, 1) KC_ENTRY(NAME, T, MAKE, 1, 2) KC_ENTRY(NAME, T, MAKE, 1, 4)             \
    KC_ENTRY(NAME, T, MAKE, 1, 8) KC_ENTRY(NAME, T, MAKE, 2, 1) KC_ENTRY(NAME, T, MAKE, 2, 2)             \
    KC_ENTRY(NAME, T, MAKE, 2, 4) KC_ENTRY(NAME, T, MAKE, 2, 8) KC_ENTRY(NAME, T, MAKE, 4, 1)             \
    KC_ENTRY(NAME, T, MAKE, 4, 2) KC_ENTRY(NAME, T, MAKE, 4, 4)
KC_SET(condensed, float, (CondensedP<float>{vals, idx, kp}))
KC_SET(condensedbf, unsigned short, (CondensedP<unsigned short>{vals, idx, kp}))
KC_ENTRY(block4, float, (Block4{vals, idx, kp}), 1, 1)
KC_ENTRY(block4, float, (Block4{vals, idx, kp}), 1, 2)
KC_ENTRY(block4, float, (Block4{vals, idx, kp}), 1, 4)
KC_ENTRY(block4, float, (Block4{vals, idx, kp}), 2, 1)
KC_ENTRY(block4, float, (Block4{vals, idx, kp}), 2, 2)
KC_ENTRY(block4, float, (Block4{vals, idx, kp}), 4, 1)

// A timing aid: keeps the stream busy for ns nanoseconds so that the launches queued after it run
// back to back (their host-side launch cost stays out of the events around them).
extern "C" __global__ void spin_ns(long long ns) {
    long long t0, t;
    asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t0));
    do {
        asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t));
    } while (t - t0 < ns);
}

// ---------------------------------------------------------------------------------------------
// Whole-model helpers (dev.sparrow.cuda.CudaSession): the layout changes at the model's ends and the
// non-Dense ops of an MLP, on activations laid out [features][batch].
// ---------------------------------------------------------------------------------------------

// out [cols][rows] = in [rows][cols]^T; 32x32 tiles through shared memory, 256 threads.
extern "C" __global__ void __launch_bounds__(256) transpose_f32(const float* __restrict__ in,
        float* __restrict__ out, int rows, int cols) {
    __shared__ float tile[32][33];
    int c0 = blockIdx.x * 32, r0 = blockIdx.y * 32;
    int tx = threadIdx.x & 31, ty = threadIdx.x >> 5;
    for (int j = ty; j < 32; j += 8) {
        int r = r0 + j, c = c0 + tx;
        if (r < rows && c < cols) tile[j][tx] = in[(long long)r * cols + c];
    }
    __syncthreads();
    for (int j = ty; j < 32; j += 8) {
        int c = c0 + j, r = r0 + tx;
        if (c < cols && r < rows) out[(long long)c * rows + r] = tile[tx][j];
    }
}

// y [f][b] = act(x [f][b] + bias[f]) (bias may be null; y may be x): cuBLAS's epilogue, a standalone ReLU,
// an Add of a per-feature constant.
extern "C" __global__ void bias_act_cn(const float* __restrict__ x, float* __restrict__ y,
        const float* __restrict__ bias, int features, int batch, int relu) {
    long long n = (long long)features * batch;
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
        y[i] = act(x[i], bias ? bias[i / batch] : 0.f, relu);
    }
}

// y = a + b (same shape), e.g. a residual join.
extern "C" __global__ void add_f32(const float* __restrict__ a, const float* __restrict__ b,
        float* __restrict__ y, long long n) {
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
        y[i] = a[i] + b[i];
    }
}

// Softmax over the features of each batch column: a warp per column (8 per block).
extern "C" __global__ void softmax_cn(const float* __restrict__ x, float* __restrict__ y, int features, int batch) {
    int col = blockIdx.x * 8 + (threadIdx.x >> 5), lane = threadIdx.x & 31;
    if (col >= batch) return;
    float m = -INFINITY;
    for (int f = lane; f < features; f += 32) m = fmaxf(m, x[(long long)f * batch + col]);
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) m = fmaxf(m, __shfl_xor_sync(FULL, m, o));
    float s = 0.f;
    for (int f = lane; f < features; f += 32) s += expf(x[(long long)f * batch + col] - m);
    s = warp_sum(s);
    float inv = 1.f / s;
    for (int f = lane; f < features; f += 32) {
        long long i = (long long)f * batch + col;
        y[i] = expf(x[i] - m) * inv;
    }
}

// ---- Convolutional models, activations [C][H][W][batch] (the session's "CN" layout, batch innermost) ----

// Explicit im2col: col [c*kh*kw + ky*kw + kx][(oy*wo + ox)*batch + b] = x [c][iy][ix][b] (0 in the padding), so a
// convolution is Y^T [cout][ho*wo*batch] = W [cout][cin*kh*kw] col, i.e. any of the dense / sparse matrix
// kernels with ho*wo*batch as their batch, and Y^T is already the output's [C][H][W][batch] layout.
// grid.y = the row r of col (its c, ky, kx decoded once per block), grid.x * 256 threads along the row's
// ho*wo*batch columns (< 2^31, checked by the caller): 32-bit index arithmetic, coalesced reads and writes.
extern "C" __global__ void __launch_bounds__(256) im2col_cn(const float* __restrict__ x, float* __restrict__ col,
        int channels, int h, int w, int kh, int kw, int sh, int sw, int padTop, int padLeft, int dh, int dw, int ho,
        int wo, int batch) {
    int r = blockIdx.y;
    int kx = r % kw, t = r / kw, ky = t % kh, c = t / kh;
    int columns = ho * wo * batch;
    int s = blockIdx.x * 256 + threadIdx.x;
    if (s >= columns) return;
    int p = s / batch, b = s - p * batch;
    int oy = p / wo, ox = p - oy * wo;
    int iy = oy * sh - padTop + ky * dh, ix = ox * sw - padLeft + kx * dw;
    col[(long long)r * columns + s] = (iy >= 0 && iy < h && ix >= 0 && ix < w)
            ? x[(((long long)c * h + iy) * w + ix) * batch + b] : 0.f;
}

// im2col_cn for batch % 4 == 0: a thread moves 4 batch columns as one float4 (16-byte loads and stores).
extern "C" __global__ void __launch_bounds__(256) im2col_cn4(const float* __restrict__ x, float* __restrict__ col,
        int channels, int h, int w, int kh, int kw, int sh, int sw, int padTop, int padLeft, int dh, int dw, int ho,
        int wo, int batch) {
    int r = blockIdx.y;
    int kx = r % kw, t = r / kw, ky = t % kh, c = t / kh;
    int quads = batch >> 2;
    int columns4 = ho * wo * quads;
    int s = blockIdx.x * 256 + threadIdx.x;
    if (s >= columns4) return;
    int p = s / quads, q = s - p * quads;
    int oy = p / wo, ox = p - oy * wo;
    int iy = oy * sh - padTop + ky * dh, ix = ox * sw - padLeft + kx * dw;
    float4 v = make_float4(0.f, 0.f, 0.f, 0.f);
    if (iy >= 0 && iy < h && ix >= 0 && ix < w) {
        v = reinterpret_cast<const float4*>(x + (((long long)c * h + iy) * w + ix) * batch)[q];
    }
    reinterpret_cast<float4*>(col + (long long)r * columns4 * 4)[s] = v;
}

// Max (mode 0) or average (mode 1) pooling with ONNX semantics, as sparrow-core's PoolStep: padding never wins a
// maximum; the average divides by the cells inside the image, plus the padded ones when countIncludePad.
// grid.y = the channel, grid.x * 256 threads along its ho*wo*batch outputs (< 2^31): 32-bit index arithmetic.
extern "C" __global__ void __launch_bounds__(256) pool_cn(const float* __restrict__ x, float* __restrict__ y,
        int channels, int h, int w, int ho, int wo, int batch, int kh, int kw, int sh, int sw, int padTop,
        int padLeft, int padBottom, int padRight, int dh, int dw, int mode, int countIncludePad) {
    int c = blockIdx.y;
    int outputs = ho * wo * batch;
    int i = blockIdx.x * 256 + threadIdx.x;
    if (i >= outputs) return;
    int p = i / batch, b = i - p * batch;
    int oy = p / wo, ox = p - oy * wo;
    const float* plane = x + (long long)c * h * w * batch + b;
    float acc = mode == 0 ? -INFINITY : 0.f;
    int counted = 0;
    for (int ky = 0; ky < kh; ky++) {
        int iy = oy * sh - padTop + ky * dh;
        for (int kx = 0; kx < kw; kx++) {
            int ix = ox * sw - padLeft + kx * dw;
            if (iy >= 0 && iy < h && ix >= 0 && ix < w) {
                float v = plane[(iy * w + ix) * batch];
                acc = mode == 0 ? fmaxf(acc, v) : acc + v;
                counted++;
            } else if (countIncludePad && iy >= -padTop && iy < h + padBottom && ix >= -padLeft && ix < w + padRight) {
                counted++;
            }
        }
    }
    y[(long long)c * outputs + i] = mode == 0 ? acc : acc / (float)max(1, counted);
}

// y [c][b] = mean over s of x [c][s][b] (GlobalAveragePool, ReduceMean over the spatial axes): a thread per (c, b),
// consecutive threads along b.
extern "C" __global__ void channel_mean_cn(const float* __restrict__ x, float* __restrict__ y, int channels,
        int spatial, int batch) {
    long long n = (long long)channels * batch;
    float inv = 1.f / spatial;
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
        int b = (int)(i % batch);
        long long c = i / batch;
        const float* p = x + c * spatial * batch + b;
        float s = 0.f;
        for (int k = 0; k < spatial; k++) s += p[(long long)k * batch];
        y[i] = s * inv;
    }
}

// y [c][j] = act(x [c][j] * scale[c] + shift[c]) over inner = spatial*batch values per channel: a BatchNorm that
// no convolution absorbed (scale may be null: a per-channel constant Add).
extern "C" __global__ void channel_affine_cn(const float* __restrict__ x, float* __restrict__ y,
        const float* __restrict__ scale, const float* __restrict__ shift, int channels, long long inner, int relu) {
    long long n = channels * inner;
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
        int c = (int)(i / inner);
        float v = (scale ? x[i] * scale[c] : x[i]) + shift[c];
        y[i] = relu ? fmaxf(v, 0.f) : v;
    }
}

// y = act(a + b) (same shape): a residual join with the ReLU after it fused.
extern "C" __global__ void add_act_f32(const float* __restrict__ a, const float* __restrict__ b,
        float* __restrict__ y, long long n, int relu) {
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
        float v = a[i] + b[i];
        y[i] = relu ? fmaxf(v, 0.f) : v;
    }
}
