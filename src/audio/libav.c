/* Run-time loading of libavcodec/libavutil for the AAC encoder (see libav.h for why). */
#include "audio/libav.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

#include "util/error.h"

/* Written only inside pthread_once, read-only afterwards. */
static struct {
    kk_libav fn;
    int ok;
    char why[320];
} loaded;
static pthread_once_t load_once = PTHREAD_ONCE_INIT;

/* The Debian package name (libavcodec59) tells an administrator what to install. */
static void load_failed(const char *package, const char *detail)
{
    snprintf(loaded.why, sizeof loaded.why, "AAC needs %s: %s", package, detail ? detail : "unknown error");
}

static void load(void)
{
    static const char codec_pkg[] = "libavcodec" AV_STRINGIFY(LIBAVCODEC_VERSION_MAJOR);
    static const char util_pkg[] = "libavutil" AV_STRINGIFY(LIBAVUTIL_VERSION_MAJOR);
    /* RTLD_LOCAL keeps FFmpeg's symbols (and those of the libraries it drags in) out of the global
     * namespace, so they cannot interpose on anything the process already uses. */
    void *codec = dlopen(KK_LIBAVCODEC_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (!codec) {
        load_failed(codec_pkg, dlerror());
        return;
    }
    void *util = dlopen(KK_LIBAVUTIL_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (!util) {
        load_failed(util_pkg, dlerror());
        dlclose(codec);
        return;
    }
    kk_libav t;
    void *sym;
    /* POSIX guarantees that dlsym's object pointer converts to a function pointer. */
#define KK_RESOLVE(handle, package, name)                                                           \
    dlerror();                                                                                      \
    sym = dlsym(handle, #name);                                                                     \
    if (!sym) {                                                                                     \
        load_failed(package, dlerror());                                                            \
        dlclose(util);                                                                              \
        dlclose(codec);                                                                             \
        return;                                                                                     \
    }                                                                                               \
    t.name = (__typeof__(t.name))sym;
#define KK_FROM_CODEC(name) KK_RESOLVE(codec, codec_pkg, name)
#define KK_FROM_UTIL(name) KK_RESOLVE(util, util_pkg, name)
    KK_LIBAVCODEC_FUNCTIONS(KK_FROM_CODEC)
    KK_LIBAVUTIL_FUNCTIONS(KK_FROM_UTIL)
#undef KK_FROM_UTIL
#undef KK_FROM_CODEC
#undef KK_RESOLVE
    loaded.fn = t;
    loaded.ok = 1;
}

const kk_libav *kk_libav_get(kokoro_error *err)
{
    pthread_once(&load_once, load);
    if (!loaded.ok) {
        kk_fail(err, KOKORO_ERR_UNSUPPORTED, "%s", loaded.why);
        return NULL;
    }
    return &loaded.fn;
}
