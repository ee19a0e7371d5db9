/* Internal error helpers: every library function reports failures through kokoro_error. */
#ifndef KOKORO_UTIL_ERROR_H
#define KOKORO_UTIL_ERROR_H
#include "kokoro.h"

/* Fills err (if non-NULL) with code and a printf-style message; returns code so callers can
 * write `return kk_fail(err, KOKORO_ERR_IO, "cannot open %s", path);`. */
kokoro_status kk_fail(kokoro_error *err, kokoro_status code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Resets err to KOKORO_OK with an empty message. */
void kk_error_clear(kokoro_error *err);
#endif
