#include "server/admission.h"

#include <math.h>
#include <string.h>

#include "server/http.h"

/* Until something has been measured: real time on one core of a small machine for the full-size
 * model, and Kokoro's usual pace of speech. Both are replaced as chunks are made. */
#define PRIOR_RATE 1.0
#define PRIOR_S_PER_PHONEME 0.075
/* The measurements are decayed so that the rate follows the load of the last minute or so of
 * busy time rather than the whole life of the process. */
#define DECAY_HORIZON_S 60.0
/* The prior counts as this much wall time of measurement: the first busy second already moves
 * the rate most of the way to what this machine and model really do. */
#define PRIOR_WALL_S 0.5
/* Until this much busy time has been measured the rate is a guess, and a guess must not refuse
 * work: only the request-count bound applies meanwhile. */
#define MIN_MEASURED_WALL_S 2.0
#define PHONEME_HORIZON 20000.0

void kk_admission_init(kk_admission *a, double max_wait_s)
{
    memset(a, 0, sizeof *a);
    pthread_mutex_init(&a->mu, NULL);
    a->max_wait_s = max_wait_s;
}

void kk_admission_destroy(kk_admission *a)
{
    pthread_mutex_destroy(&a->mu);
}

static double rate_locked(const kk_admission *a)
{
    double per_chunk = (a->chunk_audio_s + PRIOR_RATE * PRIOR_WALL_S) / (a->chunk_wall_s + PRIOR_WALL_S);
    double concurrency = a->busy_s > 0 ? a->concurrency_s / a->busy_s : 1.0;
    return per_chunk * (concurrency > 1.0 ? concurrency : 1.0);
}

/* Integrates busy time and concurrency up to now, decaying the older measurements. */
static void advance_locked(kk_admission *a, double now)
{
    double dt = now - a->last_event;
    a->last_event = now;
    if (a->running <= 0 || dt <= 0)
        return;
    double keep = exp(-dt / DECAY_HORIZON_S);
    a->chunk_audio_s *= keep;
    a->chunk_wall_s *= keep;
    a->busy_s = a->busy_s * keep + dt;
    a->concurrency_s = a->concurrency_s * keep + dt * (double)a->running;
}

static double s_per_phoneme_locked(const kk_admission *a)
{
    return a->ph_count >= 50 ? a->ph_audio_s / a->ph_count : PRIOR_S_PER_PHONEME;
}

double kk_admission_estimate(kk_admission *a, size_t n_phonemes, double speed, double pause_s)
{
    pthread_mutex_lock(&a->mu);
    double per = s_per_phoneme_locked(a);
    pthread_mutex_unlock(&a->mu);
    return (double)n_phonemes * per / (speed > 0 ? speed : 1.0) + (pause_s > 0 ? pause_s : 0);
}

int kk_admission_admit(kk_admission *a, double estimate_s, kk_ticket *t, double *retry_after_s)
{
    memset(t, 0, sizeof *t);
    pthread_mutex_lock(&a->mu);
    double rate = rate_locked(a);
    double wait = (a->queued_s + estimate_s) / rate;
    /* An idle server takes any one request: however long, refusing it could never succeed later. */
    if (a->tickets > 0 && a->busy_s >= MIN_MEASURED_WALL_S && wait > a->max_wait_s) {
        double excess = wait - a->max_wait_s;
        pthread_mutex_unlock(&a->mu);
        *retry_after_s = excess < 1 ? 1 : ceil(excess);
        return 0;
    }
    a->queued_s += estimate_s;
    a->tickets++;
    pthread_mutex_unlock(&a->mu);
    t->estimate_s = estimate_s;
    t->held = 1;
    return 1;
}

void kk_admission_progress(kk_admission *a, kk_ticket *t, double audio_s)
{
    if (!t->held || audio_s <= 0)
        return;
    pthread_mutex_lock(&a->mu);
    double left = t->estimate_s - t->made_s;
    double take = audio_s < left ? audio_s : (left > 0 ? left : 0);
    t->made_s += audio_s;
    a->queued_s -= take;
    if (a->queued_s < 0)
        a->queued_s = 0;
    pthread_mutex_unlock(&a->mu);
}

size_t kk_admission_release(kk_admission *a, kk_ticket *t)
{
    if (!t->held)
        return (size_t)-1;
    pthread_mutex_lock(&a->mu);
    double left = t->estimate_s - t->made_s;
    if (left > 0)
        a->queued_s -= left;
    a->tickets--;
    /* The last ticket out leaves nothing queued, whatever rounding has gathered. */
    if (a->queued_s < 0 || a->tickets == 0)
        a->queued_s = 0;
    size_t left_tickets = a->tickets;
    pthread_mutex_unlock(&a->mu);
    t->held = 0;
    return left_tickets;
}

void kk_admission_chunk_begin(kk_admission *a)
{
    double now = kk_now();
    pthread_mutex_lock(&a->mu);
    advance_locked(a, now);
    a->running++;
    pthread_mutex_unlock(&a->mu);
}

void kk_admission_chunk_end(kk_admission *a, size_t n_phonemes, double audio_s, double wall_s)
{
    double now = kk_now();
    pthread_mutex_lock(&a->mu);
    advance_locked(a, now);
    if (--a->running < 0)
        a->running = 0;
    if (audio_s > 0 && wall_s > 0) {
        a->chunk_audio_s += audio_s;
        a->chunk_wall_s += wall_s;
    }
    if (n_phonemes > 0 && audio_s > 0) {
        double keep = 1.0 - (double)n_phonemes / PHONEME_HORIZON;
        keep = keep < 0 ? 0 : keep;
        a->ph_audio_s = a->ph_audio_s * keep + audio_s;
        a->ph_count = a->ph_count * keep + (double)n_phonemes;
    }
    pthread_mutex_unlock(&a->mu);
}

void kk_admission_get(kk_admission *a, kk_admission_stats *out)
{
    pthread_mutex_lock(&a->mu);
    out->queued_s = a->queued_s;
    out->rate = rate_locked(a);
    out->max_wait_s = a->max_wait_s;
    out->s_per_phoneme = s_per_phoneme_locked(a);
    out->tickets = a->tickets;
    pthread_mutex_unlock(&a->mu);
}
