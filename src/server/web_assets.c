#include "server/web_assets.h"

#include <string.h>

static const char *mime_of(const char *name)
{
    static const struct { const char *ext, *mime; } types[] = {
        {".html", "text/html; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".json", "application/json"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".ico", "image/x-icon"},
    };
    const char *dot = strrchr(name, '.');
    for (size_t i = 0; dot && i < sizeof types / sizeof types[0]; i++)
        if (strcmp(dot, types[i].ext) == 0) return types[i].mime;
    return "application/octet-stream";
}

int kk_web_asset(const char *path, const unsigned char **data, size_t *len, const char **mime)
{
    if (!path) return 0;
    if (path[0] == '\0') path = "index.html";
    for (size_t i = 0; i < kk_web_file_count; i++) {
        if (strcmp(kk_web_files[i].name, path) != 0) continue;
        if (data) *data = kk_web_files[i].data;
        if (len) *len = kk_web_files[i].len;
        if (mime) *mime = mime_of(path);
        return 1;
    }
    return 0;
}
