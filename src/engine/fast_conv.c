/*
 * fast_conv — which convolutions run by a fast exact algorithm, and what they keep from load.
 *
 * The FFT method (nn/conv_fft.h) pays off for the generator's AdaIN resblocks with kernels 7 and
 * 11. For k = 3 the FFT form costs 1.57 multiply-adds per output against 3, but its transforms
 * and small per-bin GEMMs measured 10 % slower end to end; those layers run by Winograd instead
 * (nn/conv_wino.h, see kk_weights_prepare_wino below). N = 32 for both: 1.81 and
 * 2.14 multiply-adds per output and channel pair against 7 and 11. N = 64 (1.64 and 1.76) for
 * twice the spectra and scratch measured no faster at 256 channels and 0-5 % faster on the
 * 128-channel k = 11 layers, whose larger operands (+14 MiB with two workers) then set the long
 * input's peak: not taken.
 *
 * Spectra take (3N/2 - 1)/k times a layer's weights (6.7x at k = 7, 4.3x at k = 11): all of
 * Kokoro-82M's would add about 280 MB. So by default they are made per call in the call's arena,
 * each plane a combination of W's k taps, packed as it is made (nn/conv_fft.c): a few % of a
 * short input's time. KOKORO_CONV_SPECTRA_MB keeps some from load instead, the layers that save the most time
 * per byte first (the 128-channel stage, whose weights are a quarter of the size and run at six
 * times the rate). The same code makes both, so the budget never changes the output. Either way
 * the planes are stored packed for nn/gemm.h, so the per-bin GEMMs never re-pack them.
 */
#include <stdlib.h>
#include <string.h>

#include "engine/weights.h"
#include "util/error.h"

#define KK_FAST_N 32
/* Winograd for k = 3 (see the note above kk_weights_prepare_wino) */
#define KK_WINO_DEFAULT_M 4
#define KK_WINO_MIN_CHANNELS 64
#define KK_FAST_MIN_K 5
/* Default spectra budget: none. Made per call from W's taps (nn/conv_fft.c), the spectra
 * cost a few % of a short input and nothing measurable on long ones, while keeping the 128-channel
 * stage's (36 MiB) raised the peak of every long input by as much. */
#define KK_FAST_DEFAULT_MB 0

size_t kk_fast_spectra_budget(void)
{
    const char *e = getenv("KOKORO_CONV_SPECTRA_MB");
    if (!e || !*e)
        return (size_t)KK_FAST_DEFAULT_MB << 20;
    if (!strcmp(e, "all"))
        return (size_t)-1;
    char *end;
    long mb = strtol(e, &end, 10);
    if (*end || mb < 0)
        return (size_t)KK_FAST_DEFAULT_MB << 20;
    return (size_t)mb << 20;
}

int kk_fast_wino_tile(void)
{
    const char *e = getenv("KOKORO_CONV_WINO_M");
    if (e && (!strcmp(e, "0") || !strcmp(e, "4") || !strcmp(e, "6")))
        return atoi(e);
    return KK_WINO_DEFAULT_M;
}

typedef struct {
    kk_conv_w *conv;
    double gain_per_byte; /* multiply-adds saved per second of audio, per byte of spectra */
} candidate;

static int by_gain(const void *a, const void *b)
{
    double x = ((const candidate *)a)->gain_per_byte, y = ((const candidate *)b)->gain_per_byte;
    return x < y ? 1 : (x > y ? -1 : 0);
}

static int collect(kk_resblock1_w *r, double rate, candidate *out, int n)
{
    if (r->k < KK_FAST_MIN_K || r->k >= KK_FAST_N)
        return n;
    for (int j = 0; j < r->n_dil; j++) {
        kk_conv_w *cs[2] = {&r->convs1[j], &r->convs2[j]};
        for (int i = 0; i < 2; i++) {
            double saved = rate * cs[i]->in * cs[i]->out * (r->k - kk_conv_fft_cost(r->k, KK_FAST_N));
            double bytes = (double)KK_FAST_N * cs[i]->in * cs[i]->out * sizeof(float);
            out[n].conv = cs[i];
            out[n].gain_per_byte = saved / bytes;
            n++;
        }
    }
    return n;
}

kokoro_status kk_weights_prepare_fast(kk_weights *w, size_t spectra_budget, kokoro_error *err)
{
    const kk_config *c = &w->cfg;
    int K = w->gen.n_kernels, max = (K + 1) * KK_MAX_UPSAMPLES * 2 * KK_MAX_DILATIONS;
    candidate *cand = malloc(sizeof *cand * (size_t)max);
    if (!cand)
        return kk_fail(err, KOKORO_ERR_NO_MEMORY, "out of memory planning convolutions");
    int n = 0;
    double rate = 1.0; /* relative columns per second of audio at each stage */
    for (int i = 0; i < w->gen.n_ups; i++) {
        rate *= c->upsample_rates[i];
        n = collect(&w->gen.noise_res[i], rate, cand, n);
        for (int j = 0; j < K; j++)
            n = collect(&w->gen.resblocks[i * K + j], rate, cand, n);
    }
    qsort(cand, (size_t)n, sizeof *cand, by_gain);
    w->fast = calloc((size_t)(n > 0 ? n : 1), sizeof *w->fast);
    if (!w->fast) {
        free(cand);
        return kk_fail(err, KOKORO_ERR_NO_MEMORY, "out of memory planning convolutions");
    }
    size_t used = 0;
    for (int i = 0; i < n; i++) {
        kk_conv_w *cv = cand[i].conv;
        kk_fast_conv *fc = &w->fast[i];
        if (kk_conv_fft_init(&fc->plan, cv->out, cv->in, cv->k, KK_FAST_N) != 0) {
            free(cand);
            kk_weights_free_fast(w);
            return kk_fail(err, KOKORO_ERR_NO_MEMORY, "out of memory planning convolutions");
        }
        w->n_fast = i + 1;
        size_t bytes = kk_conv_fft_spectra_floats(&fc->plan) * sizeof(float);
        if (bytes <= spectra_budget - used) { /* used <= spectra_budget throughout */
            fc->spec = malloc(bytes);
            if (fc->spec) {
                kk_conv_fft_spectra(&fc->plan, cv->w, fc->spec, 1);
                used += bytes;
            }
        }
        cv->fast = fc;
    }
    free(cand);
    return kk_weights_prepare_wino(w, kk_fast_wino_tile(), err);
}

/*
 * Winograd for the k = 3 resblock convolutions of the generator (256 channels at 800 Hz and 128
 * at 4.8 kHz in Kokoro-82M; dilations 1, 3, 5 for convs1, 1 for convs2).
 *
 * Choice: F(m, 3) needs (m + 2)/m multiply-adds per output and channel pair against 3, plus
 * input and output transforms of about (m + 2)^2 / m operations per output and channel, which
 * the GEMMs amortise over the other side's channels: at 64 channels and dilation 3 the layer
 * only breaks even (bench/conv_bench: 5.6 against 5.8 ms for 24000 columns), so narrower layers
 * stay direct. m = 4 (1.5) over m = 6 (1.33): per layer
 * (bench/conv_bench, one thread) F(4, 3) took 0.64-0.71x the direct time at 256 channels and
 * 0.73-0.80x at 128, F(6, 3) 0.68-0.74x and 0.82-0.87x: its six-way interleave has no shuffle
 * path and its wider transforms eat the saving, and it rounds a little worse.
 * KOKORO_CONV_WINO_M=6 selects it to measure again. The decoder's and the predictor's k = 3
 * layers (up to 1090 x 1024 channels at 80 Hz) stay direct: their transformed filters would add
 * about 100 MB for some 2 % of the work.
 *
 * Numerics: F(4, 3) interpolates at 0, +-1, +-2 and infinity; its input transform is exact in
 * float32 (integer entries), the filter transform is done once in double, and the output
 * transform's entries are at most 8. The result differs from direct convolution by a few float32
 * ulps of sum |w||x| (measured 6e-7 of the output's max in tests/unit/test_nn.c), far inside the
 * 1e-4 the goldens and the fast-vs-direct check hold the engine to. The tile layout depends only
 * on the layer and the input length, so the output is the same for any thread count.
 *
 * Memory: the transformed filters are (m + 2)/3 = 2x the layers' weights (packed for nn/gemm.h),
 * 12 MB for Kokoro-82M at m = 4. They are made per call in the arena instead of kept from load:
 * six planes of (in x out) three-tap sums, split over the workers, against GEMMs over every
 * column of the call; measured no slower end to end, and the 12 MB stay off the peak of long
 * inputs (which sets the server's footprint).
 */
static int wino_wanted(const kk_resblock1_w *r)
{
    return r->k == 3 && r->channels >= KK_WINO_MIN_CHANNELS;
}

static int resblk_wanted(const kk_conv_w *cv)
{
    return cv->k == 3 && cv->in >= KK_WINO_MIN_CHANNELS && cv->out >= KK_WINO_MIN_CHANNELS;
}

static int wino_plan(kk_weights *w, kk_conv_w *cv, int m)
{
    kk_wino_conv *wc = &w->wino[w->n_wino];
    if (kk_conv_wino_init(&wc->plan, cv->out, cv->in, m) != 0)
        return -1;
    w->n_wino++;
    cv->wino = wc;
    return 0;
}

kokoro_status kk_weights_prepare_wino(kk_weights *w, int m, kokoro_error *err)
{
    if (m == 0)
        return KOKORO_OK;
    int K = w->gen.n_kernels, n = 0;
    kk_resblock1_w *blocks[KK_MAX_UPSAMPLES * (KK_MAX_RESBLOCK_KERNELS + 1)];
    for (int i = 0; i < w->gen.n_ups; i++) {
        blocks[n++] = &w->gen.noise_res[i];
        for (int j = 0; j < K; j++)
            blocks[n++] = &w->gen.resblocks[i * K + j];
    }
    int convs = 0;
    for (int i = 0; i < n; i++)
        convs += wino_wanted(blocks[i]) ? 2 * blocks[i]->n_dil : 0;
    /* the decoder's AdainResBlk1d: conv1 and conv2 (see kk_conv_same). Not the predictor's F0
     * branch: the sine source integrates F0 over the whole utterance, so its last bits show in
     * the phase of long inputs, and --conv fast keeps F0 bit for bit what --conv direct gives
     * (the N branch, its twin, stays with it; both together were ~3 % of a long input). */
    kk_resblk_w *rbs[1 + KK_DECODE_BLOCKS];
    int nr = 0;
    rbs[nr++] = &w->dec.encode;
    for (int i = 0; i < KK_DECODE_BLOCKS; i++)
        rbs[nr++] = &w->dec.decode[i];
    for (int i = 0; i < nr; i++)
        convs += resblk_wanted(&rbs[i]->conv1) + resblk_wanted(&rbs[i]->conv2);
    if (convs == 0)
        return KOKORO_OK;
    w->wino = calloc((size_t)convs, sizeof *w->wino);
    if (!w->wino)
        return kk_fail(err, KOKORO_ERR_NO_MEMORY, "out of memory planning convolutions");
    for (int i = 0; i < n; i++) {
        if (!wino_wanted(blocks[i]))
            continue;
        for (int j = 0; j < blocks[i]->n_dil; j++)
            if (wino_plan(w, &blocks[i]->convs1[j], m) != 0 ||
                wino_plan(w, &blocks[i]->convs2[j], m) != 0) {
                kk_weights_free_fast(w);
                return kk_fail(err, KOKORO_ERR_NO_MEMORY, "out of memory planning convolutions");
            }
    }
    for (int i = 0; i < nr; i++)
        for (int c = 0; c < 2; c++) {
            kk_conv_w *cv = c ? &rbs[i]->conv2 : &rbs[i]->conv1;
            if (resblk_wanted(cv) && wino_plan(w, cv, m) != 0) {
                kk_weights_free_fast(w);
                return kk_fail(err, KOKORO_ERR_NO_MEMORY, "out of memory planning convolutions");
            }
        }
    return KOKORO_OK;
}

void kk_weights_free_fast(kk_weights *w)
{
    /* on teardown, or after a failed prepare that fails the model load: the kk_conv_w.fast
     * pointing here are not reset */
    for (int i = 0; i < w->n_fast; i++) {
        kk_conv_fft_free(&w->fast[i].plan);
        free(w->fast[i].spec);
    }
    free(w->fast);
    w->fast = NULL;
    w->n_fast = 0;
    free(w->wino);
    w->wino = NULL;
    w->n_wino = 0;
}
