/* kokoro normalize: prints the normalised form of a text (and, with --spans, its source map). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/say_text.h"
#include "kokoro.h"

int cmd_normalize(int argc, char **argv)
{
    kokoro_normalization_options opt;
    kokoro_normalization_options_init(&opt);
    const char *lang = "a", *text_arg = NULL;
    int show_spans = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--lang") == 0 && i + 1 < argc) {
            lang = argv[++i];
        } else if (strcmp(a, "--no-normalize") == 0) {
            opt.normalize = 0;
        } else if (strcmp(a, "--units") == 0) {
            opt.unit_normalization = 1;
        } else if (strcmp(a, "--no-urls") == 0) {
            opt.url_normalization = 0;
        } else if (strcmp(a, "--no-emails") == 0) {
            opt.email_normalization = 0;
        } else if (strcmp(a, "--no-plurals") == 0) {
            opt.optional_pluralization_normalization = 0;
        } else if (strcmp(a, "--no-phones") == 0) {
            opt.phone_normalization = 0;
        } else if (strcmp(a, "--no-symbols") == 0) {
            opt.replace_remaining_symbols = 0;
        } else if (strcmp(a, "--spans") == 0) {
            show_spans = 1;
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "kokoro normalize: unknown option '%s' (see 'kokoro help normalize')\n", a);
            return 2;
        } else if (!text_arg) {
            text_arg = a;
        } else {
            fprintf(stderr, "kokoro normalize: give the text as one argument (or - for stdin)\n");
            return 2;
        }
    }
    if (!text_arg) {
        fprintf(stderr, "kokoro normalize: missing TEXT (or - for stdin)\n");
        return 2;
    }
    char *input = strcmp(text_arg, "-") == 0 ? cli_read_stream(stdin) : strdup(text_arg);
    if (!input) {
        fprintf(stderr, "kokoro normalize: cannot read the input\n");
        return 1;
    }
    char *out = NULL;
    kokoro_span *spans = NULL;
    size_t n_spans = 0;
    kokoro_error err;
    kokoro_status st = kokoro_normalize(input, lang, &opt, &out, show_spans ? &spans : NULL,
                                        &n_spans, &err);
    if (st != KOKORO_OK) {
        fprintf(stderr, "kokoro normalize: %s\n", err.message);
        free(input);
        return 1;
    }
    fputs(out, stdout);
    fputc('\n', stdout);
    for (size_t k = 0; show_spans && k < n_spans; k++) {
        const kokoro_span *s = &spans[k];
        printf("%zu\t%zu\t%zu\t%zu\t%.*s\t%.*s\n", s->out_start, s->out_end, s->src_start, s->src_end,
               (int)(s->out_end - s->out_start), out + s->out_start,
               (int)(s->src_end - s->src_start), input + s->src_start);
    }
    free(spans);
    free(out);
    free(input);
    return ferror(stdout) ? 1 : 0;
}
