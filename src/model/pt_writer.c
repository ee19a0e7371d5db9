#include "model/pt_writer.h"

#include <stdlib.h>
#include <string.h>

#include "util/error.h"

typedef struct {
    uint8_t *p;
    size_t len, cap;
    int oom;
} buf;

static void put(buf *b, const void *src, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n)
            cap *= 2;
        uint8_t *np = realloc(b->p, cap);
        if (!np) {
            b->oom = 1;
            return;
        }
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->len, src, n);
    b->len += n;
}

static void u8(buf *b, unsigned v)
{
    uint8_t x = (uint8_t)v;
    put(b, &x, 1);
}
static void u16(buf *b, unsigned v)
{
    u8(b, v & 0xFF);
    u8(b, (v >> 8) & 0xFF);
}
static void u32(buf *b, uint32_t v)
{
    u16(b, v & 0xFFFF);
    u16(b, v >> 16);
}

static uint32_t crc32_of(const uint8_t *p, size_t n)
{
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
    }
    return ~c;
}

/* ---- pickle */
static void pk_unicode(buf *b, const char *s)
{
    u8(b, 'X');
    u32(b, (uint32_t)strlen(s));
    put(b, s, strlen(s));
}
static void pk_global(buf *b, const char *module, const char *name)
{
    u8(b, 'c');
    put(b, module, strlen(module));
    u8(b, '\n');
    put(b, name, strlen(name));
    u8(b, '\n');
}
static void pk_int(buf *b, int32_t v)
{
    u8(b, 'J');
    u32(b, (uint32_t)v);
}

static void build_pickle(buf *b, int rows, int dim)
{
    u8(b, 0x80); /* PROTO 2 */
    u8(b, 2);
    pk_global(b, "torch._utils", "_rebuild_tensor_v2");
    u8(b, '('); /* arguments of _rebuild_tensor_v2 */
    u8(b, '('); /* persistent id of the storage */
    pk_unicode(b, "storage");
    pk_global(b, "torch", "FloatStorage");
    pk_unicode(b, "0");
    pk_unicode(b, "cpu");
    pk_int(b, rows * dim);
    u8(b, 't');
    u8(b, 'Q'); /* BINPERSID */
    pk_int(b, 0); /* storage offset */
    u8(b, '(');
    pk_int(b, rows);
    pk_int(b, 1);
    pk_int(b, dim);
    u8(b, 't');
    u8(b, '(');
    pk_int(b, dim);
    pk_int(b, dim);
    pk_int(b, 1);
    u8(b, 't');
    u8(b, 0x89); /* requires_grad = False */
    pk_global(b, "collections", "OrderedDict");
    u8(b, ')');
    u8(b, 'R');
    u8(b, 't');
    u8(b, 'R');
    u8(b, '.');
}

/* ---- zip (stored entries, data aligned to 64 bytes as torch does, via an extra field) */
typedef struct {
    const char *name;
    const uint8_t *data;
    size_t len;
    uint32_t crc, offset;
    uint16_t extra;
} zentry;

static void local_header(buf *b, zentry *e)
{
    e->offset = (uint32_t)b->len;
    size_t hdr = 30 + strlen(e->name);
    size_t pad = (64 - (b->len + hdr + 4) % 64) % 64;
    e->extra = (uint16_t)(pad + 4);
    u32(b, 0x04034b50);
    u16(b, 20);
    u16(b, 0);
    u16(b, 0);
    u16(b, 0);
    u16(b, 0x21); /* 1980-01-01 */
    u32(b, e->crc);
    u32(b, (uint32_t)e->len);
    u32(b, (uint32_t)e->len);
    u16(b, (unsigned)strlen(e->name));
    u16(b, e->extra);
    put(b, e->name, strlen(e->name));
    u16(b, 0x4246); /* "FB" padding field */
    u16(b, (unsigned)pad);
    for (size_t i = 0; i < pad; i++)
        u8(b, 'Z');
    put(b, e->data, e->len);
}

static void central_header(buf *b, const zentry *e)
{
    u32(b, 0x02014b50);
    u16(b, 20);
    u16(b, 20);
    u16(b, 0);
    u16(b, 0);
    u16(b, 0);
    u16(b, 0x21);
    u32(b, e->crc);
    u32(b, (uint32_t)e->len);
    u32(b, (uint32_t)e->len);
    u16(b, (unsigned)strlen(e->name));
    u16(b, 0);
    u16(b, 0);
    u16(b, 0);
    u16(b, 0);
    u32(b, 0);
    u32(b, e->offset);
    put(b, e->name, strlen(e->name));
}

kokoro_status kk_voice_write_pt(const kokoro_voice *voice, uint8_t **out, size_t *len, kokoro_error *err)
{
    *out = NULL;
    *len = 0;
    if (!voice || !voice->data || voice->rows <= 0 || voice->dim <= 0)
        return kk_fail(err, KOKORO_ERR_INVALID_ARGUMENT, "voice pack is empty");
    size_t n = (size_t)voice->rows * (size_t)voice->dim;
    if (n > (1u << 26))
        return kk_fail(err, KOKORO_ERR_TOO_LONG, "voice pack too large to save");
    buf pk = {0};
    build_pickle(&pk, voice->rows, voice->dim);
    uint8_t *raw = malloc(n * 4);
    if (pk.oom || !raw) {
        free(pk.p);
        free(raw);
        return kk_fail(err, KOKORO_ERR_NO_MEMORY, "out of memory writing voice pack");
    }
    for (size_t i = 0; i < n; i++) {
        uint32_t bits;
        memcpy(&bits, &voice->data[i], 4);
        raw[4 * i] = (uint8_t)bits;
        raw[4 * i + 1] = (uint8_t)(bits >> 8);
        raw[4 * i + 2] = (uint8_t)(bits >> 16);
        raw[4 * i + 3] = (uint8_t)(bits >> 24);
    }
    static const uint8_t little[] = "little", version[] = "3\n";
    zentry e[4] = {
        {"archive/data.pkl", pk.p, pk.len, 0, 0, 0},
        {"archive/byteorder", little, 6, 0, 0, 0},
        {"archive/data/0", raw, n * 4, 0, 0, 0},
        {"archive/version", version, 2, 0, 0, 0},
    };
    buf z = {0};
    for (int i = 0; i < 4; i++) {
        e[i].crc = crc32_of(e[i].data, e[i].len);
        local_header(&z, &e[i]);
    }
    size_t cd = z.len;
    for (int i = 0; i < 4; i++)
        central_header(&z, &e[i]);
    size_t cd_size = z.len - cd;
    u32(&z, 0x06054b50);
    u16(&z, 0);
    u16(&z, 0);
    u16(&z, 4);
    u16(&z, 4);
    u32(&z, (uint32_t)cd_size);
    u32(&z, (uint32_t)cd);
    u16(&z, 0);
    free(pk.p);
    free(raw);
    if (z.oom) {
        free(z.p);
        return kk_fail(err, KOKORO_ERR_NO_MEMORY, "out of memory writing voice pack");
    }
    *out = z.p;
    *len = z.len;
    return KOKORO_OK;
}
