#include "model/voice.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "model/torch_archive.h"
#include "util/error.h"

#define RAW_DIM 256
#define MAX_ROWS 65536
#define MAX_VOICE_BYTES (64u << 20)
#define MAX_NAME 128

const float *kk_voice_row(const kokoro_voice *v, size_t n)
{
    size_t row = n == 0 ? 0 : n - 1;
    if (row >= (size_t)v->rows)
        row = (size_t)v->rows - 1;
    return v->data + row * (size_t)v->dim;
}

void kokoro_voice_free(kokoro_voice *v)
{
    if (v) {
        free(v->data);
        free(v);
    }
}

static kokoro_status new_voice(int rows, int dim, kokoro_voice **out, kokoro_error *err)
{
    kokoro_voice *v = calloc(1, sizeof *v);
    if (v)
        v->data = malloc((size_t)rows * (size_t)dim * sizeof(float));
    if (!v || !v->data) {
        free(v);
        return kk_fail(err, KOKORO_ERR_NO_MEMORY, "voice: out of memory");
    }
    v->rows = rows;
    v->dim = dim;
    *out = v;
    return KOKORO_OK;
}

static kokoro_status parse_torch(const uint8_t *data, size_t len, const char *name, kokoro_voice **out,
                                 kokoro_error *err)
{
    kk_torch_archive a;
    kokoro_status st = kk_torch_open(data, len, &a, err);
    if (st)
        return st;
    const kk_pv *t = a.root;
    /* Some tools save {"name": tensor}; accept a dict holding exactly one tensor. */
    if (t->type == KK_PV_DICT && t->n == 1)
        t = t->items[1];
    kk_raw_tensor raw;
    if (t->type != KK_PV_TENSOR) {
        kk_torch_close(&a);
        return kk_fail(err, KOKORO_ERR_FORMAT, "voice %s: the archive does not hold a tensor", name);
    }
    if ((st = kk_torch_raw(&a, t, name, &raw, err))) {
        kk_torch_close(&a);
        return st;
    }
    int ok = kk_dtype_is_float(raw.dtype) &&
             ((raw.ndim == 3 && raw.shape[1] == 1) || raw.ndim == 2) && raw.shape[0] >= 1 &&
             raw.shape[0] <= MAX_ROWS && raw.shape[raw.ndim - 1] >= 2 && raw.shape[raw.ndim - 1] <= 4096 &&
             raw.shape[raw.ndim - 1] % 2 == 0;
    if (!ok) {
        kk_torch_close(&a);
        return kk_fail(err, KOKORO_ERR_FORMAT,
                       "voice %s: expected a float tensor [rows, 1, dim] or [rows, dim] (got %d dims, %s)", name,
                       raw.ndim, kk_dtype_name(raw.dtype));
    }
    if ((st = new_voice((int)raw.shape[0], (int)raw.shape[raw.ndim - 1], out, err))) {
        kk_torch_close(&a);
        return st;
    }
    kk_raw_to_f32(&raw, (*out)->data);
    kk_torch_close(&a);
    return KOKORO_OK;
}

kokoro_status kk_voice_parse(const uint8_t *data, size_t len, const char *name, kokoro_voice **out,
                             kokoro_error *err)
{
    *out = NULL;
    kokoro_status st;
    if (kk_zip_is_zip(data, len)) {
        st = parse_torch(data, len, name, out, err);
    } else {
        size_t row_bytes = RAW_DIM * sizeof(float);
        if (len == 0 || len % row_bytes != 0 || len / row_bytes > MAX_ROWS)
            return kk_fail(err, KOKORO_ERR_FORMAT,
                           "voice %s: neither a torch .pt archive nor raw float32 [rows][256] (%zu bytes)", name,
                           len);
        if ((st = new_voice((int)(len / row_bytes), RAW_DIM, out, err)))
            return st;
        /* Raw packs are little-endian float32, like the .bin files of the official distribution. */
        for (size_t i = 0; i < len / 4; i++) {
            uint32_t u = (uint32_t)data[4 * i] | (uint32_t)data[4 * i + 1] << 8 | (uint32_t)data[4 * i + 2] << 16 |
                         (uint32_t)data[4 * i + 3] << 24;
            memcpy(&(*out)->data[i], &u, 4);
        }
    }
    if (st)
        return st;
    size_t n = (size_t)(*out)->rows * (size_t)(*out)->dim;
    for (size_t i = 0; i < n; i++)
        if (!isfinite((*out)->data[i])) {
            size_t row = i / (size_t)(*out)->dim;
            kokoro_voice_free(*out);
            *out = NULL;
            return kk_fail(err, KOKORO_ERR_FORMAT, "voice %s: non-finite value at row %zu", name, row);
        }
    return KOKORO_OK;
}

kokoro_status kokoro_voice_load(const char *path, kokoro_voice **out, kokoro_error *err)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return kk_fail(err, errno == ENOENT ? KOKORO_ERR_NOT_FOUND : KOKORO_ERR_IO, "cannot open voice %s: %s",
                       path, strerror(errno));
    struct stat sb;
    if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode)) {
        fclose(f);
        return kk_fail(err, KOKORO_ERR_IO, "voice %s is not a regular file", path);
    }
    if ((uint64_t)sb.st_size > MAX_VOICE_BYTES) {
        fclose(f);
        return kk_fail(err, KOKORO_ERR_FORMAT, "voice %s: %lld bytes is too large for a voice pack", path,
                       (long long)sb.st_size);
    }
    size_t len = (size_t)sb.st_size;
    uint8_t *buf = malloc(len ? len : 1);
    if (!buf) {
        fclose(f);
        return kk_fail(err, KOKORO_ERR_NO_MEMORY, "voice: out of memory");
    }
    size_t got = fread(buf, 1, len, f);
    fclose(f);
    kokoro_status st = got == len ? kk_voice_parse(buf, len, path, out, err)
                                  : kk_fail(err, KOKORO_ERR_IO, "cannot read voice %s", path);
    free(buf);
    return st;
}

/* ------------------------------------------------------------------ names and listing */

int kk_voice_name_valid(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > MAX_NAME || strstr(s, ".."))
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
              c == '.'))
            return 0;
    }
    return 1;
}

static int is_regular(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

void kk_voices_list_free(char **names, size_t n)
{
    for (size_t i = 0; names && i < n; i++)
        free(names[i]);
    free(names);
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

kokoro_status kk_voices_list(const char *dir, char ***names, size_t *n, kokoro_error *err)
{
    *names = NULL;
    *n = 0;
    DIR *d = opendir(dir);
    if (!d)
        return kk_fail(err, errno == ENOENT ? KOKORO_ERR_NOT_FOUND : KOKORO_ERR_IO, "cannot open voices directory %s: %s",
                       dir, strerror(errno));
    char **v = NULL;
    size_t cnt = 0, cap = 0;
    struct dirent *e;
    kokoro_status st = KOKORO_OK;
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name);
        size_t ext = l > 3 && strcmp(e->d_name + l - 3, ".pt") == 0 ? 3
                     : l > 4 && strcmp(e->d_name + l - 4, ".bin") == 0 ? 4 : 0;
        if (!ext)
            continue;
        char full[4096];
        if (snprintf(full, sizeof full, "%s/%s", dir, e->d_name) >= (int)sizeof full || !is_regular(full))
            continue;
        char *name = strndup(e->d_name, l - ext);
        if (!name) {
            st = kk_fail(err, KOKORO_ERR_NO_MEMORY, "voices: out of memory");
            break;
        }
        if (!kk_voice_name_valid(name)) {
            free(name);
            continue;
        }
        if (cnt == cap) {
            cap = cap ? cap * 2 : 64;
            char **nv = realloc(v, cap * sizeof *nv);
            if (!nv) {
                free(name);
                st = kk_fail(err, KOKORO_ERR_NO_MEMORY, "voices: out of memory");
                break;
            }
            v = nv;
        }
        v[cnt++] = name;
    }
    closedir(d);
    if (st) {
        kk_voices_list_free(v, cnt);
        return st;
    }
    qsort(v, cnt, sizeof *v, cmp_str);
    size_t w = 0;
    for (size_t i = 0; i < cnt; i++) {
        if (w > 0 && strcmp(v[w - 1], v[i]) == 0)
            free(v[i]);
        else
            v[w++] = v[i];
    }
    *names = v;
    *n = w;
    return KOKORO_OK;
}

/* ------------------------------------------------------------------ resolution */

/* Kokoro-FastAPI's OpenAI voice names (api-reference §5a, repointed to v1.0 packs in its v0.6.0). */
static const char *const OPENAI_VOICES[][2] = {
    {"alloy", "am_adam"},  {"ash", "af_nicole"},    {"coral", "bf_emma"},  {"echo", "af_bella"},   {"fable", "af_sarah"},
    {"onyx", "bm_george"}, {"nova", "bf_isabella"}, {"sage", "am_michael"}, {"shimmer", "af_sky"},
};

const char *kk_voice_openai_name(const char *name)
{
    for (size_t i = 0; i < sizeof OPENAI_VOICES / sizeof OPENAI_VOICES[0]; i++)
        if (strcmp(name, OPENAI_VOICES[i][0]) == 0)
            return OPENAI_VOICES[i][1];
    return NULL;
}

/* Path of the file of a voice name in dir, or 0 if there is none. */
static int voice_file(const char *dir, const char *name, char *path, size_t cap)
{
    static const char *const fmt[] = {"%s/%s.pt", "%s/%s.bin"};
    for (int i = 0; i < 2; i++)
        if (snprintf(path, cap, fmt[i], dir, name) < (int)cap && is_regular(path))
            return 1;
    size_t l = strlen(name);
    if ((l > 3 && strcmp(name + l - 3, ".pt") == 0) || (l > 4 && strcmp(name + l - 4, ".bin") == 0))
        if (snprintf(path, cap, "%s/%s", dir, name) < (int)cap && is_regular(path))
            return 1;
    return 0;
}

static kokoro_status not_found(const char *dir, const char *name, kokoro_error *err)
{
    char **names;
    size_t n;
    char list[360] = "";
    size_t p = 0;
    if (kk_voices_list(dir, &names, &n, NULL) == KOKORO_OK) {
        size_t shown = 0;
        for (; shown < n; shown++) {
            size_t l = strlen(names[shown]);
            if (p + l + 2 >= sizeof list - 24)
                break;
            p += (size_t)snprintf(list + p, sizeof list - p, "%s%s", shown ? ", " : "", names[shown]);
        }
        if (shown < n)
            snprintf(list + p, sizeof list - p, " and %zu more", n - shown);
        if (n == 0)
            snprintf(list, sizeof list, "none");
        kk_voices_list_free(names, n);
    } else {
        snprintf(list, sizeof list, "none (directory unreadable)");
    }
    return kk_fail(err, KOKORO_ERR_NOT_FOUND, "voice '%.64s' not found in %.100s; available: %s", name, dir, list);
}

static kokoro_status load_named(const char *dir, const char *name, kokoro_voice **out, kokoro_error *err)
{
    char path[4096];
    if (!kk_voice_name_valid(name))
        return kk_fail(err, KOKORO_ERR_INVALID_ARGUMENT,
                       "invalid voice name '%.64s' (allowed: letters, digits, '_', '-', '.', no '..')", name);
    if (voice_file(dir, name, path, sizeof path))
        return kokoro_voice_load(path, out, err);
    return not_found(dir, name, err);
}

static int mix_name_char(char c)
{
    return c && c != '+' && c != '-' && c != '(' && c != ')';
}

static kokoro_status mix_items(const char *s, const char *expr, kk_voice_mix *out, kokoro_error *err)
{
    const char *p = s;
    int sign = 1;
    for (;;) {
        if (out->n == KK_VOICE_MIX_MAX)
            return kk_fail(err, KOKORO_ERR_INVALID_ARGUMENT, "a voice mix may combine at most %d voices",
                           KK_VOICE_MIX_MAX);
        const char *start = p;
        while (mix_name_char(*p))
            p++;
        size_t len = (size_t)(p - start);
        if (len == 0)
            return kk_fail(err, KOKORO_ERR_INVALID_ARGUMENT,
                           "invalid voice expression '%.100s': missing voice name at position %zu (leading, "
                           "trailing or doubled operator?)", expr, (size_t)(start - s) + 1);
        if (len >= KK_VOICE_NAME_MAX)
            return kk_fail(err, KOKORO_ERR_INVALID_ARGUMENT, "voice name too long in '%.100s'", expr);
        kk_voice_mix_item *it = &out->items[out->n];
        memcpy(it->name, start, len);
        it->name[len] = '\0';
        /* A name is a file stem in the voices folder, never a path nor a hidden file. */
        if (!kk_voice_name_valid(it->name) || it->name[0] == '.')
            return kk_fail(err, KOKORO_ERR_INVALID_ARGUMENT,
                           "invalid voice name '%.64s' (allowed: letters, digits, '_', '-', '.', no '..')", it->name);
        const char *mapped = kk_voice_openai_name(it->name);
        if (mapped)
            snprintf(it->name, sizeof it->name, "%s", mapped);
        it->weight = 1.0;
        it->sign = sign;
        if (*p == '(') {
            const char *w = ++p;
            while (*p && *p != ')' && *p != '(')
                p++;
            char num[64];
            size_t wl = (size_t)(p - w);
            double x = 0;
            if (*p == ')' && wl > 0 && wl < sizeof num) {
                memcpy(num, w, wl);
                num[wl] = '\0';
                char *end;
                x = strtod(num, &end);
                if (*end != '\0')
                    x = 0;
            }
            if (!isfinite(x) || !(x > 0))
                return kk_fail(err, KOKORO_ERR_INVALID_ARGUMENT,
                               "invalid weight for voice '%s' in '%.100s': a weight is a finite number > 0 in "
                               "parentheses, e.g. af_bella(2)", it->name, expr);
            it->weight = x;
            p++;
        }
        out->n++;
        if (*p == '\0')
            return KOKORO_OK;
        if (*p != '+' && *p != '-')
            return kk_fail(err, KOKORO_ERR_INVALID_ARGUMENT,
                           "invalid voice expression '%.100s': unexpected '%c' (use a+b, a(2)+b(1) or a-b)", expr, *p);
        sign = *p == '+' ? 1 : -1;
        p++;
    }
}

/* Copy of expr without its spaces (Kokoro-FastAPI removes spaces only; other white space stays
 * and is then an invalid name). Sets *n to the copy's length; NULL when out of memory. */
static char *without_spaces(const char *expr, size_t *n)
{
    size_t len = strlen(expr), w = 0;
    char *s = malloc(len + 1);
    if (!s)
        return NULL;
    for (size_t i = 0; i < len; i++)
        if (expr[i] != ' ')
            s[w++] = expr[i];
    s[w] = '\0';
    *n = w;
    return s;
}

kokoro_status kk_voice_mix_parse(const char *expr, kk_voice_mix *out, kokoro_error *err)
{
    memset(out, 0, sizeof *out);
    if (!expr)
        return kk_fail(err, KOKORO_ERR_INVALID_ARGUMENT, "empty voice");
    size_t w;
    char *s = without_spaces(expr, &w);
    if (!s)
        return kk_fail(err, KOKORO_ERR_NO_MEMORY, "voice: out of memory");
    kokoro_status st = w == 0 ? kk_fail(err, KOKORO_ERR_INVALID_ARGUMENT, "empty voice") : mix_items(s, expr, out, err);
    free(s);
    size_t off = 0;
    for (size_t i = 0; i < out->n && !st; i++) {
        const kk_voice_mix_item *it = &out->items[i];
        int n = snprintf(out->canonical + off, sizeof out->canonical - off, "%s%s(%.9g)",
                         i == 0 ? "" : (it->sign > 0 ? "+" : "-"), it->name, it->weight);
        if (n < 0 || (size_t)n >= sizeof out->canonical - off)
            st = kk_fail(err, KOKORO_ERR_INVALID_ARGUMENT, "voice expression is too long");
        else
            off += (size_t)n;
    }
    if (st)
        memset(out, 0, sizeof *out);
    return st;
}

kokoro_status kk_voice_resolve(const char *dir, const char *expr, int allow_paths, kokoro_voice **out,
                               kokoro_error *err)
{
    *out = NULL;
    if (!expr || !*expr)
        return kk_fail(err, KOKORO_ERR_INVALID_ARGUMENT, "empty voice");
    if (strchr(expr, '/')) {
        if (allow_paths)
            return kokoro_voice_load(expr, out, err);
        return kk_fail(err, KOKORO_ERR_INVALID_ARGUMENT, "invalid voice '%.100s': paths are not allowed here", expr);
    }
    if (!dir)
        return kk_fail(err, KOKORO_ERR_INVALID_ARGUMENT, "no voices directory given");
    size_t w;
    char *s = without_spaces(expr, &w);
    if (!s)
        return kk_fail(err, KOKORO_ERR_NO_MEMORY, "voice: out of memory");
    if (w == 0) {
        free(s);
        return kk_fail(err, KOKORO_ERR_INVALID_ARGUMENT, "empty voice");
    }
    char path[4096];
    if (kk_voice_name_valid(s) && voice_file(dir, s, path, sizeof path)) {
        free(s);
        return kokoro_voice_load(path, out, err);
    }
    free(s);
    kk_voice_mix *mix_expr = malloc(sizeof *mix_expr);
    kokoro_status st = mix_expr ? kk_voice_mix_parse(expr, mix_expr, err)
                                : kk_fail(err, KOKORO_ERR_NO_MEMORY, "voice: out of memory");
    if (st) {
        free(mix_expr);
        return st;
    }
    const kk_voice_mix_item *items = mix_expr->items;
    int n = (int)mix_expr->n;
    if (n == 1) { /* a lone voice ignores its weight */
        st = load_named(dir, items[0].name, out, err);
        free(mix_expr);
        return st;
    }
    double total = 0;
    for (int i = 0; i < n; i++)
        total += items[i].weight;
    kokoro_voice *mix = NULL;
    double *acc = NULL;
    for (int i = 0; i < n && !st; i++) {
        kokoro_voice *v;
        if ((st = load_named(dir, items[i].name, &v, err)))
            break;
        if (!mix) {
            st = new_voice(v->rows, v->dim, &mix, err);
            acc = st ? NULL : calloc((size_t)v->rows * (size_t)v->dim, sizeof *acc);
            if (!st && !acc)
                st = kk_fail(err, KOKORO_ERR_NO_MEMORY, "voice: out of memory");
        } else if (v->rows != mix->rows || v->dim != mix->dim) {
            st = kk_fail(err, KOKORO_ERR_FORMAT, "voice mix: '%s' is [%d][%d] but '%s' is [%d][%d]", items[i].name,
                         v->rows, v->dim, items[0].name, mix->rows, mix->dim);
        }
        if (!st) {
            double f = items[i].sign * items[i].weight / total;
            size_t m = (size_t)v->rows * (size_t)v->dim;
            for (size_t k = 0; k < m; k++)
                acc[k] += f * v->data[k];
        }
        kokoro_voice_free(v);
    }
    free(mix_expr);
    if (st) {
        free(acc);
        kokoro_voice_free(mix);
        return st;
    }
    size_t m = (size_t)mix->rows * (size_t)mix->dim;
    for (size_t k = 0; k < m; k++)
        mix->data[k] = (float)acc[k];
    free(acc);
    *out = mix;
    return KOKORO_OK;
}

kokoro_status kokoro_voice_resolve(const char *voices_dir, const char *expression, kokoro_voice **out,
                                   kokoro_error *err)
{
    return kk_voice_resolve(voices_dir, expression, 1, out, err);
}
