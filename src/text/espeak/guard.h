/* What libespeak-ng 1.51 must not be handed. On some code points and runs of ASCII symbols it
 * reads freed or uninitialised memory (it switches translators in the middle of a word to
 * name a symbol, among others), which can crash the process. The tables list them per voice, as
 * measured one code point at a time under valgrind's memcheck in the contexts "a?b", "?",
 * "1?2", "3.?" (and "क?क" for Hindi) over the blocks in kk_espeak_measured, and every run of
 * two or three of the ASCII symbols that reach espeak (phonemizer's marks never do). */
#ifndef KOKORO_TEXT_ESPEAK_GUARD_H
#define KOKORO_TEXT_ESPEAK_GUARD_H
#include <stddef.h>
#include <stdint.h>

#define KK_ESPEAK_NVOICES 7
extern const char *const KK_ESPEAK_VOICES[KK_ESPEAK_NVOICES];

/* Contexts of a measurement: what stood around the code point when espeak faulted. */
enum {
    KK_CTX_LETTERS = 1,   /* "a?b" */
    KK_CTX_ALONE = 2,     /* "?" */
    KK_CTX_DIGITS = 4,    /* "1?2" */
    KK_CTX_DECIMAL = 8,   /* "3.?" */
    KK_CTX_DEVANAGARI = 16 /* "क?क" (Hindi only) */
};

typedef struct {
    uint32_t lo, hi;
    uint8_t ctx[KK_ESPEAK_NVOICES]; /* per voice of KK_ESPEAK_VOICES: the KK_CTX_* that fault */
} kk_fault_range;

typedef struct {
    uint32_t lo, hi;
    uint8_t voices; /* bit i: KK_ESPEAK_VOICES[i] */
} kk_block;

typedef struct {
    char run[4];
    uint8_t voices;
} kk_fault_run;

extern const kk_fault_range kk_espeak_fault_ranges[];
extern const kk_block kk_espeak_measured[];
extern const size_t kk_espeak_n_fault_ranges, kk_espeak_n_measured;
extern const kk_fault_run kk_espeak_fault_runs[];
extern const size_t kk_espeak_n_fault_runs;

/* The text as espeak voice lang may see it: code points that fault (alone, or next to the kind
 * of neighbour they faulted next to), or that lie outside the measured blocks, and malformed
 * UTF-8 become spaces; the symbols of an ASCII run that faults
 * are spaced apart. Everything else, spoken symbols included, passes unchanged, except that
 * for English digits of other scripts become ASCII digits (misaki reads them as numbers).
 * malloc'd; NULL when out of memory. */
char *kk_espeak_guard(const char *lang, const char *text);
#endif
