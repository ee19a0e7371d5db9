#include "model/zip.h"

#include <stdlib.h>
#include <string.h>

#include "util/error.h"

#define SIG_LOCAL 0x04034b50u
#define SIG_CENTRAL 0x02014b50u
#define SIG_EOCD 0x06054b50u
#define SIG_EOCD64 0x06064b50u
#define SIG_EOCD64_LOC 0x07064b50u
#define EOCD_SIZE 22
#define EOCD64_LOC_SIZE 20
#define EOCD64_MIN_SIZE 56
#define CENTRAL_SIZE 46
#define LOCAL_SIZE 30

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static uint64_t rd64(const uint8_t *p) { return (uint64_t)rd32(p) | ((uint64_t)rd32(p + 4) << 32); }

/* off + need <= len without overflow */
static int fits(uint64_t off, uint64_t need, size_t len)
{
    return off <= len && need <= (uint64_t)len - off;
}

int kk_zip_is_zip(const uint8_t *data, size_t len)
{
    return len >= 4 && (rd32(data) == SIG_LOCAL || rd32(data) == SIG_EOCD);
}

void kk_zip_close(kk_zip *zip)
{
    if (!zip)
        return;
    for (size_t i = 0; i < zip->n_entries; i++)
        free(zip->entries[i].name);
    free(zip->entries);
    memset(zip, 0, sizeof *zip);
}

/* The zip64 extended-information extra field replaces, in order, those of the 32-bit fields that
 * are saturated (0xFFFFFFFF); fields that are not saturated are absent from it. */
static kokoro_status apply_zip64_extra(const uint8_t *extra, size_t extra_len, kk_zip_entry *e,
                                       int need_size, int need_csize, int need_off, uint64_t cd_off,
                                       kokoro_error *err)
{
    size_t p = 0;
    while (p + 4 <= extra_len) {
        uint16_t id = rd16(extra + p), sz = rd16(extra + p + 2);
        if (sz > extra_len - p - 4)
            return kk_fail(err, KOKORO_ERR_FORMAT,
                           "zip: extra field of entry '%s' overruns its record (central directory at %llu)",
                           e->name, (unsigned long long)cd_off);
        if (id == 0x0001) {
            const uint8_t *f = extra + p + 4;
            size_t q = 0;
            if (need_size) {
                if (q + 8 > sz) goto short_field;
                e->size = rd64(f + q);
                q += 8;
            }
            if (need_csize) {
                if (q + 8 > sz) goto short_field;
                e->csize = rd64(f + q);
                q += 8;
            }
            if (need_off) {
                if (q + 8 > sz) goto short_field;
                e->header_off = rd64(f + q);
                q += 8;
            }
            return KOKORO_OK;
        }
        p += 4 + (size_t)sz;
    }
    if (!need_size && !need_csize && !need_off)
        return KOKORO_OK;
short_field:
    return kk_fail(err, KOKORO_ERR_FORMAT, "zip: entry '%s' needs a zip64 extra field that is missing or short",
                   e->name);
}

kokoro_status kk_zip_open(const uint8_t *data, size_t len, kk_zip *out, kokoro_error *err)
{
    memset(out, 0, sizeof *out);
    out->data = data;
    out->len = len;
    if (len < EOCD_SIZE)
        return kk_fail(err, KOKORO_ERR_FORMAT, "zip: file too short (%zu bytes) to be an archive", len);

    /* The end-of-central-directory record sits in the last 22 + 65535 (comment) bytes. */
    size_t lo = len > EOCD_SIZE + 65535 ? len - EOCD_SIZE - 65535 : 0;
    size_t eocd = (size_t)-1;
    for (size_t p = len - EOCD_SIZE + 1; p-- > lo;) {
        if (rd32(data + p) == SIG_EOCD && (size_t)rd16(data + p + 20) == len - p - EOCD_SIZE) {
            eocd = p;
            break;
        }
    }
    if (eocd == (size_t)-1) {
        /* Tolerate a comment-length mismatch (e.g. trailing bytes) by taking the last signature. */
        for (size_t p = len - EOCD_SIZE + 1; p-- > lo;)
            if (rd32(data + p) == SIG_EOCD) {
                eocd = p;
                break;
            }
    }
    if (eocd == (size_t)-1)
        return kk_fail(err, KOKORO_ERR_FORMAT,
                       "zip: end of central directory not found (truncated or not a zip archive, %zu bytes)", len);

    uint64_t n_entries = rd16(data + eocd + 10);
    uint64_t cd_size = rd32(data + eocd + 12);
    uint64_t cd_off = rd32(data + eocd + 16);
    if (n_entries == 0xFFFF || cd_size == 0xFFFFFFFFu || cd_off == 0xFFFFFFFFu ||
        (eocd >= EOCD64_LOC_SIZE && rd32(data + eocd - EOCD64_LOC_SIZE) == SIG_EOCD64_LOC)) {
        if (eocd < EOCD64_LOC_SIZE || rd32(data + eocd - EOCD64_LOC_SIZE) != SIG_EOCD64_LOC)
            return kk_fail(err, KOKORO_ERR_FORMAT, "zip: zip64 locator missing before offset %zu", eocd);
        uint64_t e64 = rd64(data + eocd - EOCD64_LOC_SIZE + 8);
        if (!fits(e64, EOCD64_MIN_SIZE, len) || rd32(data + e64) != SIG_EOCD64)
            return kk_fail(err, KOKORO_ERR_FORMAT, "zip: bad zip64 end record at offset %llu",
                           (unsigned long long)e64);
        n_entries = rd64(data + e64 + 32);
        cd_size = rd64(data + e64 + 40);
        cd_off = rd64(data + e64 + 48);
    }
    if (!fits(cd_off, cd_size, len))
        return kk_fail(err, KOKORO_ERR_FORMAT,
                       "zip: central directory (offset %llu, %llu bytes) lies outside the file (%zu bytes)",
                       (unsigned long long)cd_off, (unsigned long long)cd_size, len);
    if (n_entries > cd_size / CENTRAL_SIZE)
        return kk_fail(err, KOKORO_ERR_FORMAT, "zip: %llu entries cannot fit in a %llu-byte central directory",
                       (unsigned long long)n_entries, (unsigned long long)cd_size);

    out->entries = calloc(n_entries ? (size_t)n_entries : 1, sizeof *out->entries);
    if (!out->entries)
        return kk_fail(err, KOKORO_ERR_NO_MEMORY, "zip: out of memory for %llu entries",
                       (unsigned long long)n_entries);
    uint64_t p = cd_off, end = cd_off + cd_size;
    for (uint64_t i = 0; i < n_entries; i++) {
        if (p > end || end - p < CENTRAL_SIZE || rd32(data + p) != SIG_CENTRAL) {
            kk_zip_close(out);
            return kk_fail(err, KOKORO_ERR_FORMAT, "zip: bad central directory record %llu at offset %llu",
                           (unsigned long long)i, (unsigned long long)p);
        }
        const uint8_t *r = data + p;
        uint16_t name_len = rd16(r + 28), extra_len = rd16(r + 30), comment_len = rd16(r + 32);
        uint64_t rec = (uint64_t)CENTRAL_SIZE + name_len + extra_len + comment_len;
        if (end - p < rec) {
            kk_zip_close(out);
            return kk_fail(err, KOKORO_ERR_FORMAT, "zip: central directory record %llu at offset %llu overruns",
                           (unsigned long long)i, (unsigned long long)p);
        }
        kk_zip_entry *e = &out->entries[out->n_entries];
        e->name = malloc((size_t)name_len + 1);
        if (!e->name) {
            kk_zip_close(out);
            return kk_fail(err, KOKORO_ERR_NO_MEMORY, "zip: out of memory");
        }
        memcpy(e->name, r + CENTRAL_SIZE, name_len);
        e->name[name_len] = '\0';
        out->n_entries++;
        e->method = rd16(r + 10);
        e->csize = rd32(r + 20);
        e->size = rd32(r + 24);
        e->header_off = rd32(r + 42);
        kokoro_status st = apply_zip64_extra(r + CENTRAL_SIZE + name_len, extra_len, e,
                                             e->size == 0xFFFFFFFFu, e->csize == 0xFFFFFFFFu,
                                             e->header_off == 0xFFFFFFFFu, p, err);
        if (st) {
            kk_zip_close(out);
            return st;
        }
        p += rec;
    }
    return KOKORO_OK;
}

long kk_zip_find(const kk_zip *zip, const char *name)
{
    for (size_t i = 0; i < zip->n_entries; i++)
        if (strcmp(zip->entries[i].name, name) == 0)
            return (long)i;
    return -1;
}

kokoro_status kk_zip_entry_data(const kk_zip *zip, size_t index, const uint8_t **data, size_t *len,
                                kokoro_error *err)
{
    if (index >= zip->n_entries)
        return kk_fail(err, KOKORO_ERR_INTERNAL, "zip: entry index %zu out of range", index);
    const kk_zip_entry *e = &zip->entries[index];
    if (e->method != 0)
        return kk_fail(err, KOKORO_ERR_UNSUPPORTED,
                       "zip: entry '%s' is compressed (method %u); torch checkpoints store entries uncompressed",
                       e->name, e->method);
    if (e->csize != e->size)
        return kk_fail(err, KOKORO_ERR_FORMAT, "zip: stored entry '%s' has size %llu but stored size %llu",
                       e->name, (unsigned long long)e->size, (unsigned long long)e->csize);
    if (!fits(e->header_off, LOCAL_SIZE, zip->len) || rd32(zip->data + e->header_off) != SIG_LOCAL)
        return kk_fail(err, KOKORO_ERR_FORMAT, "zip: entry '%s': no local header at offset %llu", e->name,
                       (unsigned long long)e->header_off);
    const uint8_t *h = zip->data + e->header_off;
    uint64_t start = e->header_off + LOCAL_SIZE + rd16(h + 26) + rd16(h + 28);
    if (!fits(start, e->size, zip->len))
        return kk_fail(err, KOKORO_ERR_FORMAT,
                       "zip: entry '%s' (%llu bytes at offset %llu) runs past the end of the file (%zu bytes)",
                       e->name, (unsigned long long)e->size, (unsigned long long)start, zip->len);
    *data = zip->data + start;
    *len = (size_t)e->size;
    return KOKORO_OK;
}
