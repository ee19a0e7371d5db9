/* The inline speaker grammar ([voice:], [rate:], [baserate:]), voice_aliases, and the SSML
 * translator (each element of Kokoro-FastAPI's table, DTDs, depth, positions of errors). */
#include <cjson/cJSON.h>
#include <stdlib.h>

#include "harness.h"
#include "server/request.h"
#include "server/ssml.h"
#include "server/voice_tags.h"

static kk_segment *split(const char *text, const char *voice, const kk_alias_set *al, int on, size_t *n)
{
    kk_segment *s = NULL;
    char msg[128];
    CHECK(kk_voice_tags_split(text, voice, al, on, &s, n, msg, sizeof msg) == 0);
    return s;
}

static void test_split(void)
{
    size_t n;
    const char *t = "Hi there. [voice:bm_george] Hello! [rate:1.5] Faster. [baserate: 2] [rate:3]Max.  "
                    "[VOICE: af_bella(2)+af_sky ] Mixed [pause:1s] on.";
    kk_segment *s = split(t, "af_heart", NULL, 1, &n);
    CHECK(n == 5);
    if (n == 5) {
        CHECK_STR_EQ(s[0].voice, "af_heart");
        CHECK_STR_EQ(s[0].text, "Hi there.");
        CHECK_NEAR(s[0].rate, 1.0, 0);
        CHECK_STR_EQ(s[1].voice, "bm_george");
        CHECK_STR_EQ(s[1].text, "Hello!");
        CHECK_NEAR(s[2].rate, 1.5, 0);
        CHECK_STR_EQ(s[2].text, "Faster.");
        CHECK_NEAR(s[3].rate, 4.0, 0); /* 2 x 3 clamped */
        CHECK_STR_EQ(s[3].text, "Max.");
        CHECK_STR_EQ(s[4].voice, "af_bella(2)+af_sky");
        CHECK_STR_EQ(s[4].text, "Mixed [pause:1s] on."); /* pauses are the front end's */
        CHECK_NEAR(s[4].rate, 1.0, 0);                    /* a [voice:] tag resets the pace */
        /* Offsets point back into the tagged text. */
        CHECK(!strncmp(t + kk_segment_src(&s[1], 0), "Hello!", 6));
        CHECK(!strncmp(t + kk_segment_src(&s[4], 6), "[pause", 6));
    }
    kk_segments_free(s, n);

    /* Tags off: one segment, tags are text. */
    s = split("A [voice:x] B", "af_heart", NULL, 0, &n);
    CHECK(n == 1 && !strcmp(s[0].text, "A [voice:x] B"));
    kk_segments_free(s, n);

    /* Not tags: wrong forms stay text. */
    s = split("[voice:] [rate:fast] [rate: 1.5 ] [voice:-x] [rate:1.]", "v", NULL, 1, &n);
    CHECK(n == 1 && !strcmp(s[0].text, "[voice:] [rate:fast] [rate: 1.5 ] [voice:-x] [rate:1.]"));
    kk_segments_free(s, n);

    /* Neighbours with the same voice and rate merge with a space; the map still finds each piece. */
    t = "One. [rate:1] Two. [voice:a] [voice:a] Three.";
    s = split(t, "a", NULL, 1, &n);
    CHECK(n == 1 && !strcmp(s[0].text, "One. Two. Three."));
    if (n == 1) {
        CHECK(!strncmp(t + kk_segment_src(&s[0], 5), "Two.", 4));
        CHECK(!strncmp(t + kk_segment_src(&s[0], 10), "Three.", 6));
        CHECK(kk_segment_src(&s[0], 4) == 4); /* a piece's end (word ends are exclusive) */
    }
    kk_segments_free(s, n);

    /* Only tags: nothing to say. */
    s = split("[voice:a] [rate:2]  ", "a", NULL, 1, &n);
    CHECK(n == 0);
    kk_segments_free(s, n);
}

static void test_aliases(void)
{
    cJSON *o = cJSON_Parse("{\"Narrator\":{\"voice\":\"bm_george\",\"rate\":0.5},\"kid\":\"af_sky+af_bella\"}");
    kk_alias_set al;
    unsigned st = 0;
    char msg[256];
    CHECK(kk_aliases_parse(o, &al, &st, msg, sizeof msg) == 0 && al.n == 2);
    cJSON_Delete(o);
    size_t n;
    kk_segment *s = split("Intro. [voice:narrator] Once. [rate:4] Quick. [voice:KID] Hi.", "Narrator", &al, 1, &n);
    CHECK(n == 3);
    if (n == 3) {
        /* The request voice is the alias: same speaker and pace as the tag, so one segment. */
        CHECK(!strcmp(s[0].voice, "bm_george") && s[0].rate == 0.5 && !strcmp(s[0].text, "Intro. Once."));
        CHECK(s[1].rate == 2.0 && !strcmp(s[1].text, "Quick.")); /* [rate:] multiplies the alias rate */
        CHECK(!strcmp(s[2].voice, "af_sky+af_bella") && s[2].rate == 1.0);
    }
    kk_segments_free(s, n);
    /* The request voice alias applies with tags off too. */
    s = split("Intro [voice:kid].", "narrator", &al, 0, &n);
    CHECK(n == 1 && s[0].rate == 0.5 && !strcmp(s[0].voice, "bm_george"));
    kk_segments_free(s, n);
    kk_aliases_free(&al);

    const char *bad[] = {"[]", "{\"a\":1}", "{\"a\":\"x;y\"}", "{\"a\":{\"rate\":1}}", "{\"a\":{\"voice\":\"v\",\"rate\":5}}",
                         "{\"a b!\":\"v\"}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        o = cJSON_Parse(bad[i]);
        st = 0;
        CHECK_MSG(kk_aliases_parse(o, &al, &st, msg, sizeof msg) == -1 && st == 422, "%s", bad[i]);
        cJSON_Delete(o);
    }
}

static void check_ssml(const char *in, const char *voice, const char *want)
{
    char *out = NULL, msg[512] = "";
    int rc = kk_ssml_translate(in, strlen(in), voice, 10, &out, msg, sizeof msg);
    CHECK_MSG(rc == 0 && out && !strcmp(out, want), "%s -> %s (want %s) %s", in, out ? out : "(null)", want, msg);
    free(out);
}

static void check_ssml_error(const char *in, int depth, const char *needle)
{
    char *out = NULL, msg[512] = "";
    int rc = kk_ssml_translate(in, strlen(in), "v", depth, &out, msg, sizeof msg);
    CHECK_MSG(rc == -1 && !out && strstr(msg, needle), "%s -> rc %d msg '%s' (want '%s')", in, rc, msg, needle);
    free(out);
}

static void test_ssml(void)
{
    check_ssml("<speak>a<break time=\"750ms\"/>b</speak>", "v", "a [pause:0.750s] b");
    check_ssml("<speak>a<break time=\"1.5s\" strength=\"none\"/>b</speak>", "v", "a [pause:1.500s] b");
    check_ssml("<speak>a<break strength=\"x-strong\"/>b<break strength=\"weak\"/>c<break strength=\"none\"/>d</speak>",
               "v", "a [pause:1.500s] b [pause:0.250s] cd");
    check_ssml("<speak>a<break time=\"soon\"/>b</speak>", "v", "a [pause:0.500s] b"); /* unreadable: medium */
    check_ssml("<speak>a <voice name=\"bm_george\">b</voice> c</speak>", "af_heart",
               "a [voice:bm_george] b [voice:af_heart] c");
    check_ssml("<speak><prosody rate=\"25%\">a</prosody><prosody rate=\"0.1\">b</prosody></speak>", "v",
               "[rate:0.25] a [rate:1.0] [rate:0.25] b [rate:1.0]");
    check_ssml("<speak><prosody rate=\"very\">a</prosody></speak>", "v", "a");
    check_ssml("<speak><phoneme alphabet=\"ipa\" ph=\"təmˈɑːtoʊ\">tomato</phoneme></speak>", "v", "[tomato](/təmˈɑːtoʊ/)");
    check_ssml("<speak><phoneme alphabet=\"x-sampa\" ph=\"t@\">tomato</phoneme></speak>", "v", "tomato");
    check_ssml("<speak><phoneme ph=\"a/b\">tomato</phoneme></speak>", "v", "tomato");
    check_ssml("<speak><sub alias=\"doctor\">Dr.<break/></sub> Who</speak>", "v", "doctor Who");
    check_ssml("<speak>a<desc>gone <p>too</p></desc>b</speak>", "v", "ab");
    check_ssml("<speak><p>a</p><s>b</s>c</speak>", "v", "a b c");
    check_ssml("<speak><say-as interpret-as=\"characters\">ab</say-as><mark name=\"x\"/><w>c</w></speak>", "v", "abc");
    check_ssml("<speak><unknown>a</unknown> &amp; &lt;b&gt;</speak>", "v", "a & <b>");
    check_ssml("<speak><voice name=\"x\"><prosody rate=\"fast\">a</prosody></voice></speak>", "", "a");
    check_ssml("<speak xmlns=\"http://www.w3.org/2001/10/synthesis\" xmlns:s=\"urn:x\"><s:break time=\"1s\"/></speak>",
               "v", "[pause:1.000s]");
    check_ssml("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- hi --><speak>ok</speak>", "v", "ok");

    check_ssml_error("<speak>a", 10, "line 1, column");
    check_ssml_error("<speak>\n\n <x></y></speak>", 10, "line 3, column");
    check_ssml_error("<!DOCTYPE speak [<!ENTITY a \"aaaa\">]><speak>&a;</speak>", 10, "DTD");
    check_ssml_error("<!DOCTYPE speak SYSTEM \"file:///etc/passwd\"><speak/>", 10, "DTD");
    check_ssml_error("<speak>&ext;</speak>", 10, "undefined entity");
    check_ssml_error("<p>x</p>", 10, "must start with <speak>");
    check_ssml_error("<speak><a><b>x</b></a></speak>", 2, "SSML_MAX_DEPTH (2)");
    check_ssml_error("<speak><q:b/></speak>", 10, "line 1");
    check_ssml_error("<speak><voice name=\"a]b\">x</voice></speak>", 10, "not a voice name");
    check_ssml_error("<speak>x</speak><speak>y</speak>", 10, "junk after document element");
    char *out = NULL, msg[64];
    CHECK(kk_ssml_translate("<speak><a><b>x</b></a></speak>", 30, "v", 3, &out, msg, sizeof msg) == 0);
    free(out);
    CHECK(kk_ssml_detect("  \n<speak>") && !kk_ssml_detect("hello <b>"));
    char *caps = kk_ssml_capabilities();
    cJSON *c = caps ? cJSON_Parse(caps) : NULL;
    CHECK(c && cJSON_GetArraySize(cJSON_GetObjectItem(c, "elements")) == 7 &&
          cJSON_GetArraySize(cJSON_GetObjectItem(c, "ignored")) == 8);
    cJSON_Delete(c);
    free(caps);
}

static void test_request_fields(void)
{
    kk_request_rules rules = {1000, "af_heart", 0};
    kk_speech_request q;
    kk_parse_error e;
    const char *body = "{\"input\":\"hi\",\"allow_voice_tags\":true,\"ssml\":true,\"stream_format\":\"sse\","
                       "\"include\":[\"word_timestamps\"],\"seed\":123,\"return_timing\":true,"
                       "\"voice_aliases\":{\"n\":\"af_sky\"}}";
    CHECK(kk_speech_request_parse(body, strlen(body), &rules, &q, &e) == 0);
    CHECK(q.allow_voice_tags && q.ssml && q.sse && q.return_timestamps && q.has_seed && q.seed == 123 &&
          q.return_timing && q.aliases.n == 1);
    kk_speech_request_free(&q);
    body = "{\"input\":\"hi\"}";
    CHECK(kk_speech_request_parse(body, strlen(body), &rules, &q, &e) == 0);
    CHECK(!q.allow_voice_tags && !q.ssml && !q.sse && !q.return_timestamps && !q.has_seed && !q.return_timing);
    kk_speech_request_free(&q);
    const char *bad[] = {"{\"input\":\"hi\",\"stream_format\":\"wav\"}", "{\"input\":\"hi\",\"include\":\"x\"}",
                         "{\"input\":\"hi\",\"seed\":-3}", "{\"input\":\"hi\",\"seed\":\"1\"}",
                         "{\"input\":\"hi\",\"seed\":1e300}", "{\"input\":\"hi\",\"ssml\":1}",
                         "{\"input\":\"hi\",\"voice_aliases\":{\"a\":[]}}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_MSG(kk_speech_request_parse(bad[i], strlen(bad[i]), &rules, &q, &e) == -1 && e.status == 422, "%s",
                  bad[i]);
    }
}

int main(void)
{
    test_split();
    test_aliases();
    test_ssml();
    test_request_fields();
    return HARNESS_RETURN();
}
