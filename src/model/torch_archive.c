#include "model/torch_archive.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/error.h"

static int host_is_little_endian(void)
{
    const uint16_t one = 1;
    uint8_t b;
    memcpy(&b, &one, 1);
    return b == 1;
}

void kk_torch_close(kk_torch_archive *a)
{
    if (!a)
        return;
    kk_pickle_free(a->pickle);
    kk_zip_close(&a->zip);
    free(a->prefix);
    memset(a, 0, sizeof *a);
}

kokoro_status kk_torch_open(const uint8_t *data, size_t len, kk_torch_archive *out, kokoro_error *err)
{
    memset(out, 0, sizeof *out);
    kokoro_status st = kk_zip_open(data, len, &out->zip, err);
    if (st)
        return st;
    /* The root folder is named after the file by torch >= 1.6 ("archive/" by default, or e.g.
     * "kokoro-v1_0/"); data.pkl is the one entry directly below it. */
    long pkl = -1;
    for (size_t i = 0; i < out->zip.n_entries; i++) {
        const char *n = out->zip.entries[i].name;
        const char *slash = strchr(n, '/');
        if (slash && slash != n && strcmp(slash + 1, "data.pkl") == 0) {
            pkl = (long)i;
            break;
        }
    }
    if (pkl < 0) {
        kk_torch_close(out);
        return kk_fail(err, KOKORO_ERR_FORMAT, "torch archive: no <root>/data.pkl entry (not a torch.save file?)");
    }
    const char *pname = out->zip.entries[pkl].name;
    size_t plen = (size_t)(strchr(pname, '/') - pname) + 1;
    out->prefix = malloc(plen + 1);
    if (!out->prefix) {
        kk_torch_close(out);
        return kk_fail(err, KOKORO_ERR_NO_MEMORY, "torch archive: out of memory");
    }
    memcpy(out->prefix, pname, plen);
    out->prefix[plen] = '\0';

    char name[512];
    snprintf(name, sizeof name, "%sbyteorder", out->prefix);
    long bo = kk_zip_find(&out->zip, name);
    int file_big = 0;
    if (bo >= 0) {
        const uint8_t *b;
        size_t blen;
        if ((st = kk_zip_entry_data(&out->zip, (size_t)bo, &b, &blen, err))) {
            kk_torch_close(out);
            return st;
        }
        if (blen == 3 && memcmp(b, "big", 3) == 0)
            file_big = 1;
        else if (!(blen == 6 && memcmp(b, "little", 6) == 0)) {
            kk_torch_close(out);
            return kk_fail(err, KOKORO_ERR_FORMAT, "torch archive: byteorder entry is neither 'little' nor 'big'");
        }
    }
    out->big_endian = file_big;

    const uint8_t *p;
    size_t plen_bytes;
    if ((st = kk_zip_entry_data(&out->zip, (size_t)pkl, &p, &plen_bytes, err)) ||
        (st = kk_pickle_load(p, plen_bytes, &out->pickle, &out->root, err))) {
        kk_torch_close(out);
        return st;
    }
    return KOKORO_OK;
}

static int mul_ok(uint64_t a, uint64_t b, uint64_t *r) { return !__builtin_mul_overflow(a, b, r); }
static int add_ok(uint64_t a, uint64_t b, uint64_t *r) { return !__builtin_add_overflow(a, b, r); }

kokoro_status kk_torch_raw(const kk_torch_archive *a, const kk_pv *t, const char *name, kk_raw_tensor *out,
                           kokoro_error *err)
{
    memset(out, 0, sizeof *out);
    if (!t || t->type != KK_PV_TENSOR)
        return kk_fail(err, KOKORO_ERR_FORMAT, "'%s' is not a tensor", name);
    const kk_pv *s = t->tensor.storage;
    char entry[512];
    int n = snprintf(entry, sizeof entry, "%sdata/%s", a->prefix, s->storage.key);
    if (n < 0 || (size_t)n >= sizeof entry)
        return kk_fail(err, KOKORO_ERR_FORMAT, "'%s': storage key too long", name);
    long idx = kk_zip_find(&a->zip, entry);
    if (idx < 0)
        return kk_fail(err, KOKORO_ERR_FORMAT, "'%s': storage entry '%s' missing from the archive", name, entry);
    const uint8_t *bytes;
    size_t blen;
    kokoro_status st = kk_zip_entry_data(&a->zip, (size_t)idx, &bytes, &blen, err);
    if (st)
        return st;
    size_t es = kk_dtype_size(s->storage.dtype);
    uint64_t sbytes;
    if (!mul_ok(s->storage.numel, es, &sbytes) || sbytes > blen)
        return kk_fail(err, KOKORO_ERR_FORMAT,
                       "'%s': storage '%s' declares %llu %s elements but holds only %zu bytes", name, entry,
                       (unsigned long long)s->storage.numel, kk_dtype_name(s->storage.dtype), blen);

    out->dtype = s->storage.dtype;
    out->ndim = t->tensor.ndim;
    uint64_t numel = 1, last = 0;
    for (int d = 0; d < t->tensor.ndim; d++) {
        out->shape[d] = t->tensor.size[d];
        out->stride[d] = t->tensor.stride[d];
        if (!mul_ok(numel, (uint64_t)t->tensor.size[d], &numel))
            return kk_fail(err, KOKORO_ERR_FORMAT, "'%s': element count overflows", name);
    }
    if (numel > ((uint64_t)1 << 40))
        return kk_fail(err, KOKORO_ERR_FORMAT, "'%s': implausible element count %llu", name,
                       (unsigned long long)numel);
    out->numel = (size_t)numel;
    if (numel > 0) {
        for (int d = 0; d < t->tensor.ndim; d++) {
            uint64_t span;
            if (!mul_ok((uint64_t)(t->tensor.size[d] - 1), (uint64_t)t->tensor.stride[d], &span) ||
                !add_ok(last, span, &last))
                return kk_fail(err, KOKORO_ERR_FORMAT, "'%s': view extent overflows", name);
        }
        uint64_t end;
        if (!add_ok(last, (uint64_t)t->tensor.offset, &end) || end >= s->storage.numel)
            return kk_fail(err, KOKORO_ERR_FORMAT,
                           "'%s': view (offset %lld) reaches element %llu of a %llu-element storage '%s'", name,
                           (long long)t->tensor.offset, (unsigned long long)end,
                           (unsigned long long)s->storage.numel, entry);
        out->base = bytes + (size_t)t->tensor.offset * es;
    } else {
        out->base = bytes;
    }
    int contiguous = 1;
    int64_t expect = 1;
    for (int d = t->tensor.ndim - 1; d >= 0; d--) {
        if (out->shape[d] != 1 && out->stride[d] != expect)
            contiguous = 0;
        expect *= out->shape[d];
    }
    out->contiguous = contiguous;
    out->swap = a->big_endian == host_is_little_endian();
    return KOKORO_OK;
}

float kk_f16_to_f32(uint16_t h)
{
    uint32_t sign = (uint32_t)(h & 0x8000) << 16;
    uint32_t exp = (h >> 10) & 0x1f, man = h & 0x3ff, bits;
    if (exp == 0) {
        float f = ldexpf((float)man, -24);
        return sign ? -f : f;
    }
    if (exp == 31)
        bits = sign | 0x7f800000u | (man << 13);
    else
        bits = sign | ((exp + 112) << 23) | (man << 13);
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

float kk_bf16_to_f32(uint16_t h)
{
    uint32_t bits = (uint32_t)h << 16;
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

uint16_t kk_f32_to_bf16(float f)
{
    uint32_t x;
    memcpy(&x, &f, 4);
    if ((x & 0x7fffffffu) > 0x7f800000u)
        return (uint16_t)((x >> 16) | 0x40); /* quiet NaN */
    x += 0x7fffu + ((x >> 16) & 1);
    return (uint16_t)(x >> 16);
}

uint16_t kk_f32_to_f16(float f)
{
    uint32_t x;
    memcpy(&x, &f, 4);
    uint16_t sign = (uint16_t)((x >> 16) & 0x8000);
    uint32_t ax = x & 0x7fffffffu;
    if (ax > 0x7f800000u)
        return sign | 0x7e00;
    if (ax >= 0x477ff000u) /* rounds to >= 65520: infinity */
        return sign | 0x7c00;
    if (ax < 0x38800000u) { /* below the smallest normal half: subnormal or zero */
        float a;
        memcpy(&a, &ax, 4);
        float scaled = a * 16777216.0f; /* 2^24: one unit = the smallest subnormal */
        return sign | (uint16_t)lrintf(scaled);
    }
    uint32_t man = ax & 0x7fffff;
    uint32_t exp = (ax >> 23) - 112;
    uint32_t h = (exp << 10) | (man >> 13);
    uint32_t rest = man & 0x1fff;
    if (rest > 0x1000 || (rest == 0x1000 && (h & 1)))
        h++;
    return sign | (uint16_t)h;
}

static void load_elem(const uint8_t *p, size_t es, int swap, uint8_t tmp[8])
{
    if (es > 8)
        es = 8;
    if (!swap) {
        memcpy(tmp, p, es);
        return;
    }
    for (size_t i = 0; i < es; i++)
        tmp[i] = p[es - 1 - i];
}

static float elem_to_f32(kk_dtype dt, const uint8_t *p, int swap)
{
    uint8_t tmp[8];
    load_elem(p, kk_dtype_size(dt), swap, tmp);
    switch (dt) {
    case KK_DT_F32: {
        float f;
        memcpy(&f, tmp, 4);
        return f;
    }
    case KK_DT_F64: {
        double d;
        memcpy(&d, tmp, 8);
        return (float)d;
    }
    case KK_DT_F16: {
        uint16_t h;
        memcpy(&h, tmp, 2);
        return kk_f16_to_f32(h);
    }
    case KK_DT_BF16: {
        uint16_t h;
        memcpy(&h, tmp, 2);
        return kk_bf16_to_f32(h);
    }
    default:
        return 0.0f;
    }
}

void kk_raw_to_f32(const kk_raw_tensor *t, float *dst)
{
    size_t es = kk_dtype_size(t->dtype);
    if (t->numel == 0)
        return;
    if (t->contiguous && !t->swap) {
        /* Fast paths for whole tensors: the common case at load. */
        const uint8_t *p = t->base;
        uint16_t h;
        switch (t->dtype) {
        case KK_DT_F32:
            memcpy(dst, p, t->numel * 4);
            return;
        case KK_DT_BF16:
            for (size_t i = 0; i < t->numel; i++) {
                memcpy(&h, p + 2 * i, 2);
                uint32_t bits = (uint32_t)h << 16;
                memcpy(&dst[i], &bits, 4);
            }
            return;
        case KK_DT_F16:
            for (size_t i = 0; i < t->numel; i++) {
                memcpy(&h, p + 2 * i, 2);
                dst[i] = kk_f16_to_f32(h);
            }
            return;
        case KK_DT_F64:
            for (size_t i = 0; i < t->numel; i++) {
                double d;
                memcpy(&d, p + 8 * i, 8);
                dst[i] = (float)d;
            }
            return;
        default:
            break;
        }
    }
    /* Odometer over the view's multi-index; off tracks the element offset from base. */
    int64_t idx[KK_MAX_DIMS] = {0};
    int64_t off = 0;
    for (size_t i = 0; i < t->numel; i++) {
        dst[i] = elem_to_f32(t->dtype, t->base + (size_t)off * es, t->swap);
        for (int d = t->ndim - 1; d >= 0; d--) {
            if (++idx[d] < t->shape[d]) {
                off += t->stride[d];
                break;
            }
            off -= t->stride[d] * (idx[d] - 1);
            idx[d] = 0;
        }
    }
}
