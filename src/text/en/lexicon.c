#include "text/en/lexicon.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "text/sbuf.h"

/* Open addressing over line offsets into the embedded blob: a slot holds offset+1 of the line
 * that starts with the key (0 = empty). The key runs to the tab, the value to the newline. */
typedef struct {
    uint32_t *slots;
    size_t mask;
} table;

struct kk_lexicon {
    const char *blob;
    size_t blob_len;
    table t[2];
};

static size_t key_len_at(const char *line, const char *end)
{
    const char *t = memchr(line, '\t', (size_t)(end - line));
    return t ? (size_t)(t - line) : 0;
}

static int table_init(table *t, size_t n_entries)
{
    size_t cap = 1024;
    while (cap < n_entries * 2)
        cap *= 2;
    t->slots = calloc(cap, sizeof *t->slots);
    t->mask = cap - 1;
    return t->slots != NULL;
}

static void table_put(table *t, const char *blob, const char *end, uint32_t off)
{
    const char *line = blob + off;
    size_t kl = key_len_at(line, end);
    size_t h = (size_t)kk_fnv1a(line, kl) & t->mask;
    while (t->slots[h]) {
        const char *o = blob + t->slots[h] - 1;
        if (key_len_at(o, end) == kl && memcmp(o, line, kl) == 0)
            return; /* first occurrence wins */
        h = (h + 1) & t->mask;
    }
    t->slots[h] = off + 1;
}

static const char *table_find(const table *t, const char *blob, const char *end, const char *key, size_t kl)
{
    size_t h = (size_t)kk_fnv1a(key, kl) & t->mask;
    while (t->slots[h]) {
        const char *o = blob + t->slots[h] - 1;
        if (key_len_at(o, end) == kl && memcmp(o, key, kl) == 0)
            return o;
        h = (h + 1) & t->mask;
    }
    return NULL;
}

kk_lexicon *kk_lexicon_new(int british)
{
    kk_lexicon *lex = calloc(1, sizeof *lex);
    if (!lex)
        return NULL;
    lex->blob = kk_lexicon_blob(british, &lex->blob_len);
    const char *end = lex->blob + lex->blob_len;
    size_t counts[2] = {0, 0};
    int level = -1;
    for (int pass = 0; pass < 2; pass++) {
        level = -1;
        const char *p = lex->blob;
        while (p < end) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            if (!nl)
                nl = end;
            if (*p == '=')
                level = (nl - p > 1 && p[1] == 's') ? KK_LEX_SILVER : KK_LEX_GOLD;
            else if (*p != '#' && level >= 0 && key_len_at(p, nl) > 0) {
                if (pass == 0)
                    counts[level]++;
                else
                    table_put(&lex->t[level], lex->blob, end, (uint32_t)(p - lex->blob));
            }
            p = nl + 1;
        }
        if (pass == 0 && (!table_init(&lex->t[0], counts[0]) || !table_init(&lex->t[1], counts[1]))) {
            kk_lexicon_free(lex);
            return NULL;
        }
    }
    return lex;
}

void kk_lexicon_free(kk_lexicon *lex)
{
    if (!lex)
        return;
    free(lex->t[0].slots);
    free(lex->t[1].slots);
    free(lex);
}

static int fill(const kk_lexicon *lex, const char *line, size_t kl, kk_lex_value *out)
{
    const char *end = lex->blob + lex->blob_len;
    const char *v = line + kl + 1;
    const char *nl = memchr(v, '\n', (size_t)(end - v));
    if (!nl)
        nl = end;
    out->pos = (v < nl && *v == '@');
    out->val = v + out->pos;
    out->len = (size_t)(nl - out->val);
    return 1;
}

static int is_lower_ascii_word(const char *w, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (w[i] >= 'A' && w[i] <= 'Z')
            return 0;
    return 1;
}

int kk_lexicon_get(const kk_lexicon *lex, int level, const char *word, size_t n, kk_lex_value *out)
{
    const char *end = lex->blob + lex->blob_len;
    const table *t = &lex->t[level];
    if (n == 0 || n > 256)
        return 0;
    const char *line = table_find(t, lex->blob, end, word, n);
    if (line)
        return fill(lex, line, n, out);
    if (n < 2)
        return 0;
    /* grow_dictionary: keys are ASCII, so Python's lower()/capitalize() are byte operations. */
    char tmp[257];
    memcpy(tmp, word, n);
    if (is_lower_ascii_word(word, n)) {
        if (!(tmp[0] >= 'a' && tmp[0] <= 'z'))
            return 0;
        tmp[0] = (char)(tmp[0] - 32);
    } else {
        if (!(word[0] >= 'A' && word[0] <= 'Z') || !is_lower_ascii_word(word + 1, n - 1))
            return 0;
        tmp[0] = (char)(tmp[0] + 32);
    }
    line = table_find(t, lex->blob, end, tmp, n);
    return line ? fill(lex, line, n, out) : 0;
}

static const char *parent_tag(const char *tag)
{
    if (!tag)
        return NULL;
    if (!strncmp(tag, "VB", 2)) return "VERB";
    if (!strncmp(tag, "NN", 2)) return "NOUN";
    if (!strncmp(tag, "ADV", 3) || !strncmp(tag, "RB", 2)) return "ADV";
    if (!strncmp(tag, "ADJ", 3) || !strncmp(tag, "JJ", 2)) return "ADJ";
    return tag;
}

/* Finds TAG= in a "TAG=PS|TAG=PS" list; sets *ps and *pl to its value. */
static int find_tag(const char *v, size_t n, const char *tag, const char **ps, size_t *pl)
{
    size_t tl = strlen(tag);
    size_t i = 0;
    while (i < n) {
        size_t j = i;
        while (j < n && v[j] != '|')
            j++;
        if (j - i > tl && memcmp(v + i, tag, tl) == 0 && v[i + tl] == '=') {
            *ps = v + i + tl + 1;
            *pl = j - (i + tl + 1);
            return 1;
        }
        i = j + 1;
    }
    return 0;
}

int kk_lexicon_resolve(const kk_lex_value *v, const char *tag, int at_phrase_end, char *out, size_t cap)
{
    const char *ps = v->val;
    size_t pl = v->len;
    if (v->pos) {
        int found = 0;
        if (at_phrase_end)
            found = find_tag(v->val, v->len, "None", &ps, &pl);
        if (!found && tag) {
            found = find_tag(v->val, v->len, tag, &ps, &pl);
            if (!found) {
                const char *p = parent_tag(tag);
                found = p && find_tag(v->val, v->len, p, &ps, &pl);
            }
        }
        if (!found && !find_tag(v->val, v->len, "DEFAULT", &ps, &pl))
            return 0;
        if (pl == 1 && ps[0] == '~')
            return 0;
    }
    if (pl >= cap)
        pl = cap - 1;
    memcpy(out, ps, pl);
    out[pl] = '\0';
    return 1;
}
