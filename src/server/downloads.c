#include "server/downloads.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int kk_downloads_init(kk_downloads *d, const char *dir, int max_count, double max_age_hours, double max_mb,
                      char *err, size_t errlen)
{
    memset(d, 0, sizeof *d);
    snprintf(d->dir, sizeof d->dir, "%s", dir);
    d->max_count = max_count < 1 ? 1 : max_count;
    d->max_age_s = max_age_hours * 3600.0;
    d->max_bytes = max_mb * 1024.0 * 1024.0;
    pthread_mutex_init(&d->mu, NULL);
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "cannot create temp file folder '%s': %s", dir, strerror(errno));
        return -1;
    }
    return 0;
}

void kk_downloads_destroy(kk_downloads *d)
{
    pthread_mutex_destroy(&d->mu);
}

int kk_downloads_name_ok(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > 128 || name[0] == '.')
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)name[i];
        if (!isalnum(c) && c != '.' && c != '_' && c != '-')
            return 0;
    }
    return strstr(name, "..") == NULL;
}

typedef struct {
    char name[256];
    time_t mtime;
    off_t size;
} entry;

static int by_age(const void *a, const void *b)
{
    const entry *x = a, *y = b;
    return (x->mtime > y->mtime) - (x->mtime < y->mtime);
}

/* Keeps room for one more file: drops expired ones, then the oldest beyond the count/size caps. */
static void prune_locked(kk_downloads *d)
{
    DIR *dir = opendir(d->dir);
    if (!dir)
        return;
    size_t n = 0, cap = 16;
    entry *v = malloc(cap * sizeof *v);
    struct dirent *e;
    time_t now = time(NULL);
    while (v && (e = readdir(dir))) {
        if (strncmp(e->d_name, "tmp", 3) != 0 || !kk_downloads_name_ok(e->d_name))
            continue;
        char p[8192];
        snprintf(p, sizeof p, "%s/%s", d->dir, e->d_name);
        struct stat st;
        if (stat(p, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        if (difftime(now, st.st_mtime) > d->max_age_s) {
            unlink(p);
            continue;
        }
        if (n == cap) {
            entry *nv = realloc(v, (cap *= 2) * sizeof *v);
            if (!nv)
                break;
            v = nv;
        }
        snprintf(v[n].name, sizeof v[n].name, "%s", e->d_name);
        v[n].mtime = st.st_mtime;
        v[n].size = st.st_size;
        n++;
    }
    closedir(dir);
    if (!v)
        return;
    qsort(v, n, sizeof *v, by_age);
    double total = 0;
    for (size_t i = 0; i < n; i++)
        total += (double)v[i].size;
    for (size_t i = 0; i < n && (n - i >= (size_t)d->max_count || total > d->max_bytes); i++) {
        char p[8192];
        snprintf(p, sizeof p, "%s/%s", d->dir, v[i].name);
        unlink(p);
        total -= (double)v[i].size;
    }
    free(v);
}

FILE *kk_downloads_create(kk_downloads *d, const char *ext, char *name, size_t namelen)
{
    pthread_mutex_lock(&d->mu);
    prune_locked(d);
    char path[8192];
    int sl = (int)strlen(ext) + 1;
    char templ[7];
    memset(templ, 'X', 6); /* mkstemps replaces these six with random characters */
    templ[6] = '\0';
    snprintf(path, sizeof path, "%s/tmp%s.%s", d->dir, templ, ext);
    int fd = mkstemps(path, sl);
    pthread_mutex_unlock(&d->mu);
    if (fd < 0)
        return NULL;
    FILE *f = fdopen(fd, "wb");
    if (!f) {
        close(fd);
        unlink(path);
        return NULL;
    }
    const char *base = strrchr(path, '/');
    snprintf(name, namelen, "%s", base ? base + 1 : path);
    return f;
}

int kk_downloads_read(kk_downloads *d, const char *name, char **data, size_t *len)
{
    *data = NULL;
    *len = 0;
    if (!kk_downloads_name_ok(name))
        return -1;
    char p[8192];
    snprintf(p, sizeof p, "%s/%s", d->dir, name);
    FILE *f = fopen(p, "rb");
    if (!f)
        return -1;
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(f);
        return -1;
    }
    char *buf = malloc((size_t)st.st_size + 1);
    size_t got = buf ? fread(buf, 1, (size_t)st.st_size, f) : 0;
    fclose(f);
    if (!buf || got != (size_t)st.st_size) {
        free(buf);
        return -1;
    }
    *data = buf;
    *len = got;
    return 0;
}

const char *kk_downloads_mime(const char *name)
{
    const char *dot = strrchr(name, '.');
    static const char *const map[][2] = {{"mp3", "audio/mpeg"}, {"opus", "audio/opus"}, {"aac", "audio/aac"},
                                         {"flac", "audio/flac"}, {"wav", "audio/wav"},  {"pcm", "audio/pcm"},
                                         {"json", "application/json"}};
    if (dot)
        for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
            if (!strcmp(dot + 1, map[i][0]))
                return map[i][1];
    return "application/octet-stream";
}
