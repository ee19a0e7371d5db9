#include <cblas.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nn/gemm.h"
#include "nn/gemm_bf16.h"
#include "nn/nn.h"
#include "nn/parallel.h"

/* im2col blocks hold at most this many floats (8 MB), so temporaries stay
 * bounded whatever the sequence length and each block is one efficient GEMM. */
#define KK_COL_FLOATS (1 << 21)

int kk_conv1d_len(int L, int k, int stride, int pad, int dil)
{
    return (L + 2 * pad - dil * (k - 1) - 1) / stride + 1;
}

/*
 * Work tiles: output columns in blocks of `cols`, output channels in groups of `rows`. Both come
 * from the layer's shape alone, never from the thread count: the BLAS rounds differently for
 * different GEMM shapes (kernel choice, edge handling), so a split that followed the thread
 * count would make the audio depend on it — and the harmonic source integrates F0 over the
 * whole utterance, which turns a 1e-7 difference there into a different waveform. There are at
 * least KK_MIN_TILES tiles where the shape allows, so short inputs still keep every core busy.
 */
#define KK_MIN_TILES 8

typedef struct {
    int cols, col_blocks, rows, row_groups;
} tiling;

static tiling tiles_of(int out, int Lout, long min_cols, long max_cols)
{
    tiling t;
    long cols = ((Lout + KK_MIN_TILES - 1) / KK_MIN_TILES + 15) & ~15L;
    if (cols < min_cols)
        cols = min_cols;
    if (cols > max_cols)
        cols = max_cols;
    if (cols > Lout)
        cols = Lout;
    if (cols < 1)
        cols = 1;
    t.cols = (int)cols;
    t.col_blocks = (int)((Lout + cols - 1) / cols);
    int groups = (KK_MIN_TILES + t.col_blocks - 1) / t.col_blocks, most = out / 64;
    if (groups > most)
        groups = most;
    if (groups < 1)
        groups = 1;
    t.rows = (((out + groups - 1) / groups) + 15) & ~15;
    if (t.rows > out)
        t.rows = out;
    if (t.rows < 1)
        t.rows = 1;
    t.row_groups = (out + t.rows - 1) / t.rows;
    return t;
}

/* im2col blocks stay within KK_COL_FLOATS */
static long im2col_cols(int in, int k)
{
    long nb = KK_COL_FLOATS / ((long)in * k);
    return nb < 64 ? 64 : nb;
}

static size_t span_of(int n, int k, int stride, int dil)
{
    return (size_t)(n - 1) * stride + (size_t)dil * (k - 1) + 1;
}

static size_t per_worker(int in, int k, int stride, int dil, int nb)
{
    return (size_t)in * k * nb + (size_t)in * span_of(nb, k, stride, dil) + 16;
}

/* Stride-1 convolutions with k > 1 run as k GEMMs over shifted views of one gathered input block,
 * y[:, t] += W_q . x[:, t + q*dil], with W rearranged per call to [k][out][in]: no im2col copy
 * (OpenBLAS packs its operands anyway), and the rearrangement (out*in*k floats, once per call)
 * is negligible next to the GEMMs. Blocks of at most KK_SHIFT_COLS output columns keep y's
 * block in cache across the k passes. */
#define KK_SHIFT_COLS 1024

static int use_shifted(int k, int stride)
{
    return stride == 1 && k > 1;
}

/* Copies x[c][lo .. lo+span) (zero outside [0, L)) through pre into dst[c][span]. */
static void gather_input(const kk_buf *x, const kk_pre *pre, long lo, size_t span, float *dst)
{
    for (int c = 0; c < x->C; c++)
        kk_buf_read_pre_padded(x, pre, c, lo, span, dst + (size_t)c * span);
}

/* Output block [t0, t0+n) of y: float32 outputs are computed in place (row stride Lout); packed
 * ones in the worker's tile (row stride n), loaded first when accumulating. Rows start at the
 * bias (or, accumulating, get it added). */
static float *output_begin(kk_buf *y, const float *b, int r0, int r1, int t0, int n,
                           int accumulate, float *tile, size_t *ldy)
{
    float *base;
    if (y->f32) {
        base = y->f32 + (size_t)r0 * y->L + t0;
        *ldy = (size_t)y->L;
    } else {
        base = tile;
        *ldy = (size_t)n;
    }
    for (int o = r0; o < r1; o++) {
        float *row = base + (size_t)(o - r0) * *ldy;
        float bias = b ? b[o] : 0.0f;
        if (!accumulate)
            for (int t = 0; t < n; t++)
                row[t] = bias;
        else {
            if (!y->f32)
                kk_buf_read(y, o, t0, n, row);
            if (b)
                for (int t = 0; t < n; t++)
                    row[t] += bias;
        }
    }
    return base;
}

static void output_end(kk_buf *y, int r0, int r1, int t0, int n, const float *tile)
{
    if (!y->f32)
        for (int o = r0; o < r1; o++)
            kk_buf_write(y, o, t0, n, tile + (size_t)(o - r0) * n);
}

typedef struct {
    const kk_buf *x;
    kk_buf *y;
    const float *W, *b;
    const kk_pre *pre;
    float *scratch;
    int in, L, out, k, stride, pad, dil, Lout, accumulate;
    tiling t;
    size_t per;
    const kk_bf16 *W16; /* bf16 mode: Wk's row groups packed, see pack_bf16_groups; else NULL */
    size_t w16_block;   /* bf16 values per (q, row group) block */
    const float *Wp;    /* packed mode: kk_conv1d_pack's planes, wp_plane floats apart; else NULL */
    size_t wp_plane;
} conv_job;

/* Tile i: output rows [*r0, *r1), columns [*t0, *t0 + *n). */
static void tile_span(const conv_job *j, int i, int *r0, int *r1, int *t0, int *n)
{
    int g = i / j->t.col_blocks, blk = i % j->t.col_blocks;
    *r0 = g * j->t.rows;
    *r1 = *r0 + j->t.rows < j->out ? *r0 + j->t.rows : j->out;
    *t0 = blk * j->t.cols;
    *n = j->Lout - *t0 < j->t.cols ? j->Lout - *t0 : j->t.cols;
}

static void conv_blocks(void *p, int begin, int end, int worker)
{
    const conv_job *j = p;
    int IK = j->in * j->k, nb = j->t.cols;
    float *col = j->scratch + j->per * (size_t)worker;
    float *xin = col + (size_t)IK * nb;
    float *tile = xin + (size_t)j->in * span_of(nb, j->k, j->stride, j->dil) + 16;
    for (int i = begin; i < end; i++) {
        int r0, r1, t0, n;
        tile_span(j, i, &r0, &r1, &t0, &n);
        size_t ldy;
        float *yb = output_begin(j->y, j->b, r0, r1, t0, n, j->accumulate, tile, &ldy);
        long lo = (long)t0 * j->stride - j->pad;
        size_t span = span_of(n, j->k, j->stride, j->dil);
        gather_input(j->x, j->pre, lo, span, xin);
        for (int c = 0; c < j->in; c++) {
            const float *src = xin + (size_t)c * span;
            for (int q = 0; q < j->k; q++) {
                float *dst = col + ((size_t)c * j->k + q) * n;
                const float *s = src + (size_t)q * j->dil;
                if (j->stride == 1)
                    memcpy(dst, s, sizeof(float) * n);
                else
                    for (int t = 0; t < n; t++)
                        dst[t] = s[(size_t)t * j->stride];
            }
        }
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, r1 - r0, n, IK, 1.0f,
                    j->W + (size_t)r0 * IK, IK, col, n, 1.0f, yb, (int)ldy);
        output_end(j->y, r0, r1, t0, n, tile);
    }
}

size_t kk_conv1d_cols_scratch(int in, int n, int k, int dil)
{
    return (size_t)in * span_of(n, k, 1, dil) + 16;
}

/* Rows [r0, r1) of the output from the gathered block xin [C][span]. */
static void shifted_gemms(const float *Wk, int out, int C, int k, int dil, int r0, int r1, int n,
                          const float *xin, size_t span, float *y, size_t ldy)
{
    for (int q = 0; q < k; q++)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, r1 - r0, n, C, 1.0f,
                    Wk + ((size_t)q * out + r0) * C, C, xin + (size_t)q * dil, (int)span, 1.0f, y,
                    (int)ldy);
}

void kk_conv1d_cols(const kk_buf *x, const kk_pre *pre, const float *Wk, int out, int k, int pad,
                    int dil, long t0, int n, float *y, size_t ldy, float *scratch)
{
    size_t span = span_of(n, k, 1, dil);
    gather_input(x, pre, t0 - pad, span, scratch);
    shifted_gemms(Wk, out, x->C, k, dil, 0, out, n, scratch, span, y, ldy);
}

/* bf16 mode: block (q, g) at (q * row_groups + g) * w16_block holds rows [g*rows, ..) of
 * Wk[q] packed by kk_gemm_bf16_pack on their own, so a tile's GEMMs start at row 0 of their
 * block whatever the kernel's panel height. */
static void shifted_gemms_bf16(const conv_job *j, int g, int rows, int n, const float *xin,
                               size_t span, float *y, size_t ldy)
{
    for (int q = 0; q < j->k; q++)
        kk_gemm_bf16_packed(rows, n, j->in,
                            j->W16 + ((size_t)q * j->t.row_groups + g) * j->w16_block,
                            xin + (size_t)q * j->dil, (int)span, y, (int)ldy, 1);
}

void kk_conv1d_cols_bf16(const kk_buf *x, const kk_pre *pre, const kk_bf16 *Wk16, int out, int k,
                         int pad, int dil, long t0, int n, float *y, size_t ldy, float *scratch)
{
    size_t span = span_of(n, k, 1, dil), plane = kk_gemm_bf16_packed_elems(out, x->C);
    gather_input(x, pre, t0 - pad, span, scratch);
    for (int q = 0; q < k; q++)
        kk_gemm_bf16_packed(out, n, x->C, Wk16 + (size_t)q * plane, scratch + (size_t)q * dil,
                            (int)span, y, (int)ldy, 1);
}

static void shifted_blocks(void *p, int begin, int end, int worker)
{
    const conv_job *j = p;
    float *xin = j->scratch + (size_t)worker * j->per;
    float *tile = xin + kk_conv1d_cols_scratch(j->in, j->t.cols, j->k, j->dil);
    for (int i = begin; i < end; i++) {
        int r0, r1, t0, n;
        tile_span(j, i, &r0, &r1, &t0, &n);
        size_t ldy;
        float *yb = output_begin(j->y, j->b, r0, r1, t0, n, j->accumulate, tile, &ldy);
        size_t span = span_of(n, j->k, 1, j->dil);
        gather_input(j->x, j->pre, (long)t0 - j->pad, span, xin);
        if (j->W16)
            shifted_gemms_bf16(j, i / j->t.col_blocks, r1 - r0, n, xin, span, yb, ldy);
        else if (j->Wp) /* float32 y only: the GEMM addresses C from row 0 */
            for (int q = 0; q < j->k; q++)
                kk_gemm_packed_rows(j->out, r0, r1, n, j->in, j->Wp + (size_t)q * j->wp_plane,
                                    xin + (size_t)q * j->dil, (int)span, j->y->f32 + t0, (int)ldy,
                                    1);
        else
            shifted_gemms(j->W, j->out, j->in, j->k, j->dil, r0, r1, n, xin, span, yb, ldy);
        output_end(j->y, r0, r1, t0, n, tile);
    }
}

/* 1x1 convolution of float32 x without an input transform into float32 y: a GEMM straight on x,
 * split over time. */
static void pointwise_cols(void *p, int begin, int end, int worker)
{
    const conv_job *j = p;
    (void)worker;
    for (int i = begin; i < end; i++) {
        int r0, r1, t0, n;
        tile_span(j, i, &r0, &r1, &t0, &n);
        size_t ldy;
        float *yb = output_begin(j->y, j->b, r0, r1, t0, n, j->accumulate, NULL, &ldy);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, r1 - r0, n, j->in, 1.0f,
                    j->W + (size_t)r0 * j->in, j->in, j->x->f32 + t0, j->L, 1.0f, yb, (int)ldy);
    }
}

typedef struct {
    const float *W;
    float *Wk;
    int out, in, k;
} rearrange_job;

static void rearrange_rows(void *ctx, int o0, int o1, int worker)
{
    const rearrange_job *j = ctx;
    (void)worker;
    for (int o = o0; o < o1; o++)
        for (int i = 0; i < j->in; i++)
            for (int q = 0; q < j->k; q++)
                j->Wk[((size_t)q * j->out + o) * j->in + i] = j->W[((size_t)o * j->in + i) * j->k + q];
}

/* The per-call rearrangement is a copy of the whole weight: split over the workers, so that the
 * short inputs it weighs most on do not wait for it on one core. */
static void rearrange_parallel(const float *W, int out, int in, int k, float *Wk, int threads)
{
    rearrange_job j = {W, Wk, out, in, k};
    kk_parallel_for((long)out * in * k < 65536 ? 1 : threads, out, rearrange_rows, &j);
}

void kk_conv1d_rearrange(const float *W, int out, int in, int k, float *Wk)
{
    for (int o = 0; o < out; o++)
        for (int i = 0; i < in; i++)
            for (int q = 0; q < k; q++)
                Wk[((size_t)q * out + o) * in + i] = W[((size_t)o * in + i) * k + q];
}

/* Columns per block when the output is packed: the worker's float32 tile of out x cols is bounded
 * like the im2col block. */
static long packed_cols(int out)
{
    long cap = KK_COL_FLOATS / (out > 0 ? out : 1);
    return cap < 64 ? 64 : cap;
}

/* The tiling of kk_conv1d_buf (packed_out: y is packed) and the scratch floats one worker needs. */
static tiling conv_tiles(int in, int out, int Lout, int k, int stride, int packed_out)
{
    long cap = use_shifted(k, stride) ? KK_SHIFT_COLS : im2col_cols(in, k);
    if (packed_out && packed_cols(out) < cap)
        cap = packed_cols(out);
    return tiles_of(out, Lout, 64, cap);
}

static size_t worker_floats(int in, int k, int stride, int dil, tiling t, int packed_out)
{
    size_t tile = packed_out ? (size_t)t.rows * t.cols : 0;
    if (use_shifted(k, stride))
        return kk_conv1d_cols_scratch(in, t.cols, k, dil) + tile;
    return per_worker(in, k, stride, dil, t.cols) + tile;
}

/* Scratch floats of kk_conv1d_buf; packed_out: room for the output tiles of a packed y. */
static size_t conv_scratch(int in, int out, int L, int k, int stride, int pad, int dil,
                           int threads, int packed_out)
{
    int Lout = kk_conv1d_len(L, k, stride, pad, dil);
    if (Lout <= 0)
        return 0;
    if (threads < 1)
        threads = 1;
    /* enough for either output storage */
    size_t per = worker_floats(in, k, stride, dil, conv_tiles(in, out, Lout, k, stride, 0), 0);
    if (packed_out) {
        size_t p = worker_floats(in, k, stride, dil, conv_tiles(in, out, Lout, k, stride, 1), 1);
        per = p > per ? p : per;
    }
    return (use_shifted(k, stride) ? (size_t)out * in * k : 0) + per * (size_t)threads;
}

size_t kk_conv1d_scratch(int in, int out, int L, int k, int stride, int pad, int dil, int threads)
{
    return conv_scratch(in, out, L, k, stride, pad, dil, threads, 0);
}

size_t kk_conv1d_buf_scratch(int in, int out, int L, int k, int stride, int pad, int dil,
                             int threads)
{
    return conv_scratch(in, out, L, k, stride, pad, dil, threads, 1);
}

/* bf16 values of the packed row groups of the shifted path (tiling t), per (q, group) block. */
static size_t bf16_block(int in, tiling t)
{
    return (kk_gemm_bf16_packed_elems(t.rows, in) + 31) & ~(size_t)31; /* 64-byte aligned */
}

/* Floats that hold the bf16 blocks of either output storage's tiling. */
static size_t bf16_floats(int in, int out, int Lout, int k)
{
    size_t most = 0;
    for (int packed_out = 0; packed_out < 2; packed_out++) {
        tiling t = conv_tiles(in, out, Lout, k, 1, packed_out);
        size_t f = (size_t)k * t.row_groups * bf16_block(in, t) / 2;
        most = f > most ? f : most;
    }
    return most;
}

typedef struct {
    const conv_job *j;
    const float *Wk;
    kk_bf16 *W16;
} pack16_job;

static void pack_bf16_groups(void *ctx, int b0, int b1, int worker)
{
    const pack16_job *pj = ctx;
    const conv_job *j = pj->j;
    (void)worker;
    for (int b = b0; b < b1; b++) {
        int q = b / j->t.row_groups, g = b % j->t.row_groups, r0 = g * j->t.rows;
        int rows = j->out - r0 < j->t.rows ? j->out - r0 : j->t.rows;
        kk_gemm_bf16_pack(pj->Wk + ((size_t)q * j->out + r0) * j->in, j->in, rows, j->in,
                          pj->W16 + (size_t)b * j->w16_block);
    }
}

static int bf16_applies(int k, int stride)
{
    return use_shifted(k, stride) && kk_gemm_bf16_native();
}

size_t kk_conv1d_buf_bf16_scratch(int in, int out, int L, int k, int stride, int pad, int dil,
                                  int threads)
{
    size_t base = kk_conv1d_buf_scratch(in, out, L, k, stride, pad, dil, threads);
    int Lout = kk_conv1d_len(L, k, stride, pad, dil);
    if (Lout <= 0 || !bf16_applies(k, stride))
        return base;
    return base + bf16_floats(in, out, Lout, k) + 16;
}

static void conv1d_buf(const kk_buf *x, const kk_pre *pre, const float *W, const float *b,
                       int out, int k, int stride, int pad, int dil, kk_buf *y, int accumulate,
                       float *scratch, int threads, int bf16)
{
    int Lout = kk_conv1d_len(x->L, k, stride, pad, dil);
    if (Lout <= 0)
        return;
    if (threads < 1)
        threads = 1;
    conv_job j = {x, y, W, b, pre, scratch, x->C, x->L, out, k, stride, pad, dil, Lout,
                  accumulate, {0, 0, 0, 0}, 0, NULL, 0, NULL, 0};
    if (k == 1 && stride == 1 && pad == 0 && !pre && x->f32 && y->f32) {
        /* at least 256 columns a tile, so tiny convolutions stay on one thread */
        j.t = tiles_of(out, Lout, 256, Lout);
        kk_parallel_for(threads, j.t.col_blocks * j.t.row_groups, pointwise_cols, &j);
        return;
    }
    int packed_out = y->f32 == NULL;
    j.t = conv_tiles(x->C, out, Lout, k, stride, packed_out);
    j.per = worker_floats(x->C, k, stride, dil, j.t, packed_out);
    int tiles = j.t.col_blocks * j.t.row_groups;
    if (use_shifted(k, stride)) {
        float *Wk = scratch;
        rearrange_parallel(W, out, x->C, k, Wk, threads);
        j.W = Wk;
        j.scratch = scratch + (size_t)out * x->C * k;
        if (bf16 && bf16_applies(k, stride)) {
            /* the bf16 blocks after the float32 scratch, 64-byte aligned */
            size_t base = (size_t)out * x->C * k + (size_t)j.per * threads;
            kk_bf16 *W16 = (kk_bf16 *)(((uintptr_t)(scratch + base) + 63) & ~(uintptr_t)63);
            j.w16_block = bf16_block(x->C, j.t);
            pack16_job pj = {&j, Wk, W16};
            kk_parallel_for(threads, k * j.t.row_groups, pack_bf16_groups, &pj);
            j.W16 = W16;
        }
        kk_parallel_for(threads, tiles, shifted_blocks, &j);
        return;
    }
    kk_parallel_for(threads, tiles, conv_blocks, &j);
}

void kk_conv1d_buf(const kk_buf *x, const kk_pre *pre, const float *W, const float *b, int out,
                   int k, int stride, int pad, int dil, kk_buf *y, int accumulate, float *scratch,
                   int threads)
{
    conv1d_buf(x, pre, W, b, out, k, stride, pad, dil, y, accumulate, scratch, threads, 0);
}

void kk_conv1d_buf_bf16(const kk_buf *x, const kk_pre *pre, const float *W, const float *b,
                        int out, int k, int stride, int pad, int dil, kk_buf *y, int accumulate,
                        float *scratch, int threads)
{
    conv1d_buf(x, pre, W, b, out, k, stride, pad, dil, y, accumulate, scratch, threads, 1);
}

void kk_conv1d(const float *x, int in, int L, const kk_pre *pre, const float *W, const float *b,
               int out, int k, int stride, int pad, int dil, float *y, int accumulate,
               float *scratch, int threads)
{
    kk_buf xa = kk_buf_f32((float *)x, in, L);
    kk_buf ya = kk_buf_f32(y, out, kk_conv1d_len(L, k, stride, pad, dil));
    kk_conv1d_buf(&xa, pre, W, b, out, k, stride, pad, dil, &ya, accumulate, scratch, threads);
}

void kk_conv1d_bf16(const float *x, int in, int L, const kk_pre *pre, const float *W,
                    const float *b, int out, int k, int stride, int pad, int dil, float *y,
                    int accumulate, float *scratch, int threads)
{
    kk_buf xa = kk_buf_f32((float *)x, in, L);
    kk_buf ya = kk_buf_f32(y, out, kk_conv1d_len(L, k, stride, pad, dil));
    kk_conv1d_buf_bf16(&xa, pre, W, b, out, k, stride, pad, dil, &ya, accumulate, scratch,
                       threads);
}

int kk_conv_transpose1d_len(int L, int k, int stride, int pad, int outpad)
{
    return (L - 1) * stride - 2 * pad + k + outpad;
}

static int block_in_cols(int out, int k, int L)
{
    long nb = KK_COL_FLOATS / ((long)out * k);
    if (nb < 16)
        nb = 16;
    if (nb > L)
        nb = L;
    return (int)(nb > 0 ? nb : 1);
}

static size_t tr_per_worker(int in, int out, int L, int k)
{
    int nb = block_in_cols(out, k, L);
    return (size_t)out * k * nb + (size_t)in * nb + 16;
}

size_t kk_conv_transpose1d_scratch(int in, int out, int L, int k, int threads)
{
    return tr_per_worker(in, out, L, k) * (size_t)(threads < 1 ? 1 : threads);
}

typedef struct {
    const kk_buf *x;
    const float *W, *b;
    const kk_pre *pre;
    float *y, *scratch;
    int in, L, out, k, stride, pad, Lout, nb;
    size_t per;
    int group; /* output channels per work item */
} tconv_job;

/* Output channels [o0, o1): Z = W[:, o0*k .. o1*k)^T x per block of input columns, then a
 * scatter-add of Z into those rows of y (so workers never write the same output). */
static void tconv_group(const tconv_job *j, int o0, int o1, int worker)
{
    float *Z = j->scratch + j->per * (size_t)worker;
    float *xin = Z + (size_t)j->out * j->k * j->nb;
    int OK = j->out * j->k, rows = (o1 - o0) * j->k;
    for (int o = o0; o < o1; o++) {
        float v = j->b ? j->b[o] : 0.0f;
        for (int t = 0; t < j->Lout; t++)
            j->y[(size_t)o * j->Lout + t] = v;
    }
    for (int s0 = 0; s0 < j->L; s0 += j->nb) {
        int n = j->L - s0 < j->nb ? j->L - s0 : j->nb;
        const float *xb;
        int ldx;
        if (j->pre || !j->x->f32) {
            for (int c = 0; c < j->in; c++)
                kk_buf_read_pre(j->x, j->pre, c, s0, n, xin + (size_t)c * n);
            xb = xin;
            ldx = n;
        } else {
            xb = j->x->f32 + s0;
            ldx = j->L;
        }
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, rows, n, j->in, 1.0f,
                    j->W + (size_t)o0 * j->k, OK, xb, ldx, 0.0f, Z, n);
        for (int o = o0; o < o1; o++) {
            float *yr = j->y + (size_t)o * j->Lout;
            for (int q = 0; q < j->k; q++) {
                const float *z = Z + ((size_t)(o - o0) * j->k + q) * n;
                long t = (long)s0 * j->stride + q - j->pad;
                for (int s = 0; s < n; s++, t += j->stride)
                    if (t >= 0 && t < j->Lout)
                        yr[t] += z[s];
            }
        }
    }
}

/* Groups of output channels, sized by the layer alone (see tiles_of). */
static void tconv_groups(void *p, int g0, int g1, int worker)
{
    const tconv_job *j = p;
    for (int g = g0; g < g1; g++) {
        int o0 = g * j->group, o1 = o0 + j->group < j->out ? o0 + j->group : j->out;
        tconv_group(j, o0, o1, worker);
    }
}

void kk_conv_transpose1d_buf(const kk_buf *x, const kk_pre *pre, const float *W, const float *b,
                             int out, int k, int stride, int pad, int outpad, float *y,
                             float *scratch, int threads)
{
    tconv_job j = {x, W, b, pre, y, scratch, x->C, x->L, out, k, stride, pad,
                   kk_conv_transpose1d_len(x->L, k, stride, pad, outpad),
                   block_in_cols(out, k, x->L), tr_per_worker(x->C, out, x->L, k), 0};
    j.group = (out + KK_MIN_TILES - 1) / KK_MIN_TILES;
    if (j.group < 1)
        j.group = 1;
    kk_parallel_for(threads < 1 ? 1 : threads, (out + j.group - 1) / j.group, tconv_groups, &j);
}

void kk_conv_transpose1d(const float *x, int in, int L, const kk_pre *pre, const float *W,
                         const float *b, int out, int k, int stride, int pad, int outpad, float *y,
                         float *scratch, int threads)
{
    kk_buf xa = kk_buf_f32((float *)x, in, L);
    kk_conv_transpose1d_buf(&xa, pre, W, b, out, k, stride, pad, outpad, y, scratch, threads);
}

typedef struct {
    const float *x, *W, *b;
    const kk_pre *pre;
    float *y;
    int L, k, stride, pad, Lout;
} dw_job;

static void dw_channels(void *p, int c0, int c1, int worker)
{
    const dw_job *j = p;
    (void)worker;
    for (int c = c0; c < c1; c++) {
        float *yr = j->y + (size_t)c * j->Lout;
        const float *xr = j->x + (size_t)c * j->L;
        const float *w = j->W + (size_t)c * j->k;
        float bias = j->b ? j->b[c] : 0.0f;
        for (int t = 0; t < j->Lout; t++)
            yr[t] = bias;
        for (int s = 0; s < j->L; s++) {
            float v = xr[s];
            if (j->pre)
                kk_apply_pre_row(j->pre, c, xr + s, &v, 1);
            for (int q = 0; q < j->k; q++) {
                long t = (long)s * j->stride + q - j->pad;
                if (t >= 0 && t < j->Lout)
                    yr[t] += v * w[q];
            }
        }
    }
}

void kk_conv_transpose1d_depthwise(const float *x, int C, int L, const kk_pre *pre, const float *W,
                                   const float *b, int k, int stride, int pad, int outpad,
                                   float *y, int threads)
{
    dw_job j = {x, W, b, pre, y, L, k, stride, pad, kk_conv_transpose1d_len(L, k, stride, pad, outpad)};
    kk_parallel_for(threads < 1 ? 1 : threads, C, dw_channels, &j);
}

/* ------------------------------------------------------------------ weights packed at load */

size_t kk_conv1d_packed_floats(int out, int in, int k)
{
    return kk_gemm_packed_floats(out, in) * (size_t)k;
}

int kk_conv1d_pack(const float *W, int out, int in, int k, float *packed)
{
    float *Wk = malloc(sizeof(float) * (size_t)out * in * k);
    if (!Wk)
        return 0;
    kk_conv1d_rearrange(W, out, in, k, Wk);
    size_t stride = kk_gemm_packed_floats(out, in);
    for (int q = 0; q < k; q++)
        kk_gemm_pack(Wk + (size_t)q * out * in, in, out, in, packed + (size_t)q * stride);
    free(Wk);
    return 1;
}

#define KK_PACKED_ONE_BLOCK 256

/* The shifted path's tiling with row groups at panel boundaries (kk_gemm_packed_rows needs them
 * there); the rounding cannot change the sums (nn/gemm.h), only how the work is cut. */
static tiling packed_tiles(int in, int out, int Lout, int k)
{
    tiling t = conv_tiles(in, out, Lout, k, 1, 0);
    if (Lout <= KK_PACKED_ONE_BLOCK && out >= 64 * KK_MIN_TILES) {
        /* short inputs: the weights are most of the memory traffic, so every tile takes all the
         * columns and the channels are split instead (each weight is read once a call) */
        t.cols = Lout;
        t.col_blocks = 1;
        t.rows = (out + KK_MIN_TILES - 1) / KK_MIN_TILES;
    }
    int mr = kk_gemm_panel_rows();
    t.rows = (t.rows + mr - 1) / mr * mr;
    if (t.rows > out)
        t.rows = out;
    t.row_groups = (out + t.rows - 1) / t.rows;
    return t;
}

size_t kk_conv1d_packed_scratch(int in, int out, int L, int k, int pad, int dil, int threads)
{
    int Lout = kk_conv1d_len(L, k, 1, pad, dil);
    if (Lout <= 0)
        return 0;
    tiling t = packed_tiles(in, out, Lout, k);
    return worker_floats(in, k, 1, dil, t, 0) * (size_t)(threads < 1 ? 1 : threads);
}

void kk_conv1d_packed(const float *x, int in, int L, const kk_pre *pre, const float *packed,
                      const float *b, int out, int k, int pad, int dil, float *y, int accumulate,
                      float *scratch, int threads)
{
    int Lout = kk_conv1d_len(L, k, 1, pad, dil);
    if (Lout <= 0)
        return;
    if (threads < 1)
        threads = 1;
    kk_buf xa = kk_buf_f32((float *)x, in, L);
    kk_buf ya = kk_buf_f32(y, out, Lout);
    conv_job j = {&xa, &ya, NULL, b, pre, scratch, in, L, out, k, 1, pad, dil, Lout,
                  accumulate, {0, 0, 0, 0}, 0, NULL, 0, packed, kk_gemm_packed_floats(out, in)};
    j.t = packed_tiles(in, out, Lout, k);
    j.per = worker_floats(in, k, 1, dil, j.t, 0);
    kk_parallel_for(threads, j.t.col_blocks * j.t.row_groups, shifted_blocks, &j);
}
