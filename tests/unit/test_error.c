#include "harness.h"
#include "kokoro.h"
#include "util/error.h"

int main(void)
{
    kokoro_error err;
    kokoro_status s = kk_fail(&err, KOKORO_ERR_NOT_FOUND, "voice '%s' not found", "zz");
    CHECK(s == KOKORO_ERR_NOT_FOUND);
    CHECK(err.code == KOKORO_ERR_NOT_FOUND);
    CHECK_STR_EQ(err.message, "voice 'zz' not found");
    CHECK_STR_EQ(kokoro_status_name(KOKORO_ERR_TOO_LONG), "too_long");
    CHECK(kk_fail(NULL, KOKORO_ERR_IO, "x") == KOKORO_ERR_IO);
    kk_error_clear(&err);
    CHECK(err.code == KOKORO_OK && err.message[0] == '\0');
    CHECK(strlen(kokoro_version()) > 0);
    return HARNESS_RETURN();
}
