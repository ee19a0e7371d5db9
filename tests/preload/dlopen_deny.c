/* LD_PRELOAD helper for the integration tests: lets a test see how kokoro behaves on a system
 * where a run-time loaded library, or one of its symbols, is absent, without touching the system.
 *
 *   KK_DENY_DLOPEN=NAME  dlopen() of any file whose name contains NAME fails, and dlerror() then
 *                        says what the dynamic loader says for a missing file.
 *   KK_DENY_DLSYM=NAME   dlsym() of exactly the symbol NAME fails the same way.
 *
 * Everything else is passed on to glibc. */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static _Thread_local char pending[512];
static _Thread_local char reported[512];

typedef void *(*dlopen_fn)(const char *, int);
typedef void *(*dlsym_fn)(void *, const char *);
typedef char *(*dlerror_fn)(void);

/* dlvsym, not dlsym: the helper replaces dlsym itself. GLIBC_2.34 is where Debian 12's libc
 * defines the dl* functions; GLIBC_2.2.5 is the older x86-64 version, kept as a fallback. */
static void *real(const char *name)
{
    void *f = dlvsym(RTLD_NEXT, name, "GLIBC_2.34");
    return f ? f : dlvsym(RTLD_NEXT, name, "GLIBC_2.2.5");
}

void *dlopen(const char *file, int flags)
{
    const char *deny = getenv("KK_DENY_DLOPEN");
    if (file && deny && *deny && strstr(file, deny)) {
        snprintf(pending, sizeof pending, "%s: cannot open shared object file: No such file or directory", file);
        return NULL;
    }
    return ((dlopen_fn)real("dlopen"))(file, flags);
}

void *dlsym(void *handle, const char *symbol)
{
    const char *deny = getenv("KK_DENY_DLSYM");
    if (deny && strcmp(symbol, deny) == 0) {
        snprintf(pending, sizeof pending, "undefined symbol: %s", symbol);
        return NULL;
    }
    return ((dlsym_fn)real("dlsym"))(handle, symbol);
}

char *dlerror(void)
{
    if (pending[0]) {
        memcpy(reported, pending, sizeof reported);
        pending[0] = '\0';
        return reported;
    }
    return ((dlerror_fn)real("dlerror"))();
}
