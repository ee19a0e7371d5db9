#include "server/voice_expr.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const openai_map[][2] = {
    {"alloy", "am_adam"},   {"ash", "af_nicole"},  {"coral", "bf_emma"},
    {"echo", "af_bella"},   {"fable", "af_sarah"}, {"onyx", "bm_george"},
    {"nova", "bf_isabella"}, {"sage", "am_michael"}, {"shimmer", "af_sky"},
};

const char *kk_openai_voice(const char *name)
{
    for (size_t i = 0; i < sizeof openai_map / sizeof openai_map[0]; i++)
        if (!strcmp(openai_map[i][0], name))
            return openai_map[i][1];
    return NULL;
}

static int name_char(char c)
{
    return isalnum((unsigned char)c) || c == '_' || c == '.';
}

int kk_voice_expr_parse(const char *expr, kk_voice_expr *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (!expr) {
        snprintf(err, errlen, "voice is missing");
        return -1;
    }
    size_t len = strlen(expr);
    if (len > 1024) {
        snprintf(err, errlen, "voice expression is too long");
        return -1;
    }
    char s[1025];
    size_t k = 0;
    for (size_t i = 0; i < len; i++)
        if (!isspace((unsigned char)expr[i]))
            s[k++] = expr[i];
    s[k] = '\0';
    if (k == 0) {
        snprintf(err, errlen, "voice is empty");
        return -1;
    }
    const char *p = s;
    int sign = 1;
    for (;;) {
        if (out->n == KK_VOICE_ITEMS_MAX) {
            snprintf(err, errlen, "a voice mix may combine at most %d voices", KK_VOICE_ITEMS_MAX);
            return -1;
        }
        const char *start = p;
        while (name_char(*p))
            p++;
        size_t nlen = (size_t)(p - start);
        if (nlen == 0) {
            snprintf(err, errlen, "invalid voice expression '%s': expected a voice name at position %zu",
                     expr, (size_t)(start - s) + 1);
            return -1;
        }
        if (nlen >= KK_VOICE_NAME_MAX) {
            snprintf(err, errlen, "voice name too long in '%s'", expr);
            return -1;
        }
        kk_voice_item *it = &out->items[out->n];
        memcpy(it->name, start, nlen);
        it->name[nlen] = '\0';
        /* A name is a file stem in the voices folder and never a path: no dot-only or hidden names. */
        if (it->name[0] == '.') {
            snprintf(err, errlen, "invalid voice name '%s'", it->name);
            return -1;
        }
        const char *mapped = kk_openai_voice(it->name);
        if (mapped)
            snprintf(it->name, sizeof it->name, "%s", mapped);
        it->weight = 1.0;
        it->sign = sign;
        if (*p == '(') {
            p++;
            char *end;
            double w = strtod(p, &end);
            if (end == p || *end != ')' || !isfinite(w) || !(w > 0)) {
                snprintf(err, errlen, "invalid weight for voice '%s' in '%s': a weight is a positive number "
                         "in parentheses, e.g. af_bella(2)", it->name, expr);
                return -1;
            }
            it->weight = w;
            p = end + 1;
        }
        out->n++;
        if (*p == '\0')
            break;
        if (*p != '+' && *p != '-') {
            snprintf(err, errlen, "invalid voice expression '%s': unexpected '%c' (use a+b, a(2)+b(1) or a-b)",
                     expr, *p);
            return -1;
        }
        sign = *p == '+' ? 1 : -1;
        p++;
        if (*p == '\0' || *p == '+' || *p == '-') {
            snprintf(err, errlen, "invalid voice expression '%s': an operator must sit between two voices", expr);
            return -1;
        }
    }
    size_t off = 0;
    for (size_t i = 0; i < out->n; i++) {
        const kk_voice_item *it = &out->items[i];
        int n = snprintf(out->canonical + off, sizeof out->canonical - off, "%s%s(%.9g)",
                         i == 0 ? "" : (it->sign > 0 ? "+" : "-"), it->name, it->weight);
        if (n < 0 || (size_t)n >= sizeof out->canonical - off) {
            snprintf(err, errlen, "voice expression is too long");
            return -1;
        }
        off += (size_t)n;
    }
    return 0;
}

char *kk_voice_list_join(char **names, size_t n)
{
    size_t len = 1;
    for (size_t i = 0; i < n; i++)
        len += strlen(names[i]) + 2;
    char *s = malloc(len);
    if (!s)
        return NULL;
    s[0] = '\0';
    size_t off = 0;
    for (size_t i = 0; i < n; i++)
        off += (size_t)sprintf(s + off, "%s%s", i ? ", " : "", names[i]);
    return s;
}

const char *kk_lang_from_code(const char *code)
{
    static const char *const map[][2] = {
        {"a", "a"}, {"b", "b"}, {"e", "e"}, {"f", "f"}, {"h", "h"}, {"i", "i"}, {"p", "p"}, {"j", "j"},
        {"z", "z"}, {"en", "a"}, {"en-us", "a"}, {"en_us", "a"}, {"en-gb", "b"}, {"en_gb", "b"},
        {"es", "e"}, {"fr", "f"}, {"fr-fr", "f"}, {"hi", "h"}, {"it", "i"}, {"pt", "p"}, {"pt-br", "p"},
        {"ja", "j"}, {"zh", "z"}, {"cmn", "z"},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (!strcasecmp(map[i][0], code))
            return map[i][1];
    return NULL;
}

const char *kk_lang_from_voice(const char *canonical, const char *fallback)
{
    char one[2] = {(char)tolower((unsigned char)canonical[0]), '\0'};
    static const char letters[] = "abefhipjz";
    const char *hit = one[0] ? strchr(letters, one[0]) : NULL;
    if (hit) {
        static const char *const codes[] = {"a", "b", "e", "f", "h", "i", "p", "j", "z"};
        return codes[hit - letters];
    }
    return fallback;
}
