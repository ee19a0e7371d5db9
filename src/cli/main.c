/* kokoro — command-line entry point: dispatches to subcommands like git does. */
#include <stdio.h>
#include <string.h>

#include "build_info.h"
#include "cli/commands.h"
#include "engine/backend.h"
#include "kokoro.h"
#include "server/settings.h"

static const kokoro_command commands[] = {
    {"serve", cmd_serve, "run the OpenAI-compatible speech server", kk_serve_usage},
    {"say", cmd_say, "synthesise speech to a file",
     "usage: kokoro say (--model FILE | --model-dir DIR) [--config FILE] [--voices-dir DIR]\n"
     "                  --voice VOICE (TEXT | - | --phonemes P) [--lang L] [--no-normalize]\n"
     "                  [--speed S] [--zero-noise] [--seed N]\n"
     "                  [--threads N] [--compact auto|on|off] [--conv fast|direct]\n"
     "                  [--precision fp32|bf16] [--dump-dir D]\n"
     "                  [--inject-har CASE_DIR]\n"
     "                  [-f mp3|opus|aac|flac|wav|pcm] [--bitrate KBPS] [--compression 0..8]\n"
     "                  [--volume V] -o FILE\n"
     "Without -f the extension of FILE picks the format ('-' writes wav to stdout). Defaults:\n"
     "mp3 128 kbps, opus 96, aac 128, flac level 5; files get exact headers (wav sizes, flac\n"
     "length and MD5, mp3 Info tag).\n"
     "VOICE is a name in the voices dir, a path, or a mix such as 'a(0.7)+b(0.3)'.\n"
     "TEXT ('-' reads stdin) is normalised, split into chunks (pause tags [pause:1.5s], custom\n"
     "pronunciations [word](/phonemes/)) and spoken in the language L, by default the first letter\n"
     "of VOICE (a, b, e, f, h, i, p, z).\n"
     "--dump-dir writes every intermediate tensor as .npy; --inject-har replaces the harmonic\n"
     "source spectrum with a golden case's dbg_gen_har_spec/phase (a test hook).\n"
     "--compact: the generator's stage buffers, 24-bit and partly recomputed to save memory\n"
     "(auto: for long utterances only). --conv direct: every convolution by the direct method\n"
     "(the reference the FFT convolutions are tested against).\n"
     "--precision bf16: the generator resblocks' convolution GEMMs in bf16 with float32 sums, by\n"
     "AMX-BF16, or AVX512-BF16 where it measures faster than float32; else float32, with a\n"
     "notice. KOKORO_GEMM_BF16=avx512 forces AVX512-BF16, =off float32.\n"
     "The model folder defaults to $KOKORO_MODEL_DIR, else ~/.local/share/kokoro/Kokoro-82M;\n"
     "config.json and voices/ default to the checkpoint's folder.\n"},
    {"voices", cmd_voices, "list the voices of the model folder",
     "usage: kokoro voices [--voices-dir DIR | --model-dir DIR]\n"
     "Prints the voice packs (*.pt, *.bin) of DIR, or of MODEL_DIR/voices (default\n"
     "$KOKORO_MODEL_DIR/voices, else ~/.local/share/kokoro/Kokoro-82M/voices), one name per line.\n"},
    {"convert", cmd_convert, "convert a checkpoint to .safetensors (folded, optionally bf16/f16)",
     "usage: kokoro convert IN.pth OUT.safetensors [--dtype f32|bf16|f16]\n"
     "Writes the weights with weight norm folded; the result loads by mmap (f32 in place).\n"},
    {"phonemize", cmd_phonemize, "print the phonemes of a text, one line per chunk",
     "usage: kokoro phonemize [--lang L] [--ids [--config FILE | --model-dir DIR]] [--words] [--no-normalize] TEXT|-\n"
     "L: a (US English, default), b (UK English), e, f, h, i, p, z (Mandarin). --ids adds the model token ids\n"
     "(config.json vocabulary) after a tab; --words lists each word's source span and phoneme span.\n"},
    {"normalize", cmd_normalize, "print the normalised form of a text",
     "usage: kokoro normalize [--lang L] [--no-normalize] [--units] [--no-urls] [--no-emails]\n"
     "                        [--no-plurals] [--no-phones] [--no-symbols] [--spans] TEXT|-\n"
     "  Kokoro-FastAPI's English normaliser (lang a, b, en-us, en-gb; other languages pass\n"
     "  through). --spans also prints out_start out_end src_start src_end per output span.\n"},
    {"bench", cmd_bench, "measure synthesis speed and memory",
     "usage: kokoro bench [--model FILE | --model-dir DIR] [--config FILE] [--voices-dir DIR]\n"
     "                    [--voice V] [--inputs FILE.json] [--threads N] [--runs K]\n"
     "                    [--compact auto|on|off] [--conv fast|direct] [--device cpu|cuda]\n"
     "                    [--precision fp32|bf16] [--concurrency N,N,...]\n"
     "Without --model a full-size Kokoro-82M with seeded random weights is built in memory.\n"
     "Inputs: built-in short/medium/long phoneme strings, or a JSON list of phoneme strings.\n"
     "Prints per input: tokens, frames, audio and wall seconds (median of K runs after a\n"
     "warm-up), RTF, process CPU seconds, scratch memory, the process's peak RSS so far, conv\n"
     "GFLOP/s (decoder and generator convolutions over their wall time), seconds per module;\n"
     "then peak RSS. --device: the backend (as KOKORO_DEVICE; cuda needs the GPU build).\n"
     "--concurrency: also N simultaneous calls per input (one thread each, not batched):\n"
     "aggregate audio-seconds per second of wall time.\n"
     "--compact: the generator's stage-buffer mode (kokoro_synth_options.compact);\n"
     "--conv direct: no FFT convolutions (kokoro_synth_options.direct_conv);\n"
     "--precision: kokoro_synth_options.precision; the header line says what runs.\n"
     "KOKORO_CONV_SPECTRA_MB keeps filter spectra from load instead of per call (default 0, 'all').\n"},
    {"download", cmd_download, "fetch the model files from Hugging Face",
     "usage: kokoro download [--model-dir DIR] [--if-missing] [--repo OWNER/NAME] [--revision REV]\n"
     "Fetches config.json, kokoro-v1_0.pth and voices/*.pt (sha256-checked, resumable) into\n"
     "DIR, default $KOKORO_MODEL_DIR or ~/.local/share/kokoro/Kokoro-82M. --if-missing returns at\n"
     "once when the folder is complete. HF_ENDPOINT names a mirror, HF_TOKEN a Hub token.\n"},
    {"version", cmd_version, "print version, build type, BLAS and backend", "usage: kokoro --version\n"},
};
#define N_COMMANDS (sizeof commands / sizeof commands[0])

static const kokoro_command *find_command(const char *name)
{
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

static void print_overview(FILE *out)
{
    fprintf(out, "usage: kokoro [--version] COMMAND [ARGS]\n\ncommands:\n");
    for (size_t i = 0; i < N_COMMANDS; i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\n'kokoro help COMMAND' describes one command.\n");
}

int cli_not_built_yet(int argc, char **argv)
{
    (void)argc;
    fprintf(stderr, "kokoro %s: not built yet\n", argv[0]);
    return 2;
}

int cmd_version(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    char backend[320];
    kk_backend_describe(backend, sizeof backend);
    printf("kokoro %s\nbuild: %s (%s)\nblas: %s\nbackend: %s\n", kokoro_version(), KOKORO_BUILD_TYPE,
           KOKORO_TARGET_ARCH, KOKORO_BLAS_NAME, backend);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        print_overview(stderr);
        return 2;
    }
    const char *name = argv[1];
    if (strcmp(name, "--version") == 0 || strcmp(name, "-V") == 0)
        return cmd_version(argc - 1, argv + 1);
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
        print_overview(stdout);
        return 0;
    }
    if (strcmp(name, "help") == 0) {
        if (argc < 3) {
            print_overview(stdout);
            return 0;
        }
        const kokoro_command *c = find_command(argv[2]);
        if (!c) {
            fprintf(stderr, "kokoro: unknown command '%s'\n", argv[2]);
            return 2;
        }
        printf("%s\n%s", c->summary, c->usage);
        return 0;
    }
    const kokoro_command *c = find_command(name);
    if (!c) {
        fprintf(stderr, "kokoro: unknown command '%s' (see 'kokoro --help')\n", name);
        return 2;
    }
    return c->run(argc - 1, argv + 1);
}
