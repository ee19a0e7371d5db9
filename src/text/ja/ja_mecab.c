/* MeCab, one model per process shared by all requests (taggers and lattices are per call, which
 * is how MeCab is thread-safe), and the per-dictionary field adapter: which feature fields hold
 * the pronunciation and the reading that misaki (through fugashi) reads.
 *
 * Dictionaries: KOKORO_JA_DICT (or the caller) names one of
 *   naist-jdic (default)  Debian open-jtalk-mecab-naist-jdic, IPADIC layout (発音 = 8, 読み = 7)
 *   ipadic                Debian mecab-ipadic-utf8, same layout
 *   unidic                Debian unidic-mecab (or any UniDic): pron = 9, kana = 17 or 20
 *   /a/directory          any compiled MeCab dictionary; its layout is probed
 * Debian's NAIST-jdic has no dicrc, which libmecab requires: ours (data/ja/naist-jdic-dicrc,
 * embedded) is put next to links to the dictionary files in a private temporary folder, which is
 * removed again once the model has mapped them. */
#include <errno.h>
#include <stdint.h>
#include <mecab.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "text/ja/ja_internal.h"
#include "text/sbuf.h"
#include "util/error.h"

struct kk_ja_mecab {
    mecab_model_t *model;
    int pron, kana; /* 0-based feature fields; -1: the layout has none */
    char desc[600];
};

static int has_file(const char *dir, const char *name)
{
    char p[1100];
    struct stat st;
    snprintf(p, sizeof p, "%.1000s/%.50s", dir, name);
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* Finds the folder of a named dictionary; returns 0 when it is not installed. */
static int locate(const char *dict, char *dir, size_t cap, const char **pkg)
{
    static const struct {
        const char *name, *pkg, *dirs[3];
    } known[] = {
        {"naist-jdic", "open-jtalk-mecab-naist-jdic", {"/var/lib/mecab/dic/open-jtalk/naist-jdic", NULL, NULL}},
        {"ipadic", "mecab-ipadic-utf8", {"/var/lib/mecab/dic/ipadic-utf8", NULL, NULL}},
        {"unidic", "unidic-mecab",
         {"/var/lib/mecab/dic/unidic", "/usr/share/mecab/dic/unidic", "/usr/lib/x86_64-linux-gnu/mecab/dic/unidic"}},
    };
    *pkg = NULL;
    if (dict[0] == '/') {
        snprintf(dir, cap, "%s", dict);
        return has_file(dir, "sys.dic");
    }
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strcmp(dict, known[i].name) == 0) {
            *pkg = known[i].pkg;
            for (size_t k = 0; k < 3 && known[i].dirs[k]; k++)
                if (has_file(known[i].dirs[k], "sys.dic")) {
                    snprintf(dir, cap, "%s", known[i].dirs[k]);
                    return 1;
                }
            snprintf(dir, cap, "%s", known[i].dirs[0]);
            return 0;
        }
    return -1;
}

static mecab_model_t *new_model(const char *dir)
{
    char *argv[] = {"mecab", "-C", "-r", "/dev/null", "-d", (char *)dir, NULL};
    return mecab_model_new(6, argv);
}

/* A model over dir with our dicrc, through a private folder of links (see the top comment). */
static mecab_model_t *model_with_dicrc(const char *dir, char *why, size_t cap)
{
    static const char *files[] = {"sys.dic", "unk.dic", "matrix.bin", "char.bin"};
    const char *tmp = getenv("TMPDIR");
    char t[1024], p[1100], q[1100];
    snprintf(t, sizeof t, "%.900s/kokoro-ja-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(t)) {
        snprintf(why, cap, "cannot create a temporary folder for the dictionary's dicrc in %s: %s",
                 tmp && *tmp ? tmp : "/tmp", strerror(errno));
        return NULL;
    }
    int ok = 1;
    for (size_t i = 0; i < 4 && ok; i++) {
        snprintf(p, sizeof p, "%.1000s/%s", dir, files[i]);
        snprintf(q, sizeof q, "%.1000s/%s", t, files[i]);
        ok = symlink(p, q) == 0;
    }
    snprintf(q, sizeof q, "%.1000s/dicrc", t);
    size_t len;
    const char *rc = kk_ja_blob("naist-jdic-dicrc", &len);
    FILE *f = ok ? fopen(q, "w") : NULL;
    ok = f && fwrite(rc, 1, len, f) == len;
    if (f)
        ok &= fclose(f) == 0;
    mecab_model_t *m = ok ? new_model(t) : NULL;
    if (!ok)
        snprintf(why, cap, "cannot prepare the dictionary folder %.300s: %.200s", t, strerror(errno));
    else if (!m)
        snprintf(why, cap, "%s", mecab_strerror(NULL));
    unlink(q);
    for (size_t i = 0; i < 4; i++) {
        snprintf(q, sizeof q, "%.1000s/%s", t, files[i]);
        unlink(q);
    }
    rmdir(t);
    return m;
}

/* Field k of a MeCab feature string (CSV: a field may be quoted, "" inside is a quote).
 * Returns 0 when the feature has fewer fields. */
static int field(const char *f, int k, kk_sbuf *out)
{
    int idx = 0;
    const char *p = f;
    for (;;) {
        kk_sbuf_clear(out);
        if (*p == '"') {
            p++;
            while (*p) {
                if (*p == '"' && p[1] == '"') {
                    if (idx == k)
                        kk_sbuf_addc(out, '"');
                    p += 2;
                } else if (*p == '"') {
                    p++;
                    break;
                } else {
                    if (idx == k)
                        kk_sbuf_addc(out, *p);
                    p++;
                }
            }
        }
        while (*p && *p != ',') {
            if (idx == k)
                kk_sbuf_addc(out, *p);
            p++;
        }
        if (idx == k)
            return 1;
        if (!*p)
            return 0;
        p++;
        idx++;
    }
}

static int count_fields(const char *f)
{
    kk_sbuf b;
    kk_sbuf_init(&b);
    int n = 0;
    while (n < 64 && field(f, n, &b))
        n++;
    kk_sbuf_free(&b);
    return n;
}

/* fugashi names UniDic's fields by their count: 17 (pron only), 26 (kana = 17), 29 (kana = 20). */
static void probe_layout(kk_ja_mecab *m, int ipadic_layout)
{
    m->pron = 8;
    m->kana = 7;
    if (ipadic_layout)
        return;
    mecab_t *tg = mecab_model_new_tagger(m->model);
    mecab_lattice_t *lat = mecab_model_new_lattice(m->model);
    int n = 0;
    if (tg && lat) {
        mecab_lattice_set_sentence(lat, "日本");
        if (mecab_parse_lattice(tg, lat))
            for (const mecab_node_t *nd = mecab_lattice_get_bos_node(lat); nd; nd = nd->next)
                if (nd->stat == MECAB_NOR_NODE) {
                    n = count_fields(nd->feature);
                    break;
                }
    }
    if (lat)
        mecab_lattice_destroy(lat);
    if (tg)
        mecab_destroy(tg);
    if (n == 17 || n == 26 || n == 29) {
        m->pron = 9;
        m->kana = n == 26 ? 17 : n == 29 ? 20 : -1;
    }
}

kokoro_status kk_ja_mecab_open(const char *dict, kk_ja_mecab **out, kokoro_error *err)
{
    *out = NULL;
    if (!dict || !*dict)
        dict = getenv("KOKORO_JA_DICT");
    if (!dict || !*dict)
        dict = "naist-jdic";
    char dir[1024];
    const char *pkg;
    int found = locate(dict, dir, sizeof dir, &pkg);
    if (found < 0)
        return kk_fail(err, KOKORO_ERR_INVALID_ARGUMENT,
                       "Japanese dictionary '%.100s' (KOKORO_JA_DICT) is not naist-jdic, ipadic, unidic or an "
                       "absolute folder", dict);
    if (!found)
        return kk_fail(err, KOKORO_ERR_UNSUPPORTED,
                       "Japanese needs the MeCab dictionary %s%s%s%s (no sys.dic in %.300s)", dict,
                       pkg ? " (Debian package " : "", pkg ? pkg : "", pkg ? ")" : "", dir);
    kk_ja_mecab *m = calloc(1, sizeof *m);
    if (!m)
        return kk_fail(err, KOKORO_ERR_NO_MEMORY, "out of memory");
    char why[600] = "";
    if (has_file(dir, "dicrc")) {
        m->model = new_model(dir);
        if (!m->model)
            snprintf(why, sizeof why, "%s", mecab_strerror(NULL));
    } else
        m->model = model_with_dicrc(dir, why, sizeof why);
    if (!m->model) {
        free(m);
        return kk_fail(err, KOKORO_ERR_UNSUPPORTED, "cannot load the Japanese dictionary %.300s: %.300s", dir, why);
    }
    probe_layout(m, strcmp(dict, "naist-jdic") == 0 || strcmp(dict, "ipadic") == 0);
    snprintf(m->desc, sizeof m->desc, "%.100s (%.400s; pron field %d, kana field %d)", dict, dir, m->pron, m->kana);
    *out = m;
    return KOKORO_OK;
}

void kk_ja_mecab_free(kk_ja_mecab *m)
{
    if (!m)
        return;
    mecab_model_destroy(m->model);
    free(m);
}

const char *kk_ja_mecab_describe(const kk_ja_mecab *m) { return m->desc; }

void kk_ja_words_free(kk_ja_word *w, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        kk_ja_str_free(&w[i].surf);
        kk_ja_str_free(&w[i].hira);
    }
    free(w);
}

/* jaconv.kata2hira: ァ..ヶ and ヽヾ move down by 0x60; ー, ・, ヷ..ヺ and the rest stay. */
static uint32_t kata2hira(uint32_t c)
{
    return (c >= 0x30A1 && c <= 0x30F6) || c == 0x30FD || c == 0x30FE ? c - 0x60 : c;
}

kokoro_status kk_ja_mecab_parse(kk_ja_mecab *m, const kk_ja_str *norm, kk_ja_word **words, size_t *n,
                                kokoro_error *err)
{
    *words = NULL;
    *n = 0;
    size_t *offs = NULL;
    char *u8 = kk_ja_str_utf8(norm, 0, norm->n, &offs);
    size_t bytes = u8 ? strlen(u8) : 0;
    size_t *cp_at = u8 ? malloc((bytes + 1) * sizeof *cp_at) : NULL;
    mecab_t *tg = cp_at ? mecab_model_new_tagger(m->model) : NULL;
    mecab_lattice_t *lat = tg ? mecab_model_new_lattice(m->model) : NULL;
    kokoro_status st = KOKORO_OK;
    kk_ja_word *w = NULL;
    size_t nw = 0, cap = 0;
    kk_sbuf f;
    kk_sbuf_init(&f);
    if (!lat) {
        st = kk_fail(err, KOKORO_ERR_NO_MEMORY, "out of memory starting MeCab");
        goto done;
    }
    for (size_t k = 0; k <= bytes; k++)
        cp_at[k] = SIZE_MAX;
    for (size_t k = 0; k <= norm->n; k++)
        cp_at[offs[k]] = k;
    mecab_lattice_set_sentence2(lat, u8, bytes);
    if (!mecab_parse_lattice(tg, lat)) {
        st = kk_fail(err, KOKORO_ERR_INTERNAL, "MeCab: %.300s", mecab_lattice_strerror(lat));
        goto done;
    }
    /* With -C the lattice parses its own copy of the sentence: offsets are taken from that. */
    const char *base = mecab_lattice_get_sentence(lat);
    for (const mecab_node_t *nd = mecab_lattice_get_bos_node(lat); nd; nd = nd->next) {
        if (nd->stat != MECAB_NOR_NODE && nd->stat != MECAB_UNK_NODE)
            continue;
        if (!nd->length)
            continue;
        if (nw == cap) {
            size_t nc = cap ? cap * 2 : 64;
            kk_ja_word *nwv = realloc(w, nc * sizeof *nwv);
            if (!nwv) {
                st = kk_fail(err, KOKORO_ERR_NO_MEMORY, "out of memory");
                goto done;
            }
            w = nwv;
            cap = nc;
        }
        size_t ba = (size_t)(nd->surface - base);
        if (ba + nd->length > bytes || cp_at[ba] == SIZE_MAX || cp_at[ba + nd->length] == SIZE_MAX)
            continue;
        kk_ja_word *x = &w[nw++];
        x->a = cp_at[ba];
        x->b = cp_at[ba + nd->length];
        kk_ja_str_init(&x->surf, 0);
        kk_ja_str_init(&x->hira, 0);
        for (size_t k = x->a; k < x->b; k++)
            kk_ja_str_push(&x->surf, norm->cp[k], 0, 0);
        x->type = nd->stat != MECAB_UNK_NODE || nd->char_type == 7 ? 6 : nd->char_type;
        /* pron or kana or surface: an absent or empty field falls through. */
        const char *src = NULL;
        if (m->pron >= 0 && field(nd->feature, m->pron, &f) && f.len)
            src = f.s;
        else if (m->kana >= 0 && field(nd->feature, m->kana, &f) && f.len)
            src = f.s;
        if (src) {
            for (size_t i = 0; i < f.len;)
                kk_ja_str_push(&x->hira, kata2hira(kk_u8_next(f.s, f.len, &i)), 0, 0);
        } else
            for (size_t k = x->a; k < x->b; k++)
                kk_ja_str_push(&x->hira, kata2hira(norm->cp[k]), 0, 0);
        if (x->surf.oom || x->hira.oom || f.oom) {
            st = kk_fail(err, KOKORO_ERR_NO_MEMORY, "out of memory");
            goto done;
        }
    }
done:
    kk_sbuf_free(&f);
    if (lat)
        mecab_lattice_destroy(lat);
    if (tg)
        mecab_destroy(tg);
    if (!u8 || !cp_at)
        st = kk_fail(err, KOKORO_ERR_NO_MEMORY, "out of memory");
    free(cp_at);
    free(offs);
    free(u8);
    if (st != KOKORO_OK) {
        kk_ja_words_free(w, nw);
        return st;
    }
    *words = w;
    *n = nw;
    return KOKORO_OK;
}
