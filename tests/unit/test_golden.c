/* Golden tests: every case in tests/fixtures/golden/cases is synthesised from its phonemes and
 * every intermediate is compared with the PyTorch reference (tolerances of the golden README):
 *  - input_ids, pred_dur: exact;
 *  - every float tensor from bert_out to dbg_dec_decode3: max|err| <= 1e-4 * max|golden|;
 *  - with the golden harmonic spectrum injected: dbg_gen_conv_post and audio, same bound;
 *  - harmonic source, its STFT magnitude and phase: the per-case bound in case.json ("check");
 *  - end-to-end audio (own source): same length, finite, RMS within 10 %.
 * The measured errors are printed. */
#include <cjson/cJSON.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "harness.h"
#include "kokoro.h"
#include "util/npy.h"

#define GOLDEN KOKORO_FIXTURES "/golden"

static const char *const front_tensors[] = {
    "bert_out", "d_en", "pred_text_enc", "pred_lstm", "duration_logits", "duration", "en",
    "dbg_pred_shared_lstm", "F0_pred", "N_pred", "t_en", "asr", "dbg_dec_F0_conv",
    "dbg_dec_N_conv", "dbg_dec_encode", "dbg_dec_asr_res", "dbg_dec_decode0", "dbg_dec_decode1",
    "dbg_dec_decode2", "dbg_dec_decode3",
};

static double worst_front, worst_tail, worst_tail_compact;

/* The number after "<=" in case.json's files.<name>.check, or -1. */
static double case_bound(cJSON *cs, const char *name)
{
    cJSON *f = cJSON_GetObjectItem(cJSON_GetObjectItem(cs, "files"), name);
    cJSON *chk = f ? cJSON_GetObjectItem(f, "check") : NULL;
    const char *s = chk && cJSON_IsString(chk) ? strstr(chk->valuestring, "<=") : NULL;
    return s ? strtod(s + 2, NULL) : -1.0;
}

static int load(const char *dir, const char *name, kk_npy *a)
{
    char path[2200];
    snprintf(path, sizeof path, "%s/%s.npy", dir, name);
    kokoro_error e;
    if (kk_npy_read(path, a, &e) != KOKORO_OK) {
        fprintf(stderr, "  %s\n", e.message);
        return -1;
    }
    return 0;
}

static double max_abs(const float *x, size_t n)
{
    double m = 0.0;
    for (size_t i = 0; i < n; i++)
        m = fabs(x[i]) > m ? fabs(x[i]) : m;
    return m;
}

/* Compares a float tensor; bound is absolute when abs_bound > 0, else rel * max|golden|.
 * Returns the error relative to max|golden| (or -1 if missing). */
static double compare(const char *cname, const char *gold, const char *mine, const char *name,
                      double rel, double abs_bound)
{
    kk_npy g, m;
    if (load(gold, name, &g) != 0)
        return -1.0;
    if (load(mine, name, &m) != 0) {
        kk_npy_free(&g);
        CHECK_MSG(0, "%s: %s was not dumped", cname, name);
        return -1.0;
    }
    double r = -1.0;
    CHECK_MSG(g.numel == m.numel && g.dtype == KK_NPY_F32 && m.dtype == KK_NPY_F32,
              "%s: %s has %zu values, golden %zu", cname, name, m.numel, g.numel);
    if (g.numel == m.numel && g.dtype == KK_NPY_F32 && m.dtype == KK_NPY_F32) {
        const float *a = g.data, *b = m.data;
        double mx = max_abs(a, g.numel), err = 0.0;
        for (size_t i = 0; i < g.numel; i++) {
            double d = fabs((double)a[i] - b[i]);
            err = d > err || d != d ? d : err;
        }
        double bound = abs_bound > 0 ? abs_bound : rel * mx;
        r = mx > 0 ? err / mx : err;
        printf("  %-13s %-22s max|err| %.3g = %.2e x max|golden| (bound %.3g)\n", cname, name, err,
               r, bound);
        CHECK_MSG(err <= bound, "%s: %s max|err| %g > %g", cname, name, err, bound);
    }
    kk_npy_free(&g);
    kk_npy_free(&m);
    return r;
}

static void compare_exact(const char *cname, const char *gold, const char *mine, const char *name)
{
    kk_npy g, m;
    if (load(gold, name, &g) != 0)
        return;
    if (load(mine, name, &m) == 0) {
        int same = g.numel == m.numel && g.dtype == KK_NPY_I64 && m.dtype == KK_NPY_I64 &&
                   memcmp(g.data, m.data, g.numel * 8) == 0;
        printf("  %-13s %-22s %s\n", cname, name, same ? "identical" : "DIFFERENT");
        CHECK_MSG(same, "%s: %s differs from the golden values", cname, name);
        kk_npy_free(&m);
    }
    kk_npy_free(&g);
}

/* Phase modulo 2 pi, only where the golden magnitude exceeds 1 % of its maximum. */
static void compare_phase(const char *cname, const char *gold, const char *mine, double bound)
{
    kk_npy gp, mp, gs;
    if (load(gold, "dbg_gen_har_phase", &gp) || load(gold, "dbg_gen_har_spec", &gs))
        return;
    if (load(mine, "dbg_gen_har_phase", &mp) == 0) {
        CHECK(gp.numel == mp.numel && gs.numel == gp.numel);
        if (gp.numel == mp.numel && gs.numel == gp.numel) {
            const float *a = gp.data, *b = mp.data, *s = gs.data;
            double lim = 0.01 * max_abs(s, gs.numel), err = 0.0;
            for (size_t i = 0; i < gp.numel; i++) {
                if (s[i] <= lim)
                    continue;
                double d = fmod(fabs((double)a[i] - b[i]), 2 * M_PI);
                d = d > M_PI ? 2 * M_PI - d : d;
                err = d > err || d != d ? d : err;
            }
            printf("  %-13s %-22s max wrapped err %.3g rad (bound %.3g)\n", cname,
                   "dbg_gen_har_phase", err, bound);
            CHECK_MSG(err <= bound, "%s: harmonic phase error %g > %g", cname, err, bound);
        }
        kk_npy_free(&mp);
    }
    kk_npy_free(&gp);
    kk_npy_free(&gs);
}

static void end_to_end(const char *cname, const char *gold, const kokoro_audio *a)
{
    kk_npy g;
    if (load(gold, "audio", &g) != 0)
        return;
    CHECK_MSG(a->n_samples == g.numel, "%s: %zu samples, golden %zu", cname, a->n_samples, g.numel);
    int finite = 1;
    double e = 0.0, eg = 0.0;
    for (size_t i = 0; i < a->n_samples; i++) {
        finite &= isfinite(a->samples[i]) != 0;
        e += (double)a->samples[i] * a->samples[i];
    }
    const float *gd = g.data;
    for (size_t i = 0; i < g.numel; i++)
        eg += (double)gd[i] * gd[i];
    double rms = sqrt(e / (a->n_samples ? a->n_samples : 1)), rg = sqrt(eg / (g.numel ? g.numel : 1));
    printf("  %-13s %-22s RMS %.5f vs golden %.5f (%+.1f %%), finite %s\n", cname,
           "audio (own source)", rms, rg, 100.0 * (rms - rg) / rg, finite ? "yes" : "NO");
    CHECK(finite);
    CHECK_MSG(fabs(rms - rg) <= 0.10 * rg, "%s: RMS %g vs %g", cname, rms, rg);
    kk_npy_free(&g);
}

static void run_case(const kokoro_model *model, const char *cname)
{
    char dir[1024], cj[1100], dump[1024], dump_inj[1024];
    snprintf(dir, sizeof dir, GOLDEN "/cases/%s", cname);
    snprintf(cj, sizeof cj, "%s/case.json", dir);
    char *text = harness_read_file(cj);
    if (!text)
        return;
    cJSON *cs = cJSON_Parse(text);
    free(text);
    CHECK_MSG(cs != NULL, "%s: case.json does not parse", cname);
    if (!cs)
        return;
    const char *phon = cJSON_GetStringValue(cJSON_GetObjectItem(cs, "phonemes"));
    const char *vexpr = cJSON_GetStringValue(cJSON_GetObjectItem(cs, "voice"));
    cJSON *sp = cJSON_GetObjectItem(cs, "speed");
    printf("case %s (%s, speed %g)\n", cname, vexpr ? vexpr : "?", sp ? sp->valuedouble : 1.0);
    kokoro_error err;
    kokoro_voice *voice = NULL;
    CHECK(phon && vexpr);
    if (!phon || !vexpr ||
        kokoro_voice_resolve(GOLDEN "/voices", vexpr, &voice, &err) != KOKORO_OK) {
        CHECK_MSG(0, "%s: voice %s: %s", cname, vexpr ? vexpr : "?", err.message);
        cJSON_Delete(cs);
        return;
    }
    snprintf(dump, sizeof dump, KOKORO_TEST_TMP "/golden_%s", cname);
    snprintf(dump_inj, sizeof dump_inj, KOKORO_TEST_TMP "/golden_%s_inject", cname);

    kokoro_synth_options opt;
    kokoro_synth_options_init(&opt);
    opt.speed = sp ? (float)sp->valuedouble : 1.0f;
    opt.zero_noise = 1;
    opt.dump_dir = dump;
    kokoro_audio audio;
    kokoro_status st = kokoro_synthesize(model, voice, phon, &opt, &audio, &err);
    CHECK_MSG(st == KOKORO_OK, "%s: synthesis failed: %s", cname, err.message);
    if (st == KOKORO_OK) {
        compare_exact(cname, dir, dump, "input_ids");
        compare_exact(cname, dir, dump, "pred_dur");
        for (size_t i = 0; i < sizeof front_tensors / sizeof *front_tensors; i++) {
            double r = compare(cname, dir, dump, front_tensors[i], 1e-4, 0);
            worst_front = r > worst_front ? r : worst_front;
        }
        char p[1100];
        snprintf(p, sizeof p, "%s/dbg_gen_har_source.npy", dir);
        struct stat stbuf;
        if (stat(p, &stbuf) == 0) {
            compare(cname, dir, dump, "dbg_gen_har_source", 0, case_bound(cs, "dbg_gen_har_source"));
            compare(cname, dir, dump, "dbg_gen_har_spec", 0, case_bound(cs, "dbg_gen_har_spec"));
            compare_phase(cname, dir, dump, case_bound(cs, "dbg_gen_har_phase"));
        }
        end_to_end(cname, dir, &audio);
        CHECK(audio.n_tokens > 0 && audio.frame_samples == 600);
        kokoro_audio_free(&audio);

        /* the generator tail, fed with the golden harmonic spectrum, with float32 stage buffers
         * and with compact ones (24-bit values, a recomputed convolution) */
        snprintf(p, sizeof p, "%s/dbg_gen_har_spec.npy", dir);
        for (int compact = -1; compact <= 1 && stat(p, &stbuf) == 0; compact += 2) {
            char dump_c[1100];
            snprintf(dump_c, sizeof dump_c, "%s%s", dump_inj, compact > 0 ? "_compact" : "");
            opt.dump_dir = dump_c;
            opt.inject_har_dir = dir;
            opt.compact = compact;
            st = kokoro_synthesize(model, voice, phon, &opt, &audio, &err);
            CHECK_MSG(st == KOKORO_OK, "%s: synthesis with injected har failed: %s", cname,
                      err.message);
            if (st == KOKORO_OK) {
                printf("  %s\n", compact > 0 ? "compact stage buffers:" : "float32 stage buffers:");
                double r1 = compare(cname, dir, dump_c, "dbg_gen_conv_post", 1e-4, 0);
                double r2 = compare(cname, dir, dump_c, "audio", 1e-4, 0);
                double *worst = compact > 0 ? &worst_tail_compact : &worst_tail;
                *worst = r1 > *worst ? r1 : *worst;
                *worst = r2 > *worst ? r2 : *worst;
                kokoro_audio_free(&audio);
            }
        }
    }
    kokoro_voice_free(voice);
    cJSON_Delete(cs);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(void)
{
    kokoro_model *model = NULL;
    kokoro_error err;
    kokoro_status st = kokoro_model_load(GOLDEN "/kokoro-tiny.pth", NULL, &model, &err);
    CHECK_MSG(st == KOKORO_OK, "model load: %s", err.message);
    if (st != KOKORO_OK)
        return HARNESS_RETURN();
    DIR *d = opendir(GOLDEN "/cases");
    CHECK(d != NULL);
    char *names[64];
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)) && n < 64) {
        char p[1024];
        struct stat stbuf;
        snprintf(p, sizeof p, GOLDEN "/cases/%s/case.json", e->d_name);
        if (e->d_name[0] != '.' && stat(p, &stbuf) == 0)
            names[n++] = strdup(e->d_name);
    }
    if (d)
        closedir(d);
    qsort(names, (size_t)n, sizeof *names, cmp_str);
    CHECK_MSG(n >= 5, "found %d golden cases", n);
    for (int i = 0; i < n; i++) {
        run_case(model, names[i]);
        free(names[i]);
    }
    printf("worst relative error: bert_out..dbg_dec_decode3 %.2e, generator tail (injected) %.2e, "
           "compact %.2e\n",
           worst_front, worst_tail, worst_tail_compact);
    kokoro_model_free(model);
    return HARNESS_RETURN();
}
