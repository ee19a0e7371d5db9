/* Packing phonemized words into synthesis chunks of at most KOKORO_MAX_PHONEMES code points. */
#ifndef KOKORO_TEXT_CHUNKER_H
#define KOKORO_TEXT_CHUNKER_H
#include <stddef.h>

#include "kokoro.h"

/* One word (or punctuation mark, or pause) on its way into a chunk. */
typedef struct {
    size_t src_start, src_end; /* byte span in the original input */
    char *text;                /* normalised text of the word; malloc'd */
    char *ps;                  /* misaki phonemes; malloc'd, possibly empty */
    size_t ps_cps;             /* code points of ps */
    int ws;                    /* whitespace follows */
    int hard_break;            /* a chunk ends after this unit (end of a line) */
    double pause_s;            /* > 0: a [pause:Ns] tag, no text */
    int clause_end;            /* a CJK ，。！？；、: a sentence end for KK_CHUNK_TARGET */
} kk_unit;

typedef struct {
    kk_unit *v;
    size_t n, cap;
} kk_units;

/* Appends a unit, taking ownership of text and ps (freed on failure). A unit whose phonemes
 * exceed KOKORO_MAX_PHONEMES is split into several at phoneme level (at its spaces when it has
 * any), all carrying the same source span, so nothing is ever cut off. Returns 0 when out of memory. */
int kk_units_push(kk_units *u, size_t src_start, size_t src_end, char *text, char *ps, int ws);
int kk_units_push_pause(kk_units *u, size_t src_start, size_t src_end, double seconds);
void kk_units_free(kk_units *u);

/* Packs units into chunks: kokoro's KPipeline rule (fill up to KOKORO_MAX_PHONEMES, cut at the
 * last sentence end, else ':' ';', else ',' '—', carrying a following ')' or '”' along), plus a
 * short first chunk (up to the first clause mark) so streaming starts early, and a cut at a
 * sentence end once a chunk holds KK_CHUNK_TARGET phonemes, as Kokoro-FastAPI's sentence packing
 * aims for (in Chinese text every run of ，。！？；、 ends a sentence, as there). Chunks that would carry no phonemes are not emitted (their units are punctuation or
 * symbols that the reference also renders as silence). */
#define KK_CHUNK_TARGET 250
/* first_budget > 0: a first clause much longer than that many phonemes is cut at a word
 * boundary within it (see first_word_cut), and that chunk is marked joins_next. 0: the first
 * chunk ends at its first clause mark at the earliest. */
kokoro_status kk_chunk_units(const kk_units *u, size_t first_budget, kokoro_chunk **chunks,
                             size_t *n_chunks, kokoro_error *err);
#endif
