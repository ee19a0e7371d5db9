/*
 * backend — where a model's forward pass runs: the CPU engine (the reference) or another device.
 *
 * The seam is a whole-forward entry point, not an ops table. An ops table (ggml style) would have
 * every CPU module call through function pointers and would make the CPU code the GPU's driver,
 * with a host decision and a buffer hand-over per operation. A device backend wants the opposite:
 * the whole pass queued on its own stream from weights it uploaded once, with one device->host
 * copy (the durations, which size the alignment). So a backend takes token ids and a style row
 * and returns audio and durations, exactly as kk_forward_run does for the CPU; what it calls
 * inside is its own business, and the CPU primitives stay the reference its tests compare with.
 */
#ifndef KOKORO_ENGINE_BACKEND_H
#define KOKORO_ENGINE_BACKEND_H
#include <stddef.h>
#include <stdint.h>

#include "engine/weights.h"
#include "kokoro.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One synthesis call as a backend sees it (the tokens already framed by the two pad ids). */
typedef struct {
    const int64_t *ids;
    int T;
    const float *ref_s;  /* [2*style_dim]: decoder half, then predictor half */
    float speed;
    int zero_noise;
    uint64_t seed;
    /* Test hook: the harmonic STFT to use instead of the source's own ([nb][N] each, n values),
     * or NULL. */
    const float *inject_mag, *inject_phase;
    size_t inject_n;
    /* Results: audio (malloc'd), its length, durations [T]; seconds [KK_T_COUNT] may be NULL. */
    float **audio;
    size_t *n_samples;
    int32_t *pred_dur;
    double *seconds;
    size_t *device_bytes; /* peak device scratch of the call, may be NULL */
} kk_backend_call;

typedef struct kk_backend kk_backend;
struct kk_backend {
    const char *name;     /* "cuda" */
    char description[256]; /* for logs and --version: device name and facts */
    kokoro_status (*forward)(kk_backend *b, const kk_backend_call *call, kokoro_error *err);
    void (*destroy)(kk_backend *b);
};

/* Chooses the backend for a model being loaded, from KOKORO_DEVICE (cpu | cuda | unset = the best
 * this build has). *out NULL means the CPU engine. A build or machine without a usable GPU falls
 * back to the CPU with one line on stderr; an unknown KOKORO_DEVICE value is an error. */
kokoro_status kk_backend_select(const kk_weights *w, kk_backend **out, kokoro_error *err);
void kk_backend_free(kk_backend *b);

/* Runs one call on backend b (the options' inject_har_dir files are read here). */
kokoro_status kk_backend_run(kk_backend *b, const kokoro_synth_options *opt,
                             const int64_t *ids, int T, const float *ref_s, float **audio,
                             size_t *n_samples, int32_t *pred_dur, double *seconds,
                             size_t *device_bytes, kokoro_error *err);

/* What kk_backend_select would choose here, without loading anything: "cpu",
 * "cuda (NVIDIA H100 ..., compute 9.0)", or "cpu (CUDA build; no usable GPU: ...)". */
void kk_backend_describe(char *buf, size_t cap);

/* Implemented by libkokoro-cuda (src/cuda/kc_backend.cu), linked only into the GPU build, which
 * defines KOKORO_HAVE_CUDA for this library:
 * kk_cuda_backend_new picks the device (KOKORO_DEVICE=cuda:N, default 0), checks it with a smoke
 * kernel and uploads the weights: 0, or -1 with a message when no device can be used.
 * kk_cuda_describe writes the device kk_cuda_backend_new would use: 0, or -1 with the reason. */
int kk_cuda_backend_new(const kk_weights *w, kk_backend **out, char *msg, size_t msg_cap);
int kk_cuda_describe(char *buf, size_t cap);

#ifdef __cplusplus
}
#endif
#endif
