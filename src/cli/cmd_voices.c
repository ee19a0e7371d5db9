/* kokoro voices: list the voice packs of a voices folder, one name per line. */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "download/download.h"
#include "model/voice.h"

int cmd_voices(int argc, char **argv)
{
    const char *voices_dir = NULL, *model_dir = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--voices-dir") == 0 && i + 1 < argc)
            voices_dir = argv[++i];
        else if (strcmp(argv[i], "--model-dir") == 0 && i + 1 < argc)
            model_dir = argv[++i];
        else {
            fprintf(stderr, "kokoro voices: unexpected argument '%s' (usage: kokoro voices [--voices-dir DIR | --model-dir DIR])\n",
                    argv[i]);
            return 2;
        }
    }
    if (voices_dir && model_dir) {
        fprintf(stderr, "kokoro voices: give --voices-dir or --model-dir, not both\n");
        return 2;
    }
    char buf[4096], def[4096];
    if (!voices_dir) {
        if (!model_dir) {
            if (kk_model_dir_default(def, sizeof def) != 0) {
                fprintf(stderr, "kokoro voices: no model folder: set KOKORO_MODEL_DIR or pass --voices-dir\n");
                return 2;
            }
            model_dir = def;
        }
        if (snprintf(buf, sizeof buf, "%s/voices", model_dir) >= (int)sizeof buf) {
            fprintf(stderr, "kokoro voices: path too long\n");
            return 2;
        }
        voices_dir = buf;
    }
    char **names;
    size_t n;
    kokoro_error err;
    if (kk_voices_list(voices_dir, &names, &n, &err) != KOKORO_OK) {
        fprintf(stderr, "kokoro voices: %s\n", err.message);
        return 1;
    }
    for (size_t i = 0; i < n; i++)
        printf("%s\n", names[i]);
    if (n == 0)
        fprintf(stderr, "kokoro voices: no voice packs (*.pt, *.bin) in %s\n", voices_dir);
    kk_voices_list_free(names, n);
    return n == 0 ? 1 : 0;
}
