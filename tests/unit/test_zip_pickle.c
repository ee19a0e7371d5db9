/* zip + pickle + checkpoint on hand-made torch archives: views with storage offsets and strides,
 * float16/bfloat16/float64 storages, non-float entries, _rebuild_parameter, zip64, the archive
 * root name, big-endian storages, and malformed variants. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "model/checkpoint.h"
#include "model/pickle.h"
#include "model/torch_archive.h"
#include "model/voice.h"
#include "model/zip.h"
#include "torch_writer.h"

enum {
    V_OK,
    V_ZIP64,
    V_BIG_ENDIAN,
    V_VIEW_OOB,      /* a view reaching past its storage */
    V_NO_PARTNER,    /* weight_g without weight_v */
    V_MISSING_STORAGE,
    V_EVIL_GLOBAL,   /* a callable other than the torch rebuild functions */
    V_COMPRESSED,
    V_SHORT_STORAGE, /* storage entry smaller than its declared numel */
};

static void put_f32(tw_buf *b, float f, int big)
{
    uint8_t x[4];
    memcpy(x, &f, 4);
    for (int i = 0; i < 4; i++)
        tw_u8(b, x[big ? 3 - i : i]);
}
static void put_u16(tw_buf *b, uint16_t v, int big) { big ? (tw_u8(b, v >> 8), tw_u8(b, v & 0xff)) : tw_u16(b, v); }
static void put_f64(tw_buf *b, double d, int big)
{
    uint8_t x[8];
    memcpy(x, &d, 8);
    for (int i = 0; i < 8; i++)
        tw_u8(b, x[big ? 7 - i : i]);
}

static tw_buf make_archive(int variant, const char *root)
{
    int big = variant == V_BIG_ENDIAN;
    tw_buf pk = {0};
    pk_proto(&pk);
    pk_op(&pk, '}');
    pk_op(&pk, '(');
    pk_str(&pk, "comp");
    pk_ordered_dict(&pk);
    pk_op(&pk, '(');
    {
        long size[2] = {3, 4}, stride[2] = {1, 3};
        pk_str(&pk, "module.view.weight");
        pk_tensor(&pk, "FloatStorage", "0", 24, variant == V_VIEW_OOB ? 20 : 2, 2, size, stride);
    }
    {
        long size[1] = {2}, stride[1] = {5};
        pk_str(&pk, "module.slice");
        pk_tensor(&pk, "FloatStorage", "0", 24, 1, 1, size, stride);
    }
    {
        long size[3] = {2, 1, 1}, stride[3] = {1, 1, 1};
        pk_str(&pk, "module.conv.weight_g");
        pk_tensor(&pk, "HalfStorage", "1", 2, 0, 3, size, stride);
    }
    if (variant != V_NO_PARTNER) {
        long size[3] = {2, 1, 3}, stride[3] = {3, 3, 1};
        pk_str(&pk, "module.conv.weight_v");
        pk_tensor(&pk, "BFloat16Storage", "2", 6, 0, 3, size, stride);
    }
    {
        long size[1] = {4}, stride[1] = {1};
        pk_str(&pk, "module.ids");
        pk_tensor(&pk, "LongStorage", "3", 4, 0, 1, size, stride);
    }
    {
        long size[1] = {2}, stride[1] = {1};
        pk_str(&pk, "module.d64");
        pk_tensor(&pk, "DoubleStorage", "4", 2, 0, 1, size, stride);
    }
    {
        long size[2] = {2, 2}, stride[2] = {2, 1};
        pk_str(&pk, "module.param");
        pk_global(&pk, "torch._utils", "_rebuild_parameter");
        pk_op(&pk, '(');
        pk_tensor(&pk, "FloatStorage", "0", 24, 0, 2, size, stride);
        tw_u8(&pk, 0x88);
        pk_ordered_dict(&pk);
        pk_op(&pk, 't');
        pk_op(&pk, 'R');
    }
    pk_op(&pk, 'u');
    pk_str(&pk, "epoch");
    pk_int(&pk, 7);
    pk_op(&pk, 'u');
    if (variant == V_EVIL_GLOBAL) {
        /* replace the result with os.system('true') */
        pk_op(&pk, '0');
        pk_global(&pk, "os", "system");
        pk_op(&pk, '(');
        pk_str(&pk, "true");
        pk_op(&pk, 't');
        pk_op(&pk, 'R');
    }
    pk_op(&pk, '.');

    tw_buf s0 = {0}, s1 = {0}, s2 = {0}, s3 = {0}, s4 = {0};
    for (int i = 0; i < (variant == V_SHORT_STORAGE ? 20 : 24); i++)
        put_f32(&s0, (float)i, big);
    put_u16(&s1, 0x4000, big); /* f16 2.0 */
    put_u16(&s1, 0xB800, big); /* f16 -0.5 */
    static const uint16_t v[6] = {0x4040, 0x0000, 0x4080, 0x3F80, 0x3F80, 0x3F80}; /* bf16 3 0 4 1 1 1 */
    for (int i = 0; i < 6; i++)
        put_u16(&s2, v[i], big);
    for (int i = 0; i < 4; i++)
        put_f64(&s3, 0, big); /* int64 zeros: same bytes */
    put_f64(&s4, 1.5, big);
    put_f64(&s4, -2.25, big);

    char names[8][64];
    const char *suffix[8] = {"data.pkl", "byteorder", "data/0", "data/1", "data/2", "data/3", "data/4", "version"};
    for (int i = 0; i < 8; i++)
        snprintf(names[i], sizeof names[i], "%s/%s", root, suffix[i]);
    const char *bo = big ? "big" : "little";
    tw_entry e[8] = {
        {names[0], pk.p, pk.n, 0}, {names[1], bo, strlen(bo), 0}, {names[2], s0.p, s0.n, 0},
        {names[3], s1.p, s1.n, 0}, {names[4], s2.p, s2.n, 0},     {names[5], s3.p, s3.n, 0},
        {names[6], s4.p, s4.n, 0}, {names[7], "3\n", 2, 0},
    };
    tw_entry *list = e;
    int n = 8;
    if (variant == V_MISSING_STORAGE) {
        e[6] = e[7]; /* drop data/4 */
        n = 7;
    }
    tw_buf z = {0};
    zip_write(&z, list, n, variant == V_ZIP64);
    if (variant == V_COMPRESSED) {
        for (size_t p = 0; p + 4 <= z.n; p++)
            if (z.p[p] == 0x50 && z.p[p + 1] == 0x4b && z.p[p + 2] == 1 && z.p[p + 3] == 2) {
                z.p[p + 10] = 8; /* deflate */
                break;
            }
    }
    free(pk.p);
    free(s0.p);
    free(s1.p);
    free(s2.p);
    free(s3.p);
    free(s4.p);
    return z;
}

static void check_table(const kk_checkpoint *ck, const char *what)
{
    CHECK_MSG(kk_checkpoint_count(ck) == 5, "%s: %zu tensors", what, kk_checkpoint_count(ck));
    const kk_tensor *t = kk_checkpoint_find(ck, "comp.view.weight");
    CHECK_MSG(t && t->ndim == 2 && t->shape[0] == 3 && t->shape[1] == 4, "%s", what);
    if (t)
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 4; j++)
                CHECK(t->data[i * 4 + j] == (float)(2 + i + 3 * j));
    t = kk_checkpoint_find(ck, "comp.slice");
    CHECK(t && t->numel == 2 && t->data[0] == 1.0f && t->data[1] == 6.0f);
    t = kk_checkpoint_find(ck, "comp.conv.weight");
    CHECK(t && t->ndim == 3 && t->shape[0] == 2 && t->shape[1] == 1 && t->shape[2] == 3);
    if (t) {
        CHECK_NEAR(t->data[0], 1.2, 1e-6);
        CHECK(t->data[1] == 0.0f);
        CHECK_NEAR(t->data[2], 1.6, 1e-6);
        for (int k = 3; k < 6; k++)
            CHECK_NEAR(t->data[k], -0.5 / sqrt(3.0), 1e-7);
    }
    CHECK(kk_checkpoint_find(ck, "comp.conv.weight_g") == NULL && kk_checkpoint_find(ck, "comp.conv.weight_v") == NULL);
    CHECK(kk_checkpoint_find(ck, "comp.ids") == NULL);   /* int64: dropped */
    CHECK(kk_checkpoint_find(ck, "epoch") == NULL);      /* not a tensor */
    t = kk_checkpoint_find(ck, "comp.d64");
    CHECK(t && t->numel == 2 && t->data[0] == 1.5f && t->data[1] == -2.25f);
    t = kk_checkpoint_find(ck, "comp.param");
    CHECK(t && t->numel == 4 && t->data[0] == 0.0f && t->data[3] == 3.0f);
}

static void expect_fail(int variant, kokoro_status code, const char *want)
{
    tw_buf z = make_archive(variant, "archive");
    kk_checkpoint *ck = NULL;
    kokoro_error err = {0};
    kokoro_status st = kk_checkpoint_load_memory(z.p, z.n, &ck, &err);
    CHECK_MSG(st == code, "variant %d: status %d (%s)", variant, st, err.message);
    CHECK_MSG(strstr(err.message, want) != NULL, "variant %d: '%s' lacks '%s'", variant, err.message, want);
    if (!st)
        kk_checkpoint_free(ck);
    free(z.p);
}

static void save(const char *name, const tw_buf *z)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", KOKORO_TEST_TMP, name);
    FILE *f = fopen(path, "wb");
    CHECK(f && fwrite(z->p, 1, z->n, f) == z->n);
    if (f)
        fclose(f);
}

int main(void)
{
    kokoro_error err;
    static const struct {
        int variant;
        const char *root;
    } good[] = {{V_OK, "archive"}, {V_OK, "kokoro-v1_0"}, {V_ZIP64, "archive"}, {V_BIG_ENDIAN, "x"}};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        tw_buf z = make_archive(good[i].variant, good[i].root);
        kk_checkpoint *ck = NULL;
        kokoro_status st = kk_checkpoint_load_memory(z.p, z.n, &ck, &err);
        CHECK_MSG(st == KOKORO_OK, "variant %d: %s", good[i].variant, err.message);
        if (ck) {
            check_table(ck, good[i].root);
            kk_checkpoint_free(ck);
        }
        if (i == 0) {
            /* Also through a file (mapped, tensors read in place where possible). */
            save("crafted.pth", &z);
            CHECK(kk_checkpoint_load(KOKORO_TEST_TMP "/crafted.pth", &ck, &err) == KOKORO_OK);
            if (ck) {
                check_table(ck, "file");
                kk_checkpoint_free(ck);
            }
            /* Every truncation fails cleanly. */
            int loaded = 0;
            for (size_t cut = 0; cut < z.n; cut++)
                if (kk_checkpoint_load_memory(z.p, cut, &ck, &err) == KOKORO_OK) {
                    loaded++;
                    kk_checkpoint_free(ck);
                }
            CHECK_MSG(loaded == 0, "%d truncations loaded", loaded);
        }
        if (good[i].variant == V_ZIP64) {
            kk_zip zip;
            CHECK(kk_zip_open(z.p, z.n, &zip, &err) == KOKORO_OK);
            CHECK(zip.n_entries == 8 && kk_zip_find(&zip, "archive/data/2") == 4);
            const uint8_t *d;
            size_t len;
            CHECK(kk_zip_entry_data(&zip, 7, &d, &len, &err) == KOKORO_OK && len == 2 && memcmp(d, "3\n", 2) == 0);
            CHECK(((uintptr_t)(d - z.p)) % 64 == 0);
            kk_zip_close(&zip);
        }
        free(z.p);
    }
    expect_fail(V_VIEW_OOB, KOKORO_ERR_FORMAT, "comp.view.weight");
    expect_fail(V_NO_PARTNER, KOKORO_ERR_FORMAT, "comp.conv.weight_g");
    expect_fail(V_MISSING_STORAGE, KOKORO_ERR_FORMAT, "archive/data/4");
    expect_fail(V_EVIL_GLOBAL, KOKORO_ERR_UNSUPPORTED, "os.system");
    expect_fail(V_COMPRESSED, KOKORO_ERR_UNSUPPORTED, "compressed");
    expect_fail(V_SHORT_STORAGE, KOKORO_ERR_FORMAT, "declares 24 float32 elements");

    /* The fuzz seeds (fuzz/make_loader_seeds.c) are valid files. */
    {
        kk_checkpoint *ck = NULL;
        CHECK(kk_checkpoint_load(KOKORO_FIXTURES "/../../fuzz/corpus/fuzz_loader/state_dict.pth", &ck, &err) == 0);
        if (ck) {
            CHECK(kk_checkpoint_count(ck) == 3);
            const kk_tensor *t = kk_checkpoint_find(ck, "decoder.up.weight");
            CHECK(t && t->ndim == 2);
            if (t) { /* v = [[-2, -1.75], [-1.5, -1.25]] with g = [1.5, -2.25] */
                CHECK_NEAR(t->data[0], -2 * 1.5 / sqrt(4 + 1.75 * 1.75), 1e-6);
                CHECK_NEAR(t->data[2], 1.5 * 2.25 / sqrt(1.5 * 1.5 + 1.25 * 1.25), 1e-6);
            }
            CHECK(kk_checkpoint_find(ck, "decoder.conv.weight") != NULL);
            kk_checkpoint_free(ck);
        }
        CHECK(kk_checkpoint_load(KOKORO_FIXTURES "/../../fuzz/corpus/fuzz_loader/state_dict_zip64.pth", &ck, &err) == 0);
        kk_checkpoint_free(ck);
        CHECK(kk_checkpoint_load(KOKORO_FIXTURES "/../../fuzz/corpus/fuzz_loader/tensors.safetensors", &ck, &err) == 0);
        if (ck) {
            const kk_tensor *t = kk_checkpoint_find(ck, "b");
            CHECK(kk_checkpoint_count(ck) == 2 && t && t->data[0] == 1.0f && t->data[1] == -2.0f);
            kk_checkpoint_free(ck);
        }
        kokoro_voice *v = NULL;
        CHECK(kokoro_voice_load(KOKORO_FIXTURES "/../../fuzz/corpus/fuzz_loader/voice.pt", &v, &err) == 0);
        CHECK(v && v->rows == 3 && v->dim == 8);
        kokoro_voice_free(v);
    }

    /* The pickle machine alone: memo, lists, tuples, floats, negative and long ints. */
    tw_buf p = {0};
    pk_proto(&p);
    pk_op(&p, ']');
    tw_u8(&p, 'q'); tw_u8(&p, 0);            /* BINPUT 0 */
    pk_op(&p, '(');
    pk_str(&p, "a");
    tw_u8(&p, 'J'); tw_u32(&p, 0xFFFFFFFEu); /* -2 */
    tw_u8(&p, 0x8a); tw_u8(&p, 5); tw_u32(&p, 0); tw_u8(&p, 0x01); /* LONG1 2^32 */
    tw_u8(&p, 'G');
    { uint8_t d[8] = {0x40, 0x09, 0x21, 0xfb, 0x54, 0x44, 0x2d, 0x18}; tw_put(&p, d, 8); } /* pi */
    tw_u8(&p, 'N');
    pk_op(&p, 'e');
    tw_u8(&p, 'h'); tw_u8(&p, 0);            /* BINGET 0: the same list */
    tw_u8(&p, 0x86);                         /* TUPLE2 */
    pk_op(&p, '.');
    kk_pickle *pkl;
    const kk_pv *root;
    CHECK(kk_pickle_load(p.p, p.n, &pkl, &root, &err) == KOKORO_OK);
    if (root) {
        CHECK(root->type == KK_PV_TUPLE && root->n == 2 && root->items[0] == root->items[1]);
        const kk_pv *l = root->items[0];
        CHECK(l->type == KK_PV_LIST && l->n == 5);
        CHECK(l->items[0]->type == KK_PV_STR && strcmp(l->items[0]->s.ptr, "a") == 0);
        CHECK(l->items[1]->type == KK_PV_INT && l->items[1]->i == -2);
        CHECK(l->items[2]->type == KK_PV_INT && l->items[2]->i == 4294967296LL);
        CHECK(l->items[3]->type == KK_PV_FLOAT && l->items[3]->f == 3.141592653589793);
        CHECK(l->items[4]->type == KK_PV_NONE);
        kk_pickle_free(pkl);
    }
    /* Every truncation of the program, and an unset memo slot, fail with an offset. */
    for (size_t cut = 0; cut < p.n; cut++) {
        kokoro_status st = kk_pickle_load(p.p, cut, &pkl, &root, &err);
        CHECK(st != KOKORO_OK && strstr(err.message, "offset") != NULL);
    }
    p.p[p.n - 3] = 7; /* BINGET 7 */
    CHECK(kk_pickle_load(p.p, p.n, &pkl, &root, &err) == KOKORO_ERR_FORMAT && strstr(err.message, "memo"));
    free(p.p);
    return HARNESS_RETURN();
}
