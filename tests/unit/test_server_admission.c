/* Admission by work: estimates from phonemes, no refusal before the rate is measured, refusal when
 * queued audio / rate exceeds the limit, Retry-After as the time until the request fits, the queue
 * shrinking as audio is made, and the rate and pace of speech measured from chunks. */
#include <math.h>
#include <time.h>

#include "harness.h"
#include "server/admission.h"

static int near(double a, double b, double tol)
{
    return fabs(a - b) <= tol;
}

int main(void)
{
    kk_admission a;
    kk_admission_init(&a, 10.0);
    kk_admission_stats st;

    /* Before anything is measured: 0.075 s per phoneme, rate 1, and nothing refused. */
    CHECK(near(kk_admission_estimate(&a, 100, 1.0, 0), 7.5, 1e-9));
    CHECK(near(kk_admission_estimate(&a, 100, 2.0, 0.5), 4.25, 1e-9));
    kk_ticket t1, t2, t3;
    double ra = -1;
    CHECK(kk_admission_admit(&a, 1000, &t1, &ra));
    CHECK(kk_admission_admit(&a, 1000, &t2, &ra));
    kk_admission_get(&a, &st);
    CHECK(st.tickets == 2 && near(st.queued_s, 2000, 1e-9) && st.rate == 1.0);
    CHECK(kk_admission_release(&a, &t1) == 1);          /* t2 still held */
    CHECK(kk_admission_release(&a, &t1) == (size_t)-1); /* twice is harmless */
    CHECK(kk_admission_release(&a, &t2) == 0);          /* the last one out */
    kk_admission_get(&a, &st);
    CHECK(st.tickets == 0 && st.queued_s == 0);

    /* Two chunks side by side, each 2.1 s of audio in its ~2.1 s of wall time: each runs at real
     * time and two run at once, so the server makes ~2 audio s per s (the prior, rate 1 for
     * 0.5 s, weighs in the per-chunk rate); 100 phonemes per chunk teach ~0.021 s per phoneme. */
    kk_admission_chunk_begin(&a);
    kk_admission_chunk_begin(&a);
    struct timespec d = {2, 100 * 1000000L};
    nanosleep(&d, NULL);
    kk_admission_chunk_end(&a, 100, 2.1, 2.1);
    kk_admission_chunk_end(&a, 100, 2.1, 2.1);
    kk_admission_get(&a, &st);
    double rate = st.rate;
    CHECK_MSG(near(rate, 2.0, 0.1), "rate %g", rate);
    /* A long chunk still running does not pull the rate down: only finished chunks count. */
    kk_admission_chunk_begin(&a);
    kk_admission_chunk_begin(&a);
    struct timespec d2 = {0, 300 * 1000000L};
    nanosleep(&d2, NULL);
    kk_admission_chunk_end(&a, 10, 0.3, 0.3);
    kk_admission_get(&a, &st);
    CHECK_MSG(near(st.rate, 2.0, 0.15), "rate with a chunk in flight %g", st.rate);
    kk_admission_chunk_end(&a, 10, 0.3, 0.3);
    kk_admission_get(&a, &st);
    rate = st.rate;
    /* 4.8 s of audio over 220 phonemes */
    CHECK_MSG(near(kk_admission_estimate(&a, 100, 1.0, 0), 480.0 / 220.0, 0.01), "estimate %g",
              kk_admission_estimate(&a, 100, 1.0, 0));

    /* An idle server takes even a request longer than the limit. */
    CHECK(kk_admission_admit(&a, 1000, &t1, &ra));
    kk_admission_release(&a, &t1);

    /* The 10 s limit holds 10 * rate (~20 s) of audio. */
    CHECK(kk_admission_admit(&a, 12, &t1, &ra));
    CHECK(!kk_admission_admit(&a, 10, &t2, &ra));
    CHECK_MSG(ra == ceil(22 / rate - 10), "retry after %g", ra);
    CHECK(kk_admission_admit(&a, 5, &t2, &ra));
    CHECK(!kk_admission_admit(&a, 9, &t3, &ra));
    CHECK_MSG(ra == ceil(26 / rate - 10), "retry after %g, want %g", ra, ceil(26 / rate - 10));

    /* Made audio leaves the queue; more than estimated takes off no more than the estimate. */
    kk_admission_progress(&a, &t2, 4);
    kk_admission_get(&a, &st);
    CHECK(near(st.queued_s, 13, 1e-9));
    kk_admission_progress(&a, &t2, 4);
    kk_admission_get(&a, &st);
    CHECK(near(st.queued_s, 12, 1e-9));
    CHECK(kk_admission_admit(&a, 5, &t3, &ra));
    kk_admission_release(&a, &t1);
    kk_admission_release(&a, &t2);
    kk_admission_get(&a, &st);
    CHECK(st.tickets == 1 && near(st.queued_s, 5, 1e-9));
    kk_admission_release(&a, &t3);
    kk_admission_get(&a, &st);
    CHECK(st.tickets == 0 && st.queued_s == 0);
    kk_admission_destroy(&a);
    return HARNESS_RETURN();
}
