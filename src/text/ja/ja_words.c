/* misaki's JA_WORDS (data/ja/ja_words.txt, 147,571 entries) as an open-addressing hash set over
 * the embedded bytes, and the regrouping of MeCab words that uses it (_romaji_tokens). */
#include <stdlib.h>
#include <string.h>

#include "text/ja/ja_internal.h"
#include "text/sbuf.h"

/* The longest entry has 24 code points: no longer concatenation can be in the set. */
#define KK_JA_MAX_WORD 24

struct kk_ja_wordset {
    const char *blob;
    uint32_t *slot; /* 1 + offset of an entry's first byte; 0 = empty */
    size_t mask;
};

static size_t entry_len(const char *blob, size_t off)
{
    const char *e = strchr(blob + off, '\n');
    return e ? (size_t)(e - (blob + off)) : strlen(blob + off);
}

kk_ja_wordset *kk_ja_wordset_new(void)
{
    size_t len;
    const char *blob = kk_ja_blob("ja_words.txt", &len);
    size_t count = 1;
    for (size_t i = 0; i < len; i++)
        count += blob[i] == '\n';
    size_t cap = 1;
    while (cap < count * 2)
        cap <<= 1;
    kk_ja_wordset *ws = calloc(1, sizeof *ws);
    if (!ws || !(ws->slot = calloc(cap, sizeof *ws->slot))) {
        free(ws);
        return NULL;
    }
    ws->blob = blob;
    ws->mask = cap - 1;
    for (size_t off = 0; off < len;) {
        size_t l = entry_len(blob, off);
        /* misaki strips each line; the file has no surrounding whitespace, so entries are taken
         * as they are. */
        if (l) {
            size_t h = (size_t)kk_fnv1a(blob + off, l) & ws->mask;
            while (ws->slot[h])
                h = (h + 1) & ws->mask;
            ws->slot[h] = (uint32_t)off + 1;
        }
        off += l + 1;
    }
    return ws;
}

void kk_ja_wordset_free(kk_ja_wordset *ws)
{
    if (!ws)
        return;
    free(ws->slot);
    free(ws);
}

static int contains(const kk_ja_wordset *ws, const char *s, size_t n)
{
    size_t h = (size_t)kk_fnv1a(s, n) & ws->mask;
    while (ws->slot[h]) {
        size_t off = ws->slot[h] - 1;
        if (entry_len(ws->blob, off) == n && memcmp(ws->blob + off, s, n) == 0)
            return 1;
        h = (h + 1) & ws->mask;
    }
    return 0;
}

int kk_ja_regroup(const kk_ja_wordset *ws, kk_ja_word *w, size_t *n)
{
    size_t out = 0;
    int ok = 1;
    kk_ja_str cat;
    kk_ja_str_init(&cat, 0);
    for (size_t i = 0; i < *n;) {
        /* Longest run i..j-1 of words of one type whose surfaces, concatenated, are in the list
         * (misaki looks up to the end of the same-type run; entries have at most 24 code points,
         * so looking further changes nothing). MeCab skips spaces, so the surfaces are joined one
         * by one, not read as one span of the text. */
        cat.n = 0;
        size_t best = i + 1, lim = i;
        size_t ends[KK_JA_MAX_WORD + 1];
        while (lim < *n && w[lim].type == w[i].type && cat.n + w[lim].surf.n <= KK_JA_MAX_WORD) {
            for (size_t k = 0; k < w[lim].surf.n; k++)
                kk_ja_str_push(&cat, w[lim].surf.cp[k], 0, 0);
            ends[lim - i] = cat.n;
            lim++;
        }
        for (size_t j = lim; j > i + 1 && !cat.oom; j--) {
            char *s = kk_ja_str_utf8(&cat, 0, ends[j - 1 - i], NULL);
            if (!s) {
                ok = 0;
                break;
            }
            int hit = contains(ws, s, strlen(s));
            free(s);
            if (hit) {
                best = j;
                break;
            }
        }
        kk_ja_word g = w[i];
        for (size_t k = i + 1; k < best; k++) {
            for (size_t m = 0; m < w[k].hira.n; m++)
                kk_ja_str_push(&g.hira, w[k].hira.cp[m], 0, 0);
            for (size_t m = 0; m < w[k].surf.n; m++)
                kk_ja_str_push(&g.surf, w[k].surf.cp[m], 0, 0);
            kk_ja_str_free(&w[k].hira);
            kk_ja_str_free(&w[k].surf);
        }
        g.b = w[best - 1].b;
        ok &= !g.hira.oom && !g.surf.oom;
        w[out++] = g;
        i = best;
    }
    ok &= !cat.oom;
    kk_ja_str_free(&cat);
    *n = out;
    return ok;
}
