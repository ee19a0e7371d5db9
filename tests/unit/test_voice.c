/* Voice packs: .pt and .bin loading, row selection against the golden ref_s, the mix grammar,
 * listing, and refusal of paths and malformed files. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "model/config.h"
#include "model/voice.h"
#include "text/tokenizer.h"
#include "util/npy.h"

#define VOICES KOKORO_FIXTURES "/golden/voices"
#define REAL KOKORO_SHARED_DIR "/voices-v1.0"

static void write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    CHECK(f && fwrite(data, 1, len, f) == len);
    if (f)
        fclose(f);
}

static void test_golden_rows(const kk_config *cfg)
{
    static const char *cases[] = {"a_short", "b_long", "c_short_fast", "d_blend", "e_single"};
    for (size_t c = 0; c < 5; c++) {
        char path[512];
        size_t len;
        snprintf(path, sizeof path, "%s/golden/cases/%s/case.json", KOKORO_FIXTURES, cases[c]);
        char *text = harness_read_file_len(path, &len);
        cJSON *j = text ? cJSON_Parse(text) : NULL;
        free(text);
        CHECK_MSG(j != NULL, "%s", path);
        if (!j)
            continue;
        const char *voice = cJSON_GetObjectItem(j, "voice")->valuestring;
        const char *ph = cJSON_GetObjectItem(j, "phonemes")->valuestring;
        int index = cJSON_GetObjectItem(j, "voice_pack_index")->valueint;
        kokoro_voice *v = NULL;
        kokoro_error err;
        kokoro_status st = kokoro_voice_resolve(VOICES, voice, &v, &err);
        CHECK_MSG(st == KOKORO_OK, "%s: %s", voice, err.message);
        int64_t *ids;
        size_t n_ids, n_cp;
        CHECK(kk_tokenize(cfg, ph, &ids, &n_ids, &n_cp, &err) == KOKORO_OK);
        CHECK_MSG((int)n_cp - 1 == index, "%s: %zu code points, pack index %d", cases[c], n_cp, index);
        /* input_ids is the tokenization plus a 0 at both ends. */
        kk_npy in;
        snprintf(path, sizeof path, "%s/golden/cases/%s/input_ids.npy", KOKORO_FIXTURES, cases[c]);
        CHECK(kk_npy_read(path, &in, &err) == KOKORO_OK);
        CHECK(in.numel == n_ids + 2);
        if (in.numel == n_ids + 2) {
            const int64_t *g = in.data;
            CHECK(g[0] == 0 && g[n_ids + 1] == 0 && memcmp(g + 1, ids, n_ids * sizeof *ids) == 0);
        }
        kk_npy_free(&in);
        free(ids);
        kk_npy ref;
        snprintf(path, sizeof path, "%s/golden/cases/%s/ref_s.npy", KOKORO_FIXTURES, cases[c]);
        CHECK(kk_npy_read(path, &ref, &err) == KOKORO_OK);
        CHECK(ref.numel == 256);
        if (v && ref.numel == 256) {
            CHECK(v->rows == 510 && v->dim == 256);
            CHECK_MSG(memcmp(kk_voice_row(v, n_cp), ref.data, 256 * sizeof(float)) == 0,
                      "%s: ref_s differs from row %zu of %s", cases[c], n_cp - 1, voice);
        }
        kk_npy_free(&ref);
        kokoro_voice_free(v);
        cJSON_Delete(j);
    }
}

static void test_rows_and_packs(void)
{
    kokoro_voice *a = NULL, *b = NULL;
    kokoro_error err;
    CHECK(kokoro_voice_load(VOICES "/tv_alpha.pt", &a, &err) == KOKORO_OK);
    CHECK(kokoro_voice_resolve(VOICES, "tv_beta", &b, &err) == KOKORO_OK);
    if (!a || !b)
        return;
    CHECK(kk_voice_row(a, 0) == a->data);
    CHECK(kk_voice_row(a, 1) == a->data);
    CHECK(kk_voice_row(a, 510) == a->data + 509 * 256);
    CHECK(kk_voice_row(a, 100000) == a->data + 509 * 256);
    /* N(0, 0.15^2) draws: sanity of the values. */
    double s = 0, s2 = 0;
    for (size_t i = 0; i < 510 * 256; i++) {
        s += a->data[i];
        s2 += (double)a->data[i] * a->data[i];
    }
    CHECK_NEAR(s / (510 * 256), 0.0, 0.005);
    CHECK_NEAR(sqrt(s2 / (510 * 256)), 0.15, 0.005);

    /* Mixes. */
    struct {
        const char *expr;
        double wa, wb;
    } mixes[] = {{"tv_alpha+tv_beta", 0.5, 0.5},         {"tv_alpha(2)+tv_beta(1)", 2.0 / 3, 1.0 / 3},
                 {"tv_alpha - tv_beta", 0.5, -0.5},      {" tv_alpha(0.25) + tv_beta(0.75) ", 0.25, 0.75},
                 {"tv_alpha(3)", 1.0, 0.0},              {"tv_alpha(1)-tv_beta(3)", 0.25, -0.75},
                 {"tv_alpha+tv_alpha+tv_beta", 2.0 / 3, 1.0 / 3}};
    for (size_t m = 0; m < sizeof mixes / sizeof mixes[0]; m++) {
        kokoro_voice *x = NULL;
        CHECK_MSG(kokoro_voice_resolve(VOICES, mixes[m].expr, &x, &err) == KOKORO_OK, "%s: %s", mixes[m].expr,
                  err.message);
        if (!x)
            continue;
        double worst = 0;
        for (size_t i = 0; i < 510 * 256; i++) {
            double want = mixes[m].wa * a->data[i] + mixes[m].wb * b->data[i];
            double e = fabs(x->data[i] - want);
            if (e > worst)
                worst = e;
        }
        CHECK_MSG(worst < 1e-6, "%s: max error %g", mixes[m].expr, worst);
        kokoro_voice_free(x);
    }
    kokoro_voice_free(a);
    kokoro_voice_free(b);
}

static void expect(const char *dir, const char *expr, int allow_paths, kokoro_status code, const char *want)
{
    kokoro_voice *v = NULL;
    kokoro_error err = {0};
    kokoro_status st = kk_voice_resolve(dir, expr, allow_paths, &v, &err);
    CHECK_MSG(st == code, "'%s': status %d (%s)", expr, st, err.message);
    CHECK_MSG(want == NULL || strstr(err.message, want) != NULL, "'%s': message '%s' lacks '%s'", expr, err.message,
              want);
    CHECK(st != KOKORO_OK || v != NULL);
    kokoro_voice_free(v);
}

static void test_grammar_errors(void)
{
    expect(VOICES, "", 1, KOKORO_ERR_INVALID_ARGUMENT, "empty");
    expect(VOICES, "   ", 1, KOKORO_ERR_INVALID_ARGUMENT, "empty");
    expect(VOICES, "+tv_alpha", 1, KOKORO_ERR_INVALID_ARGUMENT, "missing voice name");
    expect(VOICES, "tv_alpha+", 1, KOKORO_ERR_INVALID_ARGUMENT, "missing voice name");
    expect(VOICES, "tv_alpha++tv_beta", 1, KOKORO_ERR_INVALID_ARGUMENT, "missing voice name");
    expect(VOICES, "tv_alpha+-tv_beta", 1, KOKORO_ERR_INVALID_ARGUMENT, "missing voice name");
    expect(VOICES, "tv_alpha(0)+tv_beta", 1, KOKORO_ERR_INVALID_ARGUMENT, "> 0");
    expect(VOICES, "tv_alpha(-1)+tv_beta", 1, KOKORO_ERR_INVALID_ARGUMENT, NULL);
    expect(VOICES, "tv_alpha(x)+tv_beta", 1, KOKORO_ERR_INVALID_ARGUMENT, "weight");
    expect(VOICES, "tv_alpha(inf)+tv_beta", 1, KOKORO_ERR_INVALID_ARGUMENT, "finite");
    expect(VOICES, "tv_alpha(nan)+tv_beta", 1, KOKORO_ERR_INVALID_ARGUMENT, "finite");
    expect(VOICES, "tv_alpha(1+tv_beta", 1, KOKORO_ERR_INVALID_ARGUMENT, NULL);
    expect(VOICES, "tv_alpha((1))", 1, KOKORO_ERR_INVALID_ARGUMENT, NULL);
    expect(VOICES, "tv_alpha(1)x", 1, KOKORO_ERR_INVALID_ARGUMENT, NULL);
    expect(VOICES, "tv_alpha)", 1, KOKORO_ERR_INVALID_ARGUMENT, NULL);
    expect(VOICES, "tv_alpha()", 1, KOKORO_ERR_INVALID_ARGUMENT, NULL);
    /* Unknown voices list what exists. */
    expect(VOICES, "nobody", 1, KOKORO_ERR_NOT_FOUND, "tv_alpha, tv_beta");
    expect(VOICES, "tv_alpha+nobody", 1, KOKORO_ERR_NOT_FOUND, "'nobody'");
    /* Traversal and paths. */
    expect(VOICES, "..", 0, KOKORO_ERR_INVALID_ARGUMENT, "invalid voice name");
    expect(VOICES, "..tv_alpha", 0, KOKORO_ERR_INVALID_ARGUMENT, "invalid voice name");
    expect(VOICES, "../voices/tv_alpha", 0, KOKORO_ERR_INVALID_ARGUMENT, "paths are not allowed");
    expect(VOICES, "/etc/passwd", 0, KOKORO_ERR_INVALID_ARGUMENT, "paths are not allowed");
    expect(VOICES, "tv_alpha+../x", 0, KOKORO_ERR_INVALID_ARGUMENT, NULL);
    expect(VOICES, "a\\b", 0, KOKORO_ERR_INVALID_ARGUMENT, "invalid voice name");
    expect(VOICES, "tv_alpha\n", 0, KOKORO_ERR_INVALID_ARGUMENT, "invalid voice name");
    expect(VOICES, "tv_alpha+..", 0, KOKORO_ERR_INVALID_ARGUMENT, "invalid voice name");
    /* A CLI user may name a file; a path to a non-voice file is a format error. */
    expect(VOICES, VOICES "/tv_alpha.pt", 1, KOKORO_OK, NULL);
    expect(VOICES, VOICES "/../config.json", 1, KOKORO_ERR_FORMAT, NULL);
    expect(VOICES, VOICES "/nothing.pt", 1, KOKORO_ERR_NOT_FOUND, NULL);
    expect(VOICES, "tv_alpha.pt", 0, KOKORO_OK, NULL);
}

/* The one parser of the grammar, shared with the server: items, OpenAI names, canonical form. */
static void test_mix_parse(void)
{
    kk_voice_mix m;
    kokoro_error err = {0};
    CHECK(kk_voice_mix_parse(" echo(3) - tv_beta ", &m, &err) == KOKORO_OK && m.n == 2);
    CHECK_STR_EQ(m.items[0].name, "af_bella");
    CHECK(m.items[0].weight == 3 && m.items[0].sign == 1 && m.items[1].weight == 1 && m.items[1].sign == -1);
    CHECK_STR_EQ(m.canonical, "af_bella(3)-tv_beta(1)");
    char many[256] = "v";
    for (int i = 1; i <= KK_VOICE_MIX_MAX; i++)
        strcat(many, "+v");
    CHECK(kk_voice_mix_parse(many, &m, &err) == KOKORO_ERR_INVALID_ARGUMENT && m.n == 0);
    CHECK(strstr(err.message, "at most 16") != NULL);
    CHECK(kk_voice_mix_parse("tv_alpha(1)x", &m, &err) == KOKORO_ERR_INVALID_ARGUMENT);
    CHECK(strstr(err.message, "unexpected 'x'") != NULL);
    CHECK(kk_voice_mix_parse("tv_alpha(0)", &m, &err) == KOKORO_ERR_INVALID_ARGUMENT);
    CHECK(strstr(err.message, "finite number > 0") != NULL);
    CHECK(kk_voice_mix_parse(".hidden", &m, &err) == KOKORO_ERR_INVALID_ARGUMENT);
    CHECK(strstr(err.message, "invalid voice name '.hidden'") != NULL);
    CHECK(kk_voice_mix_parse(NULL, &m, &err) == KOKORO_ERR_INVALID_ARGUMENT);
    /* Both tables once: every OpenAI name of api-reference §5a. */
    static const char *const openai[][2] = {{"alloy", "am_adam"},     {"ash", "af_nicole"}, {"coral", "bf_emma"},
                                            {"echo", "af_bella"},     {"fable", "af_sarah"}, {"onyx", "bm_george"},
                                            {"nova", "bf_isabella"},  {"sage", "am_michael"}, {"shimmer", "af_sky"}};
    for (size_t i = 0; i < sizeof openai / sizeof openai[0]; i++)
        CHECK_STR_EQ(kk_voice_openai_name(openai[i][0]), openai[i][1]);
    CHECK(kk_voice_openai_name("af_sky") == NULL);
}

static void test_dir_features(void)
{
    /* A voices dir with .bin packs, a .pt/.bin duplicate, a dashed name, an OpenAI name target and
     * junk files. */
    const char *dir = KOKORO_TEST_TMP "/voices_dir";
    mkdir(dir, 0755);
    size_t len;
    char *heart = harness_read_file_len(REAL "/af_heart.bin", &len);
    char *bella = harness_read_file_len(REAL "/af_bella.bin", &len);
    char *alpha = harness_read_file_len(VOICES "/tv_alpha.pt", &len);
    CHECK(heart && bella && alpha);
    if (!heart || !bella || !alpha)
        return;
    write_file(KOKORO_TEST_TMP "/voices_dir/af_heart.bin", heart, 522240);
    write_file(KOKORO_TEST_TMP "/voices_dir/af_bella.bin", bella, 522240);
    write_file(KOKORO_TEST_TMP "/voices_dir/my-voice.bin", heart, 522240);
    write_file(KOKORO_TEST_TMP "/voices_dir/tv_alpha.pt", alpha, len);
    write_file(KOKORO_TEST_TMP "/voices_dir/tv_alpha.bin", heart, 522240);
    write_file(KOKORO_TEST_TMP "/voices_dir/notes.txt", "x", 1);
    write_file(KOKORO_TEST_TMP "/voices_dir/short.bin", heart, 1000);
    write_file(KOKORO_TEST_TMP "/voices_dir/bad name.pt", alpha, 10);
    mkdir(KOKORO_TEST_TMP "/voices_dir/sub.pt", 0755);

    char **names;
    size_t n;
    kokoro_error err;
    CHECK(kk_voices_list(dir, &names, &n, &err) == KOKORO_OK);
    static const char *want[] = {"af_bella", "af_heart", "my-voice", "short", "tv_alpha"};
    CHECK_MSG(n == 5, "%zu voices", n);
    for (size_t i = 0; i < n && i < 5; i++)
        CHECK_STR_EQ(names[i], want[i]);
    kk_voices_list_free(names, n);
    CHECK(kk_voices_list(KOKORO_TEST_TMP "/no_such_dir", &names, &n, &err) == KOKORO_ERR_NOT_FOUND);

    kokoro_voice *v = NULL, *h = NULL;
    CHECK(kokoro_voice_resolve(dir, "af_heart", &h, &err) == KOKORO_OK);
    CHECK(kokoro_voice_resolve(dir, "my-voice", &v, &err) == KOKORO_OK); /* a name with '-' */
    CHECK(v && h && memcmp(v->data, h->data, 522240) == 0);
    kokoro_voice_free(v);
    /* .pt is preferred over .bin */
    CHECK(kokoro_voice_resolve(dir, "tv_alpha", &v, &err) == KOKORO_OK);
    CHECK(v && h && memcmp(v->data, h->data, 256 * 4) != 0);
    kokoro_voice_free(v);
    /* OpenAI names map to Kokoro-FastAPI's choice when no such file exists: echo -> af_bella. */
    kokoro_voice *e = NULL, *b = NULL;
    CHECK(kokoro_voice_resolve(dir, "echo", &e, &err) == KOKORO_OK);
    CHECK(kokoro_voice_resolve(dir, "af_bella", &b, &err) == KOKORO_OK);
    CHECK(e && b && memcmp(e->data, b->data, 522240) == 0);
    kokoro_voice_free(e);
    CHECK(kokoro_voice_resolve(dir, "echo+af_heart", &e, &err) == KOKORO_OK);
    if (e && b && h)
        CHECK_NEAR(e->data[777], 0.5 * b->data[777] + 0.5 * h->data[777], 1e-7);
    kokoro_voice_free(e);
    kokoro_voice_free(b);
    kokoro_voice_free(h);
    expect(dir, "alloy", 0, KOKORO_ERR_NOT_FOUND, "af_bella"); /* am_adam is not there */
    expect(dir, "short", 0, KOKORO_ERR_FORMAT, "1000 bytes");
    expect(dir, "tv_alpha+af_heart", 0, KOKORO_OK, NULL);
    free(heart);
    free(bella);
    free(alpha);
}

static void test_real_voices(void)
{
    static const char *names[] = {"af_heart", "am_adam", "bf_emma", "jf_alpha", "zm_yunxi", "ff_siwis"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        kokoro_voice *v = NULL;
        kokoro_error err;
        kokoro_status st = kokoro_voice_resolve(REAL, names[i], &v, &err);
        CHECK_MSG(st == KOKORO_OK, "%s: %s", names[i], err.message);
        if (!v)
            continue;
        CHECK(v->rows == 510 && v->dim == 256);
        double mn = 1e9, mx = -1e9, s = 0;
        for (size_t k = 0; k < 510 * 256; k++) {
            mn = fmin(mn, v->data[k]);
            mx = fmax(mx, v->data[k]);
            s += v->data[k];
        }
        CHECK(mn > -5 && mx < 5 && mn < 0 && mx > 0);
        if (i == 0) {
            CHECK_NEAR(mn, -1.5098, 1e-4);
            CHECK_NEAR(mx, 1.7566, 1e-4);
            CHECK_NEAR(s / (510 * 256), -0.00448, 1e-5);
        }
        kokoro_voice_free(v);
    }
    char **all;
    size_t n;
    kokoro_error err;
    CHECK(kk_voices_list(REAL, &all, &n, &err) == KOKORO_OK);
    CHECK_MSG(n == 54, "%zu real voices", n);
    kk_voices_list_free(all, n);
}

static void test_corrupt(void)
{
    size_t len;
    char *alpha = harness_read_file_len(VOICES "/tv_alpha.pt", &len);
    CHECK(alpha != NULL);
    if (!alpha)
        return;
    kokoro_voice *v;
    kokoro_error err;
    int loaded = 0;
    for (size_t cut = 0; cut < len; cut += cut < 1024 ? 7 : 4099)
        if (kk_voice_parse((const uint8_t *)alpha, cut, "cut", &v, &err) == KOKORO_OK) {
            loaded++;
            kokoro_voice_free(v);
        }
    CHECK_MSG(loaded == 0, "%d truncated packs loaded", loaded);
    /* Byte flips in the pickle and headers: whatever happens, no crash; a loaded pack is well formed. */
    for (size_t pos = 0; pos < 300; pos++) {
        char saved = alpha[pos];
        alpha[pos] ^= 0x21;
        if (kk_voice_parse((const uint8_t *)alpha, len, "flip", &v, &err) == KOKORO_OK) {
            CHECK(v->rows >= 1 && v->dim >= 2);
            kokoro_voice_free(v);
        } else {
            CHECK(err.message[0] != '\0');
        }
        alpha[pos] = saved;
    }
    /* A raw pack holding a NaN. */
    float *raw = calloc(510 * 256, sizeof(float));
    raw[1000] = NAN;
    CHECK(kk_voice_parse((const uint8_t *)raw, 522240, "nan", &v, &err) == KOKORO_ERR_FORMAT);
    CHECK(strstr(err.message, "non-finite") != NULL);
    free(raw);
    free(alpha);
}

int main(void)
{
    kk_config *cfg = malloc(sizeof *cfg);
    kokoro_error err;
    CHECK(kk_config_load(KOKORO_FIXTURES "/golden/config.json", cfg, &err) == KOKORO_OK);
    test_golden_rows(cfg);
    test_rows_and_packs();
    test_grammar_errors();
    test_mix_parse();
    test_dir_features();
    test_real_voices();
    test_corrupt();
    free(cfg);
    return HARNESS_RETURN();
}
