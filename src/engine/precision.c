/*
 * precision — the optional bf16 path of the CPU engine (kokoro_synth_options.precision).
 *
 * The generator's AdaIN resblock convolutions run their GEMMs in bf16 (nn/gemm_bf16.h): the FFT
 * convolutions' per-bin GEMMs (k = 7, 11) and the direct k = 3 ones. They are most of the
 * generator's arithmetic, and with AMX their GEMMs run about five times the float32 rate (bench
 * numbers in README, Performance). The FFTs and everything before the generator stay float32, so
 * the durations, F0 and the harmonic source are the same bits as with float32, and bf16 changes
 * only the generator's resblocks (tests/unit/test_synth.c holds the audio to >= 30 dB SNR
 * against float32).
 *
 * Weights: a layer whose float32 spectra were made at load gets bf16 planes made once, on its
 * first bf16 call, from the same values (kk_conv_fft_spectra_bf16, same code), and keeps
 * them read-only for every later call and thread: about half the bytes of its float32 spectra
 * (Kokoro-82M at the default budget: 12 layers x 47 planes x 128 x 128 bf16 = 17.6 MiB), and only
 * in processes that ask for bf16. The other layers make theirs per call in the arena, as their
 * float32 spectra are. The direct convolutions round their (rearranged) weights per call, as the
 * float32 path rearranges them per call: 1/n of a GEMM over n columns. Where the CPU has no bf16 kernel the call computes in float32
 * (kokoro_precision_effective says which), bit-identical to a float32 call.
 */
#include <stdlib.h>

#include "engine/forward.h"

int kokoro_precision_effective(int precision)
{
    return precision == KOKORO_PRECISION_BF16 && kk_gemm_bf16_native() ? KOKORO_PRECISION_BF16
                                                                       : KOKORO_PRECISION_FP32;
}

int kk_forward_bf16(const kk_forward *f)
{
    return kokoro_precision_effective(f->opt->precision) == KOKORO_PRECISION_BF16;
}

/* The layer's shared bf16 planes, made on first use; NULL for layers without load-time spectra
 * (or when memory runs out: the caller then makes them per call). Concurrent first calls may
 * each make a copy; one is published, the others are freed. */
static const kk_bf16 *shared_planes(const kk_conv_w *cw, int threads)
{
    kk_fast_conv *fc = (kk_fast_conv *)cw->fast; /* spec16 is the one field written after load */
    if (!fc->spec)
        return NULL;
    kk_bf16 *got = __atomic_load_n(&fc->spec16, __ATOMIC_ACQUIRE);
    if (got)
        return got;
    kk_bf16 *mine = malloc(kk_conv_fft_bf16_elems(&fc->plan) * sizeof *mine);
    float *scratch = malloc(kk_conv_fft_bf16_scratch(&fc->plan) * sizeof *scratch);
    if (!mine || !scratch) {
        free(mine);
        free(scratch);
        return NULL;
    }
    kk_conv_fft_spectra_bf16(&fc->plan, cw->w, mine, scratch, threads);
    free(scratch);
    kk_bf16 *expected = NULL;
    if (!__atomic_compare_exchange_n(&fc->spec16, &expected, mine, 0, __ATOMIC_ACQ_REL,
                                     __ATOMIC_ACQUIRE)) {
        free(mine);
        return expected;
    }
    return mine;
}

void kk_same_conv_bf16(kk_forward *f, const kk_conv_w *cw, const kk_buf *x, const kk_pre *pre,
                       int d, kk_buf *y, int accumulate)
{
    kk_arena_mark_t m = kk_arena_mark(&f->arena);
    if (cw->fast && !f->opt->direct_conv) {
        const kk_conv_fft *p = &cw->fast->plan;
        const kk_bf16 *spec16 = shared_planes(cw, f->threads);
        if (!spec16) {
            size_t elems = kk_conv_fft_bf16_elems(p);
            kk_bf16 *s = (kk_bf16 *)kk_arena_floats(&f->arena, (elems + 1) / 2);
            float *scratch = kk_arena_floats(&f->arena, kk_conv_fft_bf16_scratch(p));
            kk_conv_fft_spectra_bf16(p, cw->w, s, scratch, f->threads);
            spec16 = s;
        }
        float *sc = kk_arena_floats(&f->arena, kk_conv1d_fft_scratch(p, x->L, d, f->threads));
        kk_conv1d_fft_bf16(p, spec16, x, pre, cw->b, d, y, accumulate, sc, f->threads);
    } else {
        int k = cw->k, pad = d * (k - 1) / 2;
        float *sc = kk_arena_floats(&f->arena, kk_conv1d_buf_bf16_scratch(x->C, cw->out, x->L, k,
                                                                          1, pad, d, f->threads));
        kk_conv1d_buf_bf16(x, pre, cw->w, cw->b, cw->out, k, 1, pad, d, y, accumulate, sc,
                           f->threads);
    }
    kk_arena_release(&f->arena, m);
}

void kk_weights_free_bf16(kk_weights *w)
{
    for (int i = 0; i < w->n_fast; i++) {
        free(w->fast[i].spec16);
        w->fast[i].spec16 = NULL;
    }
}
