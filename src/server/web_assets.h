/* The web player's files (web/index.html, app.css, app.js), compiled into libkokoro at build
 * time by tools/embed_files.c so that `kokoro serve` needs no file at run time. */
#ifndef KOKORO_SERVER_WEB_ASSETS_H
#define KOKORO_SERVER_WEB_ASSETS_H
#include <stddef.h>

/* One embedded file: name relative to web/, bytes in static read-only storage. */
struct kk_web_file {
    const char *name;
    const unsigned char *data;
    size_t len;
};

/* Defined by the generated source. */
extern const struct kk_web_file kk_web_files[];
extern const size_t kk_web_file_count;

/* Looks up the file served at /web/<path>; "" means index.html. On success sets *data and *len
 * (static storage: never freed, never written) and *mime (a Content-Type value) and returns 1.
 * Returns 0, touching nothing, for any other path: names are matched exactly, so "..", "/" or
 * "%2e" can never reach anything but the embedded table. */
int kk_web_asset(const char *path, const unsigned char **data, size_t *len, const char **mime);
#endif
