/* misaki's kana table (HEPBURN: kana, digraphs and symbols, from data/ja/cutlet-kana.tsv and
 * cutlet-symbols.tsv) and Cutlet._romaji_word / _get_single_mapping: the phonemes of one word. */
#include <stdlib.h>
#include <string.h>

#include "text/ja/ja_internal.h"
#include "text/sbuf.h"

typedef struct {
    uint32_t c1, c2; /* c2 == 0 for a single character */
    char *ps;
} entry;

struct kk_ja_table {
    entry *v;
    size_t n;
};

static int cmp_entry(const void *a, const void *b)
{
    const entry *x = a, *y = b;
    if (x->c1 != y->c1)
        return x->c1 < y->c1 ? -1 : 1;
    return x->c2 < y->c2 ? -1 : x->c2 > y->c2;
}

/* Adds the entries of a table file: column 1 (0-based) is the key for the kana file, 0 for the
 * symbols; the value is the next column, a JSON string in the symbols file. */
static int load(kk_ja_table *t, const char *blob, int key_col, int json)
{
    size_t len;
    const char *s = kk_ja_blob(blob, &len), *end = s + len;
    while (s < end) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        const char *le = nl ? nl : end;
        const char *f[4] = {0}, *fe[4] = {0};
        int nf = 0;
        for (const char *p = s; nf < 4;) {
            const char *tab = memchr(p, '\t', (size_t)(le - p));
            f[nf] = p;
            fe[nf] = tab ? tab : le;
            nf++;
            if (!tab)
                break;
            p = tab + 1;
        }
        if (*s != '#' && nf > key_col + 1) {
            const char *k = f[key_col], *v = f[key_col + 1], *ve = fe[key_col + 1];
            size_t kl = (size_t)(fe[key_col] - k), i = 0;
            uint32_t c1 = kk_u8_next(k, kl, &i), c2 = i < kl ? kk_u8_next(k, kl, &i) : 0;
            if (json && ve - v >= 2 && *v == '"' && ve[-1] == '"') {
                v++;
                ve--;
            }
            char *ps = malloc((size_t)(ve - v) + 1);
            entry *nv = realloc(t->v, (t->n + 1) * sizeof *nv);
            if (!ps || !nv) {
                free(ps);
                if (nv)
                    t->v = nv;
                return 0;
            }
            memcpy(ps, v, (size_t)(ve - v));
            ps[ve - v] = '\0';
            t->v = nv;
            t->v[t->n++] = (entry){c1, c2, ps};
        }
        s = le + 1;
    }
    return 1;
}

kk_ja_table *kk_ja_table_new(void)
{
    kk_ja_table *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    if (!load(t, "cutlet-kana.tsv", 1, 0) || !load(t, "cutlet-symbols.tsv", 0, 1)) {
        kk_ja_table_free(t);
        return NULL;
    }
    qsort(t->v, t->n, sizeof *t->v, cmp_entry);
    return t;
}

void kk_ja_table_free(kk_ja_table *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n; i++)
        free(t->v[i].ps);
    free(t->v);
    free(t);
}

static const char *get(const kk_ja_table *t, uint32_t c1, uint32_t c2)
{
    entry key = {c1, c2, NULL};
    const entry *e = bsearch(&key, t->v, t->n, sizeof *t->v, cmp_entry);
    return e ? e->ps : NULL;
}

static int is_sutegana(uint32_t c)
{
    return c == 0x3083 || c == 0x3085 || c == 0x3087 || c == 0x3041 || c == 0x3043 || c == 0x3045 ||
           c == 0x3047 || c == 0x3049;
}

static uint32_t first_cp(const char *s)
{
    size_t i = 0;
    return *s ? kk_u8_next(s, strlen(s), &i) : 0;
}

static int starts_with(const char *s, const char *p) { return strncmp(s, p, strlen(p)) == 0; }

/* Cutlet._get_single_mapping(pk, kk, nk); p and n are 0 when absent. */
static void single(const kk_ja_table *t, uint32_t p, uint32_t c, uint32_t n, kk_sbuf *o)
{
    if (c == 0x3003 || c == 0x3005 || c == 0x309D || c == 0x309E || c == 0x30FD) { /* 〃々ゝゞヽ */
        if (c == 0x309D || c == 0x30FD) {
            /* misaki returns the previous kana itself, unmapped (kana in the output): kept. */
            if (p)
                kk_sbuf_addcp(o, p);
        } else if (c == 0x309E && p) {
            static const char plain[] = "かきくけこさしすせそたちつてとはひふへほ";
            for (size_t i = 0; i < sizeof plain - 1;) {
                if (kk_u8_next(plain, sizeof plain - 1, &i) == p) {
                    const char *v = get(t, p + 1, 0); /* the voiced kana is the next code point */
                    kk_sbuf_adds(o, v ? v : "");
                    break;
                }
            }
        }
        return;
    }
    const char *v;
    if (p && (v = get(t, p, c))) {
        kk_sbuf_adds(o, v);
        return;
    }
    if (n && get(t, c, n))
        return;
    if (n && is_sutegana(n)) {
        if (c == 0x3063)
            return;
        /* misaki raises KeyError when c is not in the table (ん, ー, kanji...): treated as "". */
        const char *vc = get(t, c, 0);
        if (vc && *vc) {
            size_t l = strlen(vc);
            while (l > 0 && ((unsigned char)vc[l - 1] & 0xC0) == 0x80)
                l--;
            kk_sbuf_add(o, vc, l ? l - 1 : 0);
        }
        kk_sbuf_adds(o, get(t, n, 0));
        return;
    }
    if (is_sutegana(c))
        return;
    if (c == 0x30FC) {
        kk_sbuf_adds(o, "ː");
        return;
    }
    if (c == 0x3063) {
        kk_sbuf_adds(o, "ʔ");
        return;
    }
    if (c == 0x3093) {
        const char *tn = n ? get(t, n, 0) : NULL;
        if (tn && *tn) {
            uint32_t f = first_cp(tn);
            if (f == 'm' || f == 'p' || f == 'b')
                kk_sbuf_adds(o, "m");
            else if (f == 'k' || f == 0x0261)
                kk_sbuf_adds(o, "ŋ");
            else if (starts_with(tn, "ɲ") || starts_with(tn, "ʨ") || starts_with(tn, "ʥ"))
                kk_sbuf_adds(o, "ɲ");
            else if (f == 'n' || f == 't' || f == 'd' || f == 0x027E || f == 'z')
                kk_sbuf_adds(o, "n");
            else
                kk_sbuf_adds(o, "ɴ");
        } else
            kk_sbuf_adds(o, "ɴ");
        return;
    }
    v = get(t, c, 0);
    if (v)
        kk_sbuf_adds(o, v);
}

char *kk_ja_romaji(const kk_ja_table *t, const kk_ja_word *w)
{
    kk_sbuf o;
    kk_sbuf_init(&o);
    int ascii = 1;
    const kk_ja_str *s = &w->surf;
    for (size_t i = 0; i < s->n; i++)
        ascii &= s->cp[i] < 0x80;
    if (ascii) {
        for (size_t i = 0; i < s->n; i++)
            kk_sbuf_addc(&o, (char)s->cp[i]);
    } else if (w->type == 3) {
        for (size_t i = 0; i < s->n; i++) {
            const char *v = get(t, s->cp[i], 0);
            if (v)
                kk_sbuf_adds(&o, v);
            else
                kk_sbuf_addcp(&o, s->cp[i]);
        }
    } else if (w->type == 6) {
        const kk_ja_str *h = &w->hira;
        for (size_t i = 0; i < h->n; i++)
            single(t, i ? h->cp[i - 1] : 0, h->cp[i], i + 1 < h->n ? h->cp[i + 1] : 0, &o);
    }
    if (!o.s && !o.oom)
        kk_sbuf_add(&o, "", 0);
    return kk_sbuf_take(&o);
}
