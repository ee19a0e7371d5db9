/* The web player is embedded byte for byte, served only by exact name, with the right types. */
#include "harness.h"
#include "server/web_assets.h"

#include <stdio.h>
#include <stdlib.h>

/* tests/fixtures/../.. is the source tree holding web/. */
#define KOKORO_SOURCE_DIR KOKORO_FIXTURES "/../.."

/* Reads a whole file; caller frees. */
static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    unsigned char *buf = NULL;
    size_t cap = 0, n = 0, got;
    do {
        if (n == cap) {
            cap = cap ? cap * 2 : 65536;
            unsigned char *p = realloc(buf, cap);
            if (!p) { free(buf); fclose(f); return NULL; }
            buf = p;
        }
        got = fread(buf + n, 1, cap - n, f);
        n += got;
    } while (got > 0);
    fclose(f);
    *len = n;
    return buf;
}

static void same_as_source(const char *name, const char *want_mime)
{
    const unsigned char *data = NULL;
    size_t len = 0;
    const char *mime = NULL;
    CHECK_MSG(kk_web_asset(name, &data, &len, &mime) == 1, "%s not embedded", name);
    CHECK_STR_EQ(mime, want_mime);
    char path[1024];
    snprintf(path, sizeof path, "%s/web/%s", KOKORO_SOURCE_DIR, name);
    size_t flen = 0;
    unsigned char *file = slurp(path, &flen);
    CHECK_MSG(file != NULL, "cannot read %s", path);
    CHECK_MSG(file && data && flen == len && memcmp(file, data, len) == 0,
              "%s: embedded copy (%zu bytes) differs from the source (%zu bytes)", name, len, flen);
    free(file);
}

int main(void)
{
    same_as_source("index.html", "text/html; charset=utf-8");
    same_as_source("app.css", "text/css; charset=utf-8");
    same_as_source("app.js", "text/javascript; charset=utf-8");

    /* "" is the page itself. */
    const unsigned char *a = NULL, *b = NULL;
    size_t la = 0, lb = 0;
    const char *m = NULL;
    CHECK(kk_web_asset("", &a, &la, &m) == 1);
    CHECK(kk_web_asset("index.html", &b, &lb, NULL) == 1);
    CHECK(a == b && la == lb && la > 0);
    CHECK_STR_EQ(m, "text/html; charset=utf-8");

    /* Anything that is not an exact embedded name is refused and leaves the outputs alone. */
    const char *bad[] = {"../index.html", "/index.html", "index.html/", "INDEX.HTML", "app.js?x=1",
                         "..", "%2e%2e/app.js", "index", "app.js\n", "web/app.js",
                         "../../CMakeLists.txt", "/etc/passwd"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const unsigned char *d = (const unsigned char *)"x";
        size_t l = 7;
        const char *mm = "y";
        CHECK_MSG(kk_web_asset(bad[i], &d, &l, &mm) == 0, "'%s' was served", bad[i]);
        CHECK(d[0] == 'x' && l == 7 && mm[0] == 'y');
    }
    CHECK(kk_web_asset(NULL, &a, &la, &m) == 0);

    /* The whole page stays under the 100 KB budget. */
    size_t total = 0;
    for (size_t i = 0; i < kk_web_file_count; i++) total += kk_web_files[i].len;
    CHECK_MSG(total > 0 && total < 100 * 1024, "web player weighs %zu bytes", total);
    return HARNESS_RETURN();
}
