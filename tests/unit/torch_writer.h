/* Test helper: writes torch.save-style archives byte by byte (zip + protocol 2 pickle) so that the
 * loaders can be tested on layouts the golden file does not contain (views, strides, other dtypes,
 * zip64, big-endian storages) without Python or torch. Header-only, for tests. */
#ifndef KOKORO_TEST_TORCH_WRITER_H
#define KOKORO_TEST_TORCH_WRITER_H
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    uint8_t *p;
    size_t n, cap;
} tw_buf;

static void tw_put(tw_buf *b, const void *d, size_t n)
{
    if (b->n + n > b->cap) {
        b->cap = (b->n + n) * 2 + 64;
        b->p = realloc(b->p, b->cap);
    }
    memcpy(b->p + b->n, d, n);
    b->n += n;
}
static void tw_u8(tw_buf *b, unsigned v) { uint8_t x = (uint8_t)v; tw_put(b, &x, 1); }
static void tw_u16(tw_buf *b, unsigned v) { tw_u8(b, v & 0xff); tw_u8(b, (v >> 8) & 0xff); }
static void tw_u32(tw_buf *b, uint32_t v) { tw_u16(b, v & 0xffff); tw_u16(b, v >> 16); }
static void tw_u64(tw_buf *b, uint64_t v) { tw_u32(b, (uint32_t)v); tw_u32(b, (uint32_t)(v >> 32)); }

/* ---- pickle opcodes */
static void pk_proto(tw_buf *b) { tw_u8(b, 0x80); tw_u8(b, 2); }
static void pk_op(tw_buf *b, char op) { tw_u8(b, (uint8_t)op); }
static void pk_str(tw_buf *b, const char *s) { tw_u8(b, 'X'); tw_u32(b, (uint32_t)strlen(s)); tw_put(b, s, strlen(s)); }
static void pk_global(tw_buf *b, const char *mod, const char *name)
{
    tw_u8(b, 'c');
    tw_put(b, mod, strlen(mod));
    tw_u8(b, '\n');
    tw_put(b, name, strlen(name));
    tw_u8(b, '\n');
}
static void pk_int(tw_buf *b, long v)
{
    if (v >= 0 && v < 256) { tw_u8(b, 'K'); tw_u8(b, (unsigned)v); }
    else if (v >= 0 && v < 65536) { tw_u8(b, 'M'); tw_u16(b, (unsigned)v); }
    else { tw_u8(b, 'J'); tw_u32(b, (uint32_t)v); }
}
static void pk_ints_tuple(tw_buf *b, int n, const long *v)
{
    pk_op(b, '(');
    for (int i = 0; i < n; i++)
        pk_int(b, v[i]);
    pk_op(b, 't');
}
/* torch._utils._rebuild_tensor_v2(('storage', torch.<type>, key, 'cpu', numel), offset, size, stride,
 * False, OrderedDict()) */
static void pk_tensor(tw_buf *b, const char *storage_type, const char *key, long numel, long offset, int ndim,
                      const long *size, const long *stride)
{
    pk_global(b, "torch._utils", "_rebuild_tensor_v2");
    pk_op(b, '(');
    pk_op(b, '(');
    pk_str(b, "storage");
    pk_global(b, "torch", storage_type);
    pk_str(b, key);
    pk_str(b, "cpu");
    pk_int(b, numel);
    pk_op(b, 't');
    pk_op(b, 'Q');
    pk_int(b, offset);
    pk_ints_tuple(b, ndim, size);
    pk_ints_tuple(b, ndim, stride);
    tw_u8(b, 0x89);
    pk_global(b, "collections", "OrderedDict");
    pk_op(b, ')');
    pk_op(b, 'R');
    pk_op(b, 't');
    pk_op(b, 'R');
}
static void pk_ordered_dict(tw_buf *b)
{
    pk_global(b, "collections", "OrderedDict");
    pk_op(b, ')');
    pk_op(b, 'R');
}

/* ---- zip (stored entries, data 64-aligned like torch, optional zip64 records) */
typedef struct {
    const char *name;
    const void *data;
    size_t len;
    uint64_t off;
} tw_entry;

static void zip_write(tw_buf *z, tw_entry *e, int n, int zip64)
{
    for (int i = 0; i < n; i++) {
        e[i].off = z->n;
        size_t nl = strlen(e[i].name);
        size_t here = z->n + 30 + nl + 4;
        size_t pad = (64 - here % 64) % 64;
        tw_u32(z, 0x04034b50);
        tw_u16(z, 45); tw_u16(z, 0); tw_u16(z, 0); tw_u16(z, 0); tw_u16(z, 0);
        tw_u32(z, 0); /* crc not checked by readers of stored torch files */
        tw_u32(z, (uint32_t)e[i].len);
        tw_u32(z, (uint32_t)e[i].len);
        tw_u16(z, (unsigned)nl);
        tw_u16(z, (unsigned)(4 + pad));
        tw_put(z, e[i].name, nl);
        tw_u16(z, 0x4246); /* "FB" padding field, as torch writes */
        tw_u16(z, (unsigned)pad);
        for (size_t k = 0; k < pad; k++)
            tw_u8(z, 'Z');
        tw_put(z, e[i].data, e[i].len);
    }
    uint64_t cd = z->n;
    for (int i = 0; i < n; i++) {
        size_t nl = strlen(e[i].name);
        tw_u32(z, 0x02014b50);
        tw_u16(z, 45); tw_u16(z, 45); tw_u16(z, 0); tw_u16(z, 0); tw_u16(z, 0); tw_u16(z, 0);
        tw_u32(z, 0);
        tw_u32(z, zip64 ? 0xFFFFFFFFu : (uint32_t)e[i].len);
        tw_u32(z, zip64 ? 0xFFFFFFFFu : (uint32_t)e[i].len);
        tw_u16(z, (unsigned)nl);
        tw_u16(z, zip64 ? 28 : 0);
        tw_u16(z, 0); tw_u16(z, 0); tw_u16(z, 0); tw_u32(z, 0);
        tw_u32(z, zip64 ? 0xFFFFFFFFu : (uint32_t)e[i].off);
        tw_put(z, e[i].name, nl);
        if (zip64) {
            tw_u16(z, 1);
            tw_u16(z, 24);
            tw_u64(z, e[i].len);
            tw_u64(z, e[i].len);
            tw_u64(z, e[i].off);
        }
    }
    uint64_t cd_size = z->n - cd;
    if (zip64) {
        uint64_t e64 = z->n;
        tw_u32(z, 0x06064b50);
        tw_u64(z, 44);
        tw_u16(z, 45); tw_u16(z, 45); tw_u32(z, 0); tw_u32(z, 0);
        tw_u64(z, (uint64_t)n); tw_u64(z, (uint64_t)n);
        tw_u64(z, cd_size); tw_u64(z, cd);
        tw_u32(z, 0x07064b50);
        tw_u32(z, 0);
        tw_u64(z, e64);
        tw_u32(z, 1);
    }
    tw_u32(z, 0x06054b50);
    tw_u16(z, 0); tw_u16(z, 0);
    tw_u16(z, zip64 ? 0xFFFF : (unsigned)n);
    tw_u16(z, zip64 ? 0xFFFF : (unsigned)n);
    tw_u32(z, zip64 ? 0xFFFFFFFFu : (uint32_t)cd_size);
    tw_u32(z, zip64 ? 0xFFFFFFFFu : (uint32_t)cd);
    tw_u16(z, 0);
}
#endif
