/* .npy reading and writing against the golden files. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "util/npy.h"

int main(void)
{
    kk_npy a;
    kokoro_error err;
    CHECK(kk_npy_read(KOKORO_FIXTURES "/golden/cases/a_short/input_ids.npy", &a, &err) == KOKORO_OK);
    CHECK(a.dtype == KK_NPY_I64 && a.ndim == 2 && a.shape[0] == 1 && a.shape[1] == 14 && a.numel == 14);
    if (a.data) {
        const int64_t *ids = a.data;
        /* həlˈO wˈɜɹld -> 0 50 83 54 156 31 16 65 156 87 123 54 46 0 */
        static const int64_t want[14] = {0, 50, 83, 54, 156, 31, 16, 65, 156, 87, 123, 54, 46, 0};
        CHECK(memcmp(ids, want, sizeof want) == 0);
    }
    kk_npy_free(&a);

    CHECK(kk_npy_read(KOKORO_FIXTURES "/golden/cases/b_long/asr.npy", &a, &err) == KOKORO_OK);
    CHECK(a.dtype == KK_NPY_F32 && a.ndim == 3 && a.shape[0] == 1 && a.shape[1] == 64 && a.shape[2] == 460);
    CHECK(a.numel == 64 * 460);

    /* Round trip through the writer. */
    char path[512];
    snprintf(path, sizeof path, "%s/npy_roundtrip.npy", KOKORO_TEST_TMP);
    CHECK(kk_npy_write(path, KK_NPY_F32, a.ndim, a.shape, a.data, &err) == KOKORO_OK);
    kk_npy b;
    CHECK(kk_npy_read(path, &b, &err) == KOKORO_OK);
    CHECK(b.dtype == KK_NPY_F32 && b.ndim == 3 && b.numel == a.numel && b.shape[2] == 460);
    CHECK(b.data && memcmp(a.data, b.data, a.numel * 4) == 0);
    kk_npy_free(&b);
    kk_npy_free(&a);

    int64_t s1[1] = {3};
    int64_t v[3] = {-1, 0, 1LL << 40};
    CHECK(kk_npy_write(path, KK_NPY_I64, 1, s1, v, &err) == KOKORO_OK);
    CHECK(kk_npy_read(path, &b, &err) == KOKORO_OK);
    CHECK(b.ndim == 1 && b.shape[0] == 3 && b.data && memcmp(b.data, v, sizeof v) == 0);
    kk_npy_free(&b);
    /* The writer's header is what NumPy writes: 64-aligned data, "(3,)" for one dimension. */
    FILE *f = fopen(path, "rb");
    char head[257] = {0};
    CHECK(f && fread(head, 1, 256, f) > 10);
    if (f)
        fclose(f);
    size_t hlen = (size_t)(uint8_t)head[8] | (size_t)(uint8_t)head[9] << 8;
    CHECK((10 + hlen) % 64 == 0 && hlen < 246 && head[10 + hlen - 1] == '\n');
    CHECK(strstr(head + 10, "'shape': (3,)") != NULL);

    /* Malformed inputs. */
    static const uint8_t bad1[] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 200, 0, '{'};
    CHECK(kk_npy_parse(bad1, sizeof bad1, &b, &err) == KOKORO_ERR_FORMAT);
    static const char *dicts[] = {"{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }\n",
                                  "{'descr': '<f4', 'fortran_order': False, 'shape': (100, 2), }\n",
                                  "{'descr': '<f4', 'fortran_order': True, 'shape': (1,), }\n",
                                  "{'descr': '<f4', 'fortran_order': False, 'shape': (1, x), }\n"};
    static const kokoro_status want[] = {KOKORO_ERR_UNSUPPORTED, KOKORO_ERR_FORMAT, KOKORO_ERR_UNSUPPORTED,
                                         KOKORO_ERR_FORMAT};
    for (int i = 0; i < 4; i++) {
        uint8_t buf[256] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (uint8_t)strlen(dicts[i]), 0};
        memcpy(buf + 10, dicts[i], strlen(dicts[i]));
        size_t n = 10 + strlen(dicts[i]) + 8; /* 8 data bytes: enough for (1,) f8 but not (100, 2) */
        kokoro_status st = kk_npy_parse(buf, n, &b, &err);
        CHECK_MSG(st == want[i], "case %d: %d (%s)", i, st, err.message);
        if (st == KOKORO_OK)
            kk_npy_free(&b);
    }
    CHECK(kk_npy_read(KOKORO_FIXTURES "/golden/none.npy", &b, &err) == KOKORO_ERR_NOT_FOUND);
    return HARNESS_RETURN();
}
