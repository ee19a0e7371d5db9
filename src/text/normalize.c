/* kokoro_normalize: Kokoro-FastAPI's English normaliser as a fixed sequence of rewrite passes,
 * with a map from every output byte range back to the input bytes it came from.
 *
 * Output bound: no pass turns one input byte into more than 15 output bytes (the widest cases
 * are a 36-digit number read in words and "?" inside a URL, "question-mark"), so the output is
 * at most 16 × the input + 64 bytes; the bound is enforced, and a text that would exceed it
 * is an internal error rather than an unbounded allocation. */
#include <stdlib.h>
#include <string.h>

#include "text/normalize.h"
#include "text/normalize_internal.h"
#include "util/error.h"

#define KK_NORMALIZE_GROWTH 16
#define KK_NORMALIZE_SLACK 64

void kokoro_normalization_options_init(kokoro_normalization_options *opt)
{
    if (!opt)
        return;
    opt->normalize = 1;
    opt->unit_normalization = 0;
    opt->url_normalization = 1;
    opt->email_normalization = 1;
    opt->optional_pluralization_normalization = 1;
    opt->phone_normalization = 1;
    opt->replace_remaining_symbols = 1;
}

/* The reference normalises only for a, b, en-us and en-gb; no language means English. */
static int is_english(const char *lang)
{
    if (!lang || !*lang)
        return 1;
    static const char *const codes[] = {"a", "b", "en-us", "en-gb"};
    for (size_t k = 0; k < sizeof codes / sizeof *codes; k++) {
        const char *c = codes[k];
        size_t i = 0;
        while (c[i] && lang[i] && kk_lower(lang[i]) == c[i])
            i++;
        if (!c[i] && !lang[i])
            return 1;
    }
    return 0;
}

static kokoro_status emit(kk_ntext *t, char **out_text, kokoro_span **spans, size_t *n_spans,
                          kokoro_error *err)
{
    kokoro_span *sp = NULL;
    if (spans) {
        sp = malloc((t->nseg ? t->nseg : 1) * sizeof *sp);
        if (!sp)
            return kk_fail(err, KOKORO_ERR_NO_MEMORY, "normalize: out of memory");
        for (size_t k = 0; k < t->nseg; k++)
            sp[k] = (kokoro_span){t->seg[k].out_start, t->seg[k].out_end, t->seg[k].src_start,
                                  t->seg[k].src_end};
        *spans = sp;
    }
    if (n_spans)
        *n_spans = t->nseg;
    *out_text = t->s;
    free(t->seg);
    memset(t, 0, sizeof *t);
    return KOKORO_OK;
}

kokoro_status kokoro_normalize(const char *text, const char *lang,
                               const kokoro_normalization_options *opt, char **out_text,
                               kokoro_span **spans, size_t *n_spans, kokoro_error *err)
{
    kk_error_clear(err);
    if (!out_text)
        return kk_fail(err, KOKORO_ERR_INVALID_ARGUMENT, "normalize: out_text is NULL");
    *out_text = NULL;
    if (spans)
        *spans = NULL;
    if (n_spans)
        *n_spans = 0;
    if (!text)
        return kk_fail(err, KOKORO_ERR_INVALID_ARGUMENT, "normalize: text is NULL");
    kokoro_normalization_options defaults;
    if (!opt) {
        kokoro_normalization_options_init(&defaults);
        opt = &defaults;
    }
    size_t len = strlen(text);
    if (len > (SIZE_MAX - KK_NORMALIZE_SLACK) / KK_NORMALIZE_GROWTH)
        return kk_fail(err, KOKORO_ERR_TOO_LONG, "normalize: text of %zu bytes is too long", len);

    kk_ntext t;
    if (kk_ntext_init(&t, text, len) != 0)
        return kk_fail(err, KOKORO_ERR_NO_MEMORY, "normalize: out of memory");
    if (!opt->normalize || !is_english(lang))
        return emit(&t, out_text, spans, n_spans, err);

    const kk_pass_fn passes[] = {
        kk_pass_unicode_digits,
        kk_pass_contractions,
        opt->email_normalization ? kk_pass_emails : NULL,
        opt->url_normalization ? kk_pass_urls : NULL,
        opt->unit_normalization ? kk_pass_units : NULL,
        opt->optional_pluralization_normalization ? kk_pass_optional_plurals : NULL,
        opt->phone_normalization ? kk_pass_phone_numbers : NULL,
        kk_pass_quotes,
        kk_pass_cjk_punctuation,
        kk_pass_times,
        kk_pass_whitespace,
        kk_pass_abbreviations,
        kk_pass_common_words,
        kk_pass_numbers,
        opt->replace_remaining_symbols ? kk_pass_symbols : NULL,
        kk_pass_possessives,
        kk_pass_acronyms,
        kk_pass_final_spaces,
    };
    for (size_t k = 0; k < sizeof passes / sizeof *passes; k++) {
        if (passes[k] && passes[k](&t) != 0) {
            kk_ntext_free(&t);
            return kk_fail(err, KOKORO_ERR_NO_MEMORY, "normalize: out of memory");
        }
        if (t.len > len * KK_NORMALIZE_GROWTH + KK_NORMALIZE_SLACK) {
            kk_ntext_free(&t);
            return kk_fail(err, KOKORO_ERR_INTERNAL,
                           "normalize: output would exceed %d x the input", KK_NORMALIZE_GROWTH);
        }
    }
    return emit(&t, out_text, spans, n_spans, err);
}

/* A span copies its source 1:1 when both sides hold the same bytes: no rule ever replaces a
 * token by an identical one, so this tells verbatim spans from replacements. */
static int span_verbatim(const char *src, const char *out, const kokoro_span *s)
{
    size_t n = s->out_end - s->out_start;
    return n == s->src_end - s->src_start && memcmp(out + s->out_start, src + s->src_start, n) == 0;
}

int kk_normalize_source_range(const char *src, const char *out_text, const kokoro_span *spans,
                              size_t n, size_t out_start, size_t out_end, size_t *src_start,
                              size_t *src_end)
{
    if (!spans || n == 0 || out_start >= out_end || out_end > spans[n - 1].out_end)
        return -1;
    size_t lo = 0, hi = n; /* first span whose end is past out_start */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (spans[mid].out_end <= out_start)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t a = (size_t)-1, b = 0;
    for (size_t k = lo; k < n && spans[k].out_start < out_end; k++) {
        const kokoro_span *s = &spans[k];
        size_t s0 = s->src_start, s1 = s->src_end;
        if (span_verbatim(src, out_text, s)) {
            size_t o0 = out_start > s->out_start ? out_start : s->out_start;
            size_t o1 = out_end < s->out_end ? out_end : s->out_end;
            s0 = s->src_start + (o0 - s->out_start);
            s1 = s->src_start + (o1 - s->out_start);
        }
        if (s0 < a)
            a = s0;
        if (s1 > b)
            b = s1;
    }
    if (a > b)
        return -1;
    *src_start = a;
    *src_end = b;
    return 0;
}
