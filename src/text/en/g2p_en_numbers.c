/* misaki Lexicon.get_number: digits, ordinals, years, decimals, currencies. */
#include "text/en/g2p_en_internal.h"
#include "text/numwords.h"
#include "text/sbuf.h"
#include "util/error.h"

/* ------------------------------------------------------------------ numbers */

int kk_en_is_digits(const char *s, size_t n)
{
    if (!n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!kk_uc_digit((unsigned char)s[i]))
            return 0;
    return 1;
}

int kk_en_is_number(const char *w, size_t n, int is_head)
{
    int any = 0;
    for (size_t i = 0; i < n; i++)
        any |= kk_uc_digit((unsigned char)w[i]);
    if (!any)
        return 0;
    static const char *sufs[] = {"ing", "'d", "ed", "'s", "st", "nd", "rd", "th", "s"};
    for (size_t k = 0; k < sizeof sufs / sizeof sufs[0]; k++)
        if (ends_with(w, n, sufs[k])) {
            n -= strlen(sufs[k]);
            break;
        }
    for (size_t i = 0; i < n; i++) {
        char c = w[i];
        if (!(kk_uc_digit((unsigned char)c) || c == ',' || c == '.' || (is_head && i == 0 && c == '-')))
            return 0;
    }
    return 1;
}

typedef struct {
    char ps[PSMAX];
    int rating; /* 0 = nothing yet */
    int count;
} numres;

static void num_push(numres *r, const char *ps, int rating)
{
    if (r->count)
        append_ps(r->ps, " ");
    append_ps(r->ps, ps);
    r->rating = r->count ? (rating < r->rating ? rating : r->rating) : rating;
    r->count++;
}

static void num_lookup_push(const kk_g2p_en *g, numres *r, const char *w, double stress)
{
    char ps[PSMAX];
    int rt = kk_en_lookup(g, w, strlen(w), NULL, stress, NULL, ps);
    if (rt)
        num_push(r, ps, rt);
}

/* misaki's extend_num over a word list (already spelled) */
static void extend_words(const kk_g2p_en *g, numres *r, const char *words, int first, const char *flags)
{
    /* split on non-letters */
    char buf[PSMAX];
    set_ps(buf, words);
    const char *list[256];
    size_t nl = 0;
    char *p = buf;
    while (*p && nl < 256) {
        while (*p && !(*p >= 'a' && *p <= 'z'))
            p++;
        if (!*p)
            break;
        list[nl++] = p;
        while (*p >= 'a' && *p <= 'z')
            p++;
        if (*p)
            *p++ = '\0';
    }
    for (size_t i = 0; i < nl; i++) {
        const char *w = list[i];
        if (strcmp(w, "and") || strchr(flags, '&')) {
            if (first && i == 0 && nl > 1 && !strcmp(w, "one") && strchr(flags, 'a'))
                num_push(r, "ə", 4);
            else
                num_lookup_push(g, r, w, !strcmp(w, "point") ? -2 : NOSTRESS);
        } else if (strchr(flags, 'n') && r->count) {
            append_ps(r->ps, "ən");
        }
    }
}

static void extend_num(const kk_g2p_en *g, numres *r, const char *digits, size_t n, int first, const char *flags)
{
    kk_sbuf b;
    kk_sbuf_init(&b);
    if (kk_num_cardinal(digits, n, &b) && b.s)
        extend_words(g, r, b.s, first, flags);
    else /* beyond num2words' range: digit by digit */
        for (size_t i = 0; i < n; i++) {
            kk_sbuf_clear(&b);
            if (kk_num_cardinal(digits + i, 1, &b) && b.s)
                extend_words(g, r, b.s, 0, flags);
        }
    kk_sbuf_free(&b);
}

static void each_digit(const kk_g2p_en *g, numres *r, const char *s, size_t n, const char *flags)
{
    for (size_t i = 0; i < n; i++)
        extend_num(g, r, s + i, 1, 0, flags);
}

int kk_en_get_number(const kk_g2p_en *g, const char *word, size_t n, char currency, int is_head,
                      const char *flags, char *out)
{
    char w[WMAX + 1];
    if (n > WMAX)
        return 0;
    size_t sl = 0;
    while (sl < n && ((word[n - 1 - sl] >= 'a' && word[n - 1 - sl] <= 'z') || word[n - 1 - sl] == '\''))
        sl++;
    char suffix[WMAX + 1];
    memcpy(suffix, word + n - sl, sl);
    suffix[sl] = '\0';
    n -= sl;
    memcpy(w, word, n);
    w[n] = '\0';
    numres r;
    r.ps[0] = '\0';
    r.rating = 0;
    r.count = 0;
    const char *s = w;
    if (n && s[0] == '-') {
        num_lookup_push(g, &r, "minus", NOSTRESS);
        s++;
        n--;
    }
    char nocomma[WMAX + 1];
    size_t nc = 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] != ',')
            nocomma[nc++] = s[i];
    nocomma[nc] = '\0';
    int dots = 0;
    for (size_t i = 0; i < n; i++)
        dots += s[i] == '.';
    int is_ord = !strcmp(suffix, "st") || !strcmp(suffix, "nd") || !strcmp(suffix, "rd") || !strcmp(suffix, "th");
    if (!is_head && !dots) {
        if (!nc) {
        } else if (nocomma[0] == '0' || nc > 3)
            each_digit(g, &r, nocomma, nc, flags);
        else if (nc == 3 && !(nocomma[1] == '0' && nocomma[2] == '0')) {
            extend_num(g, &r, nocomma, 1, 1, flags);
            if (nocomma[1] == '0') {
                num_lookup_push(g, &r, "O", -2);
                extend_num(g, &r, nocomma + 2, 1, 0, flags);
            } else
                extend_num(g, &r, nocomma + 1, 2, 0, flags);
        } else
            extend_num(g, &r, nocomma, nc, 1, flags);
    } else if (dots > 1 || !is_head) {
        int first = 1;
        size_t a = 0;
        while (a <= nc) {
            size_t b = a;
            while (b < nc && nocomma[b] != '.')
                b++;
            size_t len = b - a;
            if (len) {
                int nonzero_tail = 0;
                for (size_t i = a + 1; i < b; i++)
                    nonzero_tail |= nocomma[i] != '0';
                if (nocomma[a] == '0' || (len != 2 && nonzero_tail))
                    each_digit(g, &r, nocomma + a, len, flags);
                else
                    extend_num(g, &r, nocomma + a, len, first, flags);
            }
            first = 0;
            a = b + 1;
        }
    } else if (currency && (dots == 0 || (nc - (size_t)(strchr(nocomma, '.') - nocomma) - 1) < 3)) {
        const char *unit = NULL, *sub = NULL;
        for (size_t i = 0; i < 3; i++)
            if (CURRENCIES[i].sym == currency) {
                unit = CURRENCIES[i].unit;
                sub = CURRENCIES[i].sub;
            }
        char *dot = strchr(nocomma, '.');
        const char *parts[2] = {nocomma, dot ? dot + 1 : NULL};
        size_t lens[2] = {dot ? (size_t)(dot - nocomma) : nc, dot ? strlen(dot + 1) : 0};
        int np = dot ? 2 : 1;
        int zero[2];
        for (int i = 0; i < np; i++) {
            zero[i] = 1;
            for (size_t k = 0; k < lens[i]; k++)
                zero[i] &= parts[i][k] == '0';
        }
        int from = 0, to = np;
        if (np > 1) {
            if (zero[1])
                to = 1;
            else if (zero[0])
                from = 1;
        }
        for (int i = from; i < to; i++) {
            if (i > from)
                num_lookup_push(g, &r, "and", NOSTRESS);
            const char *ds = lens[i] ? parts[i] : "0";
            size_t dl = lens[i] ? lens[i] : 1;
            extend_num(g, &r, ds, dl, i == from, flags);
            const char *u = i == 0 ? unit : sub;
            int one = 0;
            {
                size_t k = 0;
                while (k + 1 < dl && ds[k] == '0')
                    k++;
                one = (dl - k == 1 && ds[k] == '1');
            }
            char ps[PSMAX];
            if (!one && strcmp(u, "pence")) {
                char plural[32];
                snprintf(plural, sizeof plural, "%ss", u);
                ctx_t none = {-1, 0};
                if (kk_en_stem_s(g, plural, strlen(plural), NULL, NOSTRESS, &none, ps))
                    num_push(&r, ps, 3);
            } else
                num_lookup_push(g, &r, u, NOSTRESS);
        }
    } else {
        kk_sbuf b;
        kk_sbuf_init(&b);
        int ok = 1;
        if (kk_en_is_digits(s, n)) {
            if (is_ord)
                ok = kk_num_ordinal(s, n, &b);
            else if (!r.count && n == 4)
                ok = kk_num_year(s, n, &b);
            else
                ok = kk_num_cardinal(s, n, &b);
        } else if (!dots) {
            ok = kk_en_is_digits(nocomma, nc) && (is_ord ? kk_num_ordinal(nocomma, nc, &b) : kk_num_cardinal(nocomma, nc, &b));
        } else if (nocomma[0] == '.') {
            kk_sbuf_adds(&b, "point");
            for (size_t i = 1; i < nc; i++) {
                if (!kk_uc_digit((unsigned char)nocomma[i]))
                    continue;
                kk_sbuf_addc(&b, ' ');
                kk_num_cardinal(nocomma + i, 1, &b);
            }
        } else {
            /* num2words(float): integer part, "point", then the digits of Python's shortest
             * repr of the fraction (trailing zeros dropped, at least one digit). */
            char *dot = strchr(nocomma, '.');
            size_t il = (size_t)(dot - nocomma);
            const char *frac = dot + 1;
            size_t fl = strlen(frac);
            while (fl > 1 && frac[fl - 1] == '0')
                fl--;
            ok = il ? kk_num_cardinal(nocomma, il, &b) : kk_num_cardinal("0", 1, &b);
            kk_sbuf_adds(&b, " point");
            if (!fl) {
                kk_sbuf_adds(&b, " zero");
            }
            for (size_t i = 0; i < fl; i++) {
                if (!kk_uc_digit((unsigned char)frac[i]))
                    continue;
                kk_sbuf_addc(&b, ' ');
                kk_num_cardinal(frac + i, 1, &b);
            }
        }
        if (!ok) { /* too long for num2words: read the digits one by one */
            kk_sbuf_clear(&b);
            for (size_t i = 0; i < nc; i++)
                if (kk_uc_digit((unsigned char)nocomma[i])) {
                    kk_sbuf_addc(&b, ' ');
                    kk_num_cardinal(nocomma + i, 1, &b);
                }
        }
        if (b.s)
            extend_words(g, &r, b.s, 1, flags);
        kk_sbuf_free(&b);
    }
    if (!r.count)
        return 0;
    set_ps(out, r.ps);
    if (!strcmp(suffix, "s") || !strcmp(suffix, "'s"))
        kk_en_suffix_s(g->british, out);
    else if (!strcmp(suffix, "ed") || !strcmp(suffix, "'d"))
        kk_en_suffix_ed(g->british, out);
    else if (!strcmp(suffix, "ing")) {
        if (!kk_en_suffix_ing(g->british, out))
            return 0;
    }
    return r.rating;
}

