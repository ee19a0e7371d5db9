/* downloads — the temp-file store behind return_download_link and GET /v1/download/{file}.
 * Files are named tmp<6 random characters>.<ext> inside one folder; pruning keeps at most max_count of them and
 * none older than max_age. A requested name that is not exactly such a plain name is refused. */
#ifndef KOKORO_SERVER_DOWNLOADS_H
#define KOKORO_SERVER_DOWNLOADS_H
#include <pthread.h>
#include <stdio.h>

typedef struct {
    char dir[4096];
    int max_count;
    double max_age_s;
    double max_bytes;
    pthread_mutex_t mu;
} kk_downloads;

/* Creates dir if needed. 0 or -1 with a message. */
int kk_downloads_init(kk_downloads *d, const char *dir, int max_count, double max_age_hours, double max_mb,
                      char *err, size_t errlen);
void kk_downloads_destroy(kk_downloads *d);
/* Prunes, then creates a new file for writing; name receives the file name (tmp + 6 random characters + .ext). NULL on failure. */
FILE *kk_downloads_create(kk_downloads *d, const char *ext, char *name, size_t namelen);
/* 1 if name is a plain file name this store could have produced ([A-Za-z0-9._-], no leading dot). */
int kk_downloads_name_ok(const char *name);
/* Reads a stored file into memory (malloc'd). 0, or -1 if absent/refused. */
int kk_downloads_read(kk_downloads *d, const char *name, char **data, size_t *len);
/* Content type for a stored file's extension. */
const char *kk_downloads_mime(const char *name);
#endif
