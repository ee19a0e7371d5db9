#include "server/ssml.h"

#include <ctype.h>
#include <expat.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "server/voice_tags.h"

static const struct {
    const char *name;
    double s;
} strengths[] = {{"none", 0}, {"x-weak", 0}, {"weak", 0.25}, {"medium", 0.5}, {"strong", 1.0}, {"x-strong", 1.5}};

static const struct {
    const char *name;
    double r;
} rates[] = {{"x-slow", 0.5}, {"slow", 0.75}, {"medium", 1.0}, {"default", 1.0}, {"fast", 1.25}, {"x-fast", 1.5}};

/* Elements whose markup goes and whose text is spoken; p and s also separate with a space. */
static const char *const ignored[] = {"emphasis", "say-as", "lang", "audio", "mark", "p", "s", "w"};

typedef enum { EL_PLAIN, EL_SPEAK, EL_BREAK, EL_VOICE, EL_PROSODY, EL_PHONEME, EL_SUB, EL_DESC, EL_PARA } el_kind;

typedef struct {
    el_kind kind;
    char *saved_voice; /* EL_VOICE: the voice to return to */
    double saved_rate; /* EL_VOICE, EL_PROSODY: the rate to return to */
    int changed;       /* EL_VOICE, EL_PROSODY: a tag was emitted at the start */
    size_t capture;    /* EL_PHONEME: where its text starts in the output */
    char *ph;          /* EL_PHONEME with usable ipa: the pronunciation */
} frame;

typedef struct {
    XML_Parser xp;
    char *out;
    size_t len, cap;
    int oom;
    frame *stack;
    int depth, max_depth;
    int suppress; /* > 0 inside <desc> or <sub>: text is not spoken */
    int seen_root;
    const char *request_voice;
    char *voice;  /* current speaker */
    double rate;  /* current [rate:] */
    char err[256];
} ssml_state;

static void put(ssml_state *s, const char *d, size_t n)
{
    if (s->oom)
        return;
    if (s->len + n + 1 > s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 256;
        while (cap < s->len + n + 1)
            cap *= 2;
        char *np = realloc(s->out, cap);
        if (!np) {
            s->oom = 1;
            return;
        }
        s->out = np;
        s->cap = cap;
    }
    memcpy(s->out + s->len, d, n);
    s->len += n;
    s->out[s->len] = '\0';
}

static void puts_(ssml_state *s, const char *str)
{
    put(s, str, strlen(str));
}

static void stop(ssml_state *s, const char *fmt, const char *arg)
{
    if (!s->err[0])
        snprintf(s->err, sizeof s->err, fmt, arg);
    XML_StopParser(s->xp, XML_FALSE);
}

static const char *local_name(const char *name)
{
    const char *bar = strrchr(name, '|');
    return bar ? bar + 1 : name;
}

static const char *attr(const char **atts, const char *key)
{
    for (int i = 0; atts[i]; i += 2)
        if (!strcmp(local_name(atts[i]), key))
            return atts[i + 1];
    return NULL;
}

/* Seconds of "750ms", "1.5s" or a bare number of seconds; -1 if unreadable. */
static double parse_time(const char *v)
{
    char *end;
    double d = strtod(v, &end);
    if (end == v || !isfinite(d) || d < 0)
        return -1;
    while (*end == ' ')
        end++;
    if (!strcasecmp(end, "ms"))
        return d / 1000.0;
    if (!strcasecmp(end, "s") || !*end)
        return d;
    return -1;
}

/* A prosody rate: a name, "NN%" or a bare multiplier, clamped; -1 if unreadable. */
static double parse_rate(const char *v)
{
    for (size_t i = 0; i < sizeof rates / sizeof rates[0]; i++)
        if (!strcasecmp(v, rates[i].name))
            return rates[i].r;
    char *end;
    double d = strtod(v, &end);
    if (end == v || !isfinite(d))
        return -1;
    if (*end == '%') {
        d /= 100.0;
        end++;
    }
    if (*end)
        return -1;
    return d < KK_TAG_RATE_MIN ? KK_TAG_RATE_MIN : (d > KK_TAG_RATE_MAX ? KK_TAG_RATE_MAX : d);
}

static void emit_rate(ssml_state *s, double r)
{
    char b[48];
    snprintf(b, sizeof b, " [rate:%.4f] ", r);
    /* The tag grammar takes \d+(\.\d+)?: drop trailing zeros but keep the form. */
    char *dot = strchr(b, '.');
    char *close = strchr(b, ']');
    if (dot && close) {
        char *z = close - 1;
        while (z > dot + 1 && *z == '0')
            z--;
        memmove(z + 1, close, strlen(close) + 1);
    }
    puts_(s, b);
}

static void emit_voice(ssml_state *s, const char *v)
{
    puts_(s, " [voice:");
    puts_(s, v);
    puts_(s, "] ");
}

static void XMLCALL on_start(void *ud, const char *name, const char **atts)
{
    ssml_state *s = ud;
    const char *el = local_name(name);
    if (!s->seen_root) {
        s->seen_root = 1;
        if (strcmp(el, "speak")) {
            stop(s, "SSML must start with <speak>, not <%.64s>", el);
            return;
        }
    }
    if (s->depth >= s->max_depth) {
        char d[16];
        snprintf(d, sizeof d, "%d", s->max_depth);
        stop(s, "SSML nesting is deeper than SSML_MAX_DEPTH (%s)", d);
        return;
    }
    frame *f = &s->stack[s->depth++];
    memset(f, 0, sizeof *f);
    f->kind = EL_PLAIN;
    int have_voice = s->request_voice && s->request_voice[0];
    if (!strcmp(el, "speak")) {
        f->kind = EL_SPEAK;
    } else if (!strcmp(el, "break")) {
        f->kind = EL_BREAK;
        const char *t = attr(atts, "time"), *st = attr(atts, "strength");
        double sec = t ? parse_time(t) : -1;
        if (sec < 0) {
            sec = 0.5;
            for (size_t i = 0; st && i < sizeof strengths / sizeof strengths[0]; i++)
                if (!strcasecmp(st, strengths[i].name))
                    sec = strengths[i].s;
        }
        if (sec > 0 && !s->suppress) {
            char b[48];
            snprintf(b, sizeof b, " [pause:%.3fs] ", sec > 1e6 ? 1e6 : sec);
            puts_(s, b);
        }
    } else if (!strcmp(el, "voice")) {
        f->kind = EL_VOICE;
        const char *v = attr(atts, "name");
        if (v && have_voice) {
            while (*v == ' ')
                v++;
            if (!kk_tag_voice_chars_ok(v)) {
                stop(s, "<voice name=\"%.64s\">: not a voice name", v);
                return;
            }
            f->saved_voice = s->voice;
            f->saved_rate = s->rate;
            f->changed = 1;
            s->voice = strdup(v);
            if (!s->voice) {
                s->oom = 1;
                s->voice = f->saved_voice;
                f->saved_voice = NULL;
                f->changed = 0;
                return;
            }
            s->rate = 1.0; /* a [voice:] tag resets the pace */
            emit_voice(s, v);
        }
    } else if (!strcmp(el, "prosody")) {
        f->kind = EL_PROSODY;
        const char *r = attr(atts, "rate");
        double rv = r ? parse_rate(r) : -1;
        if (rv > 0 && have_voice) {
            f->saved_rate = s->rate;
            f->changed = 1;
            s->rate = rv;
            emit_rate(s, rv);
        }
    } else if (!strcmp(el, "phoneme")) {
        f->kind = EL_PHONEME;
        const char *alpha = attr(atts, "alphabet"), *ph = attr(atts, "ph");
        if (ph && ph[0] && (!alpha || !strcasecmp(alpha, "ipa")) && !strpbrk(ph, "/()[]")) {
            f->ph = strdup(ph);
            if (!f->ph)
                s->oom = 1;
        }
        if (!s->suppress && f->ph) {
            puts_(s, " [");
            f->capture = s->len;
        }
    } else if (!strcmp(el, "sub")) {
        f->kind = EL_SUB;
        const char *a = attr(atts, "alias");
        if (a && !s->suppress)
            puts_(s, a);
        s->suppress++;
    } else if (!strcmp(el, "desc")) {
        f->kind = EL_DESC;
        s->suppress++;
    } else if (!strcmp(el, "p") || !strcmp(el, "s")) {
        f->kind = EL_PARA;
        if (!s->suppress)
            puts_(s, " ");
    }
}

static void XMLCALL on_end(void *ud, const char *name)
{
    ssml_state *s = ud;
    (void)name;
    if (s->depth <= 0)
        return;
    frame *f = &s->stack[--s->depth];
    switch (f->kind) {
    case EL_VOICE:
        if (f->changed) {
            free(s->voice);
            s->voice = f->saved_voice;
            f->saved_voice = NULL;
            s->rate = f->saved_rate;
            emit_voice(s, s->voice);
            if (s->rate != 1.0)
                emit_rate(s, s->rate);
        }
        break;
    case EL_PROSODY:
        if (f->changed) {
            s->rate = f->saved_rate;
            emit_rate(s, s->rate);
        }
        break;
    case EL_PHONEME:
        if (f->ph && !s->suppress) {
            /* The word itself must be a plain bracket text: [word](/ipa/). */
            int ok = s->len > f->capture && !s->oom;
            for (size_t i = f->capture; ok && i < s->len; i++)
                ok = s->out[i] != '[' && s->out[i] != ']';
            if (ok) {
                puts_(s, "](/");
                puts_(s, f->ph);
                puts_(s, "/)");
            } else if (!s->oom) {
                s->out[f->capture - 1] = ' '; /* no usable word: keep the text, drop the bracket */
            }
        }
        free(f->ph);
        f->ph = NULL;
        break;
    case EL_SUB:
    case EL_DESC:
        s->suppress--;
        break;
    case EL_PARA:
        if (!s->suppress)
            puts_(s, " ");
        break;
    default:
        break;
    }
}

static void XMLCALL on_text(void *ud, const char *d, int n)
{
    ssml_state *s = ud;
    if (!s->suppress && n > 0)
        put(s, d, (size_t)n);
}

static void XMLCALL on_doctype(void *ud, const char *name, const char *sysid, const char *pubid, int has_internal)
{
    ssml_state *s = ud;
    (void)name;
    (void)sysid;
    (void)pubid;
    (void)has_internal;
    stop(s, "%sa DTD is not allowed in SSML", "");
}

static void XMLCALL on_entity(void *ud, const char *name, int is_param, const char *value, int value_len,
                              const char *base, const char *sysid, const char *pubid, const char *notation)
{
    ssml_state *s = ud;
    (void)name, (void)is_param, (void)value, (void)value_len, (void)base, (void)sysid, (void)pubid, (void)notation;
    stop(s, "%sentity declarations are not allowed in SSML", "");
}

int kk_ssml_detect(const char *text)
{
    while (*text && isspace((unsigned char)*text))
        text++;
    return *text == '<';
}

/* Runs of white space become one space; leading and trailing space go. */
static void squeeze(char *t)
{
    char *w = t;
    int space = 1;
    for (char *r = t; *r; r++) {
        if (isspace((unsigned char)*r)) {
            if (!space)
                *w++ = ' ';
            space = 1;
        } else {
            *w++ = *r;
            space = 0;
        }
    }
    if (w > t && w[-1] == ' ')
        w--;
    *w = '\0';
}

int kk_ssml_translate(const char *text, size_t len, const char *voice, int max_depth, char **out, char *msg,
                      size_t msglen)
{
    *out = NULL;
    ssml_state s;
    memset(&s, 0, sizeof s);
    s.max_depth = max_depth > 0 ? max_depth : 1;
    s.stack = calloc((size_t)s.max_depth, sizeof *s.stack);
    s.request_voice = voice;
    s.voice = strdup(voice ? voice : "");
    s.rate = 1.0;
    s.xp = XML_ParserCreateNS("UTF-8", '|');
    if (!s.stack || !s.voice || !s.xp) {
        snprintf(msg, msglen, "out of memory");
        free(s.stack);
        free(s.voice);
        if (s.xp)
            XML_ParserFree(s.xp);
        return -1;
    }
    XML_SetUserData(s.xp, &s);
    XML_SetElementHandler(s.xp, on_start, on_end);
    XML_SetCharacterDataHandler(s.xp, on_text);
    XML_SetStartDoctypeDeclHandler(s.xp, on_doctype);
    XML_SetEntityDeclHandler(s.xp, on_entity);
    XML_SetParamEntityParsing(s.xp, XML_PARAM_ENTITY_PARSING_NEVER);
    int rc = 0;
    if (len > (size_t)0x7fffffff || XML_Parse(s.xp, text, (int)len, XML_TRUE) != XML_STATUS_OK || s.err[0]) {
        unsigned long line = (unsigned long)XML_GetCurrentLineNumber(s.xp);
        unsigned long col = (unsigned long)XML_GetCurrentColumnNumber(s.xp) + 1;
        if (s.err[0])
            snprintf(msg, msglen, "SSML error at line %lu, column %lu: %s", line, col, s.err);
        else
            snprintf(msg, msglen, "SSML is not well-formed XML: line %lu, column %lu: %s", line, col,
                     XML_ErrorString(XML_GetErrorCode(s.xp)));
        rc = -1;
    } else if (s.oom) {
        snprintf(msg, msglen, "out of memory");
        rc = -1;
    }
    for (int i = 0; i < s.depth; i++) {
        free(s.stack[i].saved_voice);
        free(s.stack[i].ph);
    }
    /* Frames above depth were closed already; their strings were moved out or freed. */
    XML_ParserFree(s.xp);
    free(s.stack);
    free(s.voice);
    if (rc) {
        free(s.out);
        return -1;
    }
    if (!s.out) {
        s.out = calloc(1, 1);
        if (!s.out) {
            snprintf(msg, msglen, "out of memory");
            return -1;
        }
    }
    squeeze(s.out);
    *out = s.out;
    return 0;
}

char *kk_ssml_capabilities(void)
{
    char buf[2048];
    size_t n = 0;
    n += (size_t)snprintf(buf + n, sizeof buf - n,
                          "{\"elements\":[\"speak\",\"break\",\"voice\",\"prosody\",\"phoneme\",\"sub\",\"desc\"],"
                          "\"ignored\":[");
    for (size_t i = 0; i < sizeof ignored / sizeof ignored[0]; i++)
        n += (size_t)snprintf(buf + n, sizeof buf - n, "%s\"%s\"", i ? "," : "", ignored[i]);
    n += (size_t)snprintf(buf + n, sizeof buf - n, "],\"break_strengths\":{");
    for (size_t i = 0; i < sizeof strengths / sizeof strengths[0]; i++)
        n += (size_t)snprintf(buf + n, sizeof buf - n, "%s\"%s\":%g", i ? "," : "", strengths[i].name, strengths[i].s);
    n += (size_t)snprintf(buf + n, sizeof buf - n, "},\"prosody_rates\":{");
    for (size_t i = 0; i < sizeof rates / sizeof rates[0]; i++)
        n += (size_t)snprintf(buf + n, sizeof buf - n, "%s\"%s\":%g", i ? "," : "", rates[i].name, rates[i].r);
    snprintf(buf + n, sizeof buf - n, "},\"rate_range\":[%g,%g]}", KK_TAG_RATE_MIN, KK_TAG_RATE_MAX);
    return strdup(buf);
}
