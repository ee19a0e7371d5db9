/* Clock times "H:MM[:SS][ am|pm]": "3:30pm" → "three thirty pm", "7:05" → "seven oh five",
 * "9:00" → "nine o'clock", "1:02:03" → "one oh two and three seconds". */
#include "text/normalize_internal.h"

/* " ?: ?" at i; returns the position after it or 0. */
static size_t colon_at(const char *s, size_t len, size_t i)
{
    if (i < len && s[i] == ' ')
        i++;
    if (i >= len || s[i] != ':')
        return 0;
    i++;
    if (i < len && s[i] == ' ')
        i++;
    return i;
}

static int two_digits(const char *s, size_t len, size_t i)
{
    return i + 2 <= len && kk_is_digit((unsigned char)s[i]) && kk_is_digit((unsigned char)s[i + 1]);
}

int kk_pass_times(kk_ntext *t)
{
    kk_rw rw;
    kk_rw_init(&rw, t);
    const char *s = t->s;
    size_t len = t->len;
    kk_buf b = {0};
    for (size_t i = 0; i < len;) {
        /* A longer run can still match from a later digit, as re.sub rescans. */
        size_t hl = kk_digits_max(s, len, i, 2);
        size_t m = hl ? colon_at(s, len, i + hl) : 0;
        if (!m || !two_digits(s, len, m)) {
            i++;
            continue;
        }
        size_t end = m + 2, sec = 0;
        size_t c2 = colon_at(s, len, end);
        if (c2 && two_digits(s, len, c2)) {
            sec = c2;
            end = c2 + 2;
        }
        size_t half = 0, p = end;
        if (p < len && s[p] == ' ')
            p++;
        if (p + 2 <= len && (kk_lower(s[p]) == 'p' || kk_lower(s[p]) == 'a') &&
            kk_lower(s[p + 1]) == 'm' && !kk_is_word(kk_cp_at(s, len, p + 2))) {
            half = p;
            end = p + 2;
        }
        int minute = (s[m] - '0') * 10 + (s[m + 1] - '0');
        b.len = 0;
        kk_words_int(&b, s + i, hl);
        if (minute > 0 && minute < 10) {
            kk_buf_puts(&b, " oh ");
            kk_words_int(&b, s + m, 2);
        } else if (minute >= 10) {
            kk_buf_putc(&b, ' ');
            kk_words_int(&b, s + m, 2);
        }
        if (sec) {
            int seconds = (s[sec] - '0') * 10 + (s[sec + 1] - '0');
            kk_buf_puts(&b, " and ");
            kk_words_int(&b, s + sec, 2);
            kk_buf_puts(&b, seconds == 1 ? " second" : " seconds");
        } else if (!half && minute == 0) {
            kk_buf_puts(&b, " o'clock");
        }
        if (half) {
            kk_buf_putc(&b, ' ');
            kk_buf_put(&b, s + half, 2);
        }
        if (!b.oom)
            kk_rw_replace_buf(&rw, i, end, &b);
        i = end;
    }
    int oom = b.oom;
    kk_buf_free(&b);
    if (oom)
        rw.out.oom = 1;
    return kk_rw_finish(&rw);
}
