/* Chunk joins: FastAPI's silence trimming (1 ms hard trim, -45 dBFS threshold, 50 ms pads), the
 * punctuation pauses, and the raised-cosine fades that keep joins click-free. */
#include "audio_util.h"
#include "harness.h"

#define MS(x) ((size_t)(x) * KOKORO_SAMPLE_RATE / 1000)

static float max_step(const float *x, size_t n)
{
    float m = 0;
    for (size_t i = 1; i < n; i++)
        m = fmaxf(m, fabsf(x[i] - x[i - 1]));
    return m;
}

static void test_trim_lengths(void)
{
    /* 200 ms of low hiss (-50 dBFS), 500 ms of tone, 300 ms of hiss: keeps 50 + 500 + 50 ms. */
    size_t lead = MS(200), body = MS(500), tail = MS(300), n = lead + body + tail;
    float *x = calloc(n, sizeof *x);
    float hiss = 0.00316f;
    for (size_t i = 0; i < n; i++)
        x[i] = (i & 1) ? hiss : -hiss;
    for (size_t i = 0; i < body; i++)
        x[lead + i] = 0.5f * (float)sin(2.0 * M_PI * 300.0 * (double)(i + 1) / KOKORO_SAMPLE_RATE);
    /* The first and last samples above the threshold are those of the tone. */
    size_t first = lead, last = lead + body - 1;
    while (fabsf(x[first]) <= 0.0056234f)
        first++;
    while (fabsf(x[last]) <= 0.0056234f)
        last--;
    float keep_first = x[first];
    size_t start = 0;
    size_t range = kokoro_trim_range(x, n, &start);
    size_t got = kokoro_trim_chunk(x, n, 0, 0);
    CHECK(range == got);
    CHECK(start == first - MS(50));
    CHECK_MSG(got == (last + MS(50)) - (first - MS(50)), "kept %zu samples", got);
    CHECK(x[first - (first - MS(50))] == keep_first); /* 50 ms in: the tone, unfaded */
    CHECK(x[0] == 0.0f && x[got - 1] == 0.0f);        /* faded to zero at both cuts */
    free(x);

    /* Speech to both edges: only FastAPI's 1 ms hard trim at each end. */
    n = MS(300);
    x = make_sine(n, 1000.0, 0.5);
    CHECK(kokoro_trim_chunk(x, n, 1, 1) == n - 2 * MS(1));
    free(x);

    /* All silent: also just the 1 ms ends. */
    x = calloc(n, sizeof *x);
    CHECK(kokoro_trim_chunk(x, n, 0, 1) == n - 2 * MS(1));
    free(x);

    /* Too short to hard-trim, but still faded; empty and NULL are fine. */
    float tiny[10] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    CHECK(kokoro_trim_chunk(tiny, 10, 0, 0) == 10);
    CHECK(tiny[0] == 0.0f && tiny[9] == 0.0f && tiny[4] > 0.0f && tiny[4] <= 1.0f);
    CHECK(kokoro_trim_chunk(tiny, 0, 0, 0) == 0);
    CHECK(kokoro_trim_chunk(NULL, 5, 0, 0) == 0);

    /* The -45 dBFS threshold: a chunk whose loudest samples are just below it counts as silent,
     * one just above it as speech. */
    n = MS(400);
    x = calloc(n, sizeof *x);
    x[MS(200)] = 0.0055f;
    CHECK(kokoro_trim_chunk(x, n, 0, 0) == n - 2 * MS(1));
    memset(x, 0, n * sizeof *x);
    x[MS(200)] = 0.0058f;
    start = 0;
    CHECK(kokoro_trim_range(x, n, &start) == 2 * MS(50) && start == MS(150));
    CHECK(kokoro_trim_chunk(x, n, 0, 0) == 2 * MS(50));
    free(x);
}

/* Two loud chunks that end and start mid-waveform: the join must be no steeper than the
 * signals themselves, although the raw concatenation jumps by far more. */
static void test_no_click(void)
{
    size_t na = MS(400) + 37, nb = MS(300) + 11;
    float *a = make_sine(na, 440.0, 0.8);
    float *b = make_chirp(nb, 200.0, 3000.0, 0.8);
    for (size_t i = 0; i < nb; i++) /* start b at a steep, non-zero point */
        b[i] = 0.8f * (float)cos(2.0 * M_PI * 523.0 * (double)i / KOKORO_SAMPLE_RATE + 1.3) * (i < nb / 2 ? 1.0f : 0.9f);
    float own = fmaxf(max_step(a, na), max_step(b, nb));
    float raw_jump = fabsf(b[MS(1)] - a[na - MS(1) - 1]);
    CHECK_MSG(raw_jump > own, "test signal does not exercise the join (%g <= %g)", raw_jump, own);

    size_t la = kokoro_trim_chunk(a, na, 1, 0);
    size_t lb = kokoro_trim_chunk(b, nb, 0, 1);
    float *joined = malloc((la + lb) * sizeof *joined);
    memcpy(joined, a, la * sizeof *a);
    memcpy(joined + la, b, lb * sizeof *b);
    float step = max_step(joined, la + lb);
    CHECK_MSG(step <= own, "joined signal steps by %g, the signals themselves by at most %g", step, own);
    CHECK(joined[0] == 0.0f && joined[la - 1] == 0.0f && joined[la] == 0.0f && joined[la + lb - 1] == 0.0f);
    /* The fades are at most 5 ms: beyond that the chunk is untouched. */
    float *a_ref = make_sine(na, 440.0, 0.8);
    int changed_inside = 0;
    for (size_t i = MS(5); i + MS(5) < la; i++)
        changed_inside += joined[i] != a_ref[i + MS(1)];
    CHECK(changed_inside == 0);
    fprintf(stderr, "join: max step %.4f, signals' own max step %.4f, raw jump %.4f\n", step, own, raw_jump);
    free(a);
    free(b);
    free(a_ref);
    free(joined);
}

static void test_pauses(void)
{
    CHECK_NEAR(kokoro_pause_after("Hello there."), 0.310, 1e-9);
    CHECK_NEAR(kokoro_pause_after("Is it?"), 0.310, 1e-9);
    CHECK_NEAR(kokoro_pause_after("Wow!"), 0.269, 1e-9);
    CHECK_NEAR(kokoro_pause_after("First,"), 0.228, 1e-9);
    CHECK_NEAR(kokoro_pause_after("no punctuation"), 0.310, 1e-9);
    CHECK_NEAR(kokoro_pause_after("trailing space!  \n"), 0.269, 1e-9);
    CHECK_NEAR(kokoro_pause_after(""), 0.310, 1e-9);
    CHECK_NEAR(kokoro_pause_after(NULL), 0.310, 1e-9);
    /* Kept tail + pause + next chunk's 50 ms lead = FastAPI's 50 ms + 360 ms gap after '.'. */
    CHECK_NEAR(0.050 + kokoro_pause_after("End.") + 0.050, 0.410, 1e-9);
}

int main(void)
{
    test_trim_lengths();
    test_no_click();
    test_pauses();
    return HARNESS_RETURN();
}
