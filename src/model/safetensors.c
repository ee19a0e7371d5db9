#include "model/safetensors.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "model/torch_archive.h"
#include "util/error.h"

#define MAX_HEADER (100u << 20)

static uint64_t rd64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

int kk_st_is_safetensors(const uint8_t *data, size_t len)
{
    if (len < 10)
        return 0;
    uint64_t n = rd64(data);
    return n >= 2 && n <= len - 8 && n <= MAX_HEADER && data[8] == '{';
}

void kk_st_header_free(kk_st_header *h)
{
    if (!h)
        return;
    for (size_t i = 0; i < h->n; i++)
        free(h->tensors[i].name);
    free(h->tensors);
    memset(h, 0, sizeof *h);
}

static const struct {
    const char *name;
    kk_dtype dt;
} DTYPES[] = {
    {"F32", KK_DT_F32}, {"F64", KK_DT_F64}, {"F16", KK_DT_F16}, {"BF16", KK_DT_BF16}, {"I64", KK_DT_I64},
    {"I32", KK_DT_I32}, {"I16", KK_DT_I16}, {"I8", KK_DT_I8},   {"U8", KK_DT_U8},     {"BOOL", KK_DT_BOOL},
};

static int json_uint(const cJSON *v, uint64_t *out)
{
    if (!cJSON_IsNumber(v))
        return -1;
    double d = v->valuedouble;
    if (!(d >= 0) || d > 9007199254740992.0 || floor(d) != d)
        return -1;
    *out = (uint64_t)d;
    return 0;
}

static kokoro_status parse_entry(const cJSON *item, const uint8_t *base, uint64_t data_len, kk_st_tensor *t,
                                 kokoro_error *err)
{
    const char *name = item->string;
    const cJSON *dt = cJSON_GetObjectItemCaseSensitive(item, "dtype");
    const cJSON *shape = cJSON_GetObjectItemCaseSensitive(item, "shape");
    const cJSON *offs = cJSON_GetObjectItemCaseSensitive(item, "data_offsets");
    if (!cJSON_IsObject(item) || !cJSON_IsString(dt) || !cJSON_IsArray(shape) || !cJSON_IsArray(offs) ||
        cJSON_GetArraySize(offs) != 2)
        return kk_fail(err, KOKORO_ERR_FORMAT, "safetensors: entry '%s' lacks dtype, shape or data_offsets", name);
    size_t k;
    for (k = 0; k < sizeof DTYPES / sizeof DTYPES[0]; k++)
        if (strcmp(dt->valuestring, DTYPES[k].name) == 0)
            break;
    if (k == sizeof DTYPES / sizeof DTYPES[0])
        return kk_fail(err, KOKORO_ERR_UNSUPPORTED, "safetensors: entry '%s' has unsupported dtype '%s'", name,
                       dt->valuestring);
    t->dtype = DTYPES[k].dt;
    int nd = cJSON_GetArraySize(shape);
    if (nd > KK_MAX_DIMS)
        return kk_fail(err, KOKORO_ERR_UNSUPPORTED, "safetensors: entry '%s' has %d dimensions", name, nd);
    t->ndim = nd;
    uint64_t numel = 1;
    for (int d = 0; d < nd; d++) {
        uint64_t s;
        if (json_uint(cJSON_GetArrayItem(shape, d), &s) || __builtin_mul_overflow(numel, s, &numel) ||
            numel > ((uint64_t)1 << 40))
            return kk_fail(err, KOKORO_ERR_FORMAT, "safetensors: entry '%s' has a bad shape", name);
        t->shape[d] = (int64_t)s;
    }
    t->numel = (size_t)numel;
    uint64_t b, e;
    if (json_uint(cJSON_GetArrayItem(offs, 0), &b) || json_uint(cJSON_GetArrayItem(offs, 1), &e) || b > e ||
        e > data_len)
        return kk_fail(err, KOKORO_ERR_FORMAT,
                       "safetensors: entry '%s' has data_offsets outside the %llu-byte data section", name,
                       (unsigned long long)data_len);
    if (e - b != numel * kk_dtype_size(t->dtype))
        return kk_fail(err, KOKORO_ERR_FORMAT,
                       "safetensors: entry '%s' spans %llu bytes but its shape needs %llu", name,
                       (unsigned long long)(e - b), (unsigned long long)(numel * kk_dtype_size(t->dtype)));
    t->data = base + b;
    return KOKORO_OK;
}

kokoro_status kk_st_parse(const uint8_t *data, size_t len, kk_st_header *out, kokoro_error *err)
{
    memset(out, 0, sizeof *out);
    if (!kk_st_is_safetensors(data, len))
        return kk_fail(err, KOKORO_ERR_FORMAT, "safetensors: bad header length or header does not start with '{'");
    uint64_t n = rd64(data);
    cJSON *root = cJSON_ParseWithLength((const char *)data + 8, (size_t)n);
    if (!root || !cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return kk_fail(err, KOKORO_ERR_FORMAT, "safetensors: header (%llu bytes at offset 8) is not a JSON object",
                       (unsigned long long)n);
    }
    int count = cJSON_GetArraySize(root);
    out->tensors = calloc(count > 0 ? (size_t)count : 1, sizeof *out->tensors);
    if (!out->tensors) {
        cJSON_Delete(root);
        return kk_fail(err, KOKORO_ERR_NO_MEMORY, "safetensors: out of memory");
    }
    const uint8_t *base = data + 8 + n;
    uint64_t data_len = len - 8 - n;
    for (const cJSON *item = root->child; item; item = item->next) {
        if (strcmp(item->string, "__metadata__") == 0)
            continue;
        kk_st_tensor *t = &out->tensors[out->n];
        kokoro_status st = parse_entry(item, base, data_len, t, err);
        if (st) {
            cJSON_Delete(root);
            kk_st_header_free(out);
            return st;
        }
        if (!(t->name = strdup(item->string))) {
            cJSON_Delete(root);
            kk_st_header_free(out);
            return kk_fail(err, KOKORO_ERR_NO_MEMORY, "safetensors: out of memory");
        }
        out->n++;
    }
    cJSON_Delete(root);
    return KOKORO_OK;
}

static const char *st_dtype_name(kk_dtype dt)
{
    for (size_t k = 0; k < sizeof DTYPES / sizeof DTYPES[0]; k++)
        if (DTYPES[k].dt == dt)
            return DTYPES[k].name;
    return "?";
}

static int write_all(FILE *f, const void *p, size_t n) { return fwrite(p, 1, n, f) == n ? 0 : -1; }

static int write_tensor(FILE *f, const kk_tensor *t, kk_dtype dtype)
{
    if (dtype == KK_DT_F32)
        return write_all(f, t->data, t->numel * sizeof(float));
    uint16_t buf[4096];
    for (size_t i = 0; i < t->numel;) {
        size_t k = 0;
        for (; k < 4096 && i < t->numel; k++, i++) {
            uint16_t h = dtype == KK_DT_BF16 ? kk_f32_to_bf16(t->data[i]) : kk_f32_to_f16(t->data[i]);
            uint8_t le[2] = {(uint8_t)(h & 0xff), (uint8_t)(h >> 8)};
            memcpy(&buf[k], le, 2);
        }
        if (write_all(f, buf, k * 2))
            return -1;
    }
    return 0;
}

kokoro_status kk_st_write(const char *path, const kk_checkpoint *ckpt, kk_dtype dtype, const char *source_name,
                          kokoro_error *err)
{
    if (dtype != KK_DT_F32 && dtype != KK_DT_BF16 && dtype != KK_DT_F16)
        return kk_fail(err, KOKORO_ERR_INVALID_ARGUMENT, "safetensors: can only write f32, bf16 or f16");
    cJSON *root = cJSON_CreateObject(), *meta = cJSON_AddObjectToObject(root, "__metadata__");
    if (!root || !meta) {
        cJSON_Delete(root);
        return kk_fail(err, KOKORO_ERR_NO_MEMORY, "safetensors: out of memory");
    }
    cJSON_AddStringToObject(meta, "format", "pt");
    cJSON_AddStringToObject(meta, "producer", "kokoro-c convert");
    cJSON_AddStringToObject(meta, "producer_version", kokoro_version());
    cJSON_AddStringToObject(meta, "weight_norm", "folded");
    cJSON_AddStringToObject(meta, "dtype", st_dtype_name(dtype));
    if (source_name)
        cJSON_AddStringToObject(meta, "source", source_name);
    size_t es = kk_dtype_size(dtype), n = kk_checkpoint_count(ckpt);
    uint64_t off = 0;
    for (size_t i = 0; i < n; i++) {
        const kk_tensor *t = kk_checkpoint_at(ckpt, i);
        cJSON *e = cJSON_AddObjectToObject(root, t->name);
        cJSON *shape = cJSON_AddArrayToObject(e, "shape"), *offs = cJSON_AddArrayToObject(e, "data_offsets");
        cJSON_AddStringToObject(e, "dtype", st_dtype_name(dtype));
        for (int d = 0; d < t->ndim; d++)
            cJSON_AddItemToArray(shape, cJSON_CreateNumber((double)t->shape[d]));
        cJSON_AddItemToArray(offs, cJSON_CreateNumber((double)off));
        off += t->numel * es;
        cJSON_AddItemToArray(offs, cJSON_CreateNumber((double)off));
    }
    char *json = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    if (!json)
        return kk_fail(err, KOKORO_ERR_NO_MEMORY, "safetensors: out of memory");
    /* Pad the header with spaces so the data section starts 8-aligned and F32 tensors can be used
     * in place from a mapping. */
    size_t jlen = strlen(json), padded = (jlen + 7) & ~(size_t)7;

    size_t plen = strlen(path);
    char *tmp = malloc(plen + 16);
    if (!tmp) {
        free(json);
        return kk_fail(err, KOKORO_ERR_NO_MEMORY, "safetensors: out of memory");
    }
    snprintf(tmp, plen + 16, "%s.tmp.XXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        kk_fail(err, KOKORO_ERR_IO, "cannot create %s: %s", path, strerror(errno));
        free(tmp);
        free(json);
        return KOKORO_ERR_IO;
    }
    fchmod(fd, 0644); /* mkstemp creates 0600; a model file is not secret */
    FILE *f = fdopen(fd, "wb");
    int bad = !f;
    uint8_t hl[8];
    for (int i = 0; i < 8; i++)
        hl[i] = (uint8_t)((uint64_t)padded >> (8 * i));
    if (!bad)
        bad = write_all(f, hl, 8) || write_all(f, json, jlen) || write_all(f, "        ", padded - jlen);
    for (size_t i = 0; !bad && i < n; i++)
        bad = write_tensor(f, kk_checkpoint_at(ckpt, i), dtype);
    free(json);
    if (f) {
        if (fclose(f) != 0)
            bad = 1;
    } else {
        close(fd);
    }
    if (bad || rename(tmp, path) != 0) {
        kk_fail(err, KOKORO_ERR_IO, "cannot write %s: %s", path, strerror(errno ? errno : EIO));
        unlink(tmp);
        free(tmp);
        return KOKORO_ERR_IO;
    }
    free(tmp);
    return KOKORO_OK;
}
