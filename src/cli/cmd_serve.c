/* kokoro serve — the OpenAI-compatible speech server (src/server/). */
#include <stdio.h>

#include "cli/commands.h"
#include "server/server.h"
#include "server/settings.h"

int cmd_serve(int argc, char **argv)
{
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
