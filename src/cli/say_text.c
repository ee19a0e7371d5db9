#include "cli/say_text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *cli_read_stream(FILE *f)
{
    size_t len = 0, cap = 1 << 16;
    char *buf = malloc(cap);
    if (!buf)
        return NULL;
    for (;;) {
        if (cap - len < 2) {
            char *b = realloc(buf, cap * 2);
            if (!b) {
                free(buf);
                return NULL;
            }
            buf = b;
            cap *= 2;
        }
        size_t n = fread(buf + len, 1, cap - len - 1, f);
        len += n;
        if (n == 0)
            break;
    }
    if (ferror(f)) {
        free(buf);
        return NULL;
    }
    buf[len] = '\0';
    return buf;
}

const char *cli_lang_of_voice(const char *voice_expr)
{
    /* one NUL-terminated letter per two bytes */
    static const char letters[] = "a\0b\0c\0d\0e\0f\0g\0h\0i\0j\0k\0l\0m\0n\0o\0p\0q\0r\0s\0t\0u\0v\0w\0x\0y\0z";
    const char *base = strrchr(voice_expr, '/');
    base = base ? base + 1 : voice_expr;
    while (*base == ' ')
        base++;
    char c = *base;
    if (c >= 'A' && c <= 'Z')
        c = (char)(c + 32);
    if (c < 'a' || c > 'z')
        return "a";
    return letters + 2 * (c - 'a');
}

typedef struct {
    float *v;
    size_t n, cap;
} pcm;

static int pcm_reserve(pcm *p, size_t extra)
{
    if (p->n + extra <= p->cap)
        return 0;
    size_t cap = p->cap ? p->cap : 1 << 16;
    while (cap < p->n + extra)
        cap *= 2;
    float *v = realloc(p->v, cap * sizeof *v);
    if (!v)
        return -1;
    p->v = v;
    p->cap = cap;
    return 0;
}

static int pcm_silence(pcm *p, double seconds)
{
    size_t n = (size_t)(seconds * KOKORO_SAMPLE_RATE);
    if (pcm_reserve(p, n) != 0)
        return -1;
    memset(p->v + p->n, 0, n * sizeof *p->v);
    p->n += n;
    return 0;
}

int cli_say_text(const kokoro_model *model, const kokoro_voice *voice, const char *text, const char *lang,
                 const kokoro_normalization_options *nopt, const kokoro_synth_options *opt, float **samples,
                 size_t *n_samples)
{
    kokoro_error err;
    kokoro_frontend *fe = NULL;
    kokoro_chunk *ch = NULL;
    size_t nc = 0;
    if (kokoro_frontend_new(&fe, &err) != KOKORO_OK ||
        kokoro_text_to_chunks(fe, text, lang, nopt, &ch, &nc, &err) != KOKORO_OK) {
        fprintf(stderr, "kokoro say: %s\n", err.message);
        kokoro_frontend_free(fe);
        return -1;
    }
    size_t last_speech = nc;
    for (size_t i = 0; i < nc; i++)
        if (ch[i].pause_s <= 0)
            last_speech = i;
    pcm out = {0};
    int rc = 0, first = 1;
    double speed = opt && opt->speed > 0 ? opt->speed : 1.0;
    for (size_t i = 0; i < nc && rc == 0; i++) {
        if (ch[i].pause_s > 0) {
            if (pcm_silence(&out, ch[i].pause_s) != 0)
                rc = -1;
            continue;
        }
        kokoro_audio a;
        if (kokoro_synthesize(model, voice, ch[i].phonemes, opt, &a, &err) != KOKORO_OK) {
            fprintf(stderr, "kokoro say: chunk %zu: %s\n", i + 1, err.message);
            rc = -1;
            break;
        }
        size_t len = kokoro_trim_chunk(a.samples, a.n_samples, first, i == last_speech);
        first = 0;
        if (pcm_reserve(&out, len) != 0)
            rc = -1;
        else {
            memcpy(out.v + out.n, a.samples, len * sizeof *out.v);
            out.n += len;
            if (i != last_speech && !ch[i].joins_next &&
                pcm_silence(&out, kokoro_pause_after(ch[i].text) / speed) != 0)
                rc = -1;
        }
        kokoro_audio_free(&a);
    }
    kokoro_chunks_free(ch, nc);
    kokoro_frontend_free(fe);
    if (rc != 0) {
        if (!out.v || out.n == 0)
            fprintf(stderr, "kokoro say: out of memory\n");
        free(out.v);
        return -1;
    }
    if (!out.v && pcm_reserve(&out, 1) != 0) {
        fprintf(stderr, "kokoro say: out of memory\n");
        return -1;
    }
    *samples = out.v;
    *n_samples = out.n;
    return 0;
}
