#include "model/config.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/error.h"

#define MAX_CONFIG_BYTES (16u << 20)
#define MAX_DIM (1 << 20)

/* An integral JSON number within int range (checked before converting: the cast is UB otherwise). */
static int json_int(const cJSON *v, int *out)
{
    if (!cJSON_IsNumber(v))
        return 0;
    double d = v->valuedouble;
    if (!(d >= -2147483648.0 && d <= 2147483647.0) || d != (double)(long long)d)
        return 0;
    *out = (int)d;
    return 1;
}

static kokoro_status get_int(const cJSON *obj, const char *where, const char *key, int required, int dflt,
                             int lo, int hi, int *out, kokoro_error *err)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v) {
        if (required)
            return kk_fail(err, KOKORO_ERR_FORMAT, "config: missing key '%s%s'", where, key);
        *out = dflt;
        return KOKORO_OK;
    }
    int x;
    if (!json_int(v, &x))
        return kk_fail(err, KOKORO_ERR_FORMAT, "config: '%s%s' must be an integer", where, key);
    if (x < lo || x > hi)
        return kk_fail(err, KOKORO_ERR_FORMAT, "config: '%s%s' = %d is outside [%d, %d]", where, key, x, lo, hi);
    *out = x;
    return KOKORO_OK;
}

/* A JSON array of at most cap positive integers into out; returns its length in *n. */
static kokoro_status get_int_array(const cJSON *obj, const char *where, const char *key, int cap, int *out,
                                   int *n, kokoro_error *err)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v)
        return kk_fail(err, KOKORO_ERR_FORMAT, "config: missing key '%s%s'", where, key);
    if (!cJSON_IsArray(v))
        return kk_fail(err, KOKORO_ERR_FORMAT, "config: '%s%s' must be an array", where, key);
    int len = cJSON_GetArraySize(v);
    if (len < 1 || len > cap)
        return kk_fail(err, KOKORO_ERR_UNSUPPORTED, "config: '%s%s' has %d entries (supported: 1..%d)", where, key,
                       len, cap);
    for (int i = 0; i < len; i++) {
        int x;
        if (!json_int(cJSON_GetArrayItem(v, i), &x) || x < 1 || x > MAX_DIM)
            return kk_fail(err, KOKORO_ERR_FORMAT, "config: '%s%s'[%d] must be a positive integer", where, key, i);
        out[i] = x;
    }
    *n = len;
    return KOKORO_OK;
}

/* Decodes exactly one UTF-8 code point spanning all of s; -1 otherwise. */
static long single_codepoint(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    long cp;
    int n;
    if (p[0] < 0x80) {
        cp = p[0];
        n = 1;
    } else if ((p[0] & 0xe0) == 0xc0) {
        cp = p[0] & 0x1f;
        n = 2;
    } else if ((p[0] & 0xf0) == 0xe0) {
        cp = p[0] & 0x0f;
        n = 3;
    } else if ((p[0] & 0xf8) == 0xf0) {
        cp = p[0] & 0x07;
        n = 4;
    } else {
        return -1;
    }
    for (int i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return -1;
        cp = (cp << 6) | (p[i] & 0x3f);
    }
    if (p[n] != '\0' || p[0] == 0)
        return -1;
    return cp;
}

static kokoro_status parse_istftnet(const cJSON *b, const char *where, kk_config *c, kokoro_error *err)
{
    kokoro_status st;
    int n_kernels = 0;
    if ((st = get_int_array(b, where, "upsample_rates", KK_MAX_UPSAMPLES, c->upsample_rates, &c->n_upsamples,
                            err)) ||
        (st = get_int_array(b, where, "upsample_kernel_sizes", KK_MAX_UPSAMPLES, c->upsample_kernel_sizes,
                            &n_kernels, err)))
        return st;
    if (n_kernels != c->n_upsamples)
        return kk_fail(err, KOKORO_ERR_FORMAT, "config: %supsample_kernel_sizes has %d entries, upsample_rates %d",
                       where, n_kernels, c->n_upsamples);
    if ((st = get_int_array(b, where, "resblock_kernel_sizes", KK_MAX_RESBLOCK_KERNELS, c->resblock_kernel_sizes,
                            &c->n_resblock_kernels, err)))
        return st;
    const cJSON *dil = cJSON_GetObjectItemCaseSensitive(b, "resblock_dilation_sizes");
    if (!cJSON_IsArray(dil) || cJSON_GetArraySize(dil) != c->n_resblock_kernels)
        return kk_fail(err, KOKORO_ERR_FORMAT,
                       "config: '%sresblock_dilation_sizes' must be an array of %d arrays (one per kernel size)",
                       where, c->n_resblock_kernels);
    c->n_dilations = 0;
    for (int i = 0; i < c->n_resblock_kernels; i++) {
        const cJSON *row = cJSON_GetArrayItem(dil, i);
        int n = cJSON_IsArray(row) ? cJSON_GetArraySize(row) : -1;
        if (n < 1 || n > KK_MAX_DILATIONS || (i > 0 && n != c->n_dilations))
            return kk_fail(err, KOKORO_ERR_FORMAT,
                           "config: '%sresblock_dilation_sizes'[%d] must hold 1..%d integers, as many as the others",
                           where, i, KK_MAX_DILATIONS);
        c->n_dilations = n;
        for (int j = 0; j < n; j++) {
            int x;
            if (!json_int(cJSON_GetArrayItem(row, j), &x) || x < 1 || x > 1024)
                return kk_fail(err, KOKORO_ERR_FORMAT, "config: '%sresblock_dilation_sizes'[%d][%d] is not a "
                               "positive integer", where, i, j);
            c->resblock_dilations[i][j] = x;
        }
    }
    if ((st = get_int(b, where, "upsample_initial_channel", 1, 0, 1, MAX_DIM, &c->upsample_initial_channel, err)) ||
        (st = get_int(b, where, "gen_istft_n_fft", 1, 0, 2, 1 << 16, &c->istft_n_fft, err)) ||
        (st = get_int(b, where, "gen_istft_hop_size", 1, 0, 1, 1 << 16, &c->istft_hop, err)))
        return st;
    return KOKORO_OK;
}

kokoro_status kk_config_parse(const char *json, size_t len, kk_config *c, kokoro_error *err)
{
    memset(c, 0, sizeof *c);
    memset(c->vocab, 0xff, sizeof c->vocab); /* -1 everywhere */
    cJSON *root = cJSON_ParseWithLength(json, len);
    if (!root || !cJSON_IsObject(root)) {
        const char *at = cJSON_GetErrorPtr();
        size_t off = at && at >= json && at <= json + len ? (size_t)(at - json) : 0;
        cJSON_Delete(root);
        return kk_fail(err, KOKORO_ERR_FORMAT, "config: not a JSON object (parse error near byte %zu)", off);
    }
    kokoro_status st;
    if ((st = get_int(root, "", "n_token", 1, 0, 1, 32767, &c->n_token, err)) ||
        (st = get_int(root, "", "hidden_dim", 1, 0, 1, MAX_DIM, &c->hidden_dim, err)) ||
        (st = get_int(root, "", "style_dim", 1, 0, 1, MAX_DIM, &c->style_dim, err)) ||
        (st = get_int(root, "", "n_layer", 1, 0, 1, 1024, &c->n_layer, err)) ||
        (st = get_int(root, "", "max_dur", 1, 0, 1, MAX_DIM, &c->max_dur, err)) ||
        (st = get_int(root, "", "text_encoder_kernel_size", 1, 0, 1, 1024, &c->text_encoder_kernel_size, err)) ||
        (st = get_int(root, "", "n_mels", 0, 80, 1, MAX_DIM, &c->n_mels, err)))
        goto done;

    const cJSON *pl = cJSON_GetObjectItemCaseSensitive(root, "plbert");
    if (!cJSON_IsObject(pl)) {
        st = kk_fail(err, KOKORO_ERR_FORMAT, "config: missing object 'plbert'");
        goto done;
    }
    if ((st = get_int(pl, "plbert.", "hidden_size", 1, 0, 1, MAX_DIM, &c->albert_hidden, err)) ||
        (st = get_int(pl, "plbert.", "num_attention_heads", 1, 0, 1, 1024, &c->albert_heads, err)) ||
        (st = get_int(pl, "plbert.", "intermediate_size", 1, 0, 1, MAX_DIM, &c->albert_intermediate, err)) ||
        (st = get_int(pl, "plbert.", "num_hidden_layers", 1, 0, 1, 1024, &c->albert_layers, err)) ||
        (st = get_int(pl, "plbert.", "max_position_embeddings", 1, 0, 1, MAX_DIM, &c->albert_max_positions, err)) ||
        (st = get_int(pl, "plbert.", "embedding_size", 0, 128, 1, MAX_DIM, &c->albert_embedding_size, err)))
        goto done;
    if (c->albert_hidden % c->albert_heads) {
        st = kk_fail(err, KOKORO_ERR_FORMAT, "config: plbert.hidden_size %d is not divisible by num_attention_heads %d",
                     c->albert_hidden, c->albert_heads);
        goto done;
    }

    /* v1.0 names the vocoder block "istftnet"; older (v0.19) configs put it under "decoder". */
    const cJSON *voc = cJSON_GetObjectItemCaseSensitive(root, "istftnet");
    const char *where = "istftnet.";
    if (!voc) {
        voc = cJSON_GetObjectItemCaseSensitive(root, "decoder");
        where = "decoder.";
        if (cJSON_IsObject(voc)) {
            const cJSON *type = cJSON_GetObjectItemCaseSensitive(voc, "type");
            if (type && (!cJSON_IsString(type) || strcmp(type->valuestring, "istftnet") != 0)) {
                st = kk_fail(err, KOKORO_ERR_UNSUPPORTED, "config: decoder type is not 'istftnet'");
                goto done;
            }
        }
    }
    if (!cJSON_IsObject(voc)) {
        st = kk_fail(err, KOKORO_ERR_FORMAT, "config: missing object 'istftnet' (or the older 'decoder')");
        goto done;
    }
    if ((st = parse_istftnet(voc, where, c, err)))
        goto done;

    const cJSON *vocab = cJSON_GetObjectItemCaseSensitive(root, "vocab");
    if (!cJSON_IsObject(vocab)) {
        st = kk_fail(err, KOKORO_ERR_FORMAT, "config: missing object 'vocab'");
        goto done;
    }
    for (const cJSON *e = vocab->child; e; e = e->next) {
        long cp = single_codepoint(e->string);
        if (cp < 0 || cp >= KK_VOCAB_MAX_CODEPOINT) {
            st = kk_fail(err, KOKORO_ERR_FORMAT, "config: vocab key \"%s\" is not a single code point below U+%04X",
                         e->string, KK_VOCAB_MAX_CODEPOINT);
            goto done;
        }
        int id;
        if (!json_int(e, &id) || id < 0 || id >= c->n_token) {
            st = kk_fail(err, KOKORO_ERR_FORMAT, "config: vocab[\"%s\"] must be an integer id in [0, n_token %d)",
                         e->string, c->n_token);
            goto done;
        }
        if (c->vocab[cp] < 0)
            c->vocab_size++;
        c->vocab[cp] = (int16_t)id;
    }
    if (c->vocab_size == 0)
        st = kk_fail(err, KOKORO_ERR_FORMAT, "config: 'vocab' is empty");
done:
    cJSON_Delete(root);
    return st;
}

kokoro_status kk_config_load(const char *path, kk_config *out, kokoro_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return kk_fail(err, errno == ENOENT ? KOKORO_ERR_NOT_FOUND : KOKORO_ERR_IO, "cannot open %s: %s", path,
                       strerror(errno));
    char *buf = malloc(MAX_CONFIG_BYTES);
    if (!buf) {
        fclose(f);
        return kk_fail(err, KOKORO_ERR_NO_MEMORY, "config: out of memory");
    }
    size_t n = fread(buf, 1, MAX_CONFIG_BYTES, f);
    int bad = ferror(f), more = !feof(f) && fgetc(f) != EOF;
    fclose(f);
    kokoro_status st;
    if (bad)
        st = kk_fail(err, KOKORO_ERR_IO, "cannot read %s", path);
    else if (more)
        st = kk_fail(err, KOKORO_ERR_FORMAT, "%s: larger than %u bytes, not a model config", path, MAX_CONFIG_BYTES);
    else {
        st = kk_config_parse(buf, n, out, err);
        if (st && err) {
            char msg[sizeof err->message];
            snprintf(msg, sizeof msg, "%.200s: %.300s", path, err->message);
            memcpy(err->message, msg, sizeof msg);
        }
    }
    free(buf);
    return st;
}

int kk_config_token_id(const kk_config *cfg, uint32_t cp)
{
    return cp < KK_VOCAB_MAX_CODEPOINT ? cfg->vocab[cp] : -1;
}
