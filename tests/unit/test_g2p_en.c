/* English G2P against phoneme strings known to be misaki's output: the test vectors of
 * docs/g2p.md §6 (README, kokoro examples, misaki PRs/issues), EN_PHONES.md lexicon entries and
 * the misaki data files themselves. Rows from sources older than misaki's ɾ→T rewrite carry T. */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "text/g2p.h"
#include "text/en/lexicon.h"
#include "text/sbuf.h"

static kk_g2p_en *us, *gb;
static kk_cache *cache;

static char *g2p(int british, const char *text)
{
    kk_pwords w = {0};
    kokoro_error err;
    if (kk_g2p_en_line(british ? gb : us, cache, text, strlen(text), &w, &err) != KOKORO_OK) {
        fprintf(stderr, "g2p failed: %s\n", err.message);
        return strdup("(error)");
    }
    kk_sbuf b;
    kk_sbuf_init(&b);
    for (size_t i = 0; i < w.n; i++) {
        kk_sbuf_adds(&b, w.v[i].ps);
        if (w.v[i].ws && i + 1 < w.n)
            kk_sbuf_addc(&b, ' ');
    }
    kk_pwords_free(&w);
    if (!b.s)
        kk_sbuf_add(&b, "", 0);
    return kk_sbuf_take(&b);
}

#define G2P_EQ(british, text, want) do { char *got_ = g2p(british, text); \
    CHECK_STR_EQ(got_, want); free(got_); } while (0)

static void sentence_vectors(void)
{
    /* misaki README (with a/an → ɐ, current code) */
    G2P_EQ(0, "[Misaki](/misˈɑki/) is a G2P engine designed for [Kokoro](/kˈOkəɹO/) models.",
           "misˈɑki ɪz ɐ ʤˈitəpˈi ˈɛnʤən dəzˈInd fɔɹ kˈOkəɹO mˈɑdᵊlz.");
    G2P_EQ(0, "Destress like [this](-2), [or](+2) increase stress like that.",
           "dᵻstɹˈɛs lˈIk ðɪs, ˈɔɹ ɪnkɹˈis stɹˈɛs lˈIk ðˈæt.");
    /* kokoro examples/phoneme_example.py */
    G2P_EQ(0, "How are you today? I am doing reasonably well, thank you for asking",
           "hˌW ɑɹ ju tədˈA? ˌI ɐm dˈuɪŋ ɹˈizənəbli wˈɛl, θˈæŋk ju fɔɹ ˈæskɪŋ");
    /* misaki PR #24/#25: "used" */
    G2P_EQ(0, "I used a fork. He used this knife. She used that spoon. We used those napkins.",
           "ˌI jˈuzd ɐ fˈɔɹk. hˌi jˈuzd ðɪs nˈIf. ʃˌi jˈuzd ðæt spˈun. wˌi jˈuzd ðOz nˈæpkɪnz.");
    G2P_EQ(0, "I used to rule the world… Sweep the streets we used to own. They used to roll the dice.",
           "ˌI jˈust tə ɹˈul ðə wˈɜɹld… swˈip ðə stɹˈits wi jˈust tʊ ˈOn. ðˌA jˈust tə ɹˈOl ðə dˈIs.");
    G2P_EQ(0, "Back then, chopsticks were used to eat. Now, chopsticks are used to play the drums. "
              "Tomorrow, they will be used to stab people.",
           "bˈæk ðˈɛn, ʧˈɑpstˌɪks wɜɹ jˈuzd tʊ ˈit. nˈW, ʧˈɑpstˌɪks ɑɹ jˈuzd tə plˈA ðə dɹˈʌmz. "
           "təmˈɑɹO, ðA wɪl bi jˈuzd tə stˈæb pˈipᵊl.");
    G2P_EQ(0, "She's used to getting what she wants. You never get used to dying. Get used to it!",
           "ʃˌiz jˈust tə ɡˈɛTɪŋ wˌʌt ʃi wˈɑnts. jˌu nˈɛvəɹ ɡɛt jˈust tə dˈIɪŋ. ɡˌɛt jˈust tʊ ɪt!");
    /* misaki issue #20, PR #32, issue #100 */
    G2P_EQ(0, "the letter", "ðə lˈɛTəɹ");
    G2P_EQ(0, "skies", "skˈIz");
    G2P_EQ(0, "No, it wasn't.", "nˈO, ɪt wˈʌzᵊnt.");
    /* a user quoting Kokoro's output (Kokoro-TTS-Flutter #3) */
    G2P_EQ(0, "When your attention is steady, so is your mind: not rattled or hijacked by whatever pops "
              "into awareness, but stably present, grounded, and unshakeable.",
           "wˌɛn jʊɹ ətˈɛnʧən ɪz stˈɛdi, sˌO ɪz jʊɹ mˈInd: nˌɑt ɹˈæTᵊld ɔɹ hˈIʤˌækt bI wəTˈɛvəɹ pˈɑps "
           "ˈɪntu əwˈɛɹnəs, bˌʌt stˈAbᵊli pɹˈɛzᵊnt, ɡɹˈWndᵻd, ænd ʌnʃˈAkəbᵊl.");
    /* misaki README fallback example (espeak-dependent; ɾ → T, ə^l → ᵊl in the current table) */
    G2P_EQ(0, "Now outofdictionary words are handled by espeak.",
           "nˈW WTɑfdˈɪkʃənˌɛɹi wˈɜɹdz ɑɹ hˈændəld bI ˈispik.");
}

static void lexicon_vectors(void)
{
    /* EN_PHONES.md, US */
    static const char *us_words[][2] = {
        {"yes", "jˈɛs"}, {"sung", "sˈʌŋ"}, {"red", "ɹˈɛd"}, {"shin", "ʃˈɪn"}, {"Asia", "ˈAʒə"},
        {"than", "ðən"}, {"thin", "θˈɪn"}, {"jump", "ʤˈʌmp"}, {"lunge", "lˈʌnʤ"}, {"chump", "ʧˈʌmp"},
        {"lunch", "lˈʌnʧ"}, {"easy", "ˈizi"}, {"flu", "flˈu"}, {"spa", "spˈɑ"}, {"all", "ˈɔl"},
        {"hair", "hˈɛɹ"}, {"bed", "bˈɛd"}, {"brick", "bɹˈɪk"}, {"wood", "wˈʊd"}, {"sun", "sˈʌn"},
        {"hey", "hˈA"}, {"high", "hˈI"}, {"how", "hˌW"}, {"soy", "sˈY"}, {"pixel", "pˈɪksᵊl"},
        {"ash", "ˈæʃ"}, {"butter", "bˈʌTəɹ"},
    };
    for (size_t i = 0; i < sizeof us_words / sizeof us_words[0]; i++)
        G2P_EQ(0, us_words[i][0], us_words[i][1]);
    /* context-dependent entries: the 'None' (phrase-final) form */
    G2P_EQ(0, "get", "ɡˈɛt");
    G2P_EQ(0, "get it", "ɡɛt ɪt");
    G2P_EQ(0, "her", "hˌɜɹ");
    G2P_EQ(0, "give her the book", "ɡˈɪv hɜɹ ðə bˈʊk");
    /* derived by misaki's rules */
    G2P_EQ(0, "boxes", "bˈɑksᵻz");
    G2P_EQ(0, "FBI", "ˌɛfbˌiˈI");
    G2P_EQ(0, "$100", "wˈʌn hˈʌndɹəd dˈɑləɹz");
    G2P_EQ(0, "well-known", "wˌɛlnˈOn");
    G2P_EQ(0, "And", "ˌænd");
    /* GB lexicon */
    G2P_EQ(1, "ash", "ˈaʃ");
    G2P_EQ(1, "on", "ˌɒn");
    G2P_EQ(1, "or", "ɔː");
}

static void rule_vectors(void)
{
    /* the/to before vowels and consonants, a/an as ɐ */
    G2P_EQ(0, "the apple", "ði ˈæpᵊl");
    G2P_EQ(0, "to eat to drink", "tʊ ˈit tə dɹˈɪŋk");
    G2P_EQ(0, "an owl", "ɐn ˈWl");
    /* numbers: years, ordinals, decimals, currency, non-head digits */
    G2P_EQ(0, "1990", "nˌIntˈin nˈIndi");
    G2P_EQ(0, "2005", "tˈu θˈWzᵊnd fˈIv");
    G2P_EQ(0, "1905", "nˌIntˈin ˈO fˈIv");
    G2P_EQ(0, "21st", "twˈɛnti fˈɜɹst");
    G2P_EQ(0, "3.14", "θɹˈi pYnt wˈʌn fˈɔɹ");
    G2P_EQ(0, "-5", "mˈInəs fˈIv");
    G2P_EQ(0, "A4", "ˈA fˈɔɹ");
    G2P_EQ(0, "1,000,000", "wˈʌn mˈɪljᵊn");
    G2P_EQ(0, "€1.01", "wˈʌn jˈʊɹO ænd wˈʌn sˈɛnt");
    G2P_EQ(0, "1990s", "nˌIntˈin nˈIndiz");
    /* dotted abbreviation spelled, quotes and parentheses kept as tags */
    G2P_EQ(0, "The U.S. economy", "ðə jˌuˈɛs ikˈɑnəmi");
    G2P_EQ(0, "he said \"hello\" (quietly)", "hi sˈɛd “həlˈO” (kwˈIətli)");
    /* heteronyms by part of speech */
    G2P_EQ(0, "Please record the record.", "plˈiz ɹəkˈɔɹd ðə ɹˈɛkəɹd.");
    /* espeak fallback mapping (EN_PHONES.md): mˈɜːt^ʃəntʃˌɪp */
    G2P_EQ(0, "merchantship", "mˈɜɹʧəntʃˌɪp");
    G2P_EQ(1, "merchantship", "mˈɜːʧəntʃˌɪp");
    /* Kokoro-FastAPI #556: "button" must map into the vocabulary (ʔ → t, n̩ handled) */
    G2P_EQ(0, "button", "bˈʌtn");
    G2P_EQ(1, "button", "bˈʌtᵊn");
    /* custom pronunciation wins over the lexicon */
    G2P_EQ(0, "[kokoro](/kˈOkəɹO/)", "kˈOkəɹO");
    G2P_EQ(1, "[kokoro](/kˈQkəɹQ/)", "kˈQkəɹQ");
}

static void lexicon_lookup(void)
{
    kk_lexicon *lex = kk_lexicon_new(0);
    CHECK(lex != NULL);
    if (!lex)
        return;
    kk_lex_value v;
    char out[256];
    /* grow_dictionary: the Capitalised form of a lowercase key and back */
    CHECK(kk_lexicon_get(lex, KK_LEX_GOLD, "Butter", 6, &v) && kk_lexicon_resolve(&v, NULL, 0, out, sizeof out));
    CHECK_STR_EQ(out, "bˈʌɾəɹ");
    CHECK(!kk_lexicon_get(lex, KK_LEX_GOLD, "bUTTER", 6, &v));
    /* part-of-speech keyed entries */
    CHECK(kk_lexicon_get(lex, KK_LEX_GOLD, "read", 4, &v) && v.pos);
    CHECK(kk_lexicon_resolve(&v, "VBD", 0, out, sizeof out));
    CHECK_STR_EQ(out, "ɹˈɛd");
    CHECK(kk_lexicon_resolve(&v, NULL, 0, out, sizeof out));
    CHECK_STR_EQ(out, "ɹˈid");
    CHECK(kk_lexicon_get(lex, KK_LEX_GOLD, "ACT", 3, &v) && v.pos);
    CHECK(!kk_lexicon_resolve(&v, "NN", 0, out, sizeof out)); /* null: spell it */
    /* silver holds words that gold lacks */
    size_t n_silver = 0;
    const char *words[] = {"abandonee", "Aalto", "zymogenic"};
    for (size_t i = 0; i < 3; i++)
        n_silver += (size_t)kk_lexicon_get(lex, KK_LEX_SILVER, words[i], strlen(words[i]), &v);
    CHECK(n_silver >= 1);
    kk_lexicon_free(lex);
}

int main(void)
{
    us = kk_g2p_en_new(0);
    gb = kk_g2p_en_new(1);
    cache = kk_cache_new(1024);
    CHECK(us && gb && cache);
    if (!us || !gb || !cache)
        return HARNESS_RETURN();
    sentence_vectors();
    lexicon_vectors();
    rule_vectors();
    lexicon_lookup();
    kk_g2p_en_free(us);
    kk_g2p_en_free(gb);
    kk_cache_free(cache);
    return HARNESS_RETURN();
}
