/* kokoro serve — the OpenAI-compatible speech server (src/server/). */
#include <stdio.h>
#include <stdlib.h>

#include "cli/commands.h"
#include "server/server.h"
#include "server/settings.h"

int cmd_serve(int argc, char **argv)
{
    /* A server lives long and is judged by its first audio: every filter spectrum is made once at
     * load (about 240 MiB more) instead of per call, which makes a short first chunk about 20 %
     * faster. Set before any thread starts; an explicit KOKORO_CONV_SPECTRA_MB wins. */
    setenv("KOKORO_CONV_SPECTRA_MB", "all", 0);
    kk_settings cfg;
    kk_settings_init(&cfg);
    char err[1024];
    int rc = kk_settings_parse_args(&cfg, argc, argv, err, sizeof err);
    if (rc == 1) {
        fputs(kk_serve_usage, stdout);
        kk_settings_free(&cfg);
        return 0;
    }
    if (rc != 0 || kk_settings_resolve_model(&cfg, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        kk_settings_free(&cfg);
        return rc != 0 ? 2 : 1;
    }
    rc = kk_server_run(&cfg);
    kk_settings_free(&cfg);
    return rc;
}
