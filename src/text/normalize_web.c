/* E-mail addresses and URLs, spoken: "user at example dot com",
 * "https www dot example dot com slash docs". */
#include <string.h>

#include "text/normalize_internal.h"

/* ---------------------------------------------------------------- emails */

static int local_char(char c)
{
    return kk_is_alpha((unsigned char)c) || kk_is_digit((unsigned char)c) || c == '.' || c == '_' ||
           c == '%' || c == '+' || c == '-';
}

static int domain_char(char c)
{
    return kk_is_alpha((unsigned char)c) || kk_is_digit((unsigned char)c) || c == '.' || c == '-';
}

/* The domain after an "@" at d0: "[a-z0-9.-]{1,253}\.[a-z]{2,}\b", longest first. Returns the
 * end of the match, or 0. */
static size_t email_domain_end(const char *s, size_t len, size_t d0)
{
    size_t r = 0;
    while (d0 + r < len && domain_char(s[d0 + r]))
        r++;
    if (r < 4)
        return 0;
    size_t kmax = r - 1 < 253 ? r - 1 : 253;
    for (size_t k = kmax; k >= 1; k--) {
        if (s[d0 + k] != '.')
            continue;
        size_t c = 0;
        while (d0 + k + 1 + c < len && kk_is_alpha((unsigned char)s[d0 + k + 1 + c]))
            c++;
        size_t end = d0 + k + 1 + c;
        if (c >= 2 && !kk_is_word(kk_cp_at(s, len, end)))
            return end;
    }
    return 0;
}

int kk_pass_emails(kk_ntext *t)
{
    kk_rw rw;
    kk_rw_init(&rw, t);
    const char *s = t->s;
    size_t len = t->len;
    kk_buf b = {0};
    size_t memo_at = (size_t)-1, memo_end = 0; /* domain result for the last "@" seen */
    for (size_t i = 0; i < len; i++) {
        if (!local_char(s[i]) || !kk_word_boundary(s, len, i))
            continue;
        size_t l = 0;
        while (l <= 64 && i + l < len && local_char(s[i + l]))
            l++;
        if (l == 0 || l > 64 || i + l >= len || s[i + l] != '@')
            continue;
        size_t at = i + l;
        if (at != memo_at) {
            memo_at = at;
            memo_end = email_domain_end(s, len, at + 1);
        }
        if (!memo_end)
            continue;
        b.len = 0;
        kk_buf_put(&b, s + i, l);
        kk_buf_puts(&b, " at ");
        for (size_t k = at + 1; k < memo_end; k++) {
            if (s[k] == '.')
                kk_buf_puts(&b, " dot ");
            else
                kk_buf_putc(&b, s[k]);
        }
        if (b.oom)
            break;
        kk_rw_replace_buf(&rw, i, memo_end, &b);
        i = memo_end - 1;
    }
    int oom = b.oom;
    kk_buf_free(&b);
    if (oom)
        rw.out.oom = 1;
    return kk_rw_finish(&rw);
}

/* ---------------------------------------------------------------- URLs */

/* The reference's top-level domains, in its order (the first that matches wins). */
static const char *const TLDS[] = {
    "com",  "org", "net", "edu",    "gov", "mil", "int",  "biz",  "info", "name",
    "pro",  "coop", "museum", "travel", "jobs", "mobi", "tel", "asia", "cat",
    ("x" "xx"), /* the adult-content TLD, spelled in two parts */
    "aero", "arpa", "bg",  "br",     "ca",  "cn",  "de",   "es",   "eu",   "fr",
    "in",   "it",  "jp",  "mx",     "nl",  "ru",  "uk",   "us",   "io",   "co"};

static size_t tld_at(const char *s, size_t len, size_t i)
{
    for (size_t k = 0; k < sizeof TLDS / sizeof *TLDS; k++)
        if (kk_starts_ci(s, len, i, TLDS[k]))
            return strlen(TLDS[k]);
    return 0;
}

/* "\d{1,3}" followed by '.' (or, for the last group, anything). */
static size_t ipv4_end(const char *s, size_t len, size_t p)
{
    for (int g = 0; g < 4; g++) {
        size_t d = kk_digits_max(s, len, p, 4);
        if (d == 0)
            return 0;
        if (g < 3) {
            if (d > 3 || p + d >= len || s[p + d] != '.')
                return 0;
            p += d + 1;
        } else {
            p += d > 3 ? 3 : d;
        }
    }
    return p;
}

/* localhost | [a-z0-9.-]{1,253}(\.TLD)+ | IPv4 at p; returns the host end or 0. */
static size_t host_end(const char *s, size_t len, size_t p)
{
    if (kk_starts_ci(s, len, p, "localhost"))
        return p + 9;
    size_t r = 0;
    while (p + r < len && r <= 254 && domain_char(s[p + r]))
        r++;
    if (r >= 2) {
        size_t kmax = r - 1 < 253 ? r - 1 : 253;
        for (size_t k = kmax; k >= 1; k--) {
            size_t n;
            if (s[p + k] != '.' || !(n = tld_at(s, len, p + k + 1)))
                continue;
            size_t e = p + k + 1 + n;
            while (e < len && s[e] == '.' && (n = tld_at(s, len, e + 1)) != 0)
                e += 1 + n;
            return e;
        }
    }
    return ipv4_end(s, len, p);
}

/* Matches a URL starting at i (the caller checked the look-behind); returns its end or 0. */
static size_t url_end(const char *s, size_t len, size_t i)
{
    size_t proto = kk_starts_ci(s, len, i, "https://") ? 8 : kk_starts_ci(s, len, i, "http://") ? 7 : 0;
    size_t protos[2] = {proto, 0};
    for (int a = proto ? 0 : 1; a < 2; a++) {
        size_t p0 = i + protos[a];
        size_t www = kk_starts_ci(s, len, p0, "www.") ? 4 : 0;
        size_t wwws[2] = {www, 0};
        for (int w = www ? 0 : 1; w < 2; w++) {
            size_t e = host_end(s, len, p0 + wwws[w]);
            if (!e)
                continue;
            if (e + 1 < len && s[e] == ':' && kk_is_digit((unsigned char)s[e + 1]))
                e += 1 + kk_digits(s, len, e + 1);
            if (e < len && (s[e] == '/' || s[e] == '?')) {
                while (e < len) {
                    uint32_t cp;
                    size_t n = kk_utf8_next(s, len, e, &cp);
                    if (kk_is_space(cp))
                        break;
                    e += n;
                }
            }
            return e;
        }
    }
    return 0;
}

/* The reference's handle_url on u[0, n). */
static void speak_url(kk_buf *out, const char *u, size_t n)
{
    kk_buf a = {0}, b = {0};
    size_t i = 0;
    if (kk_starts_ci(u, n, 0, "https://")) {
        kk_buf_puts(&a, "https ");
        i = 8;
    } else if (kk_starts_ci(u, n, 0, "http://")) {
        kk_buf_puts(&a, "http ");
        i = 7;
    } else if (kk_starts_ci(u, n, 0, "www.")) {
        kk_buf_puts(&a, "www ");
        i = 4;
    }
    kk_buf_put(&a, u + i, n - i);
    /* ":8080" before "/" or the end → " colon 8080". */
    for (size_t k = 0; k < a.len;) {
        size_t d = a.s[k] == ':' ? kk_digits(a.s, a.len, k + 1) : 0;
        if (d && (k + 1 + d == a.len || a.s[k + 1 + d] == '/')) {
            kk_buf_puts(&b, " colon ");
            kk_buf_put(&b, a.s + k + 1, d);
            k += 1 + d;
        } else {
            kk_buf_putc(&b, a.s[k++]);
        }
    }
    /* Dots are spoken in the host only; a lone trailing "/" is dropped. */
    a.len = 0;
    size_t slash = 0;
    while (slash < b.len && b.s[slash] != '/')
        slash++;
    for (size_t k = 0; k < slash; k++) {
        if (b.s[k] == '.')
            kk_buf_puts(&a, " dot ");
        else
            kk_buf_putc(&a, b.s[k]);
    }
    if (slash + 1 < b.len) {
        kk_buf_puts(&a, " slash ");
        kk_buf_put(&a, b.s + slash + 1, b.len - slash - 1);
    }
    b.len = 0;
    for (size_t k = 0; k < a.len; k++) {
        switch (a.s[k]) {
        case '-': kk_buf_puts(&b, " dash "); break;
        case '_': kk_buf_puts(&b, " underscore "); break;
        case '?': kk_buf_puts(&b, " question-mark "); break;
        case '=': kk_buf_puts(&b, " equals "); break;
        case '&': kk_buf_puts(&b, " ampersand "); break;
        case '%': kk_buf_puts(&b, " percent "); break;
        case ':': kk_buf_puts(&b, " colon "); break;
        case '/': kk_buf_puts(&b, " slash "); break;
        default: kk_buf_putc(&b, a.s[k]); break;
        }
    }
    /* Collapse whitespace and trim. */
    int space = 0;
    for (size_t k = 0; k < b.len;) {
        uint32_t cp;
        size_t m = kk_utf8_next(b.s, b.len, k, &cp);
        if (kk_is_space(cp)) {
            space = 1;
        } else {
            if (space && out->len)
                kk_buf_putc(out, ' ');
            space = 0;
            kk_buf_put(out, b.s + k, m);
        }
        k += m;
    }
    if (a.oom || b.oom)
        out->oom = 1;
    kk_buf_free(&a);
    kk_buf_free(&b);
}

int kk_pass_urls(kk_ntext *t)
{
    kk_rw rw;
    kk_rw_init(&rw, t);
    const char *s = t->s;
    size_t len = t->len;
    kk_buf b = {0};
    for (size_t i = 0; i < len; i++) {
        if (i > 0 && domain_char(s[i - 1]))
            continue;
        size_t e = url_end(s, len, i);
        if (!e)
            continue;
        b.len = 0;
        speak_url(&b, s + i, e - i);
        if (b.oom)
            break;
        kk_rw_replace_buf(&rw, i, e, &b);
        i = e - 1;
    }
    int oom = b.oom;
    kk_buf_free(&b);
    if (oom)
        rw.out.oom = 1;
    return kk_rw_finish(&rw);
}
