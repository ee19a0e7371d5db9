/* A full-size Kokoro-82M with seeded random weights, built in memory for `kokoro bench`. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/backend.h"
#include "engine/model.h"
#include "engine/scratch_cache.h"
#include "nn/parallel.h"
#include "util/error.h"

/* Kokoro-82M v1.0 phoneme vocabulary: code point -> token id (config.json "vocab"). */
static const struct {
    uint16_t cp;
    int16_t id;
} vocab82m[] = {
    {0x003B, 1}, {0x003A, 2}, {0x002C, 3}, {0x002E, 4}, {0x0021, 5}, {0x003F, 6}, {0x2014, 9},
    {0x2026, 10}, {0x0022, 11}, {0x0028, 12}, {0x0029, 13}, {0x201C, 14}, {0x201D, 15},
    {0x0020, 16}, {0x0303, 17}, {0x02A3, 18}, {0x02A5, 19}, {0x02A6, 20}, {0x02A8, 21},
    {0x1D5D, 22}, {0xAB67, 23}, {0x0041, 24}, {0x0049, 25}, {0x004F, 31}, {0x0051, 33},
    {0x0053, 35}, {0x0054, 36}, {0x0057, 39}, {0x0059, 41}, {0x1D4A, 42}, {0x0061, 43},
    {0x0062, 44}, {0x0063, 45}, {0x0064, 46}, {0x0065, 47}, {0x0066, 48}, {0x0068, 50},
    {0x0069, 51}, {0x006A, 52}, {0x006B, 53}, {0x006C, 54}, {0x006D, 55}, {0x006E, 56},
    {0x006F, 57}, {0x0070, 58}, {0x0071, 59}, {0x0072, 60}, {0x0073, 61}, {0x0074, 62},
    {0x0075, 63}, {0x0076, 64}, {0x0077, 65}, {0x0078, 66}, {0x0079, 67}, {0x007A, 68},
    {0x0251, 69}, {0x0250, 70}, {0x0252, 71}, {0x00E6, 72}, {0x03B2, 75}, {0x0254, 76},
    {0x0255, 77}, {0x00E7, 78}, {0x0256, 80}, {0x00F0, 81}, {0x02A4, 82}, {0x0259, 83},
    {0x025A, 85}, {0x025B, 86}, {0x025C, 87}, {0x025F, 90}, {0x0261, 92}, {0x0265, 99},
    {0x0268, 101}, {0x026A, 102}, {0x029D, 103}, {0x026F, 110}, {0x0270, 111}, {0x014B, 112},
    {0x0273, 113}, {0x0272, 114}, {0x0274, 115}, {0x00F8, 116}, {0x0278, 118}, {0x03B8, 119},
    {0x0153, 120}, {0x0279, 123}, {0x027E, 125}, {0x027B, 126}, {0x0281, 128}, {0x027D, 129},
    {0x0282, 130}, {0x0283, 131}, {0x0288, 132}, {0x02A7, 133}, {0x028A, 135}, {0x028B, 136},
    {0x028C, 138}, {0x0263, 139}, {0x0264, 140}, {0x03C7, 142}, {0x028E, 143}, {0x0292, 147},
    {0x0294, 148}, {0x02C8, 156}, {0x02CC, 157}, {0x02D0, 158}, {0x02B0, 162}, {0x02B2, 164},
    {0x2193, 169}, {0x2192, 171}, {0x2197, 172}, {0x2198, 173}, {0x1D7B, 177},
};

void kk_config_kokoro82m(kk_config *c)
{
    memset(c, 0, sizeof *c);
    c->n_token = 178;
    c->hidden_dim = 512;
    c->style_dim = 128;
    c->n_layer = 3;
    c->max_dur = 50;
    c->text_encoder_kernel_size = 5;
    c->n_mels = 80;
    c->albert_hidden = 768;
    c->albert_heads = 12;
    c->albert_intermediate = 2048;
    c->albert_layers = 12;
    c->albert_max_positions = 512;
    c->albert_embedding_size = 128;
    c->n_upsamples = 2;
    c->upsample_rates[0] = 10;
    c->upsample_rates[1] = 6;
    c->upsample_kernel_sizes[0] = 20;
    c->upsample_kernel_sizes[1] = 12;
    c->n_resblock_kernels = 3;
    c->resblock_kernel_sizes[0] = 3;
    c->resblock_kernel_sizes[1] = 7;
    c->resblock_kernel_sizes[2] = 11;
    c->n_dilations = 3;
    for (int i = 0; i < 3; i++) {
        c->resblock_dilations[i][0] = 1;
        c->resblock_dilations[i][1] = 3;
        c->resblock_dilations[i][2] = 5;
    }
    c->upsample_initial_channel = 512;
    c->istft_n_fft = 20;
    c->istft_hop = 5;
    for (int i = 0; i < KK_VOCAB_MAX_CODEPOINT; i++)
        c->vocab[i] = -1;
    for (size_t i = 0; i < sizeof vocab82m / sizeof *vocab82m; i++)
        c->vocab[vocab82m[i].cp] = vocab82m[i].id;
    c->vocab_size = (int)(sizeof vocab82m / sizeof *vocab82m);
}

typedef struct {
    kokoro_model *m;
    uint64_t state;
    size_t cap;
    char **names; /* names[i] is the tensor m->owned[i] (a name asked twice gets the same one) */
    int64_t (*shapes)[KK_MAX_DIMS];
} random_source;

static float uniform(random_source *r)
{
    r->state = r->state * 6364136223846793005ull + 1442695040888963407ull;
    return (float)((r->state >> 40) & 0xFFFFFF) / 8388608.0f - 1.0f; /* [-1, 1) */
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

static const float *random_get(void *ctx, const char *name, int ndim, const int64_t *shape_in,
                               int64_t *actual, int optional, kokoro_error *err)
{
    random_source *r = ctx;
    if (optional)
        return NULL; /* the released checkpoint has no InstanceNorm affine parameters */
    for (size_t i = 0; i < r->m->n_owned; i++)
        if (strcmp(r->names[i], name) == 0) {
            if (actual)
                for (int d = 0; d < ndim; d++)
                    actual[d] = r->shapes[i][d];
            return r->m->owned[i];
        }
    int64_t shape[KK_MAX_DIMS];
    size_t n = 1;
    for (int i = 0; i < ndim; i++) {
        shape[i] = shape_in[i];
        if (shape[i] < 0) {
            /* the widths Kokoro-82M's code hard-codes */
            if (strstr(name, "decoder.encode.conv1"))
                shape[i] = 1024;
            else if (strstr(name, "asr_res"))
                shape[i] = 64;
            else if (strstr(name, "token_type"))
                shape[i] = 2;
            else if (strstr(name, "l_linear"))
                shape[i] = 9;
            else {
                kk_fail(err, KOKORO_ERR_INTERNAL, "random model: no size for %s", name);
                return NULL;
            }
        }
        if (actual)
            actual[i] = shape[i];
        n *= (size_t)shape[i];
    }
    if (r->m->n_owned == r->cap) {
        size_t cap = r->cap ? 2 * r->cap : 1024;
        float **p = realloc(r->m->owned, cap * sizeof *p);
        if (p)
            r->m->owned = p;
        char **nm = p ? realloc(r->names, cap * sizeof *nm) : NULL;
        if (nm)
            r->names = nm;
        int64_t(*sh)[KK_MAX_DIMS] = nm ? realloc(r->shapes, cap * sizeof *sh) : NULL;
        if (sh)
            r->shapes = sh;
        if (!sh) {
            kk_fail(err, KOKORO_ERR_NO_MEMORY, "random model: out of memory");
            return NULL;
        }
        r->cap = cap;
    }
    r->names[r->m->n_owned] = strdup(name);
    memcpy(r->shapes[r->m->n_owned], shape, sizeof shape);
    if (!r->names[r->m->n_owned]) {
        kk_fail(err, KOKORO_ERR_NO_MEMORY, "random model: out of memory");
        return NULL;
    }
    float *t = malloc(n * sizeof(float));
    if (!t) {
        free(r->names[r->m->n_owned]);
        kk_fail(err, KOKORO_ERR_NO_MEMORY, "random model: out of memory");
        return NULL;
    }
    r->m->owned[r->m->n_owned++] = t;
    r->m->n_params += n;
    size_t fan_in = ndim > 1 ? n / (size_t)shape[0] : 0;
    float a = fan_in ? 1.0f / sqrtf((float)fan_in) : 0.05f;
    float fill = NAN;
    if (ends_with(name, "LayerNorm.weight") || ends_with(name, "layer_norm.weight") ||
        ends_with(name, ".gamma") || strstr(name, ".alpha"))
        fill = 1.0f;
    else if (ends_with(name, "LayerNorm.bias") || ends_with(name, "layer_norm.bias") ||
             ends_with(name, ".beta"))
        fill = 0.0f;
    else if (ends_with(name, "duration_proj.linear_layer.bias"))
        fill = -2.44f; /* sigmoid = 0.08: 50 of them sum to about 4 frames per token */
    else if (ends_with(name, "F0_proj.bias"))
        fill = 150.0f; /* Hz: every frame voiced, like speech */
    if (ends_with(name, "duration_proj.linear_layer.weight") || strstr(name, "conv_post"))
        a *= 0.1f; /* keep the duration spread and the output spectrum moderate */
    if (strstr(name, "embeddings.") || ends_with(name, "embedding.weight"))
        a = 0.1f;
    for (size_t i = 0; i < n; i++)
        t[i] = isnan(fill) ? a * uniform(r) : fill;
    return t;
}

static void random_release(void *ctx, const float *data)
{
    random_source *r = ctx;
    for (size_t i = 0; data && i < r->m->n_owned; i++)
        if (r->m->owned[i] == data) {
            free(r->m->owned[i]);
            r->m->owned[i] = NULL; /* random_get never looks it up again: the build is over */
            return;
        }
}

kokoro_status kk_model_random(const kk_config *cfg, uint64_t seed, kokoro_model **out,
                              kokoro_error *err)
{
    kokoro_model *m = calloc(1, sizeof *m);
    if (!m)
        return kk_fail(err, KOKORO_ERR_NO_MEMORY, "out of memory");
    kk_blas_single_threaded(); /* libkokoro parallelises itself, per call */
    random_source r = {m, seed * 2654435761u + 1, 0, NULL, NULL};
    kk_weight_source src = {random_get, &r, random_release};
    kokoro_status st = kk_weights_build(&m->w, cfg, &src, err);
    if (st == KOKORO_OK)
        st = kk_weights_prepare_fast(&m->w, kk_fast_spectra_budget(), err);
    if (st == KOKORO_OK)
        st = kk_backend_select(&m->w, &m->backend, err);
    if (st == KOKORO_OK && !m->backend)
        st = kk_weights_prepack(&m->w, &src, err);
    if (st == KOKORO_OK)
        m->scratch = kk_scratch_cache_new(kk_scratch_cache_default_cap(), KK_SCRATCH_MAX_REGION);
    for (size_t i = 0; i < m->n_owned; i++)
        free(r.names[i]);
    free(r.names);
    free(r.shapes);
    if (st != KOKORO_OK) {
        kokoro_model_free(m);
        return st;
    }
    *out = m;
    return KOKORO_OK;
}
