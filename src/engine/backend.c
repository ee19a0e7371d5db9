/* Backend selection: KOKORO_DEVICE and what this build and machine offer. The CUDA calls are
 * compiled in only when the library is built for the GPU artefact (KOKORO_HAVE_CUDA, set by the
 * -DKOKORO_CUDA=ON build); the default CPU library has none of them. */
#include "engine/backend.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/error.h"
#include "util/npy.h"

/* 0 = unset, 1 = cpu, 2 = cuda, -1 = invalid */
static int requested_device(const char **value)
{
    const char *v = getenv("KOKORO_DEVICE");
    *value = v;
    if (!v || !*v)
        return 0;
    if (strcmp(v, "cpu") == 0)
        return 1;
    if (strcmp(v, "cuda") == 0 || strncmp(v, "cuda:", 5) == 0)
        return 2;
    return -1;
}

kokoro_status kk_backend_select(const kk_weights *w, kk_backend **out, kokoro_error *err)
{
    *out = NULL;
    const char *v;
    int want = requested_device(&v);
    if (want < 0)
        return kk_fail(err, KOKORO_ERR_INVALID_ARGUMENT,
                       "KOKORO_DEVICE=%s: expected cpu or cuda", v);
    if (want == 1)
        return KOKORO_OK;
#ifdef KOKORO_HAVE_CUDA
    char msg[512] = "";
    if (kk_cuda_backend_new(w, out, msg, sizeof msg) == 0)
        return KOKORO_OK;
    *out = NULL;
    fprintf(stderr, "kokoro: no usable CUDA device (%s); running on the CPU\n", msg);
#else
    (void)w;
    if (want == 2)
        fprintf(stderr, "kokoro: KOKORO_DEVICE=cuda but this build has no CUDA backend; "
                        "running on the CPU\n");
#endif
    return KOKORO_OK;
}

void kk_backend_free(kk_backend *b)
{
    if (b)
        b->destroy(b);
}

void kk_backend_describe(char *buf, size_t cap)
{
    const char *v;
    int want = requested_device(&v);
    if (want < 0) {
        snprintf(buf, cap, "invalid KOKORO_DEVICE=%s (expected cpu or cuda)", v);
        return;
    }
#ifdef KOKORO_HAVE_CUDA
    if (want == 1) {
        snprintf(buf, cap, "cpu (CUDA build; KOKORO_DEVICE=cpu)");
        return;
    }
    char dev[256] = "";
    if (kk_cuda_describe(dev, sizeof dev) == 0)
        snprintf(buf, cap, "cuda (%s)", dev);
    else
        snprintf(buf, cap, "cpu (CUDA build; no usable GPU: %s)", dev);
#else
    snprintf(buf, cap, want == 2 ? "cpu (this build has no CUDA backend)" : "cpu");
#endif
}

/* Reads <dir>/<name>.npy (float32) for the inject hook. */
static float *read_injected(const char *dir, const char *name, size_t *n, kokoro_error *err)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.npy", dir, name);
    kk_npy a;
    if (kk_npy_read(path, &a, err) != KOKORO_OK)
        return NULL;
    if (a.dtype != KK_NPY_F32) {
        kk_npy_free(&a);
        kk_fail(err, KOKORO_ERR_INVALID_ARGUMENT, "%s: expected float32 values", path);
        return NULL;
    }
    float *d = malloc(a.numel * sizeof(float));
    if (!d) {
        kk_npy_free(&a);
        kk_fail(err, KOKORO_ERR_NO_MEMORY, "out of memory");
        return NULL;
    }
    memcpy(d, a.data, a.numel * sizeof(float));
    *n = a.numel;
    kk_npy_free(&a);
    return d;
}

kokoro_status kk_backend_run(kk_backend *b, const kokoro_synth_options *opt,
                             const int64_t *ids, int T, const float *ref_s, float **audio,
                             size_t *n_samples, int32_t *pred_dur, double *seconds,
                             size_t *device_bytes, kokoro_error *err)
{
    kk_backend_call c = {ids, T, ref_s, opt->speed, opt->zero_noise, opt->seed, NULL, NULL, 0,
                         audio, n_samples, pred_dur, seconds, device_bytes};
    float *mag = NULL, *ph = NULL;
    size_t nm = 0, np = 0;
    if (opt->inject_har_dir) {
        mag = read_injected(opt->inject_har_dir, "dbg_gen_har_spec", &nm, err);
        ph = mag ? read_injected(opt->inject_har_dir, "dbg_gen_har_phase", &np, err) : NULL;
        if (!ph) {
            free(mag);
            return err && err->code != KOKORO_OK ? err->code : KOKORO_ERR_INVALID_ARGUMENT;
        }
        if (nm != np) {
            free(mag);
            free(ph);
            return kk_fail(err, KOKORO_ERR_INVALID_ARGUMENT,
                           "injected harmonic magnitude and phase differ in size");
        }
        c.inject_mag = mag;
        c.inject_phase = ph;
        c.inject_n = nm;
    }
    kokoro_status st = b->forward(b, &c, err);
    free(mag);
    free(ph);
    return st;
}
