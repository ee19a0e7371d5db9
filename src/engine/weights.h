/*
 * weights — the model's parameters as the forward pass reads them (the "Weights" of the llama2.c
 * split), plus its configuration. Built once by kk_weights_build, then read-only and shared by
 * every thread. All widths come from config.json or from tensor shapes.
 */
#ifndef KOKORO_ENGINE_WEIGHTS_H
#define KOKORO_ENGINE_WEIGHTS_H
#include "kokoro.h"
#include "model/config.h"
#include "nn/conv_fft.h"
#include "nn/conv_wino.h"
#include "nn/nn.h"

#define KK_MAX_LAYERS 16
#define KK_DECODE_BLOCKS 4

typedef struct {
    const float *w, *b; /* w [out][in], b [out] (b may be NULL) */
    int in, out;
    const float *packed; /* kk_linear_pack's layout (kk_weights_prepack); w is then NULL */
} kk_lin_w;

/* A convolution's FFT plan (nn/conv_fft.h) and, when the model's budget covered it, its filter
 * spectra computed at load (NULL: computed per call); for such a layer, spec16 caches their bf16
 * planes once a bf16 call made them (engine/precision.c; NULL until then). */
typedef struct {
    kk_conv_fft plan;
    float *spec;
    kk_bf16 *spec16;
} kk_fast_conv;

/* A k = 3 convolution's Winograd plan (nn/conv_wino.h); its transformed filters are made per
 * call (engine/fast_conv.c says why). */
typedef struct {
    kk_conv_wino plan;
} kk_wino_conv;

typedef struct {
    const float *w, *b; /* Conv1d: w [out][in][k]; ConvTranspose1d: w [in][out][k] */
    int in, out, k;
    const kk_fast_conv *fast; /* set by kk_weights_prepare_fast for the layers it speeds up */
    const kk_wino_conv *wino; /* the same for the k = 3 layers that run by Winograd */
    const float *packed;      /* kk_conv1d_pack's planes (kk_weights_prepack), for the generator's
                               * ConvTranspose1d layers kk_tconv_pack's; w is then NULL */
} kk_conv_w;

typedef struct {
    kk_lin_w fc;                    /* style -> [gamma | beta] */
    const float *norm_w, *norm_b;   /* InstanceNorm affine; NULL means 1 and 0 */
    int channels;
} kk_adain_w;

/* AdainResBlk1d (decoder encode/decode, predictor F0/N blocks). */
typedef struct {
    int dim_in, dim_out, upsample;
    kk_adain_w norm1, norm2;
    kk_conv_w conv1, conv2;
    kk_conv_w conv1x1; /* w NULL when dim_in == dim_out */
    kk_conv_w pool;    /* depthwise ConvTranspose1d [dim_in][1][3], only when upsampling */
} kk_resblk_w;

/* AdaINResBlock1 (generator resblocks and noise_res). */
typedef struct {
    int channels, k, n_dil;
    int dil[KK_MAX_DILATIONS];
    kk_adain_w adain1[KK_MAX_DILATIONS], adain2[KK_MAX_DILATIONS];
    kk_conv_w convs1[KK_MAX_DILATIONS], convs2[KK_MAX_DILATIONS];
    const float *alpha1[KK_MAX_DILATIONS], *alpha2[KK_MAX_DILATIONS];
} kk_resblock1_w;

typedef struct {
    kk_config cfg;
    int style_half; /* style_dim: ref_s[0:style_half] decoder, [style_half:2*style_half] predictor */

    struct {
        const float *word, *position, *token_type, *ln_w, *ln_b;
        kk_lin_w map_in, q, k, v, dense, ffn, ffn_out;
        const float *attn_ln_w, *attn_ln_b, *full_ln_w, *full_ln_b;
        int emb, hidden, heads, inter, layers, max_pos, n_token;
    } bert;
    kk_lin_w bert_encoder;

    struct {
        int n_layer;
        kk_lstm_weights lstms[KK_MAX_LAYERS]; /* DurationEncoder BiLSTMs */
        kk_lin_w ada_fc[KK_MAX_LAYERS];        /* DurationEncoder AdaLayerNorm fc */
        kk_lstm_weights lstm;                  /* duration LSTM */
        kk_lin_w dur_proj;
        kk_lstm_weights shared;
        kk_resblk_w F0[3], N[3];
        kk_conv_w F0_proj, N_proj;
    } pred;

    struct {
        int n_cnn, kernel;
        const float *embedding; /* [n_token][channels] */
        kk_conv_w cnn[KK_MAX_LAYERS];
        const float *gamma[KK_MAX_LAYERS], *beta[KK_MAX_LAYERS];
        kk_lstm_weights lstm;
    } text;

    struct {
        int hidden, asr_res_dim, asr_dim; /* 1024, 64, 512 in Kokoro-82M */
        kk_conv_w F0_conv, N_conv, asr_res;
        kk_resblk_w encode, decode[KK_DECODE_BLOCKS];
    } dec;

    struct {
        int n_ups, n_kernels, harmonics;
        kk_lin_w l_linear; /* 9 -> 1 */
        kk_conv_w noise_convs[KK_MAX_UPSAMPLES];
        kk_resblock1_w noise_res[KK_MAX_UPSAMPLES];
        kk_conv_w ups[KK_MAX_UPSAMPLES];
        kk_resblock1_w resblocks[KK_MAX_UPSAMPLES * KK_MAX_RESBLOCK_KERNELS];
        kk_conv_w conv_post;
    } gen;

    kk_fast_conv *fast; /* owned: the plans kk_conv_w.fast point to */
    int n_fast;
    kk_wino_conv *wino; /* owned: the plans kk_conv_w.wino point to */
    int n_wino;
    float **packed;     /* owned: the planes kk_conv_w.packed point to */
    int n_packed;
} kk_weights;

/* Where kk_weights_build gets tensors: a checkpoint, or the bench's random full-size model.
 * get returns the tensor named `name` after checking its shape (-1 matches any size; then
 * actual_shape, if non-NULL, receives the real one); NULL with err filled when absent or wrong.
 * With optional != 0 a missing tensor returns NULL without an error. */
typedef struct {
    const float *(*get)(void *ctx, const char *name, int ndim, const int64_t *shape,
                        int64_t *actual_shape, int optional, kokoro_error *err);
    void *ctx;
    /* Gives back the memory of a tensor get returned, which nothing reads any more (may be NULL:
     * nothing is given back). */
    void (*release)(void *ctx, const float *data);
} kk_weight_source;

kokoro_status kk_weights_build(kk_weights *w, const kk_config *cfg, const kk_weight_source *src,
                               kokoro_error *err);

/* Gives the generator's resblock convolutions that the FFT method speeds up (k >= 5) their plans,
 * and precomputes filter spectra for as many as spectra_budget bytes hold, the layers that save
 * the most time per byte first; the k = 3 ones that Winograd speeds up get its plan and
 * transformed filters (engine/fast_conv.c). Free with kk_weights_free_fast. */
kokoro_status kk_weights_prepare_fast(kk_weights *w, size_t spectra_budget, kokoro_error *err);
void kk_weights_free_fast(kk_weights *w);
/* Frees the bf16 planes bf16 calls cached in w->fast (engine/precision.c); before
 * kk_weights_free_fast. */
void kk_weights_free_bf16(kk_weights *w);
/* The Winograd part alone (tile m: 4 or 6; 0 plans nothing), called by kk_weights_prepare_fast. */
kokoro_status kk_weights_prepare_wino(kk_weights *w, int m, kokoro_error *err);

/* For the CPU engine: packs the weights of the stride-1 k > 1 convolutions outside the generator
 * (decoder and predictor AdainResBlk1d, text encoder CNN) and of the linear layers applied to
 * every token (ALBERT, bert_encoder) once for nn/gemm.h, and gives their
 * float32 originals back to src (so the model's memory stays as it was, plus the panels' row
 * padding). Those layers then never rearrange or BLAS-pack their weights per call, which is most
 * of what made them slow on short inputs. Not for a model another backend runs: the originals
 * are gone. Free with kk_weights_free_prepack. */
kokoro_status kk_weights_prepack(kk_weights *w, const kk_weight_source *src, kokoro_error *err);
void kk_weights_free_prepack(kk_weights *w);

/* The spectra budget a model gets at load: KOKORO_CONV_SPECTRA_MB from the environment if set
 * (a number of MiB, "all" or 0), else the default of fast_conv.c. */
size_t kk_fast_spectra_budget(void);
/* The Winograd tile a model gets at load: KOKORO_CONV_WINO_M from the environment if set (4 or 6;
 * 0 keeps k = 3 direct), else the default of fast_conv.c. */
int kk_fast_wino_tile(void);
#endif
