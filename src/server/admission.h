/* admission — whether a new synthesis request is taken, judged by work rather than by count.
 *
 * Every admitted request holds a ticket for the seconds of audio it is expected to make (from its
 * phoneme count); what its chunks have made so far is taken off as they finish. The server's
 * synthesis rate (audio seconds per wall second, whatever the threads per chunk) is measured as
 * each chunk's own audio per wall second times the mean number of chunks running while any runs;
 * crediting a chunk's audio and wall time together keeps a long chunk from reading as a dip. So
 * queued seconds / rate is how long the queue takes to drain.
 * A request is refused (503) when admitting it would make that wait exceed max_wait_s, and its
 * Retry-After is the time until enough of the queue has drained for it to fit. */
#ifndef KOKORO_SERVER_ADMISSION_H
#define KOKORO_SERVER_ADMISSION_H
#include <pthread.h>
#include <stddef.h>

typedef struct {
    pthread_mutex_t mu;
    double max_wait_s;     /* queued audio / rate above which new requests are refused */
    double queued_s;       /* estimated audio seconds admitted and not yet made */
    size_t tickets;
    /* rate: decayed sums of finished chunks' audio and own wall time, of wall time with at least
     * one chunk running, and of running chunks integrated over that time */
    double chunk_audio_s, chunk_wall_s, busy_s, concurrency_s;
    int running;
    double last_event;
    /* seconds of audio per phoneme, learnt from the chunks made (decayed sums) */
    double ph_audio_s, ph_count;
} kk_admission;

typedef struct {
    double estimate_s; /* what the request was admitted for */
    double made_s;     /* audio made so far */
    int held;
} kk_ticket;

void kk_admission_init(kk_admission *a, double max_wait_s);
void kk_admission_destroy(kk_admission *a);

/* Expected audio seconds of a request of n_phonemes phoneme characters at the given speed, plus
 * silent pauses it asks for. */
double kk_admission_estimate(kk_admission *a, size_t n_phonemes, double speed, double pause_s);
/* Admits (returns 1 and fills t) or refuses (returns 0, *retry_after_s set, >= 1). */
int kk_admission_admit(kk_admission *a, double estimate_s, kk_ticket *t, double *retry_after_s);
/* Audio made for a ticket; takes it off the queue (never below zero for that ticket). */
void kk_admission_progress(kk_admission *a, kk_ticket *t, double audio_s);
/* The request is finished or abandoned: what it had left leaves the queue. */
/* Returns the tickets still held after this one ((size_t)-1 if t held none). */
size_t kk_admission_release(kk_admission *a, kk_ticket *t);

/* Workers call these around each chunk they compute; wall_s is the chunk's own wall time, and
 * n_phonemes/audio_s also teach the estimate (0, 0 for a chunk that failed). */
void kk_admission_chunk_begin(kk_admission *a);
void kk_admission_chunk_end(kk_admission *a, size_t n_phonemes, double audio_s, double wall_s);

typedef struct {
    double queued_s, rate, max_wait_s;
    double s_per_phoneme; /* what kk_admission_estimate uses now */
    size_t tickets;
} kk_admission_stats;
void kk_admission_get(kk_admission *a, kk_admission_stats *out);
#endif
