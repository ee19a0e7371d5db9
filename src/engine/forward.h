/*
 * forward — one synthesis call: the modules of Kokoro-82M in model order, each in its own file
 * (albert.c, prosody.c, text_encoder.c, decoder.c, istftnet.c), run by kk_forward_run.
 *
 * A kk_forward is the per-call state: the read-only weights, the call's scratch arena, its
 * options, its RNG and its timers. Modules allocate their outputs from the arena; anything they
 * allocate internally they release before returning.
 */
#ifndef KOKORO_ENGINE_FORWARD_H
#define KOKORO_ENGINE_FORWARD_H
#include <stdint.h>

#include "engine/arena.h"
#include "engine/weights.h"
#include "kokoro.h"

typedef enum {
    KK_T_ALBERT,
    KK_T_PROSODY,      /* DurationEncoder, duration LSTM and projection */
    KK_T_F0N,          /* shared LSTM and the F0/N branches */
    KK_T_TEXT_ENCODER,
    KK_T_DECODER,      /* F0/N convs, encode, decode blocks */
    KK_T_SOURCE,       /* harmonic source and its STFT */
    KK_T_GENERATOR,    /* upsampling stages, resblocks, conv_post */
    KK_T_ISTFT,
    KK_T_COUNT
} kk_timer;

extern const char *const kk_timer_names[KK_T_COUNT];

typedef struct {
    const kk_weights *w;
    kk_arena arena;
    const kokoro_synth_options *opt;
    kokoro_error *err;
    int threads;                   /* workers for the primitives (nn/parallel.h) */
    double seconds[KK_T_COUNT];    /* wall time per module */
    kokoro_status dump_status;     /* first failure while writing --dump-dir files */
    size_t stage_bytes;            /* generator: every stage buffer is mapped at least this
                                    * large (engine/istftnet.c), 0: each at its own size */
} kk_forward;

/* Whether this call's FFT convolutions run their GEMMs in bf16 (engine/precision.c). */
int kk_forward_bf16(const kk_forward *f);
/* A generator resblock's "same" convolution y (+)= conv(pre(x)) at dilation d with bf16 GEMMs:
 * by the layer's FFT plan where it has one (and direct_conv is off), else direct. */
void kk_same_conv_bf16(kk_forward *f, const kk_conv_w *cw, const kk_buf *x, const kk_pre *pre,
                       int d, kk_buf *y, int accumulate);

/* Writes a float32 (or, with is_int, int64) tensor to <dump_dir>/<name>.npy if dumping is on. */
void kk_dump(kk_forward *f, const char *name, const void *data, int is_int, int ndim, ...);

/* Dumps token-major x[T][C] as the channel-major [1, C, T] the golden files use. */
void kk_dump_transposed(kk_forward *f, const char *name, const float *x, int T, int C);

/* Clock for the module timers, seconds. */
double kk_wall_seconds(void);

/* ALBERT: ids[T] -> bert_out [T][albert_hidden]. */
float *kk_albert(kk_forward *f, const int64_t *ids, int T);

/* bert_encoder + DurationEncoder: bert_out -> d [T][hidden+style] (the prosody text features). */
float *kk_duration_encoder(kk_forward *f, const float *bert_out, int T, const float *s_pred);
/* Duration LSTM and projection: d -> pred_dur[T] (>= 1 each). Returns F = sum of pred_dur. */
int kk_predict_durations(kk_forward *f, const float *d, int T, float speed, int32_t *pred_dur);
/* Expands token columns over their frames: x[T][C] (token-major) -> y[C][F] (channel-major). */
void kk_expand_tokens(const float *x, int T, int C, const int32_t *pred_dur, int F, float *y);
/* F0Ntrain: en [hidden+style][F] -> F0[2F], N[2F]. */
void kk_f0n(kk_forward *f, const float *en, int F, const float *s_pred, float *F0, float *N);

/* TextEncoder: ids[T] -> t_en [hidden][T]. */
float *kk_text_encoder(kk_forward *f, const int64_t *ids, int T);

/* Decoder up to the generator input: asr [hidden][F], F0/N [2F] -> x [upsample_initial][2F]. */
float *kk_decoder(kk_forward *f, const float *asr, const float *F0, const float *N, int F,
                  const float *s_dec);
/* SineGen + SourceModuleHnNSF: F0 [nF0] (frame rate, `up` samples per value) -> src [nF0 * up]. */
kokoro_status kk_harmonic_source(kk_forward *f, const float *F0, int nF0, int up, float *src);
/* Generator (harmonic source, upsampling stages, iSTFT): -> audio [600F], a kk_arena_big_alloc
 * buffer the caller frees. x and F0 may be kk_arena_big_alloc buffers: the generator frees them
 * once read. */
float *kk_generator(kk_forward *f, const float *x, const float *F0, int F, const float *s_dec);

/* The "same" stride-1 convolution of layer c (pad k/2, dilation 1): y[c->out][L] (+)= c(pre(x)),
 * by its packed weights when kk_weights_prepack made them, else by kk_conv1d; scratch from the
 * arena, released before it returns. */
void kk_conv_same(kk_forward *f, const kk_conv_w *c, const float *x, int L, const kk_pre *pre,
                  float *y, int accumulate);
/* y[n][l->out] = x[n][l->in] . W^T + b, by the packed weights when kk_weights_prepack made them. */
void kk_lin(kk_forward *f, const kk_lin_w *l, const float *x, int n, float *y);
/* AdainResBlk1d shared by prosody.c and decoder.c: x [dim_in][L] -> [dim_out][L or 2L]. */
float *kk_resblk(kk_forward *f, const kk_resblk_w *r, const float *x, int L, const float *style);

/* AdaIN coefficients for x [C][L] under style (fc(style) computed here). */
void kk_adain_prepare(kk_forward *f, const kk_adain_w *a, const float *x, int L,
                      const float *style, float *scale, float *shift);
/* The same for x in either storage; x NULL: scale and shift hold invstd and mean of the input
 * on entry (statistics the caller gathered itself). */
void kk_adain_prepare_buf(kk_forward *f, const kk_adain_w *a, const kk_buf *x,
                          const float *style, float *scale, float *shift);

/* The whole model: ids[T] and style ref_s[2*style_dim] -> audio (malloc'd, *n_samples) and
 * pred_dur[T]. */
kokoro_status kk_forward_run(kk_forward *f, const int64_t *ids, int T, const float *ref_s,
                             float speed, float **audio, size_t *n_samples, int32_t *pred_dur);
#endif
