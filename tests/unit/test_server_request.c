/* Request validation for the speech routes, the voice-mix grammar and the UTF-8 checks. */
#include <stdlib.h>

#include "harness.h"
#include "model/voice.h"
#include "server/request.h"
#include "server/voice_expr.h"

static kk_request_rules rules = {1000, "af_heart", 0};

static int parse(const char *body, kk_speech_request *q, kk_parse_error *e)
{
    return kk_speech_request_parse(body, strlen(body), &rules, q, e);
}

static void expect_error(const char *body, unsigned status, const char *code)
{
    kk_speech_request q;
    kk_parse_error e = {0};
    int rc = parse(body, &q, &e);
    CHECK_MSG(rc == -1 && e.status == status && !strcmp(e.code, code), "%s -> rc %d status %u code %s (%s)", body,
              rc, e.status, rc ? e.code : "-", rc ? e.message : "");
    if (rc == 0)
        kk_speech_request_free(&q);
}

static void test_defaults(void)
{
    kk_speech_request q;
    kk_parse_error e;
    CHECK(parse("{\"input\":\"Hello there.\"}", &q, &e) == 0);
    CHECK_STR_EQ(q.input, "Hello there.");
    CHECK_STR_EQ(q.voice, "af_heart");
    CHECK(q.format == KOKORO_FORMAT_MP3);
    CHECK_STR_EQ(q.format_name, "mp3");
    CHECK_NEAR(q.speed, 1.0, 0);
    CHECK(q.stream == 1 && q.return_download_link == 0 && q.lang[0] == '\0');
    CHECK(q.norm.normalize == 1 && q.norm.unit_normalization == 0 && q.norm.url_normalization == 1);
    kk_speech_request_free(&q);

    CHECK(parse("{\"model\":\"tts-1-hd\",\"input\":\"x y\",\"voice\":\"alloy\",\"response_format\":\"WAV\","
                "\"speed\":0.25,\"stream\":false,\"return_download_link\":true,\"lang_code\":\"en-gb\","
                "\"volume_multiplier\":2.5,\"instructions\":\"calm\",\"stream_format\":\"sse\","
                "\"normalization_options\":{\"normalize\":false,\"unit_normalization\":true}}",
                &q, &e) == 0);
    CHECK(q.format == KOKORO_FORMAT_WAV && q.stream == 0 && q.return_download_link == 1);
    CHECK_STR_EQ(q.lang, "b");
    CHECK_NEAR(q.volume, 2.5, 1e-6);
    CHECK_NEAR(q.speed, 0.25, 1e-6);
    CHECK(q.norm.normalize == 0 && q.norm.unit_normalization == 1);
    kk_speech_request_free(&q);
}

static void test_errors(void)
{
    expect_error("{", 422, "invalid_json");
    expect_error("[1,2]", 422, "validation_error");
    expect_error("{\"voice\":\"a\"}", 422, "validation_error");
    expect_error("{\"input\":5}", 422, "validation_error");
    expect_error("{\"input\":\"hi\",\"speed\":5}", 422, "validation_error");
    expect_error("{\"input\":\"hi\",\"speed\":0.1}", 422, "validation_error");
    expect_error("{\"input\":\"hi\",\"speed\":\"fast\"}", 422, "validation_error");
    expect_error("{\"input\":\"hi\",\"stream\":\"yes\"}", 422, "validation_error");
    expect_error("{\"input\":\"hi\",\"response_format\":\"ogg\"}", 422, "validation_error");
    expect_error("{\"input\":\"hi\",\"model\":\"gpt-5\"}", 400, "invalid_model");
    expect_error("{\"input\":\"hi\",\"lang_code\":\"xx\"}", 400, "validation_error");
    expect_error("{\"input\":\"   \"}", 400, "validation_error");
    expect_error("{\"input\":\"hi\",\"voice\":\"\"}", 400, "validation_error");
    expect_error("{\"input\":\"hi\",\"normalization_options\":{\"normalize\":1}}", 422, "validation_error");
    expect_error("{\"input\":\"hi\",\"normalization_options\":[]}", 422, "validation_error");
    expect_error("{\"input\":\"\\ud800\"}", 422, "invalid_json"); /* lone surrogate escape */
    expect_error("{\"input\":\"\xff\xfe\"}", 400, "invalid_encoding");
    char *big = malloc(1100 + 20);
    strcpy(big, "{\"input\":\"");
    memset(big + 10, 'a', 1001);
    strcpy(big + 1011, "\"}");
    expect_error(big, 413, "input_too_long");
    free(big);
    /* The captioned route does not check the model name. */
    kk_request_rules cap = {1000, "af_heart", 1};
    kk_speech_request q;
    kk_parse_error e;
    CHECK(kk_speech_request_parse("{\"input\":\"a\",\"model\":\"x\"}", 25, &cap, &q, &e) == 0);
    CHECK(q.return_timestamps == 1); /* captioned: on by default */
    kk_speech_request_free(&q);
}

static void test_voice_expr(void)
{
    kk_voice_mix x;
    kokoro_error err;
    CHECK(kk_voice_mix_parse("af_bella", &x, &err) == KOKORO_OK && x.n == 1);
    CHECK_STR_EQ(x.canonical, "af_bella(1)");
    CHECK(kk_voice_mix_parse(" af_bella(2) + af_sky(1) ", &x, &err) == KOKORO_OK && x.n == 2);
    CHECK_STR_EQ(x.canonical, "af_bella(2)+af_sky(1)");
    CHECK(kk_voice_mix_parse("af_bella-af_sky(0.5)", &x, &err) == KOKORO_OK);
    CHECK(x.items[1].sign == -1 && x.items[1].weight == 0.5);
    CHECK_STR_EQ(x.canonical, "af_bella(1)-af_sky(0.5)");
    CHECK(kk_voice_mix_parse("alloy+nova", &x, &err) == KOKORO_OK);
    CHECK_STR_EQ(x.canonical, "am_adam(1)+bf_isabella(1)");
    const char *bad[] = {"", "+a", "a+", "a++b", "a+-b", "a(0)", "a(-1)", "a(x)", "a(1", "a(1)b", "a/b",
                         "../etc/passwd", ".hidden", "a(nan)", "a(inf)", "a b(", "a()", "a((1))"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_MSG(kk_voice_mix_parse(bad[i], &x, &err) == KOKORO_ERR_INVALID_ARGUMENT, "accepted '%s'", bad[i]);
    CHECK_STR_EQ(kk_voice_openai_name("shimmer"), "af_sky");
    CHECK(kk_voice_openai_name("af_sky") == NULL);
    CHECK_STR_EQ(kk_lang_from_voice("bf_emma(1)", "a"), "b");
    CHECK_STR_EQ(kk_lang_from_voice("tv_alpha(1)", "a"), "a");
    CHECK_STR_EQ(kk_lang_from_code("PT-BR"), "p");
    CHECK(kk_lang_from_code("de") == NULL);
}

static void test_voice_list_join(void)
{
    char *names[] = {"tv_alpha", "tv_beta"};
    char *all = kk_voice_list_join(names, 2);
    CHECK_STR_EQ(all, "tv_alpha, tv_beta");
    free(all);
}

static void test_utf8(void)
{
    CHECK(kk_utf8_valid("h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80", 15));
    CHECK(!kk_utf8_valid("\xc0\xaf", 2));         /* overlong */
    CHECK(!kk_utf8_valid("\xed\xa0\x80", 3));     /* surrogate */
    CHECK(!kk_utf8_valid("\xf4\x90\x80\x80", 4)); /* > U+10FFFF */
    CHECK(!kk_utf8_valid("\xe2\x82", 2));         /* truncated */
    CHECK(kk_utf8_count("h\xc3\xa9") == 2);
}

int main(void)
{
    test_defaults();
    test_errors();
    test_voice_expr();
    test_voice_list_join();
    test_utf8();
    return HARNESS_RETURN();
}
