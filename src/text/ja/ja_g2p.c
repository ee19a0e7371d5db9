/* The Japanese G2P driver: Cutlet.__call__ — normalise, MeCab, regroup with misaki's word list,
 * romanise each group, space and join. */
#include <stdlib.h>
#include <string.h>

#include "text/ja/g2p_ja.h"
#include "text/ja/ja_internal.h"
#include "text/sbuf.h"
#include "util/error.h"

struct kk_g2p_ja {
    kk_ja_mecab *mecab;
    kk_ja_table *table;
    kk_ja_wordset *words;
};

kokoro_status kk_g2p_ja_new(const char *dict, kk_g2p_ja **out, kokoro_error *err)
{
    *out = NULL;
    kk_g2p_ja *g = calloc(1, sizeof *g);
    if (!g)
        return kk_fail(err, KOKORO_ERR_NO_MEMORY, "out of memory");
    kokoro_status st = kk_ja_mecab_open(dict, &g->mecab, err);
    if (st == KOKORO_OK) {
        g->table = kk_ja_table_new();
        g->words = kk_ja_wordset_new();
        if (!g->table || !g->words)
            st = kk_fail(err, KOKORO_ERR_NO_MEMORY, "out of memory loading the Japanese tables");
    }
    if (st != KOKORO_OK) {
        kk_g2p_ja_free(g);
        return st;
    }
    *out = g;
    return KOKORO_OK;
}

void kk_g2p_ja_free(kk_g2p_ja *g)
{
    if (!g)
        return;
    kk_ja_mecab_free(g->mecab);
    kk_ja_table_free(g->table);
    kk_ja_wordset_free(g->words);
    free(g);
}

const char *kk_g2p_ja_dictionary(const kk_g2p_ja *g) { return kk_ja_mecab_describe(g->mecab); }

kokoro_status kk_g2p_ja_line(kk_g2p_ja *g, const char *text, size_t len, kk_pwords *out, kokoro_error *err)
{
    if (!len)
        return KOKORO_OK;
    kk_ja_str norm;
    kk_ja_str_init(&norm, 1);
    if (!kk_ja_normalize(text, len, &norm)) {
        kk_ja_str_free(&norm);
        return kk_fail(err, KOKORO_ERR_NO_MEMORY, "out of memory");
    }
    /* A NUL would end MeCab's sentence early; it is whitespace to misaki's \s anyway. */
    for (size_t i = 0; i < norm.n; i++)
        if (norm.cp[i] == 0)
            norm.cp[i] = ' ';
    kk_ja_word *w = NULL;
    size_t n = 0;
    kokoro_status st = kk_ja_mecab_parse(g->mecab, &norm, &w, &n, err);
    if (st == KOKORO_OK && !kk_ja_regroup(g->words, w, &n))
        st = kk_fail(err, KOKORO_ERR_NO_MEMORY, "out of memory");
    kk_ja_token *tok = st == KOKORO_OK ? calloc(n ? n : 1, sizeof *tok) : NULL;
    if (st == KOKORO_OK && !tok)
        st = kk_fail(err, KOKORO_ERR_NO_MEMORY, "out of memory");
    char **surf = tok ? calloc(n ? n : 1, sizeof *surf) : NULL;
    if (tok && !surf)
        st = kk_fail(err, KOKORO_ERR_NO_MEMORY, "out of memory");
    for (size_t i = 0; st == KOKORO_OK && i < n; i++) {
        surf[i] = kk_ja_str_utf8(&w[i].surf, 0, w[i].surf.n, NULL);
        tok[i].roma = kk_ja_romaji(g->table, &w[i]);
        tok[i].surf = surf[i];
        size_t sa = len, sb = 0;
        for (size_t k = w[i].a; k < w[i].b; k++) {
            if (norm.sa[k] < sa)
                sa = norm.sa[k];
            if (norm.sb[k] > sb)
                sb = norm.sb[k];
        }
        tok[i].sa = sa < sb ? sa : 0;
        tok[i].sb = sa < sb ? sb : len;
        if (!surf[i] || !tok[i].roma)
            st = kk_fail(err, KOKORO_ERR_NO_MEMORY, "out of memory");
    }
    if (st == KOKORO_OK && !kk_ja_assemble(tok, n, out))
        st = kk_fail(err, KOKORO_ERR_NO_MEMORY, "out of memory");
    for (size_t i = 0; tok && i < n; i++) {
        free(tok[i].roma);
        free(surf[i]);
    }
    free(tok);
    free(surf);
    kk_ja_words_free(w, n);
    kk_ja_str_free(&norm);
    return st;
}

kokoro_status kk_g2p_ja_string(kk_g2p_ja *g, const char *text, size_t len, char **ps, kokoro_error *err)
{
    *ps = NULL;
    kk_pwords pw = {0};
    kokoro_status st = kk_g2p_ja_line(g, text, len, &pw, err);
    kk_sbuf b;
    kk_sbuf_init(&b);
    kk_sbuf_add(&b, "", 0);
    for (size_t i = 0; st == KOKORO_OK && i < pw.n; i++) {
        kk_sbuf_adds(&b, pw.v[i].ps);
        if (pw.v[i].ws && i + 1 < pw.n)
            kk_sbuf_addc(&b, ' ');
    }
    kk_pwords_free(&pw);
    if (st != KOKORO_OK) {
        kk_sbuf_free(&b);
        return st;
    }
    *ps = kk_sbuf_take(&b);
    return *ps ? KOKORO_OK : kk_fail(err, KOKORO_ERR_NO_MEMORY, "out of memory");
}
