/* kokoro bench — synthesis speed and memory on fixed phoneme inputs. Without --model it builds a
 * full-size Kokoro-82M with seeded random weights in memory (durations biased to ~4 frames per
 * token), so it runs without downloading anything. */
#include <cblas.h>
#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "cli/commands.h"
#include "cli/model_args.h"
#include "engine/backend.h"
#include "engine/forward.h"
#include "engine/model.h"
#include "kokoro.h"
#include "model/voice.h"
#include "nn/parallel.h"

/* Built-in inputs: misaki phonemes of English sentences, about 20, 120 and 400 tokens. */
static const char *const builtin_names[] = {"short", "medium", "long"};
static const char *const builtin_inputs[] = {
    "ðə kwˈɪk bɹˈWn fˈɑks.",
    "ðə kwˈɪk bɹˈWn fˈɑks ʤˈʌmps ˈOvəɹ ðə lˈAzi dˈɔɡ, ænd ðə fˈIv bˈɑksɪŋ wˈɪzəɹdz ʤˈʌmp "
    "kwˈɪkli. hˌW vˈɛɹi ɪntˈɛɹɛstɪŋ — jˈɛs!",
    "ðə kwˈɪk bɹˈWn fˈɑks ʤˈʌmps ˈOvəɹ ðə lˈAzi dˈɔɡ, ænd ðə fˈIv bˈɑksɪŋ wˈɪzəɹdz ʤˈʌmp "
    "kwˈɪkli. hˌW vˈɛɹi ɪntˈɛɹɛstɪŋ — jˈɛs! ʃˈiz sˈɛlɪŋ sˈiʃˌɛlz bˈI ðə sˈiʃˌɔɹ, ænd ðə "
    "ʃˈɛlz ʃiz sˈɛlɪŋ ˈɑɹ ʃˈʊɹli sˈiʃˌɛlz. ˈIm ʃˈʊɹ ðæt ɪf ʃi sˈɛlz sˈiʃˌɛlz ɑn ðə sˈiʃˌɔɹ, "
    "ðˈɛn ðə ʃˈɛlz ʃi sˈɛlz ˈɑɹ sˈiʃˌɔɹ ʃˈɛlz. hˈW mˈʌʧ wˈʊd wˈʊd ə wˈʊdʧˌʌk ʧˈʌk ɪf ə "
    "wˈʊdʧˌʌk kʊd ʧˈʌk wˈʊd? hi wʊd ʧˈʌk, hi wʊd, æz mˈʌʧ æz hi kʊd.",
};

/* The process's peak resident set so far, MiB (2^20 bytes). */
static double peak_rss_mib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_maxrss / 1024.0;
}

static double cpu_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* The machine's own single-precision GEMM rate on `threads` cores (OpenBLAS, one thread per
 * worker, each its own 768^3 product; best of five), so that figures from different machines
 * compare: Kokoro-82M costs about 55 GFLOP per audio second as direct convolution, so
 * RTF x SGEMM / 55 is the fraction of that floor a run achieves. */
#define KK_SGEMM_N 768
typedef struct {
    float *m; /* per worker: A, B, C */
} sgemm_job;

static void sgemm_share(void *ctx, int w0, int w1, int worker)
{
    const sgemm_job *j = ctx;
    size_t nn = (size_t)KK_SGEMM_N * KK_SGEMM_N;
    (void)worker;
    for (int w = w0; w < w1; w++) {
        float *a = j->m + (size_t)w * 3 * nn;
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, KK_SGEMM_N, KK_SGEMM_N, KK_SGEMM_N,
                    1.0f, a, KK_SGEMM_N, a + nn, KK_SGEMM_N, 0.0f, a + 2 * nn, KK_SGEMM_N);
    }
}

static double sgemm_gflops(kokoro_pool *pool, int threads)
{
    size_t nn = (size_t)KK_SGEMM_N * KK_SGEMM_N;
    sgemm_job j = {calloc((size_t)threads * 3 * nn, sizeof(float))};
    if (!j.m)
        return 0.0;
    for (size_t i = 0; i < (size_t)threads * 3 * nn; i++)
        j.m[i] = (float)(i % 97) * 0.01f - 0.5f;
    kk_pool *prev = kk_pool_attach(pool);
    double best = 1e30;
    for (int r = 0; r < 6; r++) {
        double t0 = kk_wall_seconds();
        kk_parallel_for(threads, threads, sgemm_share, &j);
        double t = kk_wall_seconds() - t0;
        if (r > 0 && t < best) /* the first is a warm-up */
            best = t;
    }
    kk_pool_attach(prev);
    free(j.m);
    return 2.0 * KK_SGEMM_N * (double)KK_SGEMM_N * KK_SGEMM_N * threads / best / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Multiply-add count (x2) of the decoder's and generator's convolutions for F frames. */
static double conv_flops(const kk_weights *w, int F)
{
    double fl = 0.0;
    const kk_resblk_w *blk[1 + KK_DECODE_BLOCKS] = {&w->dec.encode, &w->dec.decode[0],
                                                    &w->dec.decode[1], &w->dec.decode[2],
                                                    &w->dec.decode[3]};
    for (int i = 0; i < 1 + KK_DECODE_BLOCKS; i++) {
        const kk_resblk_w *b = blk[i];
        double L2 = b->upsample ? 2.0 * F : F;
        fl += 2.0 * b->dim_out * b->dim_in * 3 * L2 + 2.0 * b->dim_out * b->dim_out * 3 * L2;
        if (b->conv1x1.w)
            fl += 2.0 * b->dim_out * b->dim_in * F;
    }
    const kk_config *c = &w->cfg;
    double Lx = 2.0 * F;
    for (int i = 0; i < c->n_upsamples; i++) {
        const kk_conv_w *up = &w->gen.ups[i], *nc = &w->gen.noise_convs[i];
        double Lst = Lx * c->upsample_rates[i] + (i + 1 == c->n_upsamples ? 1 : 0);
        fl += 2.0 * up->in * up->out * up->k * Lx;
        fl += 2.0 * nc->out * nc->in * nc->k * Lst;
        const kk_resblock1_w *nr = &w->gen.noise_res[i];
        fl += nr->n_dil * 2 * 2.0 * nr->channels * nr->channels * nr->k * Lst;
        for (int j = 0; j < w->gen.n_kernels; j++) {
            const kk_resblock1_w *r = &w->gen.resblocks[i * w->gen.n_kernels + j];
            fl += r->n_dil * 2 * 2.0 * r->channels * r->channels * r->k * Lst;
        }
        Lx = Lst;
    }
    fl += 2.0 * w->gen.conv_post.out * w->gen.conv_post.in * w->gen.conv_post.k * Lx;
    return fl;
}

typedef struct {
    const char *name;
    const char *phonemes;
} bench_input;

/* --concurrency: N calls of one input at once, each on its own thread (one device stream each
 * on the CUDA backend). Requests run side by side; they are not batched into one forward. */
typedef struct {
    const kokoro_model *model;
    const kokoro_voice *voice;
    const char *phonemes;
    kokoro_synth_options opt;
    double audio_s;
    kokoro_status st;
    kokoro_error err;
} conc_job;

static void *conc_run(void *p)
{
    conc_job *j = p;
    kokoro_audio a;
    j->st = kokoro_synthesize(j->model, j->voice, j->phonemes, &j->opt, &a, &j->err);
    if (j->st == KOKORO_OK) {
        j->audio_s = (double)a.n_samples / KOKORO_SAMPLE_RATE;
        kokoro_audio_free(&a);
    }
    return NULL;
}

/* Runs n concurrent calls (a warm-up round, then a timed one) and prints the aggregate rate. */
static int bench_concurrent(const kokoro_model *model, const kokoro_voice *voice,
                            const bench_input *in, const kokoro_synth_options *opt, int n)
{
    conc_job *jobs = calloc((size_t)n, sizeof *jobs);
    pthread_t *th = calloc((size_t)n, sizeof *th);
    if (!jobs || !th) {
        free(jobs);
        free(th);
        fprintf(stderr, "kokoro bench: out of memory\n");
        return 1;
    }
    int rc = 0;
    double wall = 0.0, audio = 0.0;
    for (int round = 0; round < 2 && rc == 0; round++) {
        double t0 = kk_wall_seconds();
        int started = 0;
        for (int k = 0; k < n; k++) {
            jobs[k] = (conc_job){model, voice, in->phonemes, *opt, 0.0, KOKORO_OK, {0}};
            jobs[k].opt.pool = NULL;
            jobs[k].opt.threads = 1;
            if (pthread_create(&th[k], NULL, conc_run, &jobs[k]) != 0) {
                fprintf(stderr, "kokoro bench: cannot start thread %d\n", k);
                rc = 1;
                break;
            }
            started++;
        }
        for (int k = 0; k < started; k++)
            pthread_join(th[k], NULL);
        wall = kk_wall_seconds() - t0;
        audio = 0.0;
        for (int k = 0; k < started && rc == 0; k++) {
            if (jobs[k].st != KOKORO_OK) {
                fprintf(stderr, "kokoro bench: %s (concurrent): %s\n", in->name, jobs[k].err.message);
                rc = 1;
            }
            audio += jobs[k].audio_s;
        }
    }
    if (rc == 0)
        printf("concurrent %3d x %-8s audio %8.2f s in %7.3f s wall: %8.1f audio-s/s\n", n,
               in->name, audio, wall, audio / wall);
    free(jobs);
    free(th);
    return rc;
}

int cmd_bench(int argc, char **argv)
{
    cli_model_args ma;
    cli_model_args_init(&ma);
    const char *voice_expr = NULL, *inputs_path = NULL;
    int threads = 0, runs = 3, compact = 0, direct_conv = 0, precision = 0, n_conc = 0;
    int conc[8];
    for (int i = 1; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        int used = cli_model_args_parse(&ma, argv[i], v);
        if (used < 0)
            return 2;
        if (used > 0) {
            i += used - 1;
            continue;
        }
        if (!v) {
            fprintf(stderr, "kokoro bench: unknown option or missing value: '%s'\n", argv[i]);
            return 2;
        }
        char *end = NULL;
        if (!strcmp(argv[i], "--voice"))
            voice_expr = v;
        else if (!strcmp(argv[i], "--inputs"))
            inputs_path = v;
        else if (!strcmp(argv[i], "--threads")) {
            threads = (int)strtol(v, &end, 10);
            if (*end || threads < 0) {
                fprintf(stderr, "kokoro bench: --threads wants a count, got '%s'\n", v);
                return 2;
            }
        } else if (!strcmp(argv[i], "--compact")) {
            if (cli_parse_compact("bench", v, &compact) != 0)
                return 2;
        } else if (!strcmp(argv[i], "--conv")) {
            if (cli_parse_conv("bench", v, &direct_conv) != 0)
                return 2;
        } else if (!strcmp(argv[i], "--precision")) {
            if (cli_parse_precision("bench", v, &precision) != 0)
                return 2;
        } else if (!strcmp(argv[i], "--runs")) {
            runs = (int)strtol(v, &end, 10);
            if (*end || runs < 1 || runs > 1000) {
                fprintf(stderr, "kokoro bench: --runs wants 1..1000, got '%s'\n", v);
                return 2;
            }
        } else if (!strcmp(argv[i], "--concurrency")) {
            /* a comma-separated list of request counts, e.g. 8,32,64 */
            const char *q = v;
            n_conc = 0;
            while (*q && n_conc < 8) {
                long c = strtol(q, &end, 10);
                if (end == q || c < 1 || c > 256 || (*end && *end != ',')) {
                    fprintf(stderr, "kokoro bench: --concurrency wants counts 1..256 like 8,32,64, got '%s'\n", v);
                    return 2;
                }
                conc[n_conc++] = (int)c;
                q = *end ? end + 1 : end;
            }
        } else if (!strcmp(argv[i], "--device")) {
            /* the backend is chosen when the model is built, from KOKORO_DEVICE */
            if (strcmp(v, "cpu") && strcmp(v, "cuda") && strncmp(v, "cuda:", 5)) {
                fprintf(stderr, "kokoro bench: --device wants cpu or cuda, got '%s'\n", v);
                return 2;
            }
            setenv("KOKORO_DEVICE", v, 1);
        } else {
            fprintf(stderr, "kokoro bench: unknown option '%s' (see 'kokoro help bench')\n", argv[i]);
            return 2;
        }
        i++;
    }

    bench_input inputs[64];
    int n_inputs = 0;
    cJSON *json = NULL;
    if (inputs_path) {
        FILE *f = fopen(inputs_path, "rb");
        char *text = NULL;
        long len = 0;
        if (f && fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
            (text = malloc((size_t)len + 1)) && fread(text, 1, (size_t)len, f) == (size_t)len)
            json = cJSON_ParseWithLength(text, (size_t)len);
        if (f)
            fclose(f);
        free(text);
        if (!json || !cJSON_IsArray(json)) {
            fprintf(stderr, "kokoro bench: %s is not a JSON list of phoneme strings\n", inputs_path);
            cJSON_Delete(json);
            return 1;
        }
        cJSON *it;
        cJSON_ArrayForEach(it, json)
        {
            if (!cJSON_IsString(it) || n_inputs == 64) {
                fprintf(stderr, "kokoro bench: %s: want at most 64 strings\n", inputs_path);
                cJSON_Delete(json);
                return 1;
            }
            inputs[n_inputs].name = "input";
            inputs[n_inputs++].phonemes = it->valuestring;
        }
    } else {
        for (int i = 0; i < 3; i++) {
            inputs[n_inputs].name = builtin_names[i];
            inputs[n_inputs++].phonemes = builtin_inputs[i];
        }
    }

    kokoro_model *model = NULL;
    kokoro_voice *voice = NULL, random_voice = {0, 0, NULL};
    kokoro_error err;
    double t_load = kk_wall_seconds();
    if (ma.model || ma.model_dir) {
        if (cli_model_args_load(&ma, "bench", &model) != 0) {
            cJSON_Delete(json);
            return 1;
        }
        if (kokoro_voice_resolve(ma.voices_dir, voice_expr ? voice_expr : "af_heart", &voice,
                                 &err) != KOKORO_OK) {
            fprintf(stderr, "kokoro bench: voice: %s\n", err.message);
            kokoro_model_free(model);
            cJSON_Delete(json);
            return 1;
        }
    } else {
        kk_config *cfg = malloc(sizeof *cfg);
        if (!cfg)
            return 1;
        kk_config_kokoro82m(cfg);
        kokoro_status st = kk_model_random(cfg, 1, &model, &err);
        free(cfg);
        if (st != KOKORO_OK) {
            fprintf(stderr, "kokoro bench: %s\n", err.message);
            cJSON_Delete(json);
            return 1;
        }
        random_voice.rows = 510;
        random_voice.dim = 2 * model->w.cfg.style_dim;
        random_voice.data = malloc(sizeof(float) * 510 * (size_t)random_voice.dim);
        if (!random_voice.data)
            return 1;
        uint64_t s = 7;
        for (size_t i = 0; i < 510 * (size_t)random_voice.dim; i++) {
            s = s * 6364136223846793005ull + 1442695040888963407ull;
            random_voice.data[i] = 0.26f * ((float)((s >> 40) & 0xFFFFFF) / 8388608.0f - 1.0f);
        }
        voice = &random_voice;
        printf("model: Kokoro-82M dimensions, random weights (%.1f M parameters)\n",
               (double)model->n_params / 1e6);
    }
    t_load = kk_wall_seconds() - t_load;
    printf("backend: %s\n", model->backend ? model->backend->description : "cpu");
    printf("load %.2f s, threads %d, runs %d (median after one warm-up), compact %s, precision "
           "%s, RSS after load %.0f MiB\n",
           t_load, threads, runs, compact > 0 ? "on" : (compact < 0 ? "off" : "auto"),
           cli_precision_label(precision), peak_rss_mib());

    kokoro_synth_options opt;
    kokoro_synth_options_init(&opt);
    opt.threads = threads;
    /* one pool for every run, as a server or an embedder keeps one */
    kokoro_pool *pool = NULL;
    if (kokoro_pool_new(threads, &pool, &err) != KOKORO_OK) {
        fprintf(stderr, "kokoro bench: %s\n", err.message);
        return 1;
    }
    opt.pool = pool;
    double *rtfs = calloc((size_t)n_inputs, sizeof(double));
    opt.seed = 1;
    opt.compact = compact;
    opt.direct_conv = direct_conv;
    opt.precision = precision;
    printf("%-8s %6s %6s %7s %7s %6s %7s %10s %7s %6s |", "input", "tokens", "frames", "audio_s",
           "wall_s", "RTF", "cpu_s", "scratchMiB", "peakMiB", "GF/s");
    for (int k = 0; k < KK_T_COUNT; k++)
        printf(" %s", kk_timer_names[k]);
    printf("\n");
    int rc = 0;
    for (int i = 0; i < n_inputs && rc == 0; i++) {
        double *wall = malloc(sizeof(double) * runs);
        double secs[KK_T_COUNT], best_secs[KK_T_COUNT] = {0}, best_cpu = 0.0;
        double *walls_sorted = malloc(sizeof(double) * runs);
        kokoro_audio audio = {0};
        size_t scratch = 0;
        for (int r = -1; r < runs && rc == 0; r++) {
            if (audio.samples)
                kokoro_audio_free(&audio);
            double t0 = kk_wall_seconds(), c0 = cpu_seconds();
            if (kk_synthesize_timed(model, voice, inputs[i].phonemes, &opt, &audio, secs, &scratch,
                                    &err) != KOKORO_OK) {
                fprintf(stderr, "kokoro bench: %s: %s\n", inputs[i].name, err.message);
                rc = 1;
                break;
            }
            double t = kk_wall_seconds() - t0, cpu = cpu_seconds() - c0;
            if (r < 0)
                continue; /* warm-up */
            wall[r] = t;
            walls_sorted[r] = t;
            qsort(walls_sorted, (size_t)r + 1, sizeof(double), cmp_double);
            if (t == walls_sorted[r / 2] || r == 0) {
                memcpy(best_secs, secs, sizeof secs);
                best_cpu = cpu;
            }
        }
        if (rc == 0) {
            double med = walls_sorted[runs / 2];
            int frames = 0;
            for (size_t k = 0; k < audio.n_tokens; k++)
                frames += audio.durations[k];
            double audio_s = (double)audio.n_samples / KOKORO_SAMPLE_RATE;
            double conv_t = best_secs[KK_T_DECODER] + best_secs[KK_T_GENERATOR];
            printf("%-8s %6zu %6d %7.2f %7.3f %6.3f %7.2f %10.0f %7.0f %6.1f |", inputs[i].name,
                   audio.n_tokens - 2, frames, audio_s, med, med / audio_s, best_cpu,
                   (double)scratch / 1048576.0, peak_rss_mib(),
                   conv_t > 0 ? conv_flops(&model->w, frames) / conv_t / 1e9 : 0.0);
            for (int k = 0; k < KK_T_COUNT; k++)
                printf(" %.3f", best_secs[k]);
            printf("\n");
            fflush(stdout);
            if (rtfs)
                rtfs[i] = med / audio_s;
        }
        kokoro_audio_free(&audio);
        free(wall);
        free(walls_sorted);
    }
    for (int i = 0; i < n_inputs && rc == 0; i++)
        for (int k = 0; k < n_conc && rc == 0; k++)
            rc = bench_concurrent(model, voice, &inputs[i], &opt, conc[k]);
    /* after the inputs, so that its matrices do not add to their peak RSS */
    int nthreads = threads > 0 ? threads : kk_pool_workers(pool) + 1;
    double sgemm = rc == 0 ? sgemm_gflops(pool, nthreads) : 0.0;
    if (rc == 0)
        printf("machine SGEMM %.1f GFLOP/s on %d threads (OpenBLAS, %d^3 per thread)\n", sgemm,
               nthreads, KK_SGEMM_N);
    for (int i = 0; i < n_inputs && rc == 0 && rtfs; i++)
        printf("%s: RTF x SGEMM / 55 GFLOP = %.3f (1 = the direct-convolution floor of this machine)\n",
               inputs[i].name, rtfs[i] * sgemm / 55.0);
    free(rtfs);
    printf("peak RSS %.0f MiB (%.0f MB)\n", peak_rss_mib(), peak_rss_mib() * 1.048576);
    kokoro_pool_free(pool);
    if (voice != &random_voice)
        kokoro_voice_free(voice);
    free(random_voice.data);
    kokoro_model_free(model);
    cJSON_Delete(json);
    return rc;
}
