#include "text/chunker.h"

#include <stdlib.h>
#include <string.h>

#include "text/sbuf.h"
#include "util/error.h"

static int grow(kk_units *u)
{
    if (u->n < u->cap)
        return 1;
    size_t cap = u->cap ? u->cap * 2 : 256;
    kk_unit *v = realloc(u->v, cap * sizeof *v);
    if (!v)
        return 0;
    u->v = v;
    u->cap = cap;
    return 1;
}

static int push_one(kk_units *u, size_t a, size_t b, char *text, char *ps, int ws)
{
    if (!grow(u)) {
        free(text);
        free(ps);
        return 0;
    }
    u->v[u->n++] = (kk_unit){a, b, text, ps, kk_u8_count(ps, strlen(ps)), ws, 0, 0, 0};
    return 1;
}

int kk_units_push(kk_units *u, size_t a, size_t b, char *text, char *ps, int ws)
{
    if (!text || !ps) {
        free(text);
        free(ps);
        return 0;
    }
    size_t len = strlen(ps);
    if (kk_u8_count(ps, len) <= KOKORO_MAX_PHONEMES)
        return push_one(u, a, b, text, ps, ws);
    /* Too long for one chunk: cut at the last space within the limit, else at the limit. */
    size_t i = 0;
    int ok = 1;
    while (ok && i < len) {
        size_t j = i, cps = 0, last_space = 0;
        while (j < len && cps < KOKORO_MAX_PHONEMES) {
            if (ps[j] == ' ')
                last_space = j;
            kk_u8_next(ps, len, &j);
            cps++;
        }
        size_t cut = j, next = j;
        if (j < len && last_space > i) {
            cut = last_space;
            next = last_space + 1;
        }
        int last = next >= len;
        char *piece = malloc(cut - i + 1);
        char *t = strdup(text);
        if (piece) {
            memcpy(piece, ps + i, cut - i);
            piece[cut - i] = '\0';
        }
        ok = piece && t && push_one(u, a, b, t, piece, last ? ws : (next != cut));
        if (!ok && (!piece || !t)) {
            free(piece);
            free(t);
        }
        i = next;
    }
    free(text);
    free(ps);
    return ok;
}

int kk_units_push_pause(kk_units *u, size_t a, size_t b, double seconds)
{
    char *t = strdup(""), *p = strdup("");
    if (!t || !p || !grow(u)) {
        free(t);
        free(p);
        return 0;
    }
    u->v[u->n++] = (kk_unit){a, b, t, p, 0, 0, 1, seconds, 0};
    return 1;
}

void kk_units_free(kk_units *u)
{
    for (size_t i = 0; i < u->n; i++) {
        free(u->v[i].text);
        free(u->v[i].ps);
    }
    free(u->v);
    u->v = NULL;
    u->n = u->cap = 0;
}

/* ------------------------------------------------------------------ packing */

typedef struct {
    kokoro_chunk *v;
    size_t n, cap;
} chunk_list;

static int chunk_push(chunk_list *c, kokoro_chunk ch)
{
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 16;
        kokoro_chunk *v = realloc(c->v, cap * sizeof *v);
        if (!v)
            return 0;
        c->v = v;
        c->cap = cap;
    }
    c->v[c->n++] = ch;
    return 1;
}

/* Code points of ''.join(ps + ' ' if ws).strip() over units [a, b). */
static size_t joined_len(const kk_units *u, size_t a, size_t b)
{
    size_t total = 0, lead = 0, trail = 0;
    int seen = 0;
    for (size_t i = a; i < b; i++) {
        const kk_unit *x = &u->v[i];
        size_t sp = x->ws ? 1 : 0;
        if (!seen && x->ps_cps == 0) {
            lead += sp;
        } else if (x->ps_cps) {
            seen = 1;
            trail = 0;
        }
        total += x->ps_cps + sp;
        if (seen)
            trail += sp;
    }
    if (!seen)
        return 0;
    return total - lead - trail;
}

/* Code points of ''.join(ps + ' ' if ws).lstrip() over units [a, b): a chunk still being filled. */
static size_t open_len(const kk_units *u, size_t a, size_t b)
{
    size_t n = 0;
    for (size_t i = a; i < b; i++)
        if (n || u->v[i].ps_cps)
            n += u->v[i].ps_cps + (u->v[i].ws ? 1 : 0);
    return n;
}

static int is_mark(const kk_unit *x, const char *set)
{
    if (x->ps_cps != 1)
        return 0;
    return strstr(set, x->ps) != NULL && x->ps[0];
}

static int ends_with_mark(const kk_unit *x, const char *set)
{
    size_t n = strlen(x->ps);
    if (!n)
        return 0;
    size_t p = n - 1;
    while (p > 0 && ((unsigned char)x->ps[p] & 0xC0) == 0x80)
        p--;
    char last[8] = {0};
    memcpy(last, x->ps + p, n - p < 7 ? n - p : 7);
    return strstr(set, last) != NULL;
}

static int is_bump(const kk_unit *x) { return is_mark(x, ")") || is_mark(x, "”"); }

/* KPipeline.waterfall_last over [a, b): where to cut before adding a unit that makes next_count. */
static size_t waterfall(const kk_units *u, size_t a, size_t b, size_t next_count)
{
    static const char *levels[] = {"!.?…", ":;", ",—"};
    for (int l = 0; l < 3; l++) {
        size_t z = b;
        for (size_t i = b; i-- > a;)
            if (is_mark(&u->v[i], levels[l])) {
                z = i;
                break;
            }
        if (z == b)
            continue;
        z++;
        if (z < b && is_bump(&u->v[z]))
            z++;
        size_t head = joined_len(u, a, z);
        if (next_count - (head < next_count ? head : next_count) <= KOKORO_MAX_PHONEMES)
            return z;
    }
    return b;
}

static void free_chunk(kokoro_chunk *c)
{
    free(c->phonemes);
    free(c->text);
    free(c->words);
}

/* Builds the chunk of units [a, b); returns 0 when out of memory, sets *empty when it holds
 * no phonemes (and then builds nothing). */
static int build_chunk(const kk_units *u, size_t a, size_t b, kokoro_chunk *out, int *empty)
{
    memset(out, 0, sizeof *out);
    *empty = 1;
    if (a >= b)
        return 1;
    kk_sbuf ps, tx;
    kk_sbuf_init(&ps);
    kk_sbuf_init(&tx);
    kokoro_word *words = malloc((b - a) * sizeof *words);
    if (!words)
        return 0;
    size_t nw = 0, cp = 0;
    size_t src_a = (size_t)-1, src_b = 0;
    for (size_t i = a; i < b; i++) {
        const kk_unit *x = &u->v[i];
        if (x->ps_cps) {
            words[nw++] = (kokoro_word){x->src_start, x->src_end, cp, cp + x->ps_cps};
            if (x->src_start < src_a)
                src_a = x->src_start;
            if (x->src_end > src_b)
                src_b = x->src_end;
        }
        kk_sbuf_adds(&ps, x->ps);
        cp += x->ps_cps;
        kk_sbuf_adds(&tx, x->text);
        if (x->ws && i + 1 < b) {
            kk_sbuf_addc(&ps, ' ');
            kk_sbuf_addc(&tx, ' ');
            cp++;
        }
    }
    if (!nw || ps.oom || tx.oom) {
        int oom = ps.oom || tx.oom;
        free(words);
        kk_sbuf_free(&ps);
        kk_sbuf_free(&tx);
        return !oom;
    }
    /* strip: leading spaces shift every span */
    size_t lead = 0;
    while (lead < ps.len && ps.s[lead] == ' ')
        lead++;
    size_t end = ps.len;
    while (end > lead && ps.s[end - 1] == ' ')
        end--;
    size_t total_cps = cp - lead - (ps.len - end);
    /* (leading spaces are ASCII: bytes and code points agree; a word's own phonemes may start
     * with spaces, as custom ones can) */
    for (size_t k = 0; k < nw; k++) {
        words[k].ph_start = words[k].ph_start > lead ? words[k].ph_start - lead : 0;
        words[k].ph_end = words[k].ph_end > lead ? words[k].ph_end - lead : 0;
        if (words[k].ph_end > total_cps)
            words[k].ph_end = total_cps;
        if (words[k].ph_start > words[k].ph_end)
            words[k].ph_start = words[k].ph_end;
    }
    out->phonemes = malloc(end - lead + 1);
    if (out->phonemes) {
        memcpy(out->phonemes, ps.s + lead, end - lead);
        out->phonemes[end - lead] = '\0';
    }
    size_t tl = 0, te = tx.len;
    while (tl < tx.len && tx.s[tl] == ' ')
        tl++;
    while (te > tl && tx.s[te - 1] == ' ')
        te--;
    out->text = malloc(te - tl + 1);
    if (out->text) {
        memcpy(out->text, tx.s + tl, te - tl);
        out->text[te - tl] = '\0';
    }
    kk_sbuf_free(&ps);
    kk_sbuf_free(&tx);
    out->words = words;
    out->n_words = nw;
    out->src_start = src_a;
    out->src_end = src_b;
    if (!out->phonemes || !out->text) {
        free_chunk(out);
        memset(out, 0, sizeof *out);
        return 0;
    }
    *empty = 0;
    return 1;
}

typedef struct {
    const kk_units *u;
    chunk_list *cl;
    int oom;
    int first_pending;
} packer;

/* Words before which a phrase can end without sounding cut off: a break there falls where a
 * speaker could take a breath (English; other languages cut at the last word that fits). */
static int starts_phrase(const kk_unit *x)
{
    static const char *const words[] = {
        "a", "about", "after", "against", "also", "although", "among", "an", "and", "as", "at",
        "because", "before", "behind", "below", "beneath", "beside", "between", "beyond", "but",
        "by", "during", "every", "for", "from", "if", "in", "inside", "into", "like", "near",
        "nor", "of", "on", "onto", "or", "over", "past", "since", "so", "than", "that", "the",
        "then", "though", "through", "throughout", "till", "to", "toward", "towards", "under",
        "unless", "until", "upon", "when", "whenever", "where", "whereas", "wherever", "whether",
        "which", "while", "who", "whom", "whose", "with", "within", "without", "yet"};
    if (!x->text || !x->ps_cps)
        return 0;
    char low[16];
    size_t n = strlen(x->text);
    if (n == 0 || n >= sizeof low)
        return 0;
    for (size_t i = 0; i <= n; i++)
        low[i] = (char)(x->text[i] >= 'A' && x->text[i] <= 'Z' ? x->text[i] + 32 : x->text[i]);
    for (size_t i = 0; i < sizeof words / sizeof *words; i++)
        if (!strcmp(low, words[i]))
            return 1;
    return 0;
}

/* The early cut of the first chunk, or (size_t)-1 for none: the index of the unit after which
 * the first chunk ends inside its clause. Only when the first clause (up to the first clause
 * mark, pause or line end from unit a) is longer than 3/2 of `budget` phonemes, so that a
 * clause of about the budget is never split into a long head and a word-long tail. The cut
 * is at the last word boundary within the budget, or, when one exists in its second half,
 * at the last boundary there that a phrase-starting word follows. */
static size_t first_word_cut(const kk_units *u, size_t a, size_t budget)
{
    if (!budget)
        return (size_t)-1;
    size_t e = a;
    for (; e < u->n; e++) {
        const kk_unit *x = &u->v[e];
        if (x->pause_s > 0 || x->hard_break || ((x->ws || e + 1 == u->n) && ends_with_mark(x, "!.?…:;,—")))
            break;
    }
    if (e >= u->n)
        e = u->n - 1;
    if (joined_len(u, a, e + 1) * 2 <= budget * 3)
        return (size_t)-1;
    size_t last = (size_t)-1, phrase = (size_t)-1;
    for (size_t i = a; i < e; i++) {
        const kk_unit *x = &u->v[i];
        size_t len = joined_len(u, a, i + 1);
        if (len > budget)
            break;
        if (!x->ws || !x->ps_cps || u->v[i + 1].ps_cps == 0)
            continue; /* not between two words */
        if (u->v[i + 1].src_start < x->src_end)
            continue; /* inside one source word's expansion ("$100" -> "one hundred dollars"):
                         its caption must stay in one chunk */
        last = i;
        if (len * 2 >= budget && starts_phrase(&u->v[i + 1]))
            phrase = i;
    }
    return phrase != (size_t)-1 ? phrase : last;
}

static void flush(packer *p, size_t a, size_t b)
{
    if (p->oom || a >= b)
        return;
    kokoro_chunk ch;
    int empty;
    if (!build_chunk(p->u, a, b, &ch, &empty)) {
        p->oom = 1;
        return;
    }
    if (empty)
        return;
    if (!chunk_push(p->cl, ch)) {
        free_chunk(&ch);
        p->oom = 1;
        return;
    }
    p->first_pending = 0;
}

kokoro_status kk_chunk_units(const kk_units *u, size_t first_budget, kokoro_chunk **chunks,
                             size_t *n_chunks, kokoro_error *err)
{
    chunk_list cl = {0};
    packer p = {u, &cl, 0, 1};
    size_t early = (size_t)-1; /* the first chunk's cut inside its clause, once decided */
    int early_decided = 0;
    size_t cs = 0;          /* first unit of the chunk being filled */
    size_t count = 0;       /* KPipeline's pcount for [cs, i) */
    int pending_cut = 0;    /* a soft cut is due after the unit just added */
    for (size_t i = 0; i < u->n && !p.oom; i++) {
        const kk_unit *x = &u->v[i];
        if (x->pause_s > 0) {
            flush(&p, cs, i);
            kokoro_chunk ch;
            memset(&ch, 0, sizeof ch);
            ch.phonemes = strdup("");
            ch.text = strdup("");
            ch.pause_s = x->pause_s;
            ch.src_start = x->src_start;
            ch.src_end = x->src_end;
            if (!ch.phonemes || !ch.text || !chunk_push(&cl, ch)) {
                free_chunk(&ch);
                p.oom = 1;
            }
            cs = i + 1;
            count = 0;
            pending_cut = 0;
            continue;
        }
        if (pending_cut) {
            pending_cut = 0;
            if (is_bump(x) && count + 1 <= KOKORO_MAX_PHONEMES) {
                flush(&p, cs, i + 1);
                cs = i + 1;
                count = 0;
                continue;
            }
            flush(&p, cs, i);
            cs = i;
            count = 0;
        }
        /* count: code points of the chunk so far without leading spaces, trailing ones included
         * (KPipeline's own count loses a space after a cut and may reach 511; this one cannot) */
        size_t next_count = count + x->ps_cps;
        if (next_count > KOKORO_MAX_PHONEMES && cs < i) {
            size_t z = waterfall(u, cs, i, next_count);
            flush(&p, cs, z);
            cs = z;
            count = open_len(u, cs, i);
            if (count + x->ps_cps > KOKORO_MAX_PHONEMES) {
                flush(&p, cs, i);
                cs = i;
                count = 0;
            }
        }
        if (count || x->ps_cps)
            count += x->ps_cps + (x->ws ? 1 : 0);
        if (p.first_pending && !early_decided && x->ps_cps) {
            early = first_word_cut(u, cs, first_budget);
            early_decided = 1;
        }
        if (i == early && p.first_pending && !x->hard_break) {
            size_t before = cl.n;
            flush(&p, cs, i + 1);
            if (cl.n > before)
                cl.v[cl.n - 1].joins_next = 1;
            cs = i + 1;
            count = 0;
            continue;
        }
        if (x->hard_break) {
            flush(&p, cs, i + 1);
            cs = i + 1;
            count = 0;
            continue;
        }
        int boundary = x->ws || i + 1 == u->n;
        if (boundary && p.first_pending && ends_with_mark(x, "!.?…:;,—") && joined_len(u, cs, i + 1) > 1)
            pending_cut = 1;
        else if (boundary && (ends_with_mark(x, "!.?…") || x->clause_end) &&
                 joined_len(u, cs, i + 1) >= KK_CHUNK_TARGET)
            pending_cut = 1;
    }
    flush(&p, cs, u->n);
    if (p.oom) {
        kokoro_chunks_free(cl.v, cl.n);
        return kk_fail(err, KOKORO_ERR_NO_MEMORY, "out of memory while chunking");
    }
    *chunks = cl.v;
    *n_chunks = cl.n;
    return KOKORO_OK;
}

void kokoro_chunks_free(kokoro_chunk *chunks, size_t n_chunks)
{
    if (!chunks)
        return;
    for (size_t i = 0; i < n_chunks; i++)
        free_chunk(&chunks[i]);
    free(chunks);
}
