/* The English normaliser against Kokoro-FastAPI's documented rules (api-reference §3c), case by
 * case, per option, plus the span map's invariants, invalid UTF-8 and a 1 MB input. */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "kokoro.h"

static int n_cases;

/* Checks the span map's contract: in output order, contiguous, covering the whole output,
 * source ranges inside the input and in order of appearance for the 1:1 ones. */
static int spans_valid(const char *in, const char *out, const kokoro_span *sp, size_t n)
{
    size_t in_len = strlen(in), out_len = strlen(out), pos = 0;
    for (size_t k = 0; k < n; k++) {
        if (sp[k].out_start != pos || sp[k].out_end <= sp[k].out_start)
            return 0;
        if (sp[k].src_start > sp[k].src_end || sp[k].src_end > in_len)
            return 0;
        pos = sp[k].out_end;
    }
    return pos == out_len;
}

static void check_norm(const char *file, int line, const kokoro_normalization_options *opt,
                       const char *lang, const char *in, const char *want)
{
    char *out = NULL;
    kokoro_span *sp = NULL;
    size_t n = 0;
    kokoro_error err;
    n_cases++;
    kokoro_status st = kokoro_normalize(in, lang, opt, &out, &sp, &n, &err);
    harness_checks++;
    if (st != KOKORO_OK || !out || strcmp(out, want) != 0) {
        harness_failures++;
        fprintf(stderr, "%s:%d: normalize(\"%s\")\n   got  \"%s\"\n   want \"%s\"\n", file, line, in,
                out ? out : "(null)", want);
    }
    harness_checks++;
    if (out && !spans_valid(in, out, sp, n)) {
        harness_failures++;
        fprintf(stderr, "%s:%d: invalid span map for \"%s\"\n", file, line, in);
    }
    free(out);
    free(sp);
}

#define NORM(in, want) check_norm(__FILE__, __LINE__, NULL, "a", in, want)
#define NORM_OPT(opt, in, want) check_norm(__FILE__, __LINE__, opt, "a", in, want)
#define NORM_LANG(lang, in, want) check_norm(__FILE__, __LINE__, NULL, lang, in, want)

static void test_numbers(void)
{
    NORM("I have 3 apples.", "I have three apples.");
    NORM("0", "zero");
    NORM("It costs 100", "It costs one hundred");
    NORM("101 dalmatians", "one hundred and one dalmatians");
    NORM("1,000,000 people", "one million people");
    NORM("1,234", "one thousand, two hundred and thirty-four");
    NORM("2005", "two thousand and five");
    NORM("1000001", "one million and one");
    NORM("-42 degrees", "minus forty-two degrees");
    NORM("3.14", "three point one four");
    NORM("2.50", "two point five");
    NORM("2.9999999", "three");
    NORM("3.000001", "three");
    NORM("3.00001", "three point zero zero zero zero one");
    NORM("0.12345678901234567890", "zero point one two three four five six seven eight nine zero one two "
                                   "three four five six eight");
    NORM(".5 of it", "zero point five of it");
    NORM("10k runners", "ten thousand runners");
    NORM("5 billion", "five billion");
    NORM("1,2,3", "one hundred and twenty-three");
    NORM("pages 5-10", "pages five to ten");
    NORM("version 1.2.3", "version one point two point three");
    NORM("v1.2", "v1 point 2");
    NORM("the 90S", "the ninety S");
    /* Digits of other scripts are numbers too (Python's \d): Arabic-Indic, full-width. */
    NORM("\xD9\xA3 apples", "three apples");
    NORM("\xEF\xBC\x92\xEF\xBC\x90\xEF\xBC\x92\xEF\xBC\x94", "twenty twenty-four");
    NORM("12345678901234567890123456789012345678901", "12345678901234567890123456789012345678901");
}

static void test_years(void)
{
    NORM("In 1984 we", "In nineteen eighty-four we");
    NORM("2010", "twenty ten");
    NORM("1500", "one thousand, five hundred");
    NORM("2000", "two thousand");
    NORM("1,984", "one thousand, nine hundred and eighty-four");
    NORM("1905", "nineteen oh five");
    NORM("1600", "sixteen hundred");
    NORM("1980-1990", "nineteen eighty to nineteen ninety");
}

static void test_money(void)
{
    NORM("$5", "five dollars");
    NORM("$1", "one dollar");
    NORM("$5.50", "five dollars and fifty cents");
    NORM("$0.01", "zero dollars and one cent");
    NORM("$1,234.56", "one thousand, two hundred and thirty-four dollars and fifty-six cents");
    NORM("\xC2\xA3" "2.05", "two pounds and five pence");
    NORM("\xE2\x82\xAC" "100", "one hundred euros");
    NORM("$1.5 million", "one point five million dollars");
    NORM("$5k", "five thousand dollars");
    NORM("$2t", "two trillion dollars");
    NORM("-$5", "minus five dollars");
    NORM("$5.00", "five dollars");
    NORM("$5.123", "five dollars and one hundred and twenty-three cents");
    NORM("-$5.50", "minus five dollars and fifty cents");
    NORM("$5 hundredfold", "five dollars hundredfold");
    NORM("$5kg", " dollar 5kg");
}

static void test_times(void)
{
    NORM("at 3:30pm", "at three thirty pm");
    NORM("at 3:30 PM", "at three thirty PM");
    NORM("7:05", "seven oh five");
    NORM("9:00", "nine o'clock");
    NORM("9:00 am", "nine am");
    NORM("1:02:03", "one oh two and three seconds");
    NORM("1:02:01", "one oh two and one second");
    NORM("12:45", "twelve forty-five");
}

static void test_quotes_cjk(void)
{
    NORM("\xE2\x80\x9Cquoted\xE2\x80\x9D", "\"quoted\"");
    NORM("it\xE2\x80\x99s \xE2\x80\x98x\xE2\x80\x99", "it's 'x'");
    NORM("\xC2\xAB" "bonjour" "\xC2\xBB", "\"bonjour\"");
    NORM("\xE4\xBD\xA0\xE5\xA5\xBD\xE3\x80\x82\xE4\xB8\x96\xE7\x95\x8C\xEF\xBC\x81",
         "\xE4\xBD\xA0\xE5\xA5\xBD. \xE4\xB8\x96\xE7\x95\x8C! ");
    NORM("a\xE3\x80\x81" "b\xEF\xBC\x9F", "a, b? ");
    NORM("1\xE2\x80\x93" "2", "one- two");
}

static void test_abbreviations(void)
{
    NORM("Dr. Smith", "Doctor Smith");
    NORM("the dr. said", "the dr. said");
    NORM("Mr. Jones", "Mister Jones");
    NORM("Ms. Lee", "Miss Lee");
    NORM("Mrs. Lee", "Mrs Lee");
    NORM("MR. Lee", "Mister Lee");
    NORM("apples, etc. and", "apples, etc and");
    NORM("etc. The", "etc. The");
    NORM("yeah yea Yeah", "ye'a ye'a Ye'a");
    NORM("how're you, what\xE2\x80\x99re those", "how are you, what are those");
    NORM("theyre youre", "they are you are");
    NORM("were whore", "were whore");
    /* Each title rule is its own pass: after "Mister" there is no word boundary before "Ms.". */
    NORM("Mr.Ms. x", "MisterM'S. x");
    NORM("Mr.etc. x", "Misteretc. x");
}

static void test_whitespace(void)
{
    NORM("a \t\n b", "a b");
    NORM("line1\r\nline2", "line1 line2");
    NORM("  two  ", " two ");
}

static void test_symbols(void)
{
    NORM("A & B", "A and B");
    NORM("50%", "fifty percent "); /* the reference keeps the padding */
    NORM("x = y + z", "x equals y plus z");
    NORM("#1", " number one");
    NORM("me@home", "me at home");
    NORM("a/b", "a slash b");
    NORM("a~b^c*d_e|f\\g", "a b c d e f g");
    NORM("wait--what", "wait \xE2\x80\x94 what");
    NORM("cost $", "cost dollar ");
}

static void test_acronyms(void)
{
    NORM("URLs", "URL'S");
    NORM("JFK's plan", "JFK'S plan");
    NORM("CEOs", "CEOs");
    NORM("Xs", "X's");
    NORM("e.g. this", "e-g- this");
    NORM("the U.S.A.", "the U-S-A.");
}

static void test_web(void)
{
    NORM("mail john@example.com now", "mail john at example dot com now");
    NORM("a.b@mail.co.uk", "a-b at mail dot co dot uk");
    NORM("visit https://www.example.com/path", "visit https www dot example dot com slash path");
    NORM("see example.org", "see example dot org");
    NORM("http://localhost:8080/api", "http localhost colon eighty eighty slash api");
    NORM("go to www.github.com/a-b_c?x=1&y=2%",
         "go to www github dot com slash a dash b underscore c question-mark x equals one "
         "ampersand y equals two percent");
    NORM("ping 192.168.1.1 now", "ping one hundred and ninety-two dot one hundred and sixty-eight "
                                 "dot one dot one now");
    NORM("file.txt", "file-txt");
}

static void test_phone_plural(void)
{
    NORM("Call 555-123-4567", "Call, five five five, one two three, four five six seven");
    NORM("+1 (555) 123-4567", "one, five five five, one two three, four five six seven");
    NORM("555.123.4567", ", five five five, one two three, four five six seven");
    NORM("file(s)", "files");
}

static void test_options(void)
{
    kokoro_normalization_options o;
    kokoro_normalization_options_init(&o);
    CHECK(o.normalize == 1 && o.unit_normalization == 0 && o.url_normalization == 1 &&
          o.email_normalization == 1 && o.optional_pluralization_normalization == 1 &&
          o.phone_normalization == 1 && o.replace_remaining_symbols == 1);

    /* Units: off by default, on by option. */
    NORM("5kg", "5kg");
    o.unit_normalization = 1;
    NORM_OPT(&o, "5kg", "five kilograms");
    NORM_OPT(&o, "1 in", "one inch");
    NORM_OPT(&o, "10 GB and 10 Gb", "ten gigabytes and ten gigabits");
    NORM_OPT(&o, "3.5 km/h", "three point five kilometers per hour");
    NORM_OPT(&o, "-5 \xC2\xB0" "C", "minus five degrees celsius");
    NORM_OPT(&o, "100 KBps", "one hundred kilobytes per second");
    NORM_OPT(&o, "2 ft", "two feet");
    NORM_OPT(&o, "5kgs", "5kgs");
    kokoro_normalization_options_init(&o);

    o.url_normalization = 0;
    NORM_OPT(&o, "see example.org", "see example-org");
    kokoro_normalization_options_init(&o);
    o.email_normalization = 0;
    NORM_OPT(&o, "me@site.com", "me at site dot com"); /* the URL rule still reads the host */
    o.url_normalization = 0;
    NORM_OPT(&o, "me@site.com", "me at site-com");
    kokoro_normalization_options_init(&o);
    o.optional_pluralization_normalization = 0;
    NORM_OPT(&o, "file(s)", "file(s)");
    kokoro_normalization_options_init(&o);
    o.phone_normalization = 0;
    NORM_OPT(&o, "555-123-4567", "five hundred and fifty-five to one hundred and twenty-three to "
                                 "forty-five sixty-seven");
    kokoro_normalization_options_init(&o);
    o.replace_remaining_symbols = 0;
    NORM_OPT(&o, "A & B 50%", "A & B fifty%");
    kokoro_normalization_options_init(&o);
    o.normalize = 0;
    NORM_OPT(&o, "Dr. Smith paid $5 at 3:30", "Dr. Smith paid $5 at 3:30");
    NORM_OPT(&o, "", "");
}

static void test_languages(void)
{
    NORM_LANG(NULL, "5", "five");
    NORM_LANG("", "5", "five");
    NORM_LANG("b", "5", "five");
    NORM_LANG("en-us", "5", "five");
    NORM_LANG("EN-GB", "5", "five");
    NORM_LANG("f", "J'ai 5 pommes $", "J'ai 5 pommes $");
    NORM_LANG("e", "  a  ", "  a  ");
}

/* Exact spans for one sentence: unchanged words 1:1, replaced tokens to the whole source. */
static void test_span_map(void)
{
    const char *in = "Pay $5.50 at 3:30pm, Dr. Who.";
    char *out = NULL;
    kokoro_span *sp = NULL;
    size_t n = 0;
    CHECK(kokoro_normalize(in, "a", NULL, &out, &sp, &n, NULL) == KOKORO_OK);
    CHECK_STR_EQ(out, "Pay five dollars and fifty cents at three thirty pm, Doctor Who.");
    CHECK(spans_valid(in, out, sp, n));
    /* Find the span covering "five dollars and fifty cents" and "Doctor". */
    int found_money = 0, found_time = 0, found_dr = 0;
    for (size_t k = 0; k < n; k++) {
        size_t ol = sp[k].out_end - sp[k].out_start;
        const char *o = out + sp[k].out_start;
        const char *src = in + sp[k].src_start;
        size_t sl = sp[k].src_end - sp[k].src_start;
        if (ol == 28 && memcmp(o, "five dollars and fifty cents", 28) == 0)
            found_money = sl == 5 && memcmp(src, "$5.50", 5) == 0;
        if (ol == 16 && memcmp(o, "three thirty pm", 15) == 0)
            found_time = 1;
        if (ol == 15 && memcmp(o, "three thirty pm", 15) == 0)
            found_time = sl == 6 && memcmp(src, "3:30pm", 6) == 0;
        if (ol == 6 && memcmp(o, "Doctor", 6) == 0)
            found_dr = sl == 3 && memcmp(src, "Dr.", 3) == 0;
    }
    CHECK(found_money);
    CHECK(found_time);
    CHECK(found_dr);
    /* The first span is the verbatim "Pay ". */
    CHECK(n > 0 && sp[0].out_start == 0 && sp[0].out_end == 4 && sp[0].src_start == 0 &&
          sp[0].src_end == 4);
    free(out);
    free(sp);

    /* Identity map for untouched text and for other languages: one span. */
    const char *plain = "hello world";
    CHECK(kokoro_normalize(plain, "a", NULL, &out, &sp, &n, NULL) == KOKORO_OK);
    CHECK(n == 1 && sp[0].out_start == 0 && sp[0].out_end == 11 && sp[0].src_start == 0 &&
          sp[0].src_end == 11);
    free(out);
    free(sp);
    CHECK(kokoro_normalize("$5 x", "i", NULL, &out, &sp, &n, NULL) == KOKORO_OK);
    CHECK(n == 1 && sp[0].src_end == 4);
    CHECK_STR_EQ(out, "$5 x");
    free(out);
    free(sp);

    /* Collapsed whitespace maps to the whole run; the words around stay 1:1. */
    CHECK(kokoro_normalize("a   b", "a", NULL, &out, &sp, &n, NULL) == KOKORO_OK);
    CHECK_STR_EQ(out, "a b");
    CHECK(n == 3 && sp[1].src_start == 1 && sp[1].src_end == 4 && sp[2].src_start == 4);
    free(out);
    free(sp);

    /* A URL maps back to the whole URL, even after the number pass rewrote its port. */
    in = "go http://localhost:8080 now";
    CHECK(kokoro_normalize(in, "a", NULL, &out, &sp, &n, NULL) == KOKORO_OK);
    CHECK(spans_valid(in, out, sp, n));
    size_t covered_from = (size_t)-1, covered_to = 0;
    for (size_t k = 0; k < n; k++) {
        if (sp[k].out_start >= 3 && sp[k].out_end <= strlen(out) - 4) {
            if (sp[k].src_start < covered_from)
                covered_from = sp[k].src_start;
            if (sp[k].src_end > covered_to)
                covered_to = sp[k].src_end;
        }
    }
    CHECK(covered_from == 3 && covered_to == 24);
    free(out);
    free(sp);

    /* spans may be NULL. */
    CHECK(kokoro_normalize("$5", "a", NULL, &out, NULL, &n, NULL) == KOKORO_OK);
    CHECK_STR_EQ(out, "five dollars");
    free(out);
}

static void test_errors(void)
{
    char *out = (char *)1;
    kokoro_error err;
    CHECK(kokoro_normalize(NULL, "a", NULL, &out, NULL, NULL, &err) == KOKORO_ERR_INVALID_ARGUMENT);
    CHECK(out == NULL);
    CHECK(strstr(err.message, "text") != NULL);
    CHECK(kokoro_normalize("x", "a", NULL, NULL, NULL, NULL, &err) == KOKORO_ERR_INVALID_ARGUMENT);
}

/* Arbitrary bytes: never a crash, the map stays valid, invalid bytes pass through. */
static void test_invalid_utf8(void)
{
    NORM("\xFF\xFE 5 \xC3", "\xFF\xFE five \xC3");
    NORM("\xE2\x80 $5\x80", "\xE2\x80 five dollars\x80");
    NORM("caf\xC3\xA9 5", "caf\xC3\xA9 five");
    /* Word boundaries follow Python's Unicode classes: a combining accent and a symbol are not
     * word characters, a Thai letter and a circled digit are. */
    NORM("x\xCC\x81yeah \xE2\x84\xA2yeah \xE0\xB8\x81yeah \xE2\x91\xA0yeah",
         "x\xCC\x81ye'a \xE2\x84\xA2ye'a \xE0\xB8\x81yeah \xE2\x91\xA0yeah");
    NORM("\xED\xA0\x80 1984", "\xED\xA0\x80 nineteen eighty-four");
    unsigned char all[256 * 3 + 1];
    for (int i = 0; i < 255; i++) {
        all[3 * i] = (unsigned char)(i + 1);
        all[3 * i + 1] = '5';
        all[3 * i + 2] = (unsigned char)(255 - i);
    }
    all[255 * 3] = 0;
    char *out = NULL;
    kokoro_span *sp = NULL;
    size_t n = 0;
    CHECK(kokoro_normalize((const char *)all, "a", NULL, &out, &sp, &n, NULL) == KOKORO_OK);
    CHECK(out && spans_valid((const char *)all, out, sp, n));
    CHECK(out && strlen(out) <= 16 * strlen((const char *)all) + 64);
    free(out);
    free(sp);
}

/* The documented bound (16 x input + 64) holds for the widest inputs. */
static void test_bound(void)
{
    const char *wide[] = {"777777777777777777777777777777777777",
                          "-$777777777777777777777777777777777777.77", "a.io/??????????????",
                          "%%%%%%%%", "7:07:07", "1 1 1 1 1 1 1", "#&#&#&"};
    for (size_t k = 0; k < sizeof wide / sizeof *wide; k++) {
        char *out = NULL;
        CHECK(kokoro_normalize(wide[k], "a", NULL, &out, NULL, NULL, NULL) == KOKORO_OK);
        CHECK_MSG(out && strlen(out) <= 16 * strlen(wide[k]) + 64, "%s -> %zu bytes", wide[k],
                  out ? strlen(out) : 0);
        free(out);
    }
}

/* A 1 MB text of mixed content normalises with a valid map (speed is measured by the CLI, not
 * asserted here). */
static void test_one_megabyte(void)
{
    const char *piece = "On 3/4/2021 at 10:30am Dr. Lee paid $1,234.56 (about 15%) for 3 items; "
                        "see https://example.com/x?y=1 or mail a.b@c.org. Call 555-123-4567! ";
    size_t pl = strlen(piece), total = 1 << 20;
    char *big = malloc(total + 1);
    size_t len = 0;
    while (len + pl <= total) {
        memcpy(big + len, piece, pl);
        len += pl;
    }
    big[len] = '\0';
    char *out = NULL;
    kokoro_span *sp = NULL;
    size_t n = 0;
    CHECK(kokoro_normalize(big, "a", NULL, &out, &sp, &n, NULL) == KOKORO_OK);
    CHECK(out && spans_valid(big, out, sp, n));
    CHECK(out && strstr(out, "one thousand, two hundred and thirty-four dollars and fifty-six cents"));
    CHECK(out && !strchr(out, '$'));
    free(out);
    free(sp);
    free(big);
}

/* Long runs of one pattern: each pass must stay linear (a quadratic scan would run for minutes
 * here and hit the test timeout). */
static void test_long_runs(void)
{
    const char *units[] = {"1", "1 ", "12:", "1.", "a.", "a@b.", "$1", "1-", "+1 ", "x.com/", "Mr. "};
    size_t total = 256 * 1024;
    char *big = malloc(total + 1);
    for (size_t u = 0; u < sizeof units / sizeof *units; u++) {
        size_t ul = strlen(units[u]), len = 0;
        while (len + ul <= total) {
            memcpy(big + len, units[u], ul);
            len += ul;
        }
        big[len] = '\0';
        char *out = NULL;
        kokoro_span *sp = NULL;
        size_t n = 0;
        CHECK_MSG(kokoro_normalize(big, "a", NULL, &out, &sp, &n, NULL) == KOKORO_OK, "run of '%s'", units[u]);
        CHECK_MSG(out && spans_valid(big, out, sp, n) && strlen(out) <= 16 * len + 64, "run of '%s'",
                  units[u]);
        free(out);
        free(sp);
    }
    free(big);
}

int main(void)
{
    test_numbers();
    test_years();
    test_money();
    test_times();
    test_quotes_cjk();
    test_abbreviations();
    test_whitespace();
    test_symbols();
    test_acronyms();
    test_web();
    test_phone_plural();
    test_options();
    test_languages();
    test_span_map();
    test_errors();
    test_invalid_utf8();
    test_bound();
    test_one_megabyte();
    test_long_runs();
    fprintf(stderr, "%d normaliser cases\n", n_cases);
    return HARNESS_RETURN();
}
