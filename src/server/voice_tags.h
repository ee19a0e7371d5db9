/* voice_tags — Kokoro-FastAPI's inline speaker syntax: `[voice:NAME-or-mix]`, `[rate:x]` and
 * `[baserate:x]` split a text into segments of one voice and one pace each, and request-scoped
 * `voice_aliases` give short names (optionally with their own rate) to voices and mixes.
 * Pure text work: no voice is loaded here, the caller validates each segment's voice. */
#ifndef KOKORO_SERVER_VOICE_TAGS_H
#define KOKORO_SERVER_VOICE_TAGS_H
#include <stddef.h>

#define KK_TAG_RATE_MIN 0.25
#define KK_TAG_RATE_MAX 4.0

typedef struct {
    char *name;  /* as written; matched case-insensitively */
    char *voice; /* the voice or mix it stands for */
    double rate; /* the speaker's own pace; 1 when the alias gave none */
} kk_alias;

typedef struct {
    kk_alias *items;
    size_t n;
} kk_alias_set;

/* A piece of a segment's text and where it came from in the tagged text. */
typedef struct {
    size_t seg_off, src_off, len;
} kk_seg_piece;

typedef struct {
    char *voice;  /* voice expression after alias resolution (malloc'd) */
    double rate;  /* clamp(base * tag, 0.25, 4) */
    char *text;   /* the segment's text without tags (malloc'd) */
    kk_seg_piece *pieces; /* text = pieces joined by single spaces, in order */
    size_t n_pieces;
    size_t text_len, text_cap, pieces_cap; /* growth bookkeeping */
} kk_segment;

struct cJSON;
/* Reads `voice_aliases` ({name: "mix"} or {name: {"voice": mix, "rate": x}}); NULL/absent gives an
 * empty set. 0, or -1 with an HTTP status (422 schema, 400 bad target) and message. */
int kk_aliases_parse(const struct cJSON *obj, kk_alias_set *out, unsigned *status, char *msg, size_t msglen);
void kk_aliases_free(kk_alias_set *a);
/* The alias named name (case-insensitive), or NULL. */
const kk_alias *kk_alias_find(const kk_alias_set *a, const char *name);

/* 1 if s is a voice expression as a tag may hold it: [A-Za-z0-9_][A-Za-z0-9_+\-(). ]*. */
int kk_tag_voice_chars_ok(const char *s);

/* Splits text into voice segments. tags_on = 0: the whole text is one segment of the request voice
 * (tags are then plain text). The request voice and tag voices are alias-resolved; the request
 * voice's alias rate applies before the first tag. Blank segments are dropped and neighbours with
 * the same voice and rate merged. 0, or -1 with a message (out of memory only). */
int kk_voice_tags_split(const char *text, const char *request_voice, const kk_alias_set *aliases, int tags_on,
                        kk_segment **out, size_t *n_out, char *msg, size_t msglen);
void kk_segments_free(kk_segment *segs, size_t n);
/* Byte offset in the tagged text of byte offset pos of a segment's text. A joining space maps to
 * the end of the piece before it (right for exclusive word ends; words never start on a space). */
size_t kk_segment_src(const kk_segment *seg, size_t pos);
#endif
