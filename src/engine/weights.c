#include "engine/weights.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/error.h"

typedef struct {
    const kk_weight_source *src;
    kokoro_error *err;
    int failed;
} builder;

/* The tensor named by fmt with the given shape; after the first failure every call is a no-op,
 * so the build reports the first problem only. */
static const float *tensor(builder *b, int optional, int64_t *actual, int ndim,
                           const int64_t *shape, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
static const float *tensor(builder *b, int optional, int64_t *actual, int ndim,
                           const int64_t *shape, const char *fmt, ...)
{
    if (b->failed)
        return NULL;
    char name[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(name, sizeof name, fmt, ap);
    va_end(ap);
    const float *p = b->src->get(b->src->ctx, name, ndim, shape, actual, optional, b->err);
    if (!p && !optional)
        b->failed = 1;
    return p;
}

#define SHAPE(...) ((const int64_t[]){__VA_ARGS__})
#define NDIM(...) ((int)(sizeof(SHAPE(__VA_ARGS__)) / sizeof(int64_t)))
#define REQ(b, name_fmt, ...) tensor(b, 0, NULL, NDIM(__VA_ARGS__), SHAPE(__VA_ARGS__), "%s", name_fmt)

/* snprintf into a 256-byte name buffer (names are far shorter; vsnprintf truncates safely) */
static void name_of(char *buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void name_of(char *buf, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, 256, fmt, ap);
    va_end(ap);
}

static void lin(builder *b, kk_lin_w *l, int in, int out, const char *prefix)
{
    char n[256];
    l->in = in;
    l->out = out;
    name_of(n, "%s.weight", prefix);
    l->w = REQ(b, n, out, in);
    name_of(n, "%s.bias", prefix);
    l->b = REQ(b, n, out);
}

static void conv(builder *b, kk_conv_w *c, int out, int in, int k, int bias, const char *prefix)
{
    char n[256];
    c->in = in;
    c->out = out;
    c->k = k;
    name_of(n, "%s.weight", prefix);
    c->w = REQ(b, n, out, in, k);
    c->b = NULL;
    if (bias) {
        name_of(n, "%s.bias", prefix);
        c->b = REQ(b, n, out);
    }
}

static void lstm(builder *b, kk_lstm_weights *l, int in, int H, const char *prefix)
{
    static const char *suffix[2] = {"", "_reverse"};
    char n[256];
    l->in = in;
    l->hidden = H;
    for (int d = 0; d < 2; d++) {
        name_of(n, "%s.weight_ih_l0%s", prefix, suffix[d]);
        l->w_ih[d] = REQ(b, n, 4 * H, in);
        name_of(n, "%s.weight_hh_l0%s", prefix, suffix[d]);
        l->w_hh[d] = REQ(b, n, 4 * H, H);
        name_of(n, "%s.bias_ih_l0%s", prefix, suffix[d]);
        l->b_ih[d] = REQ(b, n, 4 * H);
        name_of(n, "%s.bias_hh_l0%s", prefix, suffix[d]);
        l->b_hh[d] = REQ(b, n, 4 * H);
    }
}

static void adain(builder *b, kk_adain_w *a, int C, int style, const char *prefix)
{
    char n[256];
    a->channels = C;
    name_of(n, "%s.fc", prefix);
    lin(b, &a->fc, style, 2 * C, n);
    /* kokoro's released checkpoint has no InstanceNorm affine (it stays 1/0); newer ones may. */
    a->norm_w = tensor(b, 1, NULL, 1, SHAPE(C), "%s.norm.weight", prefix);
    a->norm_b = tensor(b, 1, NULL, 1, SHAPE(C), "%s.norm.bias", prefix);
}

static void resblk(builder *b, kk_resblk_w *r, int in, int out, int upsample, int style,
                   const char *prefix)
{
    char n[256];
    r->dim_in = in;
    r->dim_out = out;
    r->upsample = upsample;
    name_of(n, "%s.norm1", prefix);
    adain(b, &r->norm1, in, style, n);
    name_of(n, "%s.norm2", prefix);
    adain(b, &r->norm2, out, style, n);
    name_of(n, "%s.conv1", prefix);
    conv(b, &r->conv1, out, in, 3, 1, n);
    name_of(n, "%s.conv2", prefix);
    conv(b, &r->conv2, out, out, 3, 1, n);
    memset(&r->conv1x1, 0, sizeof r->conv1x1);
    if (in != out) {
        name_of(n, "%s.conv1x1", prefix);
        conv(b, &r->conv1x1, out, in, 1, 0, n);
    }
    memset(&r->pool, 0, sizeof r->pool);
    if (upsample) {
        name_of(n, "%s.pool", prefix);
        conv(b, &r->pool, in, 1, 3, 1, n);
    }
}

static void resblock1(builder *b, kk_resblock1_w *r, int C, int k, int n_dil, const int *dil,
                      int style, const char *prefix)
{
    char n[256];
    r->channels = C;
    r->k = k;
    r->n_dil = n_dil;
    for (int j = 0; j < n_dil; j++) {
        r->dil[j] = dil[j];
        name_of(n, "%s.adain1.%d", prefix, j);
        adain(b, &r->adain1[j], C, style, n);
        name_of(n, "%s.adain2.%d", prefix, j);
        adain(b, &r->adain2[j], C, style, n);
        name_of(n, "%s.convs1.%d", prefix, j);
        conv(b, &r->convs1[j], C, C, k, 1, n);
        name_of(n, "%s.convs2.%d", prefix, j);
        conv(b, &r->convs2[j], C, C, k, 1, n);
        r->alpha1[j] = tensor(b, 0, NULL, 3, SHAPE(1, C, 1), "%s.alpha1.%d", prefix, j);
        r->alpha2[j] = tensor(b, 0, NULL, 3, SHAPE(1, C, 1), "%s.alpha2.%d", prefix, j);
    }
}

static void build_bert(builder *b, kk_weights *w, const kk_config *c)
{
    int E = c->albert_embedding_size, Hd = c->albert_hidden, NI = c->albert_intermediate;
    w->bert.emb = E;
    w->bert.hidden = Hd;
    w->bert.heads = c->albert_heads;
    w->bert.inter = NI;
    w->bert.layers = c->albert_layers;
    w->bert.max_pos = c->albert_max_positions;
    w->bert.n_token = c->n_token;
    w->bert.word = REQ(b, "bert.embeddings.word_embeddings.weight", c->n_token, E);
    w->bert.position = REQ(b, "bert.embeddings.position_embeddings.weight", c->albert_max_positions, E);
    w->bert.token_type = REQ(b, "bert.embeddings.token_type_embeddings.weight", -1, E);
    w->bert.ln_w = REQ(b, "bert.embeddings.LayerNorm.weight", E);
    w->bert.ln_b = REQ(b, "bert.embeddings.LayerNorm.bias", E);
    lin(b, &w->bert.map_in, E, Hd, "bert.encoder.embedding_hidden_mapping_in");
    const char *L0 = "bert.encoder.albert_layer_groups.0.albert_layers.0";
    char n[256];
    name_of(n, "%s.attention.query", L0);
    lin(b, &w->bert.q, Hd, Hd, n);
    name_of(n, "%s.attention.key", L0);
    lin(b, &w->bert.k, Hd, Hd, n);
    name_of(n, "%s.attention.value", L0);
    lin(b, &w->bert.v, Hd, Hd, n);
    name_of(n, "%s.attention.dense", L0);
    lin(b, &w->bert.dense, Hd, Hd, n);
    name_of(n, "%s.ffn", L0);
    lin(b, &w->bert.ffn, Hd, NI, n);
    name_of(n, "%s.ffn_output", L0);
    lin(b, &w->bert.ffn_out, NI, Hd, n);
    w->bert.attn_ln_w = tensor(b, 0, NULL, 1, SHAPE(Hd), "%s.attention.LayerNorm.weight", L0);
    w->bert.attn_ln_b = tensor(b, 0, NULL, 1, SHAPE(Hd), "%s.attention.LayerNorm.bias", L0);
    w->bert.full_ln_w = tensor(b, 0, NULL, 1, SHAPE(Hd), "%s.full_layer_layer_norm.weight", L0);
    w->bert.full_ln_b = tensor(b, 0, NULL, 1, SHAPE(Hd), "%s.full_layer_layer_norm.bias", L0);
    lin(b, &w->bert_encoder, Hd, c->hidden_dim, "bert_encoder");
}

static void build_predictor(builder *b, kk_weights *w, const kk_config *c)
{
    int D = c->hidden_dim, S = c->style_dim, H = D / 2;
    char n[256];
    w->pred.n_layer = c->n_layer;
    for (int i = 0; i < c->n_layer; i++) {
        name_of(n, "predictor.text_encoder.lstms.%d", 2 * i);
        lstm(b, &w->pred.lstms[i], D + S, H, n);
        name_of(n, "predictor.text_encoder.lstms.%d.fc", 2 * i + 1);
        lin(b, &w->pred.ada_fc[i], S, 2 * D, n);
    }
    lstm(b, &w->pred.lstm, D + S, H, "predictor.lstm");
    lin(b, &w->pred.dur_proj, D, c->max_dur, "predictor.duration_proj.linear_layer");
    lstm(b, &w->pred.shared, D + S, H, "predictor.shared");
    const char *br[2] = {"F0", "N"};
    kk_resblk_w *blk[2] = {w->pred.F0, w->pred.N};
    for (int k = 0; k < 2; k++) {
        name_of(n, "predictor.%s.0", br[k]);
        resblk(b, &blk[k][0], D, D, 0, S, n);
        name_of(n, "predictor.%s.1", br[k]);
        resblk(b, &blk[k][1], D, D / 2, 1, S, n);
        name_of(n, "predictor.%s.2", br[k]);
        resblk(b, &blk[k][2], D / 2, D / 2, 0, S, n);
    }
    conv(b, &w->pred.F0_proj, 1, D / 2, 1, 1, "predictor.F0_proj");
    conv(b, &w->pred.N_proj, 1, D / 2, 1, 1, "predictor.N_proj");
}

static void build_text_encoder(builder *b, kk_weights *w, const kk_config *c)
{
    int D = c->hidden_dim, K = c->text_encoder_kernel_size;
    char n[256];
    w->text.n_cnn = c->n_layer;
    w->text.kernel = K;
    w->text.embedding = REQ(b, "text_encoder.embedding.weight", c->n_token, D);
    for (int i = 0; i < c->n_layer; i++) {
        name_of(n, "text_encoder.cnn.%d.0", i);
        conv(b, &w->text.cnn[i], D, D, K, 1, n);
        w->text.gamma[i] = tensor(b, 0, NULL, 1, SHAPE(D), "text_encoder.cnn.%d.1.gamma", i);
        w->text.beta[i] = tensor(b, 0, NULL, 1, SHAPE(D), "text_encoder.cnn.%d.1.beta", i);
    }
    lstm(b, &w->text.lstm, D, D / 2, "text_encoder.lstm");
}

static void build_decoder(builder *b, kk_weights *w, const kk_config *c)
{
    int D = c->hidden_dim, S = c->style_dim, U = c->upsample_initial_channel;
    int64_t sh[3];
    /* The reference Decoder hard-codes these widths (1024, 64); read them from the shapes. */
    tensor(b, 0, sh, 3, SHAPE(-1, D + 2, 3), "decoder.encode.conv1.weight");
    int Hd = (int)sh[0];
    tensor(b, 0, sh, 3, SHAPE(-1, D, 1), "decoder.asr_res.0.weight");
    int R = (int)sh[0];
    if (b->failed)
        return;
    w->dec.hidden = Hd;
    w->dec.asr_res_dim = R;
    w->dec.asr_dim = D;
    conv(b, &w->dec.F0_conv, 1, 1, 3, 1, "decoder.F0_conv");
    conv(b, &w->dec.N_conv, 1, 1, 3, 1, "decoder.N_conv");
    conv(b, &w->dec.asr_res, R, D, 1, 1, "decoder.asr_res.0");
    resblk(b, &w->dec.encode, D + 2, Hd, 0, S, "decoder.encode");
    char n[256];
    for (int i = 0; i < KK_DECODE_BLOCKS; i++) {
        int last = i == KK_DECODE_BLOCKS - 1;
        name_of(n, "decoder.decode.%d", i);
        resblk(b, &w->dec.decode[i], Hd + R + 2, last ? U : Hd, last, S, n);
    }
}

static void build_generator(builder *b, kk_weights *w, const kk_config *c)
{
    int S = c->style_dim, U = c->upsample_initial_channel, nf = c->istft_n_fft;
    int64_t sh[2];
    char n[256];
    tensor(b, 0, sh, 2, SHAPE(1, -1), "decoder.generator.m_source.l_linear.weight");
    if (b->failed)
        return;
    w->gen.harmonics = (int)sh[1];
    lin(b, &w->gen.l_linear, w->gen.harmonics, 1, "decoder.generator.m_source.l_linear");
    w->gen.n_ups = c->n_upsamples;
    w->gen.n_kernels = c->n_resblock_kernels;
    for (int i = 0; i < c->n_upsamples; i++) {
        int cin = U >> i, cout = U >> (i + 1);
        int k = c->upsample_kernel_sizes[i];
        name_of(n, "decoder.generator.ups.%d", i);
        /* ConvTranspose1d: weight [in][out][k], bias [out] */
        kk_conv_w *u = &w->gen.ups[i];
        u->in = cin;
        u->out = cout;
        u->k = k;
        u->w = tensor(b, 0, NULL, 3, SHAPE(cin, cout, k), "%s.weight", n);
        u->b = tensor(b, 0, NULL, 1, SHAPE(cout), "%s.bias", n);
        int last = i + 1 == c->n_upsamples;
        int stride_f0 = 1;
        for (int j = i + 1; j < c->n_upsamples; j++)
            stride_f0 *= c->upsample_rates[j];
        name_of(n, "decoder.generator.noise_convs.%d", i);
        conv(b, &w->gen.noise_convs[i], cout, nf + 2, last ? 1 : 2 * stride_f0, 1, n);
        name_of(n, "decoder.generator.noise_res.%d", i);
        static const int d135[3] = {1, 3, 5};
        resblock1(b, &w->gen.noise_res[i], cout, last ? 11 : 7, 3, d135, S, n);
        for (int j = 0; j < c->n_resblock_kernels; j++) {
            int idx = i * c->n_resblock_kernels + j;
            name_of(n, "decoder.generator.resblocks.%d", idx);
            resblock1(b, &w->gen.resblocks[idx], cout, c->resblock_kernel_sizes[j], c->n_dilations,
                      c->resblock_dilations[j], S, n);
        }
    }
    conv(b, &w->gen.conv_post, nf + 2, U >> c->n_upsamples, 7, 1, "decoder.generator.conv_post");
}

kokoro_status kk_weights_build(kk_weights *w, const kk_config *cfg, const kk_weight_source *src,
                               kokoro_error *err)
{
    memset(w, 0, sizeof *w);
    w->cfg = *cfg;
    if (cfg->n_layer < 1 || cfg->n_layer > KK_MAX_LAYERS || cfg->hidden_dim < 2 ||
        cfg->hidden_dim % 2 || cfg->style_dim < 1 || cfg->albert_heads < 1 ||
        cfg->albert_hidden % cfg->albert_heads || cfg->n_upsamples < 1 ||
        cfg->n_upsamples > KK_MAX_UPSAMPLES || cfg->n_resblock_kernels < 1 ||
        cfg->istft_n_fft < 4 || cfg->istft_n_fft > 64 || cfg->istft_hop < 1 || cfg->max_dur < 1 ||
        (cfg->upsample_initial_channel >> cfg->n_upsamples) < 1 || cfg->n_dilations < 1 ||
        cfg->albert_embedding_size < 1 || cfg->albert_max_positions < 3)
        return kk_fail(err, KOKORO_ERR_FORMAT, "config: unsupported model dimensions");
    w->style_half = cfg->style_dim;
    builder b = {src, err, 0};
    build_bert(&b, w, cfg);
    build_predictor(&b, w, cfg);
    build_text_encoder(&b, w, cfg);
    build_decoder(&b, w, cfg);
    build_generator(&b, w, cfg);
    if (b.failed)
        return err ? err->code : KOKORO_ERR_FORMAT;
    return KOKORO_OK;
}
