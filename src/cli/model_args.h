/* Model-selection options shared by the commands that load a model (say, bench, serve):
 * --model FILE, --model-dir DIR, --config FILE, --voices-dir DIR. */
#ifndef KOKORO_CLI_MODEL_ARGS_H
#define KOKORO_CLI_MODEL_ARGS_H
#include "kokoro.h"

typedef struct {
    const char *model, *model_dir, *config, *voices_dir_opt;
    char model_buf[4096], voices_buf[4096], dir_buf[4096];
    const char *voices_dir; /* resolved by cli_model_args_load */
} cli_model_args;

void cli_model_args_init(cli_model_args *a);
/* Consumes `opt` (and `val`) if it is one of the model options: returns how many argv entries
 * were used (0 if not ours), or -1 after printing an error. */
int cli_model_args_parse(cli_model_args *a, const char *opt, const char *val);
/* Resolves the checkpoint (--model, or the one .pth/.safetensors in --model-dir, by default
 * $KOKORO_MODEL_DIR or ~/.local/share/kokoro/Kokoro-82M) and the voices
 * directory (--voices-dir, else voices/ next to the model), and loads the model. Prints a one-line
 * error prefixed with cmd and returns -1 on failure. */
int cli_model_args_load(cli_model_args *a, const char *cmd, kokoro_model **out);
/* --compact auto|on|off -> kokoro_synth_options.compact (0, 1, -1); prints an error prefixed with
 * cmd and returns -1 for anything else. */
int cli_parse_compact(const char *cmd, const char *val, int *compact);
/* --conv fast|direct -> kokoro_synth_options.direct_conv. */
int cli_parse_conv(const char *cmd, const char *val, int *direct);
/* --precision fp32|bf16 -> kokoro_synth_options.precision. */
int cli_parse_precision(const char *cmd, const char *val, int *precision);
/* What a call asking for `precision` computes in here, for headers and notices: "fp32",
 * "bf16 (AMX-BF16)", "bf16 (AVX512-BF16)" or, where bf16 was asked for and this CPU (or
 * KOKORO_GEMM_BF16 / KOKORO_GEMM_ISA) gives no bf16 kernel, "fp32 (bf16 unavailable: ...)". */
const char *cli_precision_label(int precision);
#endif
