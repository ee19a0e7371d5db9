/* kokoro say — synthesise one phoneme string to an audio file (wav, mp3, opus, aac, flac, pcm). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/audio_out.h"
#include "cli/commands.h"
#include "cli/model_args.h"
#include "cli/say_text.h"
#include "kokoro.h"

int cmd_say(int argc, char **argv)
{
    cli_model_args ma;
    cli_model_args_init(&ma);
    const char *voice_expr = NULL, *phonemes = NULL, *out_path = NULL, *format_name = NULL;
    const char *text = NULL, *lang = NULL;
    kokoro_normalization_options nopt;
    kokoro_normalization_options_init(&nopt);
    kokoro_synth_options opt;
    kokoro_synth_options_init(&opt);
    kokoro_encoder_options enc_opt;
    kokoro_encoder_options_init(&enc_opt);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        int used = cli_model_args_parse(&ma, a, v);
        if (used < 0)
            return 2;
        if (used > 0) {
            i += used - 1;
            continue;
        }
        if (!strcmp(a, "--zero-noise")) {
            opt.zero_noise = 1;
            continue;
        }
        if (!strcmp(a, "--no-normalize")) {
            nopt.normalize = 0;
            continue;
        }
        if (!strcmp(a, "-") && !text) {
            text = a;
            continue;
        }
        if (a[0] == '-' && a[1] && !v) {
            fprintf(stderr, "kokoro say: %s needs a value\n", a);
            return 2;
        }
        char *end = NULL;
        if (!strcmp(a, "--voice"))
            voice_expr = argv[++i];
        else if (!strcmp(a, "--phonemes"))
            phonemes = argv[++i];
        else if (!strcmp(a, "--lang"))
            lang = argv[++i];
        else if (!strcmp(a, "-o") || !strcmp(a, "--output"))
            out_path = argv[++i];
        else if (!strcmp(a, "-f") || !strcmp(a, "--format"))
            format_name = argv[++i];
        else if (!strcmp(a, "--bitrate")) {
            long kbps = strtol(argv[++i], &end, 10);
            if (!end || *end || kbps <= 0 || kbps > 10000) {
                fprintf(stderr, "kokoro say: --bitrate wants kbit/s as a positive integer, got '%s'\n", argv[i]);
                return 2;
            }
            enc_opt.bitrate_kbps = (int)kbps;
        } else if (!strcmp(a, "--compression")) {
            long level = strtol(argv[++i], &end, 10);
            if (!end || *end || level < 0 || level > 8) {
                fprintf(stderr, "kokoro say: --compression wants a flac level 0..8, got '%s'\n", argv[i]);
                return 2;
            }
            enc_opt.compression_level = (int)level;
        } else if (!strcmp(a, "--volume")) {
            enc_opt.volume = strtof(argv[++i], &end);
            if (!end || *end || !(enc_opt.volume >= 0.0f) || enc_opt.volume > 1e6f) {
                fprintf(stderr, "kokoro say: --volume wants a multiplier >= 0, got '%s'\n", argv[i]);
                return 2;
            }
        }
        else if (!strcmp(a, "--dump-dir"))
            opt.dump_dir = argv[++i];
        else if (!strcmp(a, "--inject-har"))
            opt.inject_har_dir = argv[++i];
        else if (!strcmp(a, "--compact")) {
            if (cli_parse_compact("say", argv[++i], &opt.compact) != 0)
                return 2;
        }
        else if (!strcmp(a, "--conv")) {
            if (cli_parse_conv("say", argv[++i], &opt.direct_conv) != 0)
                return 2;
        }
        else if (!strcmp(a, "--precision")) {
            if (cli_parse_precision("say", argv[++i], &opt.precision) != 0)
                return 2;
        }
        else if (!strcmp(a, "--speed")) {
            opt.speed = strtof(argv[++i], &end);
            if (!end || *end || !(opt.speed > 0.0f)) {
                fprintf(stderr, "kokoro say: --speed wants a positive number, got '%s'\n", argv[i]);
                return 2;
            }
        } else if (!strcmp(a, "--seed")) {
            opt.seed = strtoull(argv[++i], &end, 10);
            if (!end || *end) {
                fprintf(stderr, "kokoro say: --seed wants an integer, got '%s'\n", argv[i]);
                return 2;
            }
        } else if (!strcmp(a, "--threads")) {
            opt.threads = (int)strtol(argv[++i], &end, 10);
            if (!end || *end || opt.threads < 0) {
                fprintf(stderr, "kokoro say: --threads wants a count, got '%s'\n", argv[i]);
                return 2;
            }
        } else if (a[0] == '-') {
            fprintf(stderr, "kokoro say: unknown option '%s' (see 'kokoro help say')\n", a);
            return 2;
        } else if (!text) {
            text = a;
        } else {
            fprintf(stderr, "kokoro say: give the text as one argument (or - for stdin)\n");
            return 2;
        }
    }
    if ((!phonemes && !text) || (phonemes && text) || !voice_expr || !out_path) {
        fprintf(stderr, "kokoro say: --voice, -o and either TEXT or --phonemes are required\n");
        return 2;
    }
    kokoro_format format;
    if (cli_audio_choose("say", format_name, out_path, &enc_opt, &format) != 0)
        return 2;
    if (opt.precision == KOKORO_PRECISION_BF16 &&
        kokoro_precision_effective(opt.precision) != KOKORO_PRECISION_BF16)
        fprintf(stderr, "kokoro say: note: %s\n", cli_precision_label(opt.precision));
    kokoro_error err;
    kokoro_model *model = NULL;
    kokoro_voice *voice = NULL;
    if (cli_model_args_load(&ma, "say", &model) != 0)
        return 1;
    if (kokoro_voice_resolve(ma.voices_dir, voice_expr, &voice, &err) != KOKORO_OK) {
        fprintf(stderr, "kokoro say: voice '%s': %s\n", voice_expr, err.message);
        kokoro_model_free(model);
        return 1;
    }
    kokoro_audio audio;
    int rc = 0;
    char *text_buf = NULL;
    if (text && !strcmp(text, "-")) {
        text_buf = cli_read_stream(stdin);
        if (!text_buf) {
            fprintf(stderr, "kokoro say: cannot read the text from stdin\n");
            rc = 1;
        }
        text = text_buf;
    }
    kokoro_pool *pool = NULL; /* shared by the chunks of a text */
    if (!rc && kokoro_pool_new(opt.threads, &pool, &err) != KOKORO_OK) {
        fprintf(stderr, "kokoro say: %s\n", err.message);
        rc = 1;
    }
    opt.pool = pool;
    if (rc) {
    } else if (text) {
        float *pcm = NULL;
        size_t n = 0;
        if (cli_say_text(model, voice, text, lang ? lang : cli_lang_of_voice(voice_expr), &nopt, &opt, &pcm, &n) != 0)
            rc = 1;
        else if (cli_audio_write("say", out_path, format, &enc_opt, pcm, n) != 0)
            rc = 1;
        free(pcm);
    } else if (kokoro_synthesize(model, voice, phonemes, &opt, &audio, &err) != KOKORO_OK) {
        fprintf(stderr, "kokoro say: %s\n", err.message);
        rc = 1;
    } else {
        if (cli_audio_write("say", out_path, format, &enc_opt, audio.samples, audio.n_samples) != 0)
            rc = 1;
        kokoro_audio_free(&audio);
    }
    kokoro_pool_free(pool);
    kokoro_voice_free(voice);
    kokoro_model_free(model);
    free(text_buf);
    return rc;
}
