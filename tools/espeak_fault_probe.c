/* Measures where libespeak-ng reads freed or uninitialised memory, for src/text/espeak/guard.h.
 * Run under valgrind (scripts/espeak_faults.sh does): for one voice, every code point of the
 * hex ranges given is phonemized in the contexts "a?b", "?", "1?2", "3.?" (and "क?क" for
 * Hindi), or with "runs" every run of two and three of the ASCII symbols that reach espeak; each
 * call that adds to valgrind's error count is printed as "FAULT <what> <context> <errors>", and
 * "AT <code point>" precedes each code point so that a crash can be attributed.
 * Usage: espeak_fault_probe VOICE (LO HI)... | espeak_fault_probe VOICE runs */
#include <espeak-ng/speak_lib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <valgrind/valgrind.h>

static void phonemize(const char *s)
{
    const void *p = s;
    int mode = espeakPHONEMES_IPA | espeakPHONEMES_TIE | ('^' << 8);
    for (int guard = 0; p && guard < 1000; guard++) {
        const void *before = p;
        const char *ph = espeak_TextToPhonemes(&p, espeakCHARS_UTF8, mode);
        if (!ph || p == before)
            break;
    }
}

static void probe(const char *s, const char *what, char ctx)
{
    unsigned before = VALGRIND_COUNT_ERRORS;
    phonemize(s);
    unsigned after = VALGRIND_COUNT_ERRORS;
    if (after != before)
        printf("FAULT %s %c %u\n", what, ctx, after - before);
}

static int utf8(unsigned cp, char *o)
{
    if (cp < 0x80)
        return o[0] = (char)cp, 1;
    if (cp < 0x800)
        return o[0] = (char)(0xC0 | cp >> 6), o[1] = (char)(0x80 | (cp & 63)), 2;
    if (cp < 0x10000)
        return o[0] = (char)(0xE0 | cp >> 12), o[1] = (char)(0x80 | ((cp >> 6) & 63)), o[2] = (char)(0x80 | (cp & 63)), 3;
    o[0] = (char)(0xF0 | cp >> 18), o[1] = (char)(0x80 | ((cp >> 12) & 63));
    o[2] = (char)(0x80 | ((cp >> 6) & 63)), o[3] = (char)(0x80 | (cp & 63));
    return 4;
}

static int select_voice(const char *lang)
{
    const espeak_VOICE **vs = espeak_ListVoices(NULL);
    for (size_t i = 0; vs && vs[i]; i++)
        for (const char *l = vs[i]->languages; l && *l; l += strlen(l + 1) + 2)
            if (strcmp(l + 1, lang) == 0)
                return espeak_SetVoiceByName(vs[i]->identifier) == EE_OK;
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: espeak_fault_probe VOICE (LO HI)... | VOICE runs\n");
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, NULL, espeakINITIALIZE_DONT_EXIT) <= 0 || !select_voice(argv[1])) {
        fprintf(stderr, "espeak-ng has no voice '%s'\n", argv[1]);
        return 1;
    }
    int hindi = strcmp(argv[1], "hi") == 0;
    char buf[64], what[16];
    if (strcmp(argv[2], "runs") == 0) {
        static const char sym[] = "#$%&'*+-/<=>@\\^_`|~";
        static const char *ctx[][2] = {{"a", "b"}, {"", ""}, {"1", "2"}, {"x ", " y"}};
        for (const char *p = sym; *p; p++)
            for (const char *q = sym; *q; q++) {
                for (int k = 0; k < 4; k++) {
                    snprintf(buf, sizeof buf, "%s%c%c%s", ctx[k][0], *p, *q, ctx[k][1]);
                    snprintf(what, sizeof what, "%c%c", *p, *q);
                    probe(buf, what, (char)('A' + k));
                }
                for (const char *r = sym; *r; r++) {
                    snprintf(buf, sizeof buf, "%c%c%c", *p, *q, *r);
                    probe(buf, buf, 'T');
                }
            }
        printf("END\n");
        return 0;
    }
    static const char *ctx[][2] = {{"a", "b"}, {"", ""}, {"1", "2"}, {"3.", ""}, {"\xe0\xa4\x95", "\xe0\xa4\x95"}};
    for (int a = 2; a + 1 < argc; a += 2) {
        unsigned lo = (unsigned)strtoul(argv[a], NULL, 16), hi = (unsigned)strtoul(argv[a + 1], NULL, 16);
        for (unsigned cp = lo; cp <= hi; cp++) {
            if (cp >= 0xD800 && cp <= 0xDFFF)
                continue;
            char c[4];
            int cl = utf8(cp, c);
            snprintf(what, sizeof what, "%X", cp);
            printf("AT %s\n", what); /* a crash is attributed to the last code point started */
            for (int k = 0; k < (hindi ? 5 : 4); k++) {
                int n = snprintf(buf, sizeof buf, "%s", ctx[k][0]);
                memcpy(buf + n, c, (size_t)cl);
                snprintf(buf + n + cl, sizeof buf - (size_t)(n + cl), "%s", ctx[k][1]);
                probe(buf, what, (char)('A' + k));
            }
        }
    }
    printf("END\n");
    return 0;
}
