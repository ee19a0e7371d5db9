/* kokoro convert's writer and the .safetensors loader: round trips of the golden checkpoint in
 * f32 (exact), bf16 and f16 (within their rounding), header layout, and malformed files. */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "model/checkpoint.h"
#include "model/safetensors.h"
#include "model/torch_archive.h"

#define PTH KOKORO_FIXTURES "/golden/kokoro-tiny.pth"

static void test_half_conversions(void)
{
    CHECK(kk_f32_to_f16(1.0f) == 0x3c00 && kk_f16_to_f32(0x3c00) == 1.0f);
    CHECK(kk_f32_to_f16(-2.0f) == 0xc000);
    CHECK(kk_f32_to_f16(65504.0f) == 0x7bff);
    CHECK(kk_f32_to_f16(65519.0f) == 0x7bff);
    CHECK(kk_f32_to_f16(65520.0f) == 0x7c00);
    CHECK(kk_f32_to_f16(1e10f) == 0x7c00 && kk_f32_to_f16(-INFINITY) == 0xfc00);
    CHECK((kk_f32_to_f16(NAN) & 0x7c00) == 0x7c00 && (kk_f32_to_f16(NAN) & 0x3ff) != 0);
    CHECK(kk_f32_to_f16(5.9604645e-8f) == 0x0001 && kk_f16_to_f32(0x0001) == 5.9604645e-8f);
    CHECK(kk_f32_to_f16(2.0e-8f) == 0x0000);
    CHECK(kk_f32_to_f16(6.097555e-5f) == 0x03ff); /* largest subnormal */
    CHECK(kk_f32_to_f16(1.0f + 1.0f / 2048) == 0x3c00);          /* tie to even: down */
    CHECK(kk_f32_to_f16(1.0f + 3.0f / 2048) == 0x3c02);          /* tie to even: up */
    CHECK(kk_f32_to_bf16(1.0f) == 0x3f80 && kk_bf16_to_f32(0x3f80) == 1.0f);
    CHECK(kk_f32_to_bf16(1.0f + 1.0f / 256) == 0x3f80);          /* tie to even */
    CHECK(kk_f32_to_bf16(1.0f + 3.0f / 256) == 0x3f82);
    CHECK((kk_f32_to_bf16(NAN) & 0x7f80) == 0x7f80 && (kk_f32_to_bf16(NAN) & 0x7f) != 0);
    /* Every half value survives f16 -> f32 -> f16. */
    int bad = 0;
    for (uint32_t h = 0; h < 0x10000; h++) {
        if ((h & 0x7c00) == 0x7c00 && (h & 0x3ff))
            continue; /* NaN payloads */
        if (kk_f32_to_f16(kk_f16_to_f32((uint16_t)h)) != h)
            bad++;
    }
    CHECK_MSG(bad == 0, "%d half values do not round-trip", bad);
}

static void roundtrip(const kk_checkpoint *ref, const char *dtype_name, kk_dtype dt, double rel, double abs_tol)
{
    char path[512];
    snprintf(path, sizeof path, "%s/tiny-%s.safetensors", KOKORO_TEST_TMP, dtype_name);
    kokoro_error err;
    CHECK_MSG(kk_st_write(path, ref, dt, "kokoro-tiny.pth", &err) == KOKORO_OK, "%s", err.message);
    kk_checkpoint *ck = NULL;
    CHECK_MSG(kk_checkpoint_load(path, &ck, &err) == KOKORO_OK, "%s: %s", dtype_name, err.message);
    if (!ck)
        return;
    CHECK(kk_checkpoint_count(ck) == kk_checkpoint_count(ref));
    double worst = 0;
    size_t mismatched = 0;
    for (size_t i = 0; i < kk_checkpoint_count(ref); i++) {
        const kk_tensor *a = kk_checkpoint_at(ref, i), *b = kk_checkpoint_find(ck, a->name);
        CHECK_MSG(b != NULL, "%s missing", a->name);
        if (!b)
            continue;
        CHECK(b->ndim == a->ndim && b->numel == a->numel && memcmp(b->shape, a->shape, sizeof a->shape) == 0);
        if (dt == KK_DT_F32) {
            if (memcmp(a->data, b->data, a->numel * 4) != 0)
                mismatched++;
            continue;
        }
        for (size_t k = 0; k < a->numel; k++) {
            double e = fabs((double)a->data[k] - b->data[k]);
            if (e > rel * fabs(a->data[k]) + abs_tol)
                mismatched++;
            if (fabs(a->data[k]) > 1e-3 && e / fabs(a->data[k]) > worst)
                worst = e / fabs(a->data[k]);
        }
    }
    CHECK_MSG(mismatched == 0, "%s: %zu mismatches", dtype_name, mismatched);
    printf("%s: %zu tensors, worst relative error %.3g\n", dtype_name, kk_checkpoint_count(ck), worst);
    kk_checkpoint_free(ck);

    /* Header: little-endian length, JSON with __metadata__, data 8-aligned, dtype as asked. */
    size_t len;
    uint8_t *b = (uint8_t *)harness_read_file_len(path, &len);
    CHECK(b && len > 8);
    if (!b)
        return;
    uint64_t n = 0;
    for (int i = 7; i >= 0; i--)
        n = (n << 8) | b[i];
    CHECK(n % 8 == 0 && n + 8 <= len);
    cJSON *j = cJSON_ParseWithLength((const char *)b + 8, (size_t)n);
    CHECK(j != NULL);
    const cJSON *meta = cJSON_GetObjectItem(j, "__metadata__");
    CHECK(cJSON_IsObject(meta) && cJSON_IsString(cJSON_GetObjectItem(meta, "format")));
    CHECK(strcmp(cJSON_GetObjectItem(meta, "source")->valuestring, "kokoro-tiny.pth") == 0);
    const cJSON *e = cJSON_GetObjectItem(j, "decoder.generator.ups.0.weight");
    CHECK(e && strcmp(cJSON_GetObjectItem(e, "dtype")->valuestring,
                      dt == KK_DT_F32 ? "F32" : dt == KK_DT_BF16 ? "BF16" : "F16") == 0);
    cJSON_Delete(j);

    /* Truncated and corrupted copies fail cleanly. */
    int loaded = 0;
    for (size_t cut = 0; cut < len; cut += cut < 70000 ? 997 : 50021) {
        kk_checkpoint *x;
        if (kk_checkpoint_load_memory(b, cut, &x, &err) == KOKORO_OK) {
            loaded++;
            kk_checkpoint_free(x);
        }
    }
    CHECK_MSG(loaded == 0, "%d truncated safetensors loaded", loaded);
    free(b);
}

static void expect_bad(const char *json, size_t data_len, kokoro_status code, const char *want)
{
    size_t n = strlen(json);
    uint8_t *b = calloc(8 + n + data_len, 1);
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)((uint64_t)n >> (8 * i));
    memcpy(b + 8, json, n);
    kk_checkpoint *ck = NULL;
    kokoro_error err = {0};
    kokoro_status st = kk_checkpoint_load_memory(b, 8 + n + data_len, &ck, &err);
    CHECK_MSG(st == code, "%s: %d (%s)", json, st, err.message);
    CHECK_MSG(!want || strstr(err.message, want), "'%s' lacks '%s'", err.message, want);
    if (ck)
        kk_checkpoint_free(ck);
    free(b);
}

int main(void)
{
    test_half_conversions();
    kk_checkpoint *ref = NULL;
    kokoro_error err;
    CHECK(kk_checkpoint_load(PTH, &ref, &err) == KOKORO_OK);
    if (ref) {
        roundtrip(ref, "f32", KK_DT_F32, 0, 0);
        roundtrip(ref, "bf16", KK_DT_BF16, 1.0 / 256, 0);
        roundtrip(ref, "f16", KK_DT_F16, 1.0 / 2048, 3e-8);
        kk_checkpoint_free(ref);
    }
    expect_bad("{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]}}", 8, KOKORO_OK, NULL);
    expect_bad("{\"a\": {\"dtype\": \"F32\", \"shape\": [3], \"data_offsets\": [0, 8]}}", 8, KOKORO_ERR_FORMAT, "'a'");
    expect_bad("{\"a\": {\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [0, 16]}}", 8, KOKORO_ERR_FORMAT,
               "outside");
    expect_bad("{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [8, 0]}}", 8, KOKORO_ERR_FORMAT, NULL);
    expect_bad("{\"a\": {\"dtype\": \"F8_E4M3\", \"shape\": [2], \"data_offsets\": [0, 2]}}", 8,
               KOKORO_ERR_UNSUPPORTED, "F8_E4M3");
    expect_bad("{\"a\": {\"dtype\": \"F32\", \"shape\": [-2], \"data_offsets\": [0, 8]}}", 8, KOKORO_ERR_FORMAT, NULL);
    expect_bad("{\"a\": {\"dtype\": \"F32\", \"shape\": [1e300], \"data_offsets\": [0, 8]}}", 8, KOKORO_ERR_FORMAT,
               NULL);
    expect_bad("{\"a\": {\"shape\": [2], \"data_offsets\": [0, 8]}}", 8, KOKORO_ERR_FORMAT, "dtype");
    expect_bad("{\"a\": 3}", 8, KOKORO_ERR_FORMAT, NULL);
    expect_bad("{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]}", 8, KOKORO_ERR_FORMAT,
               "JSON");
    expect_bad("{\"x.weight_g\": {\"dtype\": \"F32\", \"shape\": [2, 1], \"data_offsets\": [0, 8]}}", 8,
               KOKORO_ERR_FORMAT, "x.weight_v");
    return HARNESS_RETURN();
}
