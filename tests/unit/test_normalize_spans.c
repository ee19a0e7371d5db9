/* The span map as the front end uses it: every output word maps back to the original word it
 * speaks, through kk_normalize_source_range. */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "kokoro.h"
#include "text/normalize.h"

typedef struct {
    const char *word; /* a word of the output */
    const char *src;  /* the source text it must map to */
} expect;

/* Normalises in, then checks each expected output word's source range. */
static void check_words(const char *in, const char *want_out, const expect *ex, size_t n_ex)
{
    char *out = NULL;
    kokoro_span *sp = NULL;
    size_t n = 0;
    CHECK(kokoro_normalize(in, "a", NULL, &out, &sp, &n, NULL) == KOKORO_OK);
    CHECK_STR_EQ(out, want_out);
    if (!out)
        return;
    for (size_t k = 0; k < n_ex; k++) {
        const char *w = strstr(out, ex[k].word);
        CHECK_MSG(w != NULL, "word '%s' not in '%s'", ex[k].word, out);
        if (!w)
            continue;
        size_t a = (size_t)(w - out), b = a + strlen(ex[k].word), s0 = 0, s1 = 0;
        CHECK(kk_normalize_source_range(in, out, sp, n, a, b, &s0, &s1) == 0);
        CHECK_MSG(s1 - s0 == strlen(ex[k].src) && memcmp(in + s0, ex[k].src, s1 - s0) == 0,
                  "'%s' maps to '%.*s', want '%s'", ex[k].word, (int)(s1 - s0), in + s0, ex[k].src);
    }
    free(out);
    free(sp);
}

int main(void)
{
    const expect e1[] = {{"Pay", "Pay"}, {"dollars", "$5.50"}, {"fifty", "$5.50"}, {"now", "now"}};
    check_words("Pay $5.50 now", "Pay five dollars and fifty cents now", e1, 4);

    const expect e2[] = {{"Doctor", "Dr."}, {"Who", "Who"}, {"thirty", "3:30pm"}, {"pm", "3:30pm"}};
    check_words("Dr. Who at 3:30pm", "Doctor Who at three thirty pm", e2, 4);

    const expect e3[] = {{"nineteen", "1984"}, {"eighty-four", "1984"}, {"In", "In"}};
    check_words("In 1984,", "In nineteen eighty-four,", e3, 3);

    const expect e4[] = {{"john", "john@example.com"}, {"dot", "john@example.com"},
                         {"mail", "mail"}};
    check_words("mail john@example.com", "mail john at example dot com", e4, 3);

    const expect e5[] = {{"how are", "how're"}, {"you", "you"}};
    check_words("how're you", "how are you", e5, 2);

    const expect e6[] = {{"and", "&"}, {"B", "B"}, {"percent", "%"}};
    check_words("A & B 5%", "A and B five percent ", e6, 3);

    /* Multi-byte and invalid bytes copied through keep exact offsets. */
    const expect e7[] = {{"caf\xC3\xA9", "caf\xC3\xA9"}, {"\xFF", "\xFF"}, {"two", "2"}};
    check_words("caf\xC3\xA9 \xFF 2", "caf\xC3\xA9 \xFF two", e7, 3);

    /* A partial verbatim range maps to exactly those bytes. */
    char *out = NULL;
    kokoro_span *sp = NULL;
    size_t n = 0, s0, s1;
    CHECK(kokoro_normalize("hello world", "a", NULL, &out, &sp, &n, NULL) == KOKORO_OK);
    CHECK(kk_normalize_source_range("hello world", out, sp, n, 1, 4, &s0, &s1) == 0 && s0 == 1 &&
          s1 == 4);
    CHECK(kk_normalize_source_range("hello world", out, sp, n, 4, 4, &s0, &s1) == -1);
    CHECK(kk_normalize_source_range("hello world", out, sp, n, 3, 99, &s0, &s1) == -1);
    CHECK(kk_normalize_source_range("hello world", out, NULL, 0, 0, 1, &s0, &s1) == -1);
    free(out);
    free(sp);
    return HARNESS_RETURN();
}
