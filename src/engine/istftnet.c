/* The iSTFTNet generator: harmonic source (engine/sine_gen.c) and its STFT, the
 * upsampling stages with noise branches and AdaIN resblocks, conv_post, inverse STFT. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "engine/forward.h"
#include "nn/parallel.h"
#include "util/error.h"
#include "util/npy.h"

/* Stage buffers are mapped on their own: several are alive at once, at audio-sample rate, and they
 * die out of order. Compact stages pack them (kk_buf in nn/nn.h). Allocation failure longjmps (the
 * forward pass sets the arena's on_fail). */
#define KK_COMPACT_ABOVE ((size_t)48 << 20) /* bytes of one float32 stage buffer */

/* Whether a stage of C x L is stored packed (the memory section of README.md). */
static int stage_compact(const kk_forward *f, int C, int L)
{
    return f->opt->compact > 0 ||
           (f->opt->compact == 0 && sizeof(float) * (size_t)C * L > KK_COMPACT_ABOVE);
}

static size_t stage_buf_bytes(const kk_forward *f, int C, int L)
{
    return stage_compact(f, C, L) ? kk_buf_packed_bytes(C, L) : sizeof(float) * (size_t)C * L;
}

/* A stage-sized region: at least f->stage_bytes, see kk_generator. */
static void *stage_alloc(kk_forward *f, size_t bytes)
{
    return kk_arena_big_alloc(&f->arena, bytes > f->stage_bytes ? bytes : f->stage_bytes);
}

static kk_buf stage_buf(kk_forward *f, int C, int L, int compact)
{
    if (compact)
        return kk_buf_packed(stage_alloc(f, kk_buf_packed_bytes(C, L)), C, L);
    return kk_buf_f32(stage_alloc(f, sizeof(float) * C * (size_t)L), C, L);
}

static void free_buf(kk_forward *f, kk_buf *b)
{
    kk_arena_big_free(&f->arena, b->f32 ? (void *)b->f32 : (void *)b->hi);
    b->f32 = NULL;
    b->hi = NULL;
    b->lo = NULL;
}

static kokoro_status load_injected(kk_forward *f, const char *name, int nb, int N, float *dst)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.npy", f->opt->inject_har_dir, name);
    kk_npy a;
    kokoro_status st = kk_npy_read(path, &a, f->err);
    if (st != KOKORO_OK)
        return st;
    if (a.dtype != KK_NPY_F32 || a.numel != (size_t)nb * N || a.shape[a.ndim - 1] != N) {
        kk_npy_free(&a);
        return kk_fail(f->err, KOKORO_ERR_INVALID_ARGUMENT,
                       "%s: expected %d x %d float32 values for this input", path, nb, N);
    }
    memcpy(dst, a.data, sizeof(float) * (size_t)nb * N);
    kk_npy_free(&a);
    return KOKORO_OK;
}

static int max_dilation(const kk_resblock1_w *r)
{
    int maxd = 1;
    for (int j = 0; j < r->n_dil; j++)
        maxd = r->dil[j] > maxd ? r->dil[j] : maxd;
    return maxd;
}

/* One of a resblock's "same" convolutions, y (+)= conv(pre(x)) at dilation d: by FFT where the
 * layer has a plan (its spectra from load, or made here), by Winograd where it has that plan,
 * else direct; a bf16 call (when the CPU has the instructions) runs its own FFT and direct
 * bf16 paths instead. Scratch from the arena. Returns 1 when the fast path also left y's
 * instance statistics in mean/invstd (gathered as y was written), else 0. */
static int same_conv(kk_forward *f, const kk_conv_w *cw, const kk_buf *x, const kk_pre *pre,
                     int d, kk_buf *y, int accumulate, float *mean, float *invstd)
{
    if (kk_forward_bf16(f)) {
        kk_same_conv_bf16(f, cw, x, pre, d, y, accumulate);
        return 0;
    }
    int got = 0;
    kk_arena_mark_t m = kk_arena_mark(&f->arena);
    double *mom = (double *)kk_arena_floats(&f->arena, 4 * (size_t)cw->out);
    if (cw->fast && !f->opt->direct_conv) {
        const kk_conv_fft *p = &cw->fast->plan;
        const float *spec = cw->fast->spec;
        if (!spec) {
            float *s = kk_arena_floats(&f->arena, kk_conv_fft_spectra_floats(p));
            kk_conv_fft_spectra(p, cw->w, s, f->threads);
            spec = s;
        }
        float *sc = kk_arena_floats(&f->arena, kk_conv1d_fft_scratch(p, x->L, d, f->threads));
        kk_conv1d_fft(p, spec, x, pre, cw->b, d, y, accumulate, sc, f->threads, mom);
        got = 1;
    } else if (cw->wino && !f->opt->direct_conv) {
        const kk_conv_wino *p = &cw->wino->plan;
        float *U = kk_arena_floats(&f->arena, kk_conv_wino_packed_floats(p));
        kk_conv_wino_filters(p, cw->w, U, f->threads);
        float *sc = kk_arena_floats(&f->arena, kk_conv1d_wino_scratch(p, x->L, d, f->threads));
        kk_conv1d_wino(p, U, x, pre, cw->b, d, y, accumulate, sc, f->threads, mom);
        got = 1;
    } else {
        int k = cw->k;
        float *sc = kk_arena_floats(&f->arena, kk_conv1d_buf_scratch(x->C, cw->out, x->L, k, 1,
                                                                     d * (k - 1) / 2, d,
                                                                     f->threads));
        kk_conv1d_buf(x, pre, cw->w, cw->b, cw->out, k, 1, d * (k - 1) / 2, d, y, accumulate, sc,
                      f->threads);
    }
    if (got)
        kk_instance_stats_moments(mom, cw->out, y->L, 1e-5f, mean, invstd);
    kk_arena_release(&f->arena, m);
    return got;
}

/* AdaINResBlock1, in place on x [C][L]: for each dilation,
 * x += conv2(snake(IN2(conv1(snake(IN1(x)))))), with conv1's output in a stage buffer. The
 * instance statistics come from the convolution that wrote the tensor where it gathered them,
 * else from a pass over it; x_mean/x_invstd (or NULL) are x's on entry, which the stage's
 * resblocks share. */
static void resblock1(kk_forward *f, const kk_resblock1_w *r, kk_buf *x, const float *s,
                      const float *x_mean, const float *x_invstd)
{
    int compact = x->f32 == NULL;
    int C = r->channels, L = x->L;
    kk_arena_mark_t m = kk_arena_mark(&f->arena);
    float *sc = kk_arena_floats(&f->arena, (size_t)C), *sh = kk_arena_floats(&f->arena, (size_t)C);
    kk_buf t = stage_buf(f, C, L, compact);
    int have = x_mean != NULL; /* sh, sc hold x's mean and invstd */
    if (have) {
        memcpy(sh, x_mean, sizeof(float) * (size_t)C);
        memcpy(sc, x_invstd, sizeof(float) * (size_t)C);
    }
    for (int j = 0; j < r->n_dil; j++) {
        kk_adain_prepare_buf(f, &r->adain1[j], have ? NULL : x, s, sc, sh);
        kk_pre p1 = {sc, sh, KK_ACT_SNAKE, 0.0f, r->alpha1[j]};
        /* p1 is consumed once the call returns: its arrays then take t's statistics */
        have = same_conv(f, &r->convs1[j], x, &p1, r->dil[j], &t, 0, sh, sc);
        kk_adain_prepare_buf(f, &r->adain2[j], have ? NULL : &t, s, sc, sh);
        kk_pre p2 = {sc, sh, KK_ACT_SNAKE, 0.0f, r->alpha2[j]};
        have = same_conv(f, &r->convs2[j], &t, &p2, 1, x, 1, sh, sc);
    }
    free_buf(f, &t);
    kk_arena_release(&f->arena, m);
}

/*
 * The same block without a buffer for conv1's output: conv1 runs twice per dilation, over tiles
 * of time. Pass A computes it only for IN2's statistics; pass B recomputes each tile (with conv2's
 * halo), applies IN2 + snake and conv2, and adds the result into x. x is updated in place, so a
 * tile's result is written back only after the next tile, whose conv1 reads into it, is done;
 * tiles are at least as wide as conv1 + conv2 reach, so no tile reads two tiles back.
 * This costs one conv1 per dilation and saves a whole stage buffer; compact stages use it where
 * that buffer would be the fourth alive at once.
 */
#define KK_RC_COLS 1024 /* columns per worker block */

typedef struct {
    kk_buf *x;
    const kk_pre *p1, *p2;
    const float *Wk1, *b1, *Wk2, *b2;
    const kk_conv_wino *w1, *w2; /* set: conv1 / conv2 by Winograd (k = 3), filters U1, U2 */
    const float *U1, *U2;
    int C, L, k, d, cols, h2;
    size_t per;       /* scratch floats per worker */
    float *scratch;
    double *sums;     /* pass A: [block][2][C] sum and sum of squares */
    long tile0;       /* pass B: first column of the tile */
    int tile_n;       /* its width */
    float *delta;     /* its result [C][tile_n] */
    const kk_bf16 *W16_1, *W16_2; /* bf16 calls: Wk1, Wk2 packed for nn/gemm_bf16.h; else NULL */
} rc_job;

/* conv1 (bias included) over columns [t0, t0+n) into y [C][n]. */
static void rc_conv1(const rc_job *j, long t0, int n, float *y, size_t ldy, float *scratch)
{
    for (int c = 0; c < j->C; c++)
        for (int t = 0; t < n; t++)
            y[(size_t)c * ldy + t] = j->b1 ? j->b1[c] : 0.0f;
    if (j->W16_1)
        kk_conv1d_cols_bf16(j->x, j->p1, j->W16_1, j->C, j->k, j->d * (j->k - 1) / 2, j->d, t0, n,
                            y, ldy, scratch);
    else if (j->w1)
        kk_conv1d_wino_cols(j->w1, j->U1, j->x, j->p1, j->d, t0, n, y, ldy, scratch);
    else
        kk_conv1d_cols(j->x, j->p1, j->Wk1, j->C, j->k, j->d * (j->k - 1) / 2, j->d, t0, n, y,
                       ldy, scratch);
}

static void rc_stats(void *p, int b0, int b1, int worker)
{
    const rc_job *j = p;
    float *y = j->scratch + j->per * (size_t)worker;
    float *cs = y + (size_t)j->C * (j->cols + 2 * j->h2);
    for (int blk = b0; blk < b1; blk++) {
        long t0 = (long)blk * j->cols;
        int n = j->L - t0 < j->cols ? (int)(j->L - t0) : j->cols;
        rc_conv1(j, t0, n, y, (size_t)n, cs);
        double *sum = j->sums + (size_t)blk * 2 * j->C, *sq = sum + j->C;
        for (int c = 0; c < j->C; c++) {
            /* eight independent lanes so the loop vectorises (one accumulator is a serial chain) */
            const float *r = y + (size_t)c * n;
            double a[8] = {0}, b[8] = {0};
            int t = 0;
            for (; t + 8 <= n; t += 8)
                for (int u = 0; u < 8; u++) {
                    a[u] += r[t + u];
                    b[u] += (double)r[t + u] * r[t + u];
                }
            for (; t < n; t++) {
                a[0] += r[t];
                b[0] += (double)r[t] * r[t];
            }
            sum[c] = ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]));
            sq[c] = ((b[0] + b[1]) + (b[2] + b[3])) + ((b[4] + b[5]) + (b[6] + b[7]));
        }
    }
}

static void rc_apply(void *p, int b0, int b1, int worker)
{
    const rc_job *j = p;
    int span = j->cols + 2 * j->h2;
    float *ext = j->scratch + j->per * (size_t)worker;
    float *cs = ext + (size_t)j->C * span;
    for (int blk = b0; blk < b1; blk++) {
        long a = j->tile0 + (long)blk * j->cols;
        int n = j->tile0 + j->tile_n - a < j->cols ? (int)(j->tile0 + j->tile_n - a) : j->cols;
        /* conv2's input over [a - h2, a + n + h2): IN2 + snake of conv1, zero outside [0, L) */
        long lo = a - j->h2, e0 = lo < 0 ? 0 : lo, e1 = a + n + j->h2;
        int w = n + 2 * j->h2;
        if (e1 > j->L)
            e1 = j->L;
        memset(ext, 0, sizeof(float) * (size_t)j->C * w);
        rc_conv1(j, e0, (int)(e1 - e0), ext + (e0 - lo), (size_t)w, cs);
        float row[KK_RC_COLS + 64];
        for (int c = 0; c < j->C; c++) {
            float *r = ext + (size_t)c * w + (e0 - lo);
            for (long q = 0; q < e1 - e0; q += KK_RC_COLS) {
                int m = e1 - e0 - q < KK_RC_COLS ? (int)(e1 - e0 - q) : KK_RC_COLS;
                memcpy(row, r + q, sizeof(float) * (size_t)m);
                kk_apply_pre_row(j->p2, c, row, r + q, m);
            }
        }
        kk_buf in = kk_buf_f32(ext, j->C, w);
        float *y = j->delta + (a - j->tile0);
        for (int c = 0; c < j->C; c++)
            for (int t = 0; t < n; t++)
                y[(size_t)c * j->tile_n + t] = j->b2 ? j->b2[c] : 0.0f;
        if (j->W16_2)
            kk_conv1d_cols_bf16(&in, NULL, j->W16_2, j->C, j->k, 0, 1, 0, n, y,
                                (size_t)j->tile_n, cs);
        else if (j->w2) /* output t of the tile is ext column t + h2 (pad 1 at dilation 1) */
            kk_conv1d_wino_cols(j->w2, j->U2, &in, NULL, 1, j->h2, n, y,
                                (size_t)j->tile_n, cs);
        else
            kk_conv1d_cols(&in, NULL, j->Wk2, j->C, j->k, 0, 1, 0, n, y, (size_t)j->tile_n, cs);
    }
}

typedef struct {
    kk_buf *x;
    const float *delta;
    long tile0;
    int tile_n;
} rc_writeback;

static void rc_write_channels(void *p, int c0, int c1, int worker)
{
    const rc_writeback *j = p;
    (void)worker;
    for (int c = c0; c < c1; c++)
        kk_buf_add(j->x, c, j->tile0, j->tile_n, j->delta + (size_t)c * j->tile_n);
}

static void resblock1_recompute(kk_forward *f, const kk_resblock1_w *r, kk_buf *x, const float *s,
                                const float *x_mean, const float *x_invstd)
{
    int C = r->channels, k = r->k, L = x->L, h2 = (k - 1) / 2, threads = f->threads;
    kk_arena_mark_t m = kk_arena_mark(&f->arena);
    float *sc = kk_arena_floats(&f->arena, (size_t)C), *sh = kk_arena_floats(&f->arena, (size_t)C);
    float *sc2 = kk_arena_floats(&f->arena, (size_t)C), *sh2 = kk_arena_floats(&f->arena, (size_t)C);
    int maxd = max_dilation(r);
    int cols = KK_RC_COLS, reach = h2 + maxd * h2;
    if (cols < reach)
        cols = reach;
    if (threads < 1)
        threads = 1;
    int nblocks = (L + cols - 1) / cols;
    size_t span = (size_t)cols + 2 * (size_t)h2;
    rc_job job = {.x = x, .C = C, .L = L, .k = k, .d = 1, .cols = cols, .h2 = h2};
    size_t cs = kk_conv1d_cols_scratch(C, (int)span, k, maxd);
    /* bf16 calls take the bf16 direct path below; float32 ones Winograd where every conv has it */
    int wino = !f->opt->direct_conv && !kk_forward_bf16(f);
    for (int j = 0; j < r->n_dil; j++) {
        wino &= r->convs1[j].wino && r->convs2[j].wino;
        for (int i = 0; wino && i < 2; i++) {
            const kk_conv_wino *p = &(i ? r->convs2[j] : r->convs1[j]).wino->plan;
            size_t ws = kk_conv1d_wino_cols_scratch(p, (int)span, i ? 1 : r->dil[j]);
            cs = ws > cs ? ws : cs;
        }
    }
    job.per = (size_t)C * span + cs;
    job.scratch = kk_arena_floats(&f->arena, job.per * (size_t)threads);
    /* the convolutions' weights as the columns path takes them: Winograd filters, else taps */
    float *Wk1, *Wk2;
    if (wino) {
        size_t uf = kk_conv_wino_packed_floats(&r->convs1[0].wino->plan);
        Wk1 = kk_arena_floats(&f->arena, uf);
        Wk2 = kk_arena_floats(&f->arena, uf);
    } else {
        Wk1 = kk_arena_floats(&f->arena, (size_t)C * C * k);
        Wk2 = kk_arena_floats(&f->arena, (size_t)C * C * k);
    }
    job.sums = (double *)kk_arena_floats(&f->arena, (size_t)nblocks * 2 * C * 2);
    size_t tile_max = (size_t)threads * cols;
    float *delta[2] = {kk_arena_floats(&f->arena, (size_t)C * tile_max),
                       kk_arena_floats(&f->arena, (size_t)C * tile_max)};
    /* bf16 calls: both convolutions' planes rounded and packed once per dilation */
    size_t plane16 = kk_gemm_bf16_packed_elems(C, C);
    kk_bf16 *W16[2] = {NULL, NULL};
    if (kk_forward_bf16(f))
        for (int i = 0; i < 2; i++)
            W16[i] = (kk_bf16 *)kk_arena_floats(&f->arena, (plane16 * k + 1) / 2);
    for (int j = 0; j < r->n_dil; j++) {
        if (j == 0 && x_mean) { /* x's statistics on entry, as resblock1 takes them */
            memcpy(sh, x_mean, sizeof(float) * (size_t)C);
            memcpy(sc, x_invstd, sizeof(float) * (size_t)C);
        }
        kk_adain_prepare_buf(f, &r->adain1[j], j == 0 && x_mean ? NULL : x, s, sc, sh);
        kk_pre p1 = {sc, sh, KK_ACT_SNAKE, 0.0f, r->alpha1[j]};
        if (wino) {
            job.w1 = &r->convs1[j].wino->plan;
            job.w2 = &r->convs2[j].wino->plan;
            kk_conv_wino_filters(job.w1, r->convs1[j].w, Wk1, threads);
            kk_conv_wino_filters(job.w2, r->convs2[j].w, Wk2, threads);
            job.U1 = Wk1;
            job.U2 = Wk2;
        } else {
            kk_conv1d_rearrange(r->convs1[j].w, C, C, k, Wk1);
            kk_conv1d_rearrange(r->convs2[j].w, C, C, k, Wk2);
        }
        if (W16[0])
            for (int i = 0; i < 2; i++)
                for (int q = 0; q < k; q++)
                    kk_gemm_bf16_pack((i ? Wk2 : Wk1) + (size_t)q * C * C, C, C, C,
                                      W16[i] + (size_t)q * plane16);
        job.W16_1 = W16[0];
        job.W16_2 = W16[1];
        job.p1 = &p1;
        job.Wk1 = Wk1;
        job.b1 = r->convs1[j].b;
        job.Wk2 = Wk2;
        job.b2 = r->convs2[j].b;
        job.d = r->dil[j];
        /* pass A: IN2 statistics, summed in block order whatever the thread count */
        kk_parallel_for(threads, nblocks, rc_stats, &job);
        for (int c = 0; c < C; c++) {
            double sum = 0.0, sq = 0.0;
            for (int b = 0; b < nblocks; b++) {
                sum += job.sums[(size_t)b * 2 * C + c];
                sq += job.sums[(size_t)b * 2 * C + C + c];
            }
            double mean = sum / L, var = sq / L - mean * mean;
            sh2[c] = (float)mean;
            sc2[c] = (float)(1.0 / sqrt((var > 0.0 ? var : 0.0) + 1e-5));
        }
        kk_adain_prepare_buf(f, &r->adain2[j], NULL, s, sc2, sh2);
        kk_pre p2 = {sc2, sh2, KK_ACT_SNAKE, 0.0f, r->alpha2[j]};
        job.p2 = &p2;
        /* pass B, tile by tile; tile i's result lands after tile i+1 is computed */
        rc_writeback pending = {x, NULL, 0, 0};
        int cur = 0;
        for (long t0 = 0; t0 < L; t0 += (long)tile_max) {
            job.tile0 = t0;
            job.tile_n = L - t0 < (long)tile_max ? (int)(L - t0) : (int)tile_max;
            job.delta = delta[cur];
            kk_parallel_for(threads, (job.tile_n + cols - 1) / cols, rc_apply, &job);
            if (pending.delta)
                kk_parallel_for(threads, C, rc_write_channels, &pending);
            pending.delta = delta[cur];
            pending.tile0 = job.tile0;
            pending.tile_n = job.tile_n;
            cur ^= 1;
        }
        if (pending.delta)
            kk_parallel_for(threads, C, rc_write_channels, &pending);
    }
    kk_arena_release(&f->arena, m);
}

/* The order the stage's resblocks run in. Their outputs are summed, and each reads the stage input
 * x0: the first runs on a copy of x0 (x0, its stream, its conv1 buffer alive), the last on x0
 * itself (the sum, x0, the conv1 buffer), and any in between needs x0, the sum and its own stream;
 * in a compact stage it recomputes conv1 instead of holding a fourth buffer. The smallest
 * kernels go in between, where recomputing costs least; the two largest run first and last.
 * With three resblocks ((r0 + r1) + r2 summed as (r1 + r0) + r2) the sum is unchanged. */
static void resblock_order(const kk_weights *w, int stage, int *order)
{
    int K = w->gen.n_kernels;
    const kk_resblock1_w *rb = &w->gen.resblocks[stage * K];
    int big1 = -1, big2 = -1; /* the two largest kernels, first occurrence first */
    for (int j = 0; j < K; j++) {
        if (big1 < 0 || rb[j].k > rb[big1].k) {
            big2 = big1;
            big1 = j;
        } else if (big2 < 0 || rb[j].k > rb[big2].k) {
            big2 = j;
        }
    }
    if (K < 3) {
        for (int j = 0; j < K; j++)
            order[j] = j;
        return;
    }
    int first = big1 < big2 ? big1 : big2, last = big1 < big2 ? big2 : big1, n = 0;
    order[n++] = first;
    for (int j = 0; j < K; j++)
        if (j != first && j != last)
            order[n++] = j;
    order[n] = last;
}

float *kk_generator(kk_forward *f, const float *x0, const float *F0, int F, const float *s)
{
    const kk_weights *w = f->w;
    const kk_config *c = &w->cfg;
    int nf = c->istft_n_fft, hop = c->istft_hop, nb = nf / 2 + 1;
    int up_total = hop; /* samples per F0 value: prod(upsample_rates) * hop */
    for (int i = 0; i < c->n_upsamples; i++)
        up_total *= c->upsample_rates[i];
    int nF0 = 2 * F;
    size_t L = (size_t)nF0 * up_total;
    int N = kk_stft_frames((int)L, hop);

    double t0 = kk_wall_seconds();
    /* A long utterance's stage buffers are larger than any region the model's scratch cache
     * keeps: its peak is what matters then, so the call stops keeping memory for later ones. */
    size_t last_stage = sizeof(float) * (size_t)(c->upsample_initial_channel >> c->n_upsamples) * N;
    /* Every stage buffer (and upsampling output) is mapped at the size of the last stage's
     * buffers, the largest (a mapping's untouched pages take no memory): a region one stage
     * frees then serves any later one. Where the model's scratch cache keeps this call's regions
     * they serve the next call of this length too, instead of missing the cache at each change
     * of size, which empties it (39,000 page faults, 3-4 % of the CPU time of a 12-second
     * input); without it the arena keeps the region freed last for the next buffer
     * (engine/arena.h). */
    f->stage_bytes = stage_buf_bytes(f, c->upsample_initial_channel >> c->n_upsamples, N);
    if (last_stage > KK_SCRATCH_MAX_REGION) {
        kk_arena_uncache(&f->arena);
#ifdef __GLIBC__
        /* freed temporaries of the earlier modules (GEMM and LSTM buffers, ~10 MB) sit in the
         * malloc heap: glibc raises its mmap threshold after the first large free */
        malloc_trim(0);
#endif
    }
    /* what the earlier modules left free goes back before the stage buffers are mapped */
    kk_arena_trim(&f->arena);
    kk_arena_mark_t m0 = kk_arena_mark(&f->arena);
    /* [mag(nb) | phase(nb)][N], mapped apart: the last stage frees it after its noise conv */
    float *har = kk_arena_big_alloc(&f->arena, sizeof(float) * 2 * nb * (size_t)N);
    {
        kk_arena_mark_t m = kk_arena_mark(&f->arena);
        float *src = kk_arena_floats(&f->arena, L);
        if (kk_harmonic_source(f, F0, nF0, up_total, src) != KOKORO_OK)
            return NULL;
        kk_arena_big_free(&f->arena, (void *)F0); /* no-op unless F0 was moved out of the stack */
        kk_dump(f, "dbg_gen_har_source", src, 0, 3, 1, (int)L, 1);
        kk_stft(src, (int)L, nf, hop, har, har + (size_t)nb * N, f->threads);
        kk_arena_release(&f->arena, m);
    }
    kk_dump(f, "dbg_gen_har_spec", har, 0, 3, 1, nb, N);
    kk_dump(f, "dbg_gen_har_phase", har + (size_t)nb * N, 0, 3, 1, nb, N);
    if (f->opt->inject_har_dir) {
        if (load_injected(f, "dbg_gen_har_spec", nb, N, har) != KOKORO_OK ||
            load_injected(f, "dbg_gen_har_phase", nb, N, har + (size_t)nb * N) != KOKORO_OK)
            return NULL;
    }
    kk_buf har_buf = kk_buf_f32(har, 2 * nb, N);
    f->seconds[KK_T_SOURCE] += kk_wall_seconds() - t0;
    t0 = kk_wall_seconds();

    kk_buf x = kk_buf_f32((float *)x0, c->upsample_initial_channel, nF0);
    int K = w->gen.n_kernels;
    for (int i = 0; i < c->n_upsamples; i++) {
        int last = i + 1 == c->n_upsamples;
        const kk_conv_w *nc = &w->gen.noise_convs[i], *up = &w->gen.ups[i];
        int u = c->upsample_rates[i];
        int Lup = kk_conv_transpose1d_len(x.L, up->k, u, (up->k - u) / 2, 0);
        int Lst = last ? Lup + 1 : Lup; /* the last stage is reflection-padded by one on the left */
        int stride_f0 = nc->k == 1 ? 1 : nc->k / 2;
        int pad_f0 = nc->k == 1 ? 0 : (stride_f0 + 1) / 2;
        int Lns = kk_conv1d_len(N, nc->k, stride_f0, pad_f0, 1);
        if (Lns != Lst) {
            kk_fail(f->err, KOKORO_ERR_INTERNAL, "generator stage %d: noise length %d != %d", i,
                    Lns, Lst);
            return NULL;
        }
        int compact = stage_compact(f, up->out, Lst);
        /* noise branch: xs = noise_res(noise_conv(har)) */
        kk_buf xs = stage_buf(f, up->out, Lst, compact);
        {
            kk_arena_mark_t m = kk_arena_mark(&f->arena);
            float *sc = kk_arena_floats(&f->arena, kk_conv1d_buf_scratch(2 * nb, nc->out, N, nc->k,
                                                                         stride_f0, pad_f0, 1,
                                                                         f->threads));
            kk_conv1d_buf(&har_buf, NULL, nc->w, nc->b, nc->out, nc->k, stride_f0, pad_f0, 1, &xs,
                          0, sc, f->threads);
            kk_arena_release(&f->arena, m);
            kk_arena_trim(&f->arena); /* its im2col blocks are the size of a stage buffer */
        }
        if (last)
            free_buf(f, &har_buf);
        resblock1(f, &w->gen.noise_res[i], &xs, s, NULL, NULL);
        /* x0 = xs + ups(LeakyReLU(x, 0.1)) [reflection-padded] */
        {
            kk_arena_mark_t m = kk_arena_mark(&f->arena);
            float *y = stage_alloc(f, sizeof(float) * up->out * (size_t)Lup);
            kk_pre leaky = {NULL, NULL, KK_ACT_LEAKY, 0.1f, NULL};
            int pad = (up->k - u) / 2;
            if (up->packed) {
                float *sc = kk_arena_floats(&f->arena, kk_tconv_packed_scratch(
                                                           x.C, up->out, x.L, up->k, u, pad, 0,
                                                           f->threads));
                kk_tconv_packed(&x, &leaky, up->packed, up->b, up->out, up->k, u, pad, 0, y, sc,
                                f->threads);
            } else {
                float *sc = kk_arena_floats(&f->arena, kk_conv_transpose1d_scratch(
                                                           x.C, up->out, x.L, up->k, f->threads));
                kk_conv_transpose1d_buf(&x, &leaky, up->w, up->b, up->out, up->k, u, pad, 0, y,
                                        sc, f->threads);
            }
            for (int ch = 0; ch < up->out; ch++) {
                const float *row = y + (size_t)ch * Lup;
                if (last) {
                    kk_buf_add(&xs, ch, 0, 1, row + 1);
                    kk_buf_add(&xs, ch, 1, Lup, row);
                } else {
                    kk_buf_add(&xs, ch, 0, Lup, row);
                }
            }
            kk_arena_big_free(&f->arena, y);
            kk_arena_release(&f->arena, m);
            kk_arena_trim(&f->arena);
        }
        if (i > 0)
            free_buf(f, &x); /* the previous stage's output */
        else
            kk_arena_big_free(&f->arena, (void *)x0); /* as F0 */
        /* x = mean of the stage's resblocks, which all start from xs: its statistics once */
        int order[KK_MAX_RESBLOCK_KERNELS];
        resblock_order(w, i, order);
        kk_arena_mark_t ms = kk_arena_mark(&f->arena);
        float *xs_mean = kk_arena_floats(&f->arena, (size_t)up->out);
        float *xs_invstd = kk_arena_floats(&f->arena, (size_t)up->out);
        kk_instance_stats_buf(&xs, 1e-5f, xs_mean, xs_invstd, f->threads);
        kk_buf sum = xs;
        for (int p = 0; p < K; p++) {
            const kk_resblock1_w *rb = &w->gen.resblocks[i * K + order[p]];
            kk_buf stream = xs;
            if (p + 1 < K) {
                stream = stage_buf(f, up->out, Lst, compact);
                kk_buf_copy(&stream, &xs, f->threads);
            }
            if (compact && p > 0 && p + 1 < K)
                resblock1_recompute(f, rb, &stream, s, xs_mean, xs_invstd);
            else
                resblock1(f, rb, &stream, s, xs_mean, xs_invstd);
            if (p == 0) {
                sum = stream;
            } else {
                kk_buf_sum(&sum, &stream, p + 1 == K ? (float)K : 1.0f, f->threads);
                free_buf(f, &stream);
            }
        }
        kk_arena_release(&f->arena, ms);
        x = sum;
    }
    if (x.L != N) {
        kk_fail(f->err, KOKORO_ERR_INTERNAL, "generator: %d frames, expected %d", x.L, N);
        return NULL;
    }
    /* conv_post(LeakyReLU(x, 0.01)) -> [2*nb][N]: log-magnitude rows, then phase rows */
    const kk_conv_w *cp = &w->gen.conv_post;
    float *post = kk_arena_floats(&f->arena, (size_t)cp->out * N);
    {
        kk_arena_mark_t m = kk_arena_mark(&f->arena);
        float *sc = kk_arena_floats(&f->arena, kk_conv1d_buf_scratch(x.C, cp->out, N, cp->k, 1,
                                                                     cp->k / 2, 1, f->threads));
        kk_pre leaky = {NULL, NULL, KK_ACT_LEAKY, 0.01f, NULL};
        kk_buf pb = kk_buf_f32(post, cp->out, N);
        kk_conv1d_buf(&x, &leaky, cp->w, cp->b, cp->out, cp->k, 1, cp->k / 2, 1, &pb, 0, sc,
                      f->threads);
        kk_arena_release(&f->arena, m);
    }
    if (c->n_upsamples > 0)
        free_buf(f, &x);
    /* mapped only now, so the stages' peak does not carry it; the caller frees it */
    float *audio = kk_arena_big_alloc(&f->arena, sizeof(float) * L);
    kk_dump(f, "dbg_gen_conv_post", post, 0, 3, 1, cp->out, N);
    f->seconds[KK_T_GENERATOR] += kk_wall_seconds() - t0;
    t0 = kk_wall_seconds();
    for (size_t q = 0; q < (size_t)nb * N; q++)
        post[q] = expf(post[q]);
    for (size_t q = (size_t)nb * N; q < (size_t)2 * nb * N; q++)
        post[q] = sinf(post[q]);
    kk_istft(post, post + (size_t)nb * N, N, nf, hop, audio, f->threads);
    kk_arena_release(&f->arena, m0);
    f->seconds[KK_T_ISTFT] += kk_wall_seconds() - t0;
    kk_dump(f, "audio", audio, 0, 1, (int)L);
    return audio;
}
