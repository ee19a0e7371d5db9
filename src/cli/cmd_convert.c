/* kokoro convert: a checkpoint (.pth or .safetensors) to a .safetensors file of folded weights
 * that loads by mmap without the pickle step. */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "model/checkpoint.h"
#include "model/safetensors.h"

static const char USAGE[] = "(usage: kokoro convert IN.pth OUT.safetensors [--dtype f32|bf16|f16])\n";

int cmd_convert(int argc, char **argv)
{
    const char *in = NULL, *out = NULL, *dtype_name = "f32";
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--dtype") == 0 && i + 1 < argc)
            dtype_name = argv[++i];
        else if (strncmp(argv[i], "--dtype=", 8) == 0)
            dtype_name = argv[i] + 8;
        else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            fprintf(stderr, "kokoro convert: unknown option '%s' %s", argv[i], USAGE);
            return 2;
        } else if (!in)
            in = argv[i];
        else if (!out)
            out = argv[i];
        else {
            fprintf(stderr, "kokoro convert: too many arguments %s", USAGE);
            return 2;
        }
    }
    if (!in || !out) {
        fprintf(stderr, "kokoro convert: needs an input and an output file %s", USAGE);
        return 2;
    }
    kk_dtype dtype;
    if (strcmp(dtype_name, "f32") == 0)
        dtype = KK_DT_F32;
    else if (strcmp(dtype_name, "bf16") == 0)
        dtype = KK_DT_BF16;
    else if (strcmp(dtype_name, "f16") == 0)
        dtype = KK_DT_F16;
    else {
        fprintf(stderr, "kokoro convert: --dtype must be f32, bf16 or f16 (got '%s')\n", dtype_name);
        return 2;
    }
    kk_checkpoint *ck;
    kokoro_error err;
    if (kk_checkpoint_load(in, &ck, &err) != KOKORO_OK) {
        fprintf(stderr, "kokoro convert: %s\n", err.message);
        return 1;
    }
    const char *base = strrchr(in, '/');
    base = base ? base + 1 : in;
    size_t params = 0;
    for (size_t i = 0; i < kk_checkpoint_count(ck); i++)
        params += kk_checkpoint_at(ck, i)->numel;
    kokoro_status st = kk_st_write(out, ck, dtype, base, &err);
    if (st == KOKORO_OK)
        printf("%s: %zu tensors, %zu parameters, %s\n", out, kk_checkpoint_count(ck), params, dtype_name);
    else
        fprintf(stderr, "kokoro convert: %s\n", err.message);
    kk_checkpoint_free(ck);
    return st == KOKORO_OK ? 0 : 1;
}
