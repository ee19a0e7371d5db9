/* Phoneme tokenization: vocabulary lookup, dropped symbols, code point counting, strict UTF-8. */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "model/config.h"
#include "text/tokenizer.h"

static void expect_ids(const kk_config *cfg, const char *ph, const int64_t *want, size_t n_want, size_t cps)
{
    int64_t *ids = NULL;
    size_t n, n_cp;
    kokoro_error err;
    kokoro_status st = kk_tokenize(cfg, ph, &ids, &n, &n_cp, &err);
    CHECK_MSG(st == KOKORO_OK, "'%s': %s", ph, err.message);
    CHECK_MSG(n == n_want && (n == 0 || memcmp(ids, want, n * sizeof *ids) == 0), "'%s': %zu ids", ph, n);
    CHECK_MSG(n_cp == cps, "'%s': %zu code points, want %zu", ph, n_cp, cps);
    CHECK(ids != NULL);
    free(ids);
}

static void expect_bad(const kk_config *cfg, const char *ph, size_t at)
{
    int64_t *ids = (int64_t *)1;
    size_t n, n_cp;
    kokoro_error err;
    CHECK(kk_tokenize(cfg, ph, &ids, &n, &n_cp, &err) == KOKORO_ERR_INVALID_ARGUMENT);
    char want[64];
    snprintf(want, sizeof want, "at byte %zu", at);
    CHECK_MSG(strstr(err.message, want) != NULL, "'%s' lacks '%s'", err.message, want);
    CHECK(ids == NULL);
}

int main(void)
{
    kk_config *cfg = malloc(sizeof *cfg);
    kokoro_error err;
    CHECK(kk_config_load(KOKORO_FIXTURES "/golden/config.json", cfg, &err) == KOKORO_OK);

    static const int64_t hello[] = {50, 83, 54, 156, 31, 16, 65, 156, 87, 123, 54, 46};
    expect_ids(cfg, "həlˈO wˈɜɹld", hello, 12, 12);
    /* ASCII g (no id), a digit and a CJK character are dropped but counted. */
    static const int64_t g[] = {92, 43};
    expect_ids(cfg, "g\xc9\xa1" "1a\xe4\xb8\xad", g, 2, 5);
    expect_ids(cfg, "", NULL, 0, 0);
    static const int64_t hi[] = {23, 177, 9, 10};
    expect_ids(cfg, "\xea\xad\xa7\xe1\xb5\xbb\xe2\x80\x94\xe2\x80\xa6", hi, 4, 4); /* ꭧ ᵻ — … */
    expect_ids(cfg, "\xf0\x9f\x98\x80", NULL, 0, 1);                             /* emoji: 4 bytes, 1 cp */
    static const int64_t tilde[] = {43, 17};
    expect_ids(cfg, "a\xcc\x83", tilde, 2, 2); /* combining tilde is its own symbol */

    expect_bad(cfg, "ab\xff", 2);
    expect_bad(cfg, "\xc0\xaf", 0);             /* overlong '/' */
    expect_bad(cfg, "a\xe0\x80\xaf", 1);        /* overlong */
    expect_bad(cfg, "\xed\xa0\x80", 0);         /* surrogate */
    expect_bad(cfg, "\xf4\x90\x80\x80", 0);     /* above U+10FFFF */
    expect_bad(cfg, "h\xc9", 1);                /* truncated sequence */
    expect_bad(cfg, "\x80", 0);                 /* lone continuation */

    int64_t *ids;
    size_t n, n_cp;
    CHECK(kk_tokenize(cfg, NULL, &ids, &n, &n_cp, &err) == KOKORO_ERR_INVALID_ARGUMENT);
    /* The code point count is optional. */
    CHECK(kk_tokenize(cfg, "a\xe4\xb8\xad" "b", &ids, &n, NULL, &err) == KOKORO_OK && n == 2 && ids[1] == 44);
    free(ids);
    CHECK(kk_tokenize(cfg, "\xff", &ids, &n, NULL, &err) == KOKORO_ERR_INVALID_ARGUMENT);
    free(cfg);
    return HARNESS_RETURN();
}
