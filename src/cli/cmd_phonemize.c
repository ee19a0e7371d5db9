/* kokoro phonemize: prints the misaki phonemes of a text, one line per synthesis chunk
 * (pauses as "[pause N s]"), and with --ids the model token ids of each chunk. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/say_text.h"
#include "download/download.h"
#include "kokoro.h"
#include "model/config.h"
#include "text/sbuf.h"

static int load_vocab(const char *config_path, const char *model_dir, kk_config *cfg)
{
    char path[4200];
    if (!config_path) {
        char dir[4096];
        if (model_dir)
            snprintf(dir, sizeof dir, "%s", model_dir);
        else if (kk_model_dir_default(dir, sizeof dir) != 0) {
            fprintf(stderr, "kokoro phonemize: --ids needs config.json: pass --config FILE or --model-dir DIR\n");
            return 0;
        }
        snprintf(path, sizeof path, "%s/config.json", dir);
        config_path = path;
    }
    kokoro_error err;
    if (kk_config_load(config_path, cfg, &err) != KOKORO_OK) {
        fprintf(stderr, "kokoro phonemize: --ids needs the model vocabulary: %s\n", err.message);
        return 0;
    }
    return 1;
}

int cmd_phonemize(int argc, char **argv)
{
    kokoro_normalization_options opt;
    kokoro_normalization_options_init(&opt);
    const char *lang = "a", *text_arg = NULL, *config = NULL, *model_dir = NULL;
    int ids = 0, words = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--lang") == 0 && i + 1 < argc)
            lang = argv[++i];
        else if (strcmp(a, "--config") == 0 && i + 1 < argc)
            config = argv[++i];
        else if (strcmp(a, "--model-dir") == 0 && i + 1 < argc)
            model_dir = argv[++i];
        else if (strcmp(a, "--ids") == 0)
            ids = 1;
        else if (strcmp(a, "--words") == 0)
            words = 1;
        else if (strcmp(a, "--no-normalize") == 0)
            opt.normalize = 0;
        else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "kokoro phonemize: unknown option '%s' (see 'kokoro help phonemize')\n", a);
            return 2;
        } else if (!text_arg)
            text_arg = a;
        else {
            fprintf(stderr, "kokoro phonemize: give the text as one argument (or - for stdin)\n");
            return 2;
        }
    }
    if (!text_arg) {
        fprintf(stderr, "kokoro phonemize: missing TEXT (or - for stdin)\n");
        return 2;
    }
    kk_config *cfg = NULL;
    if (ids) {
        cfg = calloc(1, sizeof *cfg);
        if (!cfg || !load_vocab(config, model_dir, cfg)) {
            free(cfg);
            return 1;
        }
    }
    char *input = strcmp(text_arg, "-") == 0 ? cli_read_stream(stdin) : strdup(text_arg);
    if (!input) {
        fprintf(stderr, "kokoro phonemize: cannot read the input\n");
        free(cfg);
        return 1;
    }
    kokoro_error err;
    kokoro_frontend *fe = NULL;
    kokoro_chunk *ch = NULL;
    size_t nc = 0;
    kokoro_status st = kokoro_frontend_new(&fe, &err);
    if (st == KOKORO_OK)
        st = kokoro_text_to_chunks(fe, input, lang, &opt, &ch, &nc, &err);
    if (st != KOKORO_OK) {
        fprintf(stderr, "kokoro phonemize: %s\n", err.message);
        kokoro_frontend_free(fe);
        free(input);
        free(cfg);
        return 1;
    }
    for (size_t i = 0; i < nc; i++) {
        if (ch[i].pause_s > 0) {
            printf("[pause %.3g s]\n", ch[i].pause_s);
            continue;
        }
        fputs(ch[i].phonemes, stdout);
        if (ids) {
            /* boundary zeros around the ids, as the model receives them */
            fputs("\t0", stdout);
            const char *p = ch[i].phonemes;
            size_t n = strlen(p), k = 0;
            while (k < n) {
                int id = kk_config_token_id(cfg, kk_u8_next(p, n, &k));
                if (id >= 0)
                    printf(" %d", id);
            }
            fputs(" 0", stdout);
        }
        fputc('\n', stdout);
        if (words)
            for (size_t w = 0; w < ch[i].n_words; w++) {
                const kokoro_word *x = &ch[i].words[w];
                printf("  %.*s\t[%zu,%zu)\t%zu-%zu\n", (int)(x->src_end - x->src_start), input + x->src_start,
                       x->src_start, x->src_end, x->ph_start, x->ph_end);
            }
    }
    kokoro_chunks_free(ch, nc);
    kokoro_frontend_free(fe);
    free(input);
    free(cfg);
    return fflush(stdout) == 0 ? 0 : 1;
}
