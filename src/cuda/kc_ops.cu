// The CUDA backend's operations: cuBLAS for the matrix work (linear layers, LSTM input
// projections, convolutions as im2col GEMMs, transposed convolutions as GEMM + col2im), own
// kernels for the rest. Numerics follow src/nn/ (double sums where the CPU sums in double).
#include <cstdio>
#include <cstring>

#include "cuda/kc.cuh"

#define KC_THREADS 256

static unsigned blocks_for(size_t n)
{
    return (unsigned)((n + KC_THREADS - 1) / KC_THREADS);
}

bool kc_fail(kc_ctx *c, kokoro_status code, const char *what, const char *detail)
{
    if (c->code == KOKORO_OK) {
        c->code = code;
        std::snprintf(c->msg, sizeof c->msg, "%s: %s", what, detail);
    }
    return false;
}

bool kc_check(kc_ctx *c, cudaError_t e, const char *what)
{
    if (e == cudaSuccess)
        return true;
    return kc_fail(c, e == cudaErrorMemoryAllocation ? KOKORO_ERR_NO_MEMORY : KOKORO_ERR_INTERNAL,
                   what, cudaGetErrorString(e));
}

bool kc_check_blas(kc_ctx *c, cublasStatus_t e, const char *what)
{
    if (e == CUBLAS_STATUS_SUCCESS)
        return true;
    char d[32];
    std::snprintf(d, sizeof d, "cuBLAS status %d", (int)e);
    return kc_fail(c, e == CUBLAS_STATUS_ALLOC_FAILED ? KOKORO_ERR_NO_MEMORY : KOKORO_ERR_INTERNAL,
                   what, d);
}

#define LAUNCHED(c, what) kc_check((c), cudaGetLastError(), (what))

/* ------------------------------------------------------------------ arena */

static const size_t KC_BLOCK = (size_t)64 << 20;

float *kc_alloc(kc_ctx *c, size_t n)
{
    if (!kc_ok(c))
        return nullptr;
    kc_arena *a = c->arena;
    size_t bytes = ((n ? n : 1) * sizeof(float) + 255) & ~(size_t)255;
    while (a->cur < a->blocks.size()) {
        kc_arena::block &b = a->blocks[a->cur];
        if (b.size - b.used >= bytes) {
            char *p = b.p + b.used;
            b.used += bytes;
            a->in_use += bytes;
            if (a->in_use > a->peak)
                a->peak = a->in_use;
            return (float *)p;
        }
        if (a->cur + 1 == a->blocks.size())
            break;
        a->in_use += b.size - b.used; // the tail of a block is skipped, count it as held
        b.used = b.size;
        a->cur++;
    }
    // A new block, at least as big as the request; blocks after the current one that were too
    // small for it stay for later calls.
    kc_arena::block nb{nullptr, bytes > KC_BLOCK ? bytes : KC_BLOCK, 0};
    cudaError_t e = cudaMalloc((void **)&nb.p, nb.size);
    if (e != cudaSuccess) {
        (void)cudaGetLastError();
        kc_fail(c, KOKORO_ERR_NO_MEMORY, "device arena", "out of GPU memory");
        return nullptr;
    }
    if (!a->blocks.empty())
        a->blocks[a->cur].used = a->blocks[a->cur].size;
    a->blocks.insert(a->blocks.begin() + (long)(a->blocks.empty() ? 0 : a->cur + 1), nb);
    if (a->blocks.size() > 1)
        a->cur++;
    kc_arena::block &b = a->blocks[a->cur];
    b.used = bytes;
    a->in_use += bytes;
    if (a->in_use > a->peak)
        a->peak = a->in_use;
    return (float *)b.p;
}

kc_mark kc_mark_get(const kc_ctx *c)
{
    const kc_arena *a = c->arena;
    return {a->cur, a->blocks.empty() ? 0 : a->blocks[a->cur].used, a->in_use};
}

void kc_release(kc_ctx *c, kc_mark m)
{
    kc_arena *a = c->arena;
    for (size_t i = m.block + 1; i < a->blocks.size(); i++)
        a->blocks[i].used = 0;
    if (!a->blocks.empty())
        a->blocks[m.block].used = m.used;
    a->cur = m.block;
    a->in_use = m.in_use;
}

void kc_arena_free(kc_arena *a)
{
    for (auto &b : a->blocks)
        cudaFree(b.p);
    a->blocks.clear();
    a->cur = a->in_use = a->peak = 0;
}

/* ------------------------------------------------------------------ elementwise */

__global__ static void k_fill(float *y, size_t n, float v)
{
    size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x;
    if (i < n)
        y[i] = v;
}

void kc_fill(kc_ctx *c, float *y, size_t n, float v)
{
    if (!kc_ok(c) || !n)
        return;
    k_fill<<<blocks_for(n), KC_THREADS, 0, c->s>>>(y, n, v);
    LAUNCHED(c, "fill");
}

void kc_copy(kc_ctx *c, float *dst, const float *src, size_t n)
{
    if (kc_ok(c) && n)
        kc_check(c, cudaMemcpyAsync(dst, src, n * sizeof(float), cudaMemcpyDeviceToDevice, c->s),
                 "device copy");
}

// y[r][col] = b[col] (+ y when add): bias of a row-major [rows][cols] result
__global__ static void k_bias_cols(float *y, size_t rows, int cols, const float *b, int add)
{
    size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x;
    if (i < rows * cols)
        y[i] = (add ? y[i] : 0.0f) + b[i % cols];
}

// y[r][t] = b[r] (+ y when add): bias of a channel-major [rows][L] result
__global__ static void k_bias_rows(float *y, int rows, size_t L, const float *b, int add)
{
    size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x;
    if (i < rows * L)
        y[i] = (add ? y[i] : 0.0f) + (b ? b[i / L] : 0.0f);
}

__global__ static void k_gelu(float *x, size_t n)
{
    size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x;
    if (i < n) {
        const float k = 0.7978845608028654f;
        float v = x[i];
        x[i] = 0.5f * v * (1.0f + tanhf(k * (v + 0.044715f * v * v * v)));
    }
}

void kc_gelu(kc_ctx *c, float *x, size_t n)
{
    if (!kc_ok(c) || !n)
        return;
    k_gelu<<<blocks_for(n), KC_THREADS, 0, c->s>>>(x, n);
    LAUNCHED(c, "gelu");
}

__global__ static void k_add(float *y, const float *x, size_t n)
{
    size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x;
    if (i < n)
        y[i] += x[i];
}

void kc_add(kc_ctx *c, float *y, const float *x, size_t n)
{
    if (!kc_ok(c) || !n)
        return;
    k_add<<<blocks_for(n), KC_THREADS, 0, c->s>>>(y, x, n);
    LAUNCHED(c, "add");
}

__global__ static void k_scale(float *y, size_t n, float a)
{
    size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x;
    if (i < n)
        y[i] *= a;
}

void kc_scale(kc_ctx *c, float *y, size_t n, float a)
{
    if (!kc_ok(c) || !n)
        return;
    k_scale<<<blocks_for(n), KC_THREADS, 0, c->s>>>(y, n, a);
    LAUNCHED(c, "scale");
}

__global__ static void k_transpose(const float *x, int R, int C, float *y)
{
    __shared__ float tile[32][33];
    int c0 = blockIdx.x * 32, r0 = blockIdx.y * 32;
    for (int i = threadIdx.y; i < 32; i += blockDim.y) {
        int r = r0 + i, col = c0 + threadIdx.x;
        if (r < R && col < C)
            tile[i][threadIdx.x] = x[(size_t)r * C + col];
    }
    __syncthreads();
    for (int i = threadIdx.y; i < 32; i += blockDim.y) {
        int col = c0 + i, r = r0 + threadIdx.x;
        if (r < R && col < C)
            y[(size_t)col * R + r] = tile[threadIdx.x][i];
    }
}

void kc_transpose(kc_ctx *c, const float *x, int R, int C, float *y)
{
    if (!kc_ok(c) || !R || !C)
        return;
    dim3 grid((C + 31) / 32, (R + 31) / 32), block(32, 8);
    k_transpose<<<grid, block, 0, c->s>>>(x, R, C, y);
    LAUNCHED(c, "transpose");
}

__device__ static inline float apply_act(float v, int c, const kc_pre &p)
{
    if (p.scale)
        v = v * p.scale[c] + (p.shift ? p.shift[c] : 0.0f);
    else if (p.shift)
        v = v + p.shift[c];
    if (p.act == KC_ACT_LEAKY) {
        v = v * (v < 0.0f ? p.slope : 1.0f);
    } else if (p.act == KC_ACT_SNAKE) {
        float a = p.alpha[c], inv = 1.0f / a, s = sinf(a * v);
        v = v + inv * (s * s);
    }
    return v;
}

__global__ static void k_apply_pre(const float *x, int C, size_t L, kc_pre p, float *y)
{
    size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x;
    if (i < C * L)
        y[i] = apply_act(x[i], (int)(i / L), p);
}

void kc_apply_pre(kc_ctx *c, const float *x, int C, int L, const kc_pre *pre, float *y)
{
    size_t n = (size_t)C * L;
    if (!kc_ok(c) || !n)
        return;
    k_apply_pre<<<blocks_for(n), KC_THREADS, 0, c->s>>>(x, C, (size_t)L, *pre, y);
    LAUNCHED(c, "activation");
}

/* ------------------------------------------------------------------ linear */

void kc_linear(kc_ctx *c, const float *x, int n, int in, const float *W, const float *b, int out,
               float *y)
{
    if (!kc_ok(c) || !n)
        return;
    float one = 1.0f, zero = 0.0f;
    if (b) {
        size_t N = (size_t)n * out;
        k_bias_cols<<<blocks_for(N), KC_THREADS, 0, c->s>>>(y, (size_t)n, out, b, 0);
        if (!LAUNCHED(c, "linear bias"))
            return;
    }
    // row-major y[n][out] is column-major (out x n): y = W^T(in x out)^T . x(in x n)
    kc_check_blas(c, cublasSgemm(c->blas, CUBLAS_OP_T, CUBLAS_OP_N, out, n, in, &one, W, in, x, in,
                                 b ? &one : &zero, y, out),
                  "linear GEMM");
}

/* ------------------------------------------------------------------ norms */

__device__ static double block_sum(double v)
{
    __shared__ double part[KC_THREADS / 32];
    for (int o = 16; o > 0; o >>= 1)
        v += __shfl_down_sync(0xffffffffu, v, o);
    int w = threadIdx.x / 32, lane = threadIdx.x % 32;
    __syncthreads();
    if (lane == 0)
        part[w] = v;
    __syncthreads();
    double s = 0.0;
    if (threadIdx.x == 0)
        for (int i = 0; i < (int)(blockDim.x / 32); i++)
            s += part[i];
    __shared__ double total;
    if (threadIdx.x == 0)
        total = s;
    __syncthreads();
    return total;
}

// One block per row of x[n][C].
__global__ static void k_layernorm_rows(const float *x, int C, const float *g, const float *b,
                                        float eps, float *y)
{
    const float *r = x + (size_t)blockIdx.x * C;
    float *o = y + (size_t)blockIdx.x * C;
    double s = 0.0;
    for (int i = threadIdx.x; i < C; i += blockDim.x)
        s += r[i];
    float mean = (float)(block_sum(s) / C);
    double v = 0.0;
    for (int i = threadIdx.x; i < C; i += blockDim.x) {
        float d = r[i] - mean;
        v += (double)d * d;
    }
    float inv = (float)(1.0 / sqrt(block_sum(v) / C + eps));
    for (int i = threadIdx.x; i < C; i += blockDim.x) {
        float t = (r[i] - mean) * inv;
        if (g)
            t = t * g[i];
        if (b)
            t = t + b[i];
        o[i] = t;
    }
}

void kc_layernorm_rows(kc_ctx *c, const float *x, int n, int C, const float *g, const float *b,
                       float eps, float *y)
{
    if (!kc_ok(c) || !n)
        return;
    k_layernorm_rows<<<n, KC_THREADS, 0, c->s>>>(x, C, g, b, eps, y);
    LAUNCHED(c, "layernorm");
}

// One thread per step t of channel-major x[C][L] (reads are coalesced across t).
__global__ static void k_layernorm_channels(const float *x, int C, int L, const float *g,
                                            const float *b, float eps, float slope, float *y)
{
    int t = blockIdx.x * blockDim.x + threadIdx.x;
    if (t >= L)
        return;
    double s = 0.0;
    for (int i = 0; i < C; i++)
        s += x[(size_t)i * L + t];
    float mean = (float)(s / C);
    double v = 0.0;
    for (int i = 0; i < C; i++) {
        float d = x[(size_t)i * L + t] - mean;
        v += (double)d * d;
    }
    float inv = (float)(1.0 / sqrt(v / C + eps));
    for (int i = 0; i < C; i++) {
        float u = (x[(size_t)i * L + t] - mean) * inv;
        if (g)
            u = u * g[i];
        if (b)
            u = u + b[i];
        y[(size_t)i * L + t] = u * (u < 0.0f ? slope : 1.0f);
    }
}

void kc_layernorm_channels(kc_ctx *c, const float *x, int C, int L, const float *g,
                           const float *b, float eps, float slope, float *y)
{
    if (!kc_ok(c) || !L)
        return;
    k_layernorm_channels<<<blocks_for((size_t)L), KC_THREADS, 0, c->s>>>(x, C, L, g, b, eps,
                                                                         slope, y);
    LAUNCHED(c, "channel layernorm");
}

// One block per channel: instance statistics (double sums, biased variance, eps 1e-5) folded
// with the style's gamma/beta and the norm's affine into y = x*scale + shift.
__global__ static void k_adain(const float *x, int C, int L, const float *gb, const float *nw,
                               const float *nb, float *scale, float *shift)
{
    int ch = blockIdx.x;
    const float *r = x + (size_t)ch * L;
    double s = 0.0;
    for (int i = threadIdx.x; i < L; i += blockDim.x)
        s += r[i];
    float m = (float)(block_sum(s) / L);
    double v = 0.0;
    for (int i = threadIdx.x; i < L; i += blockDim.x) {
        float d = r[i] - m;
        v += (double)(d * d);
    }
    double var = block_sum(v);
    if (threadIdx.x == 0) {
        float invstd = (float)(1.0 / sqrt(var / L + 1e-5));
        float a = invstd * (nw ? nw[ch] : 1.0f);
        float b0 = (nb ? nb[ch] : 0.0f) - m * a;
        float g1 = 1.0f + gb[ch];
        scale[ch] = g1 * a;
        shift[ch] = g1 * b0 + gb[C + ch];
    }
}

void kc_adain_coeffs(kc_ctx *c, const float *x, int C, int L, const float *gb,
                     const float *norm_w, const float *norm_b, float *scale, float *shift)
{
    if (!kc_ok(c) || !C)
        return;
    k_adain<<<C, KC_THREADS, 0, c->s>>>(x, C, L, gb, norm_w, norm_b, scale, shift);
    LAUNCHED(c, "AdaIN statistics");
}

/* ------------------------------------------------------------------ convolutions */

int kc_conv1d_len(int L, int k, int stride, int pad, int dil)
{
    return (L + 2 * pad - dil * (k - 1) - 1) / stride + 1;
}

int kc_conv_transpose1d_len(int L, int k, int stride, int pad, int outpad)
{
    return (L - 1) * stride - 2 * pad + k + outpad;
}

// col[(i*k + q)][t] = pre(x)[i][(t0 + t)*stride - pad + q*dil], zero outside [0, L)
__global__ static void k_im2col(const float *x, int in, int L, kc_pre p, int has_pre, int k,
                                int stride, int pad, int dil, long t0, int n, float *col)
{
    size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x;
    size_t total = (size_t)in * k * n;
    if (i >= total)
        return;
    int t = (int)(i % n);
    size_t row = i / n;
    int q = (int)(row % k), ch = (int)(row / k);
    long src = (t0 + t) * (long)stride - pad + (long)q * dil;
    float v = 0.0f;
    if (src >= 0 && src < L) {
        v = x[(size_t)ch * L + src];
        if (has_pre)
            v = apply_act(v, ch, p);
    }
    col[i] = v;
}

// The im2col buffer is capped so that long utterances do not need gigabytes of scratch.
static const size_t KC_COL_FLOATS = (size_t)32 << 20;

void kc_conv1d(kc_ctx *c, const float *x, int in, int L, const kc_pre *pre, const float *W,
               const float *b, int out, int k, int stride, int pad, int dil, float *y,
               int accumulate)
{
    int Lout = kc_conv1d_len(L, k, stride, pad, dil);
    if (!kc_ok(c) || Lout <= 0)
        return;
    size_t N = (size_t)out * Lout;
    if (b || !accumulate) {
        k_bias_rows<<<blocks_for(N), KC_THREADS, 0, c->s>>>(y, out, (size_t)Lout, b, accumulate);
        if (!LAUNCHED(c, "conv bias"))
            return;
    }
    float one = 1.0f;
    int K = in * k;
    if (k == 1 && stride == 1 && pad == 0 && !pre) {
        // a 1x1 convolution is one GEMM over x itself
        kc_check_blas(c, cublasSgemm(c->blas, CUBLAS_OP_N, CUBLAS_OP_N, Lout, out, K, &one, x, L,
                                     W, K, &one, y, Lout),
                      "conv1x1 GEMM");
        return;
    }
    size_t per = KC_COL_FLOATS / (size_t)K;
    int tile = per < 1 ? 1 : (per > (size_t)Lout ? Lout : (int)per);
    kc_mark m = kc_mark_get(c);
    float *col = kc_alloc(c, (size_t)K * tile);
    kc_pre none;
    for (long t0 = 0; t0 < Lout && kc_ok(c); t0 += tile) {
        int n = Lout - t0 < tile ? (int)(Lout - t0) : tile;
        size_t tot = (size_t)K * n;
        k_im2col<<<blocks_for(tot), KC_THREADS, 0, c->s>>>(x, in, L, pre ? *pre : none, pre != nullptr,
                                                           k, stride, pad, dil, t0, n, col);
        if (!LAUNCHED(c, "im2col"))
            break;
        // row-major y[out][Lout] (columns t0..t0+n) = W[out][K] . col[K][n]
        kc_check_blas(c, cublasSgemm(c->blas, CUBLAS_OP_N, CUBLAS_OP_N, n, out, K, &one, col, n, W,
                                     K, &one, y + t0, Lout),
                      "conv GEMM");
    }
    kc_release(c, m);
}

// y[o][u] = b[o] + sum over taps j with u + pad - j = t*stride, t in [0, L): Z[o*k + j][t]
__global__ static void k_col2im(const float *Z, int out, int k, int L, int stride, int pad,
                                const float *b, int Lout, float *y)
{
    size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x;
    if (i >= (size_t)out * Lout)
        return;
    int u = (int)(i % Lout), o = (int)(i / Lout);
    float acc = b ? b[o] : 0.0f;
    for (int j = 0; j < k; j++) {
        int v = u + pad - j;
        if (v < 0 || v % stride)
            continue;
        int t = v / stride;
        if (t < L)
            acc += Z[((size_t)o * k + j) * L + t];
    }
    y[i] = acc;
}

void kc_conv_transpose1d(kc_ctx *c, const float *x, int in, int L, const kc_pre *pre,
                         const float *W, const float *b, int out, int k, int stride, int pad,
                         int outpad, float *y)
{
    int Lout = kc_conv_transpose1d_len(L, k, stride, pad, outpad);
    if (!kc_ok(c) || Lout <= 0)
        return;
    kc_mark m = kc_mark_get(c);
    const float *xp = x;
    if (pre) {
        float *t = kc_alloc(c, (size_t)in * L);
        kc_apply_pre(c, x, in, L, pre, t);
        xp = t;
    }
    float *Z = kc_alloc(c, (size_t)out * k * L);
    if (!kc_ok(c))
        return;
    float one = 1.0f, zero = 0.0f;
    // row-major Z[out*k][L] = W[in][out*k]^T . x[in][L]
    kc_check_blas(c, cublasSgemm(c->blas, CUBLAS_OP_N, CUBLAS_OP_T, L, out * k, in, &one, xp, L, W,
                                 out * k, &zero, Z, L),
                  "transposed conv GEMM");
    size_t N = (size_t)out * Lout;
    k_col2im<<<blocks_for(N), KC_THREADS, 0, c->s>>>(Z, out, k, L, stride, pad, b, Lout, y);
    LAUNCHED(c, "col2im");
    kc_release(c, m);
}

__global__ static void k_convt_dw(const float *x, int C, int L, kc_pre p, int has_pre,
                                  const float *W, const float *b, int k, int stride, int pad,
                                  int Lout, float *y)
{
    size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x;
    if (i >= (size_t)C * Lout)
        return;
    int u = (int)(i % Lout), ch = (int)(i / Lout);
    float acc = b ? b[ch] : 0.0f;
    for (int j = 0; j < k; j++) {
        int v = u + pad - j;
        if (v < 0 || v % stride)
            continue;
        int t = v / stride;
        if (t < L) {
            float xv = x[(size_t)ch * L + t];
            if (has_pre)
                xv = apply_act(xv, ch, p);
            acc += W[(size_t)ch * k + j] * xv;
        }
    }
    y[i] = acc;
}

void kc_conv_transpose1d_depthwise(kc_ctx *c, const float *x, int C, int L, const kc_pre *pre,
                                   const float *W, const float *b, int k, int stride, int pad,
                                   int outpad, float *y)
{
    int Lout = kc_conv_transpose1d_len(L, k, stride, pad, outpad);
    if (!kc_ok(c) || Lout <= 0)
        return;
    kc_pre none;
    size_t N = (size_t)C * Lout;
    k_convt_dw<<<blocks_for(N), KC_THREADS, 0, c->s>>>(x, C, L, pre ? *pre : none, pre != nullptr,
                                                       W, b, k, stride, pad, Lout, y);
    LAUNCHED(c, "depthwise transposed conv");
}

/* ------------------------------------------------------------------ LSTM */

// One time step of both directions: a warp per hidden unit computes its four gate rows of
// W_hh . h_prev, then the cell update. h is double-buffered across steps.
__global__ static void k_lstm_step(const float *G0, const float *G1, const float *W0,
                                   const float *W1, const float *hprev, float *hnext, float *cst,
                                   float *y, int T, int H, int step)
{
    int dir = blockIdx.y;
    int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    int j = blockIdx.x * (blockDim.x / 32) + warp;
    if (j >= H)
        return;
    int t = dir ? T - 1 - step : step;
    const float *G = (dir ? G1 : G0) + (size_t)t * 4 * H;
    const float *W = dir ? W1 : W0;
    const float *h = hprev + (size_t)dir * H;
    float z[4];
    for (int g = 0; g < 4; g++) {
        const float *row = W + ((size_t)g * H + j) * H;
        float acc = 0.0f;
        for (int q = lane; q < H; q += 32)
            acc += row[q] * h[q];
        for (int o = 16; o > 0; o >>= 1)
            acc += __shfl_down_sync(0xffffffffu, acc, o);
        z[g] = acc + G[(size_t)g * H + j];
    }
    if (lane == 0) {
        float ig = 1.0f / (1.0f + expf(-z[0]));
        float fg = 1.0f / (1.0f + expf(-z[1]));
        float gg = tanhf(z[2]);
        float og = 1.0f / (1.0f + expf(-z[3]));
        float cv = fg * cst[(size_t)dir * H + j] + ig * gg;
        float hv = og * tanhf(cv);
        cst[(size_t)dir * H + j] = cv;
        hnext[(size_t)dir * H + j] = hv;
        y[(size_t)t * 2 * H + (size_t)dir * H + j] = hv;
    }
}

void kc_bilstm(kc_ctx *c, const kc_lstm *w, const float *x, int T, float *y)
{
    int H = w->hidden;
    if (!kc_ok(c) || T <= 0)
        return;
    kc_mark m = kc_mark_get(c);
    float *G0 = kc_alloc(c, (size_t)T * 4 * H), *G1 = kc_alloc(c, (size_t)T * 4 * H);
    float *st = kc_alloc(c, (size_t)6 * H); // h ping, h pong, c: each [2][H]
    if (!kc_ok(c))
        return;
    kc_linear(c, x, T, w->in, w->w_ih[0], w->bias[0], 4 * H, G0);
    kc_linear(c, x, T, w->in, w->w_ih[1], w->bias[1], 4 * H, G1);
    kc_fill(c, st, (size_t)6 * H, 0.0f);
    const int warps = 8;
    dim3 grid((H + warps - 1) / warps, 2);
    for (int step = 0; step < T && kc_ok(c); step++) {
        float *hp = st + (size_t)(step & 1) * 2 * H, *hn = st + (size_t)((step + 1) & 1) * 2 * H;
        k_lstm_step<<<grid, warps * 32, 0, c->s>>>(G0, G1, w->w_hh[0], w->w_hh[1], hp, hn,
                                                   st + (size_t)4 * H, y, T, H, step);
        LAUNCHED(c, "LSTM step");
    }
    kc_release(c, m);
}

/* ------------------------------------------------------------------ STFT / iSTFT */

#define KC_MAX_NFFT 64

// tab[k][n] = (cos, -sin)(2 pi (k n mod N) / N) * scale(k, n): forward tables carry the periodic
// Hann window, inverse ones the one-sided 1 or 2 over N.
__global__ static void k_dft_tables(int n_fft, int inverse, double *cs, double *sn, double *win)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    int nb = n_fft / 2 + 1, half = n_fft / 2;
    if (i < n_fft)
        win[i] = 0.5 - 0.5 * cos(2.0 * M_PI * i / n_fft);
    if (i >= nb * n_fft)
        return;
    int k = i / n_fft, n = i % n_fft;
    double a = 2.0 * M_PI * (double)((k * n) % n_fft) / n_fft;
    double w = 0.5 - 0.5 * cos(2.0 * M_PI * n / n_fft);
    if (inverse) {
        double scale = (k == 0 || k == half) ? 1.0 : 2.0;
        cs[i] = scale * cos(a) / n_fft;
        sn[i] = -scale * sin(a) / n_fft;
    } else {
        cs[i] = cos(a) * w;
        sn[i] = -sin(a) * w;
    }
}

__global__ static void k_stft(const float *x, int L, int n_fft, int hop, int N, const double *cs,
                              const double *sn, float *mag, float *phase)
{
    int m = blockIdx.x * blockDim.x + threadIdx.x;
    if (m >= N)
        return;
    int nb = n_fft / 2 + 1, half = n_fft / 2;
    float frame[KC_MAX_NFFT];
    for (int n = 0; n < n_fft; n++) {
        long p = (long)m * hop + n - half;
        if (p < 0)
            p = -p;
        if (p >= L)
            p = 2 * (long)(L - 1) - p;
        frame[n] = x[p];
    }
    for (int k = 0; k < nb; k++) {
        double re = 0.0, im = 0.0;
        for (int n = 0; n < n_fft; n++) {
            re += cs[k * n_fft + n] * frame[n];
            im += sn[k * n_fft + n] * frame[n];
        }
        if (k == 0 || k == half)
            im = 0.0;
        float fr = (float)re, fi = (float)im;
        mag[(size_t)k * N + m] = sqrtf(fr * fr + fi * fi);
        phase[(size_t)k * N + m] = atan2f(fi, fr);
    }
}

void kc_stft(kc_ctx *c, const float *x, int L, int n_fft, int hop, float *mag, float *phase)
{
    if (!kc_ok(c))
        return;
    if (n_fft > KC_MAX_NFFT) {
        kc_fail(c, KOKORO_ERR_INTERNAL, "STFT", "n_fft above 64 is not supported");
        return;
    }
    int N = L / hop + 1, nb = n_fft / 2 + 1;
    kc_mark m = kc_mark_get(c);
    double *tab = (double *)kc_alloc(c, (size_t)2 * (2 * nb * n_fft + n_fft));
    if (!kc_ok(c))
        return;
    k_dft_tables<<<blocks_for((size_t)nb * n_fft), KC_THREADS, 0, c->s>>>(
        n_fft, 0, tab, tab + nb * n_fft, tab + 2 * nb * n_fft);
    k_stft<<<blocks_for((size_t)N), KC_THREADS, 0, c->s>>>(x, L, n_fft, hop, N, tab,
                                                           tab + nb * n_fft, mag, phase);
    LAUNCHED(c, "STFT");
    kc_release(c, m);
}

// frames[m][n] = window[n] * irfft(exp(post mag) e^(i sin(post phase)))[n]
__global__ static void k_istft_frames(const float *post, int N, int n_fft, const double *cs,
                                      const double *sn, const double *win, float *frames)
{
    int m = blockIdx.x * blockDim.x + threadIdx.x;
    if (m >= N)
        return;
    int nb = n_fft / 2 + 1, half = n_fft / 2;
    double re[KC_MAX_NFFT / 2 + 1], im[KC_MAX_NFFT / 2 + 1];
    for (int k = 0; k < nb; k++) {
        float mg = expf(post[(size_t)k * N + m]);
        float ph = sinf(post[(size_t)(nb + k) * N + m]);
        re[k] = mg * cosf(ph);
        im[k] = (k == 0 || k == half) ? 0.0 : mg * sinf(ph);
    }
    for (int n = 0; n < n_fft; n++) {
        double v = 0.0;
        for (int k = 0; k < nb; k++)
            v += re[k] * cs[k * n_fft + n] + im[k] * sn[k * n_fft + n];
        frames[(size_t)m * n_fft + n] = (float)(v * win[n]);
    }
}

// Overlap-add in frame order, divided by the summed squared window, trimmed by n_fft/2.
__global__ static void k_istft_ola(const float *frames, int N, int n_fft, int hop,
                                   const double *win, float *y, size_t Lout)
{
    size_t q = blockIdx.x * (size_t)blockDim.x + threadIdx.x;
    if (q >= Lout)
        return;
    long p = (long)q + n_fft / 2;
    long m0 = p - n_fft + 1 <= 0 ? 0 : (p - n_fft + 1 + hop - 1) / hop;
    float buf = 0.0f, env = 0.0f;
    for (long m = m0; m < N && m * hop <= p; m++) {
        int n = (int)(p - m * hop);
        buf += frames[(size_t)m * n_fft + n];
        env += (float)(win[n] * win[n]);
    }
    y[q] = buf / env;
}

void kc_istft_post(kc_ctx *c, const float *post, int N, int n_fft, int hop, float *y)
{
    if (!kc_ok(c))
        return;
    if (n_fft > KC_MAX_NFFT) {
        kc_fail(c, KOKORO_ERR_INTERNAL, "iSTFT", "n_fft above 64 is not supported");
        return;
    }
    int nb = n_fft / 2 + 1;
    kc_mark m = kc_mark_get(c);
    double *tab = (double *)kc_alloc(c, (size_t)2 * (2 * nb * n_fft + n_fft));
    float *frames = kc_alloc(c, (size_t)N * n_fft);
    if (!kc_ok(c))
        return;
    double *cs = tab, *sn = tab + nb * n_fft, *win = tab + 2 * nb * n_fft;
    k_dft_tables<<<blocks_for((size_t)nb * n_fft), KC_THREADS, 0, c->s>>>(n_fft, 1, cs, sn, win);
    k_istft_frames<<<blocks_for((size_t)N), KC_THREADS, 0, c->s>>>(post, N, n_fft, cs, sn, win,
                                                                   frames);
    size_t Lout = (size_t)hop * (N - 1);
    k_istft_ola<<<blocks_for(Lout), KC_THREADS, 0, c->s>>>(frames, N, n_fft, hop, win, y, Lout);
    LAUNCHED(c, "iSTFT");
    kc_release(c, m);
}
