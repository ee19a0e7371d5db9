/* Minimal test harness: CHECK records a failure and continues, so one run reports every
 * broken expectation; main() returns non-zero when anything failed. */
#ifndef KOKORO_TEST_HARNESS_H
#define KOKORO_TEST_HARNESS_H
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int harness_failures;
static int harness_checks;

#define CHECK(cond) do { harness_checks++; if (!(cond)) { harness_failures++; \
    fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); } } while (0)

#define CHECK_MSG(cond, ...) do { harness_checks++; if (!(cond)) { harness_failures++; \
    fprintf(stderr, "%s:%d: CHECK failed: %s: ", __FILE__, __LINE__, #cond); \
    fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); } } while (0)

#define CHECK_STR_EQ(got, want) do { const char *g_ = (got), *w_ = (want); harness_checks++; \
    if (!g_ || !w_ || strcmp(g_, w_) != 0) { harness_failures++; \
    fprintf(stderr, "%s:%d: got \"%s\", want \"%s\"\n", __FILE__, __LINE__, \
            g_ ? g_ : "(null)", w_ ? w_ : "(null)"); } } while (0)

#define CHECK_NEAR(got, want, tol) do { double g_ = (got), w_ = (want); harness_checks++; \
    if (!(fabs(g_ - w_) <= (tol))) { harness_failures++; \
    fprintf(stderr, "%s:%d: got %.9g, want %.9g (tol %g)\n", __FILE__, __LINE__, g_, w_, (double)(tol)); } } while (0)

/* A whole file as a NUL-terminated string (malloc'd); NULL when it cannot be read. *len (if len
 * is not NULL) gets its size in bytes, the terminator not counted. */
static inline char *harness_read_file_len(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (s && fread(s, 1, (size_t)n, f) != (size_t)n) {
        free(s);
        s = NULL;
    }
    if (s)
        s[n] = '\0';
    fclose(f);
    if (len)
        *len = n >= 0 ? (size_t)n : 0;
    return s;
}

static inline char *harness_read_file(const char *path) { return harness_read_file_len(path, NULL); }

#define HARNESS_RETURN() (fprintf(stderr, "%d checks, %d failed\n", harness_checks, harness_failures), \
                          harness_failures ? 1 : 0)
#endif
