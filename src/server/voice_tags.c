#include "server/voice_tags.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static double clamp_rate(double r)
{
    return r < KK_TAG_RATE_MIN ? KK_TAG_RATE_MIN : (r > KK_TAG_RATE_MAX ? KK_TAG_RATE_MAX : r);
}

static int name_char(int c, int first)
{
    return isalnum(c) || c == '_' || (!first && (c == '+' || c == '-' || c == '(' || c == ')' || c == '.' || c == ' '));
}

int kk_tag_voice_chars_ok(const char *s)
{
    if (!s || !name_char((unsigned char)s[0], 1))
        return 0;
    for (const char *p = s + 1; *p; p++)
        if (!name_char((unsigned char)*p, 0))
            return 0;
    return 1;
}

void kk_aliases_free(kk_alias_set *a)
{
    for (size_t i = 0; i < a->n; i++) {
        free(a->items[i].name);
        free(a->items[i].voice);
    }
    free(a->items);
    a->items = NULL;
    a->n = 0;
}

static int alias_fail(unsigned *status, unsigned code, char *msg, size_t msglen, const char *what, const char *name)
{
    *status = code;
    snprintf(msg, msglen, "voice_aliases['%.64s']: %s", name, what);
    return -1;
}

int kk_aliases_parse(const cJSON *obj, kk_alias_set *out, unsigned *status, char *msg, size_t msglen)
{
    memset(out, 0, sizeof *out);
    if (!obj || cJSON_IsNull(obj))
        return 0;
    if (!cJSON_IsObject(obj)) {
        *status = 422;
        snprintf(msg, msglen, "'voice_aliases' must be an object of name -> voice");
        return -1;
    }
    size_t n = (size_t)cJSON_GetArraySize(obj);
    out->items = calloc(n ? n : 1, sizeof *out->items);
    if (!out->items) {
        *status = 500;
        snprintf(msg, msglen, "out of memory");
        return -1;
    }
    for (const cJSON *it = obj->child; it; it = it->next) {
        const char *name = it->string ? it->string : "";
        const char *voice = NULL;
        double rate = 1.0;
        if (cJSON_IsString(it)) {
            voice = it->valuestring;
        } else if (cJSON_IsObject(it)) {
            const cJSON *v = cJSON_GetObjectItemCaseSensitive(it, "voice");
            const cJSON *r = cJSON_GetObjectItemCaseSensitive(it, "rate");
            if (!cJSON_IsString(v)) {
                kk_aliases_free(out);
                return alias_fail(status, 422, msg, msglen, "'voice' must be a string", name);
            }
            voice = v->valuestring;
            if (r && !cJSON_IsNull(r)) {
                if (!cJSON_IsNumber(r) || !isfinite(r->valuedouble) || r->valuedouble < KK_TAG_RATE_MIN ||
                    r->valuedouble > KK_TAG_RATE_MAX) {
                    kk_aliases_free(out);
                    return alias_fail(status, 422, msg, msglen, "'rate' must be a number between 0.25 and 4", name);
                }
                rate = r->valuedouble;
            }
        } else {
            kk_aliases_free(out);
            return alias_fail(status, 422, msg, msglen, "must be a voice string or {\"voice\", \"rate\"}", name);
        }
        if (!name[0] || !kk_tag_voice_chars_ok(name)) {
            kk_aliases_free(out);
            return alias_fail(status, 422, msg, msglen, "an alias name uses only letters, digits and _+-(). ", name);
        }
        if (!kk_tag_voice_chars_ok(voice)) {
            kk_aliases_free(out);
            return alias_fail(status, 422, msg, msglen, "the target holds characters a voice name cannot have", name);
        }
        kk_alias *a = &out->items[out->n];
        a->name = strdup(name);
        a->voice = strdup(voice);
        a->rate = rate;
        out->n++;
        if (!a->name || !a->voice) {
            kk_aliases_free(out);
            *status = 500;
            snprintf(msg, msglen, "out of memory");
            return -1;
        }
    }
    return 0;
}

const kk_alias *kk_alias_find(const kk_alias_set *a, const char *name)
{
    for (size_t i = 0; a && i < a->n; i++)
        if (!strcasecmp(a->items[i].name, name))
            return &a->items[i];
    return NULL;
}

/* ------------------------------------------------------------------ tags */

typedef enum { TAG_NONE, TAG_VOICE, TAG_RATE, TAG_BASERATE } tag_kind;

/* \d+(\.\d+)? at s; returns the length (0 if none) and the value. */
static size_t number_at(const char *s, double *v)
{
    size_t i = 0;
    while (isdigit((unsigned char)s[i]))
        i++;
    if (!i)
        return 0;
    if (s[i] == '.' && isdigit((unsigned char)s[i + 1])) {
        i++;
        while (isdigit((unsigned char)s[i]))
            i++;
    }
    char buf[64];
    size_t k = i < sizeof buf - 1 ? i : sizeof buf - 1;
    memcpy(buf, s, k);
    buf[k] = '\0';
    *v = strtod(buf, NULL);
    return i;
}

/* Matches one tag at s (s[0] == '['): its kind, length, and value (name span or number). */
static tag_kind tag_at(const char *s, size_t *len, size_t *name_off, size_t *name_len, double *num)
{
    size_t i;
    if (!strncasecmp(s, "[voice:", 7)) {
        i = 7;
        while (isspace((unsigned char)s[i]))
            i++;
        if (!name_char((unsigned char)s[i], 1))
            return TAG_NONE;
        size_t start = i;
        while (name_char((unsigned char)s[i], 0))
            i++;
        size_t end = i;
        while (end > start && s[end - 1] == ' ')
            end--;
        while (isspace((unsigned char)s[i]))
            i++;
        if (s[i] != ']')
            return TAG_NONE;
        *len = i + 1;
        *name_off = start;
        *name_len = end - start;
        return TAG_VOICE;
    }
    tag_kind k;
    if (!strncasecmp(s, "[rate:", 6)) {
        k = TAG_RATE;
        i = 6;
    } else if (!strncasecmp(s, "[baserate:", 10)) {
        k = TAG_BASERATE;
        i = 10;
    } else {
        return TAG_NONE;
    }
    while (isspace((unsigned char)s[i]))
        i++;
    size_t n = number_at(s + i, num);
    if (!n || s[i + n] != ']')
        return TAG_NONE;
    *len = i + n + 1;
    return k;
}

void kk_segments_free(kk_segment *segs, size_t n)
{
    for (size_t i = 0; segs && i < n; i++) {
        free(segs[i].voice);
        free(segs[i].text);
        free(segs[i].pieces);
    }
    free(segs);
}

size_t kk_segment_src(const kk_segment *seg, size_t pos)
{
    if (!seg->n_pieces)
        return 0;
    /* The last piece starting at or before pos (pieces are in order): a binary search, since a
     * long merged segment may hold thousands of them and every word is mapped. */
    size_t lo = 0, hi = seg->n_pieces;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (seg->pieces[mid].seg_off <= pos)
            lo = mid;
        else
            hi = mid;
    }
    const kk_seg_piece *p = &seg->pieces[lo];
    size_t d = pos > p->seg_off ? pos - p->seg_off : 0;
    return p->src_off + (d > p->len ? p->len : d);
}

typedef struct {
    kk_segment *segs;
    size_t n, cap;
} seg_list;

/* Appends text[off, off+len) (already trimmed, non-blank) to the last segment when it has the same
 * voice and rate, else to a new one. */
static int add_piece(seg_list *l, const char *voice, double rate, const char *text, size_t off, size_t len)
{
    kk_segment *s = l->n ? &l->segs[l->n - 1] : NULL;
    if (!s || strcmp(s->voice, voice) || s->rate != rate) {
        if (l->n == l->cap) {
            size_t cap = l->cap ? l->cap * 2 : 4;
            kk_segment *ns = realloc(l->segs, cap * sizeof *ns);
            if (!ns)
                return -1;
            l->segs = ns;
            l->cap = cap;
        }
        s = &l->segs[l->n++];
        memset(s, 0, sizeof *s);
        s->voice = strdup(voice);
        s->rate = rate;
        s->text = calloc(1, 64);
        s->text_cap = 64;
        if (!s->voice || !s->text)
            return -1;
    }
    size_t old = s->text_len, sep = old ? 1 : 0;
    if (old + sep + len + 1 > s->text_cap) {
        size_t cap = s->text_cap ? s->text_cap : 64;
        while (cap < old + sep + len + 1)
            cap *= 2;
        char *nt = realloc(s->text, cap);
        if (!nt)
            return -1;
        s->text = nt;
        s->text_cap = cap;
    }
    char *nt = s->text;
    if (sep)
        nt[old] = ' ';
    memcpy(nt + old + sep, text + off, len);
    nt[old + sep + len] = '\0';
    s->text_len = old + sep + len;
    if (s->n_pieces == s->pieces_cap) {
        size_t cap = s->pieces_cap ? s->pieces_cap * 2 : 4;
        kk_seg_piece *np = realloc(s->pieces, cap * sizeof *np);
        if (!np)
            return -1;
        s->pieces = np;
        s->pieces_cap = cap;
    }
    s->pieces[s->n_pieces++] = (kk_seg_piece){old + sep, off, len};
    return 0;
}

static int flush_text(seg_list *l, const char *voice, double rate, const char *text, size_t a, size_t b)
{
    while (a < b && isspace((unsigned char)text[a]))
        a++;
    while (b > a && isspace((unsigned char)text[b - 1]))
        b--;
    return a < b ? add_piece(l, voice, rate, text, a, b - a) : 0;
}

int kk_voice_tags_split(const char *text, const char *request_voice, const kk_alias_set *aliases, int tags_on,
                        kk_segment **out, size_t *n_out, char *msg, size_t msglen)
{
    *out = NULL;
    *n_out = 0;
    seg_list l = {0};
    char voice[512];
    const kk_alias *al = kk_alias_find(aliases, request_voice);
    snprintf(voice, sizeof voice, "%s", al ? al->voice : request_voice);
    double base = al ? al->rate : 1.0, tag = 1.0;
    size_t len = strlen(text), from = 0, i = 0;
    while (tags_on && i < len) {
        size_t tl, no = 0, nl = 0;
        double num = 0;
        tag_kind k = text[i] == '[' ? tag_at(text + i, &tl, &no, &nl, &num) : TAG_NONE;
        if (k == TAG_NONE) {
            i++;
            continue;
        }
        if (flush_text(&l, voice, clamp_rate(base * tag), text, from, i))
            goto oom;
        if (k == TAG_VOICE) {
            char name[512];
            snprintf(name, sizeof name, "%.*s", (int)(nl < sizeof name - 1 ? nl : sizeof name - 1), text + i + no);
            const kk_alias *ta = kk_alias_find(aliases, name);
            snprintf(voice, sizeof voice, "%s", ta ? ta->voice : name);
            base = ta ? ta->rate : 1.0;
            tag = 1.0;
        } else if (k == TAG_RATE) {
            tag = num;
        } else {
            base = num;
        }
        i += tl;
        from = i;
    }
    if (flush_text(&l, voice, clamp_rate(base * tag), text, from, len))
        goto oom;
    *out = l.segs;
    *n_out = l.n;
    return 0;
oom:
    kk_segments_free(l.segs, l.n);
    snprintf(msg, msglen, "out of memory");
    return -1;
}
