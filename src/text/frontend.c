/* The text front end: pause tags, custom pronunciations, normalisation, G2P and chunking, with
 * every word traced back to its bytes in the caller's original text. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kokoro.h"
#include "text/chunker.h"
#include "text/espeak/espeak.h"
#include "text/g2p.h"
#include "text/ja/g2p_ja.h"
#include "text/sbuf.h"
#include "text/zh/zh.h"
#include "util/error.h"

#define KK_MAX_PAUSE_S 60.0
#define KK_FALLBACK_CACHE 65536

struct kokoro_frontend {
    pthread_mutex_t lock; /* guards the lazy creation of the English converters */
    kk_g2p_en *en[2];     /* [0] US, [1] GB; built on first use (each holds a lexicon) */
    kk_zh *zh;            /* Mandarin tables, built on first use */
    kk_cache *cache;      /* espeak-ng results per word */
    kk_g2p_ja *ja;        /* Japanese: one MeCab model for every request; built on first use */
};

kokoro_status kokoro_frontend_new(kokoro_frontend **out, kokoro_error *err)
{
    kk_error_clear(err);
    if (!out)
        return kk_fail(err, KOKORO_ERR_INVALID_ARGUMENT, "frontend: out is NULL");
    *out = NULL;
    kokoro_frontend *fe = calloc(1, sizeof *fe);
    if (!fe)
        return kk_fail(err, KOKORO_ERR_NO_MEMORY, "frontend: out of memory");
    fe->cache = kk_cache_new(KK_FALLBACK_CACHE);
    if (!fe->cache) {
        free(fe);
        return kk_fail(err, KOKORO_ERR_NO_MEMORY, "frontend: out of memory");
    }
    pthread_mutex_init(&fe->lock, NULL);
    *out = fe;
    return KOKORO_OK;
}

void kokoro_frontend_free(kokoro_frontend *fe)
{
    if (!fe)
        return;
    kk_g2p_en_free(fe->en[0]);
    kk_g2p_en_free(fe->en[1]);
    kk_g2p_ja_free(fe->ja);
    kk_zh_free(fe->zh);
    kk_cache_free(fe->cache);
    pthread_mutex_destroy(&fe->lock);
    free(fe);
}

static kokoro_status english(kokoro_frontend *fe, int british, kk_g2p_en **g, kokoro_error *err)
{
    pthread_mutex_lock(&fe->lock);
    if (!fe->en[british])
        fe->en[british] = kk_g2p_en_new(british);
    *g = fe->en[british];
    pthread_mutex_unlock(&fe->lock);
    return *g ? KOKORO_OK : kk_fail(err, KOKORO_ERR_NO_MEMORY, "frontend: out of memory loading the lexicon");
}

/* The Mandarin tables take ~0.4 s to build: that happens outside the lock, so that English
 * requests never wait for it (two first requests at once may both build; one copy is kept). */
static kokoro_status mandarin(kokoro_frontend *fe, kk_zh **z, kokoro_error *err)
{
    pthread_mutex_lock(&fe->lock);
    *z = fe->zh;
    pthread_mutex_unlock(&fe->lock);
    if (*z)
        return KOKORO_OK;
    kk_zh *mine = kk_zh_new(err);
    if (!mine)
        return err ? err->code : KOKORO_ERR_NO_MEMORY;
    pthread_mutex_lock(&fe->lock);
    if (!fe->zh) {
        fe->zh = mine;
        mine = NULL;
    }
    *z = fe->zh;
    pthread_mutex_unlock(&fe->lock);
    kk_zh_free(mine);
    return KOKORO_OK;
}

/* ------------------------------------------------------------------ languages */

typedef struct {
    int english;           /* 1: misaki English */
    int zh;                /* 1: misaki's Mandarin (src/text/zh) */
    int british;
    const char *espeak;    /* espeak-ng language for the others */
    char code;             /* the language's one-letter code */
} lang_info;

static kokoro_status resolve_lang(const char *lang, lang_info *li, kokoro_error *err)
{
    static const struct {
        const char *names[4];
        int english, british;
        const char *espeak;
        const char *unsupported;
    } table[] = {
        {{"a", "en-us", "en", "american"}, 1, 0, "en-us", NULL},
        {{"b", "en-gb", "british", NULL}, 1, 1, "en-gb", NULL},
        {{"e", "es", "spanish", NULL}, 0, 0, "es", NULL},
        {{"f", "fr", "fr-fr", "french"}, 0, 0, "fr-fr", NULL},
        {{"h", "hi", "hindi", NULL}, 0, 0, "hi", NULL},
        {{"i", "it", "italian", NULL}, 0, 0, "it", NULL},
        {{"p", "pt", "pt-br", "portuguese"}, 0, 0, "pt-br", NULL},
        {{"j", "ja", "japanese", NULL}, 0, 0, NULL, NULL},
        {{"z", "zh", "cmn", "mandarin"}, 0, 0, NULL, NULL},
    };
    if (!lang || !*lang)
        lang = "a";
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        for (size_t k = 0; k < 4 && table[i].names[k]; k++)
            if (strcasecmp(lang, table[i].names[k]) == 0) {
                if (table[i].unsupported)
                    return kk_fail(err, KOKORO_ERR_UNSUPPORTED, "language '%s' (%s) is not supported yet", lang,
                                   table[i].unsupported);
                li->english = table[i].english;
                li->british = table[i].british;
                li->espeak = table[i].espeak;
                li->code = table[i].names[0][0];
                li->zh = li->code == 'z';
                return KOKORO_OK;
            }
    return kk_fail(err, KOKORO_ERR_NOT_FOUND,
                   "unknown language '%.40s' (use a, b, e, f, h, i, j, p or z: US/UK English, Spanish, "
                   "French, Hindi, Italian, Japanese, Brazilian Portuguese, Mandarin)", lang);
}

/* ------------------------------------------------------------------ span map */

/* A map from bytes of the processed (normalised) text back to the original input. A span whose
 * two sides have the same length was copied verbatim and maps byte for byte; any other span is
 * a rewrite and maps as a whole. */
typedef struct {
    kokoro_span *v;
    size_t n, cap;
} span_map;

static int map_push(span_map *m, size_t os, size_t oe, size_t ss, size_t se)
{
    if (oe <= os)
        return 1;
    if (m->n == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 64;
        kokoro_span *v = realloc(m->v, cap * sizeof *v);
        if (!v)
            return 0;
        m->v = v;
        m->cap = cap;
    }
    m->v[m->n++] = (kokoro_span){os, oe, ss, se};
    return 1;
}

static size_t find_span(const span_map *m, size_t pos)
{
    size_t lo = 0, hi = m->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (m->v[mid].out_end <= pos)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < m->n ? lo : m->n - 1;
}

static void map_range(const span_map *m, size_t a, size_t b, size_t *sa, size_t *sb)
{
    if (!m->n) {
        *sa = a;
        *sb = b;
        return;
    }
    const kokoro_span *x = &m->v[find_span(m, a)];
    int verbatim = x->out_end - x->out_start == x->src_end - x->src_start;
    *sa = verbatim && a >= x->out_start ? x->src_start + (a - x->out_start) : x->src_start;
    const kokoro_span *y = &m->v[find_span(m, b ? b - 1 : 0)];
    verbatim = y->out_end - y->out_start == y->src_end - y->src_start;
    *sb = verbatim && b >= y->out_start && b <= y->out_end ? y->src_start + (b - y->out_start) : y->src_end;
    if (*sb < *sa)
        *sb = *sa;
}

/* ------------------------------------------------------------------ segments */

static int is_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

/* Kokoro-FastAPI's custom pronunciation: \[[^\[\]]*?\]\(\/[^\/\(\)]*?\/\) at s[i]; returns its
 * end or 0. */
static size_t custom_pron_at(const char *s, size_t i, size_t end)
{
    if (s[i] != '[')
        return 0;
    size_t j = i + 1;
    while (j < end && s[j] != ']' && s[j] != '[')
        j++;
    if (j >= end || s[j] != ']' || j + 2 >= end || s[j + 1] != '(' || s[j + 2] != '/')
        return 0;
    size_t k = j + 3;
    while (k < end && s[k] != '/' && s[k] != '(' && s[k] != ')')
        k++;
    if (k + 1 >= end || s[k] != '/' || s[k + 1] != ')')
        return 0;
    return k + 2;
}

/* Normalises the text between custom pronunciations of s[a,b) into *comp with its span map. */
static kokoro_status build_english_text(const char *s, size_t a, size_t b, const kokoro_normalization_options *opt,
                                        kk_sbuf *comp, span_map *map, kokoro_error *err)
{
    size_t p = a;
    int after_link = 0;
    while (p < b) {
        size_t q = p, link_end = 0;
        while (q < b && !(link_end = custom_pron_at(s, q, b)))
            q++;
        if (q > p) {
            int do_norm = opt->normalize;
            if (do_norm) {
                char *piece = malloc(q - p + 1), *out = NULL;
                kokoro_span *sp = NULL;
                size_t nsp = 0;
                if (!piece)
                    return kk_fail(err, KOKORO_ERR_NO_MEMORY, "out of memory");
                memcpy(piece, s + p, q - p);
                piece[q - p] = '\0';
                kokoro_status st = kokoro_normalize(piece, "a", opt, &out, &sp, &nsp, err);
                free(piece);
                if (st != KOKORO_OK)
                    return st;
                size_t ol = strlen(out);
                /* Keep the separation from a neighbouring custom pronunciation. */
                if (after_link && is_ws(s[p]) && (!ol || !is_ws(out[0]))) {
                    map_push(map, comp->len, comp->len + 1, p, p + 1);
                    kk_sbuf_addc(comp, ' ');
                }
                size_t base = comp->len;
                kk_sbuf_add(comp, out, ol);
                int ok = 1;
                for (size_t k = 0; k < nsp; k++)
                    ok &= map_push(map, base + sp[k].out_start, base + sp[k].out_end, p + sp[k].src_start,
                                   p + sp[k].src_end);
                if (link_end && is_ws(s[q - 1]) && (!ol || !is_ws(out[ol - 1]))) {
                    ok &= map_push(map, comp->len, comp->len + 1, q - 1, q);
                    kk_sbuf_addc(comp, ' ');
                }
                free(out);
                free(sp);
                if (!ok)
                    return kk_fail(err, KOKORO_ERR_NO_MEMORY, "out of memory");
            } else {
                if (!map_push(map, comp->len, comp->len + (q - p), p, q))
                    return kk_fail(err, KOKORO_ERR_NO_MEMORY, "out of memory");
                kk_sbuf_add(comp, s + p, q - p);
            }
        }
        if (link_end) {
            if (!map_push(map, comp->len, comp->len + (link_end - q), q, link_end))
                return kk_fail(err, KOKORO_ERR_NO_MEMORY, "out of memory");
            kk_sbuf_add(comp, s + q, link_end - q);
            after_link = 1;
            p = link_end;
        } else
            p = q;
    }
    if (comp->oom)
        return kk_fail(err, KOKORO_ERR_NO_MEMORY, "out of memory");
    return KOKORO_OK;
}

static char *dup_range(const char *s, size_t a, size_t b)
{
    char *r = malloc(b - a + 1);
    if (r) {
        memcpy(r, s + a, b - a);
        r[b - a] = '\0';
    }
    return r;
}

static kokoro_status english_segment(kokoro_frontend *fe, const lang_info *li, const char *s, size_t a, size_t b,
                                     const kokoro_normalization_options *opt, kk_units *units, kokoro_error *err)
{
    kk_g2p_en *g;
    kokoro_status st = english(fe, li->british, &g, err);
    if (st != KOKORO_OK)
        return st;
    kk_sbuf comp;
    kk_sbuf_init(&comp);
    span_map map = {0};
    st = build_english_text(s, a, b, opt, &comp, &map, err);
    size_t n = comp.len, la = 0;
    while (st == KOKORO_OK && la < n) {
        size_t lb = la;
        while (lb < n && comp.s[lb] != '\n')
            lb++;
        kk_pwords pw = {0};
        st = kk_g2p_en_line(g, fe->cache, comp.s + la, lb - la, &pw, err);
        size_t first = units->n;
        for (size_t k = 0; st == KOKORO_OK && k < pw.n; k++) {
            size_t sa, sb;
            map_range(&map, la + pw.v[k].start, la + pw.v[k].end, &sa, &sb);
            char *text = dup_range(comp.s, la + pw.v[k].start, la + pw.v[k].end);
            char *ps = pw.v[k].ps;
            pw.v[k].ps = NULL;
            if (!kk_units_push(units, sa, sb, text, ps, pw.v[k].ws || k + 1 == pw.n))
                st = kk_fail(err, KOKORO_ERR_NO_MEMORY, "out of memory");
        }
        kk_pwords_free(&pw);
        /* KPipeline handles each line on its own: no chunk spans a line break. */
        if (st == KOKORO_OK && units->n > first && lb < n)
            units->v[units->n - 1].hard_break = 1;
        la = lb + 1;
    }
    kk_sbuf_free(&comp);
    free(map.v);
    return st;
}

/* Japanese: misaki's cutlet path, line by line (KPipeline never lets a chunk span a line
 * break); one unit per word, traced back to the caller's bytes. */
static kokoro_status japanese_segment(kokoro_frontend *fe, const char *s, size_t a, size_t b, kk_units *units,
                                      kokoro_error *err)
{
    kokoro_status st = KOKORO_OK;
    pthread_mutex_lock(&fe->lock);
    if (!fe->ja)
        st = kk_g2p_ja_new(NULL, &fe->ja, err);
    kk_g2p_ja *g = fe->ja;
    pthread_mutex_unlock(&fe->lock);
    for (size_t la = a; st == KOKORO_OK && la < b;) {
        size_t lb = la;
        while (lb < b && s[lb] != '\n')
            lb++;
        kk_pwords pw = {0};
        st = kk_g2p_ja_line(g, s + la, lb - la, &pw, err);
        size_t first = units->n;
        for (size_t k = 0; st == KOKORO_OK && k < pw.n; k++) {
            size_t sa = la + pw.v[k].start, sb = la + pw.v[k].end;
            char *ps = pw.v[k].ps;
            pw.v[k].ps = NULL;
            if (!kk_units_push(units, sa, sb, dup_range(s, sa, sb), ps, pw.v[k].ws || k + 1 == pw.n))
                st = kk_fail(err, KOKORO_ERR_NO_MEMORY, "out of memory");
        }
        kk_pwords_free(&pw);
        if (st == KOKORO_OK && units->n > first && lb < b)
            units->v[units->n - 1].hard_break = 1;
        la = lb + 1;
    }
    return st;
}

/* ------------------------------------------------------------------ public API */

/* [pause:1.5s] (case-insensitive) at s[i]: returns the end and the seconds, or 0. */
static size_t pause_at(const char *s, size_t i, size_t n, double *seconds)
{
    if (i + 9 > n || s[i] != '[' || strncasecmp(s + i + 1, "pause:", 6) != 0)
        return 0;
    size_t j = i + 7, d0 = j;
    while (j < n && s[j] >= '0' && s[j] <= '9')
        j++;
    if (j == d0)
        return 0;
    if (j < n && s[j] == '.') {
        size_t f0 = ++j;
        while (j < n && s[j] >= '0' && s[j] <= '9')
            j++;
        if (j == f0)
            return 0;
    }
    if (j + 1 >= n || (s[j] != 's' && s[j] != 'S') || s[j + 1] != ']')
        return 0;
    char num[32];
    size_t l = j - d0 < sizeof num - 1 ? j - d0 : sizeof num - 1;
    memcpy(num, s + d0, l);
    num[l] = '\0';
    *seconds = strtod(num, NULL);
    return j + 2;
}

/* Copy of the input where bytes of malformed UTF-8 and control characters become spaces (same
 * length, so byte offsets stay those of the caller's text). */
static char *sanitize(const char *text, size_t n)
{
    char *s = malloc(n + 1);
    if (!s)
        return NULL;
    size_t i = 0;
    while (i < n) {
        size_t j = i;
        uint32_t c = kk_u8_next(text, n, &j);
        if (c == 0xFFFD && !(j - i == 3 && (unsigned char)text[i] == 0xEF)) {
            s[i] = ' ';
            i++;
            continue;
        }
        if (c < 0x20 && c != '\n')
            s[i] = ' ';
        else if (c == 0x7F || (c >= 0x80 && c < 0xA0))
            memset(s + i, ' ', j - i);
        else
            memcpy(s + i, text + i, j - i);
        i = j;
    }
    s[n] = '\0';
    return s;
}

kokoro_status kokoro_text_to_chunks(kokoro_frontend *fe, const char *text, const char *lang,
                                    const kokoro_normalization_options *opt, kokoro_chunk **chunks,
                                    size_t *n_chunks, kokoro_error *err)
{
    return kokoro_text_to_chunks_ex(fe, text, lang, opt, KOKORO_FIRST_CHUNK_PHONEMES, chunks, n_chunks, err);
}

kokoro_status kokoro_text_to_chunks_ex(kokoro_frontend *fe, const char *text, const char *lang,
                                       const kokoro_normalization_options *opt,
                                       size_t first_chunk_phonemes, kokoro_chunk **chunks,
                                       size_t *n_chunks, kokoro_error *err)
{
    kk_error_clear(err);
    if (!fe || !text || !chunks || !n_chunks)
        return kk_fail(err, KOKORO_ERR_INVALID_ARGUMENT, "text_to_chunks: NULL argument");
    *chunks = NULL;
    *n_chunks = 0;
    lang_info li = {0, 0, 0, NULL, 0};
    kokoro_status st = resolve_lang(lang, &li, err);
    if (st != KOKORO_OK)
        return st;
    kokoro_normalization_options defaults;
    if (!opt) {
        kokoro_normalization_options_init(&defaults);
        opt = &defaults;
    }
    size_t n = strlen(text);
    char *s = sanitize(text, n);
    if (!s)
        return kk_fail(err, KOKORO_ERR_NO_MEMORY, "out of memory");
    kk_units units = {0};
    size_t seg = 0, i = 0;
    while (st == KOKORO_OK && i <= n) {
        double secs = 0;
        size_t pe = i < n ? pause_at(s, i, n, &secs) : 0;
        if (!pe && i < n) {
            i++;
            continue;
        }
        kk_zh *zh = NULL;
        if (i > seg && li.zh && (st = mandarin(fe, &zh, err)) == KOKORO_OK)
            st = kk_zh_units(zh, s, seg, i, &units, err);
        else if (i > seg && !li.zh)
            st = li.code == 'j' ? japanese_segment(fe, s, seg, i, &units, err)
                 : li.english   ? english_segment(fe, &li, s, seg, i, opt, &units, err)
                                : kk_espeak_segment(li.espeak, s, seg, i, &units, err);
        if (st == KOKORO_OK && pe) {
            if (secs > KK_MAX_PAUSE_S)
                secs = KK_MAX_PAUSE_S;
            if (secs > 0 && !kk_units_push_pause(&units, i, pe, secs))
                st = kk_fail(err, KOKORO_ERR_NO_MEMORY, "out of memory");
        }
        if (!pe)
            break;
        seg = i = pe;
    }
    if (st == KOKORO_OK)
        st = kk_chunk_units(&units, first_chunk_phonemes, chunks, n_chunks, err);
    kk_units_free(&units);
    free(s);
    return st;
}

kokoro_status kokoro_phonemize(kokoro_frontend *fe, const char *text, const char *lang, char **phonemes,
                               kokoro_error *err)
{
    kk_error_clear(err);
    if (!phonemes)
        return kk_fail(err, KOKORO_ERR_INVALID_ARGUMENT, "phonemize: phonemes is NULL");
    *phonemes = NULL;
    lang_info li = {0, 0, 0, NULL, 0};
    if (fe && text && resolve_lang(lang, &li, err) == KOKORO_OK && li.zh) {
        /* misaki's own output, line by line, uncut by the 510-symbol chunking */
        kk_zh *zh;
        kokoro_status st = mandarin(fe, &zh, err);
        char *s = st == KOKORO_OK ? sanitize(text, strlen(text)) : NULL;
        if (st == KOKORO_OK && !s)
            st = kk_fail(err, KOKORO_ERR_NO_MEMORY, "out of memory");
        if (st == KOKORO_OK)
            st = kk_zh_phonemize_lines(zh, s, strlen(s), phonemes, err);
        free(s);
        return st;
    }
    kk_error_clear(err);
    kokoro_chunk *ch = NULL;
    size_t nc = 0;
    kokoro_status st = kokoro_text_to_chunks(fe, text, lang, NULL, &ch, &nc, err);
    if (st != KOKORO_OK)
        return st;
    kk_sbuf b;
    kk_sbuf_init(&b);
    for (size_t i = 0; i < nc; i++) {
        if (ch[i].pause_s > 0 || !*ch[i].phonemes)
            continue;
        if (b.len)
            kk_sbuf_addc(&b, ' ');
        kk_sbuf_adds(&b, ch[i].phonemes);
    }
    kokoro_chunks_free(ch, nc);
    if (!b.s && !b.oom)
        kk_sbuf_add(&b, "", 0);
    *phonemes = kk_sbuf_take(&b);
    return *phonemes ? KOKORO_OK : kk_fail(err, KOKORO_ERR_NO_MEMORY, "out of memory");
}
