#include "util/npy.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/error.h"

static const uint8_t MAGIC[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};

void kk_npy_free(kk_npy *a)
{
    if (a) {
        free(a->data);
        a->data = NULL;
    }
}

/* Value text of 'key' in the header dict, or NULL. The header is a Python dict literal. */
static const char *find_key(const char *h, const char *key)
{
    char pat[32];
    snprintf(pat, sizeof pat, "'%s'", key);
    const char *p = strstr(h, pat);
    if (!p)
        return NULL;
    p += strlen(pat);
    while (*p == ' ')
        p++;
    if (*p != ':')
        return NULL;
    p++;
    while (*p == ' ')
        p++;
    return p;
}

kokoro_status kk_npy_parse(const uint8_t *b, size_t len, kk_npy *out, kokoro_error *err)
{
    memset(out, 0, sizeof *out);
    if (len < 10 || memcmp(b, MAGIC, 6) != 0)
        return kk_fail(err, KOKORO_ERR_FORMAT, "npy: missing magic");
    size_t hlen, hstart;
    if (b[6] == 1) {
        hlen = (size_t)b[8] | ((size_t)b[9] << 8);
        hstart = 10;
    } else if (b[6] == 2 || b[6] == 3) {
        if (len < 12)
            return kk_fail(err, KOKORO_ERR_FORMAT, "npy: truncated header");
        hlen = (size_t)b[8] | ((size_t)b[9] << 8) | ((size_t)b[10] << 16) | ((size_t)b[11] << 24);
        hstart = 12;
    } else {
        return kk_fail(err, KOKORO_ERR_UNSUPPORTED, "npy: format version %u", b[6]);
    }
    if (hlen > len - hstart || hlen > 1 << 20)
        return kk_fail(err, KOKORO_ERR_FORMAT, "npy: header runs past the end");
    char *h = malloc(hlen + 1);
    if (!h)
        return kk_fail(err, KOKORO_ERR_NO_MEMORY, "npy: out of memory");
    memcpy(h, b + hstart, hlen);
    h[hlen] = '\0';
    kokoro_status st = KOKORO_OK;
    const char *descr = find_key(h, "descr"), *fo = find_key(h, "fortran_order"), *shape = find_key(h, "shape");
    size_t es = 0;
    if (!descr || !fo || !shape) {
        st = kk_fail(err, KOKORO_ERR_FORMAT, "npy: header lacks descr, fortran_order or shape");
    } else if (strncmp(descr, "'<f4'", 5) == 0) {
        out->dtype = KK_NPY_F32;
        es = 4;
    } else if (strncmp(descr, "'<i8'", 5) == 0) {
        out->dtype = KK_NPY_I64;
        es = 8;
    } else {
        st = kk_fail(err, KOKORO_ERR_UNSUPPORTED, "npy: dtype %.8s (only <f4 and <i8)", descr);
    }
    if (!st && strncmp(fo, "False", 5) != 0)
        st = kk_fail(err, KOKORO_ERR_UNSUPPORTED, "npy: Fortran-ordered arrays are not supported");
    uint64_t numel = 1;
    if (!st) {
        const char *p = shape;
        if (*p++ != '(')
            st = kk_fail(err, KOKORO_ERR_FORMAT, "npy: malformed shape");
        while (!st) {
            while (*p == ' ' || *p == ',')
                p++;
            if (*p == ')')
                break;
            char *end;
            errno = 0;
            long long d = strtoll(p, &end, 10);
            if (end == p || d < 0 || errno || out->ndim == KK_NPY_MAX_DIMS ||
                __builtin_mul_overflow(numel, (uint64_t)d, &numel)) {
                st = kk_fail(err, KOKORO_ERR_FORMAT, "npy: malformed shape");
                break;
            }
            out->shape[out->ndim++] = d;
            p = end;
        }
    }
    free(h);
    if (st)
        return st;
    size_t data_off = hstart + hlen;
    if (numel > (len - data_off) / es)
        return kk_fail(err, KOKORO_ERR_FORMAT, "npy: %llu elements do not fit in %zu data bytes",
                       (unsigned long long)numel, len - data_off);
    out->numel = (size_t)numel;
    out->data = malloc(out->numel ? out->numel * es : 1);
    if (!out->data)
        return kk_fail(err, KOKORO_ERR_NO_MEMORY, "npy: out of memory");
    memcpy(out->data, b + data_off, out->numel * es);
    return KOKORO_OK;
}

kokoro_status kk_npy_read(const char *path, kk_npy *out, kokoro_error *err)
{
    memset(out, 0, sizeof *out);
    FILE *f = fopen(path, "rb");
    if (!f)
        return kk_fail(err, errno == ENOENT ? KOKORO_ERR_NOT_FOUND : KOKORO_ERR_IO, "cannot open %s: %s", path,
                       strerror(errno));
    long sz = -1;
    if (fseek(f, 0, SEEK_END) == 0)
        sz = ftell(f);
    if (sz < 0 || fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        return kk_fail(err, KOKORO_ERR_IO, "cannot read %s", path);
    }
    uint8_t *buf = malloc(sz ? (size_t)sz : 1);
    if (!buf) {
        fclose(f);
        return kk_fail(err, KOKORO_ERR_NO_MEMORY, "npy: out of memory for %s", path);
    }
    size_t got = fread(buf, 1, (size_t)sz, f);
    fclose(f);
    kokoro_status st = got == (size_t)sz ? kk_npy_parse(buf, got, out, err)
                                         : kk_fail(err, KOKORO_ERR_IO, "cannot read %s", path);
    free(buf);
    if (st && err) {
        char msg[sizeof err->message];
        snprintf(msg, sizeof msg, "%.200s: %.300s", path, err->message);
        memcpy(err->message, msg, sizeof msg);
    }
    return st;
}

kokoro_status kk_npy_write(const char *path, kk_npy_dtype dtype, int ndim, const int64_t *shape, const void *data,
                           kokoro_error *err)
{
    if (ndim < 0 || ndim > KK_NPY_MAX_DIMS)
        return kk_fail(err, KOKORO_ERR_INVALID_ARGUMENT, "npy: %d dimensions", ndim);
    char dict[256];
    int p = snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': False, 'shape': (",
                     dtype == KK_NPY_F32 ? "<f4" : "<i8");
    size_t numel = 1;
    for (int d = 0; d < ndim; d++) {
        p += snprintf(dict + p, sizeof dict - (size_t)p, "%lld,%s", (long long)shape[d],
                      d + 1 < ndim ? " " : "");
        numel *= (size_t)shape[d];
    }
    if (ndim > 1) /* Python writes (3,) for one dimension but (2, 3) for more */
        p--;
    p += snprintf(dict + p, sizeof dict - (size_t)p, "), }");
    /* Header padded with spaces and a newline so the data starts 64-aligned (as NumPy does). */
    size_t total = 10 + (size_t)p + 1;
    size_t pad = (64 - total % 64) % 64;
    size_t hlen = (size_t)p + pad + 1;
    uint8_t head[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (uint8_t)(hlen & 0xff), (uint8_t)(hlen >> 8)};
    FILE *f = fopen(path, "wb");
    if (!f)
        return kk_fail(err, KOKORO_ERR_IO, "cannot create %s: %s", path, strerror(errno));
    size_t es = dtype == KK_NPY_F32 ? 4 : 8;
    int bad = fwrite(head, 1, 10, f) != 10 || fwrite(dict, 1, (size_t)p, f) != (size_t)p;
    for (size_t i = 0; !bad && i < pad; i++)
        bad = fputc(' ', f) == EOF;
    if (!bad)
        bad = fputc('\n', f) == EOF;
    if (!bad && numel)
        bad = fwrite(data, es, numel, f) != numel;
    if (fclose(f) != 0)
        bad = 1;
    if (bad)
        return kk_fail(err, KOKORO_ERR_IO, "cannot write %s", path);
    return KOKORO_OK;
}
