#include "util/error.h"

#include <stdarg.h>
#include <stdio.h>

#include "build_info.h"

kokoro_status kk_fail(kokoro_error *err, kokoro_status code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
        err->code = code;
    }
    return code;
}

void kk_error_clear(kokoro_error *err)
{
    if (err) {
        err->code = KOKORO_OK;
        err->message[0] = '\0';
    }
}

const char *kokoro_status_name(kokoro_status code)
{
    switch (code) {
    case KOKORO_OK: return "ok";
    case KOKORO_ERR_INVALID_ARGUMENT: return "invalid_argument";
    case KOKORO_ERR_NOT_FOUND: return "not_found";
    case KOKORO_ERR_IO: return "io_error";
    case KOKORO_ERR_FORMAT: return "format_error";
    case KOKORO_ERR_UNSUPPORTED: return "unsupported";
    case KOKORO_ERR_TOO_LONG: return "too_long";
    case KOKORO_ERR_NO_MEMORY: return "out_of_memory";
    case KOKORO_ERR_CANCELLED: return "cancelled";
    case KOKORO_ERR_INTERNAL: return "internal_error";
    }
    return "unknown";
}

const char *kokoro_version(void)
{
    return KOKORO_VERSION_STRING;
}
