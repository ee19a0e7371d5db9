// The CUDA backend object: the model's weights on the device (uploaded once, at load) and the
// per-call workers (stream, cuBLAS handle, device arena) that calls reuse.
#ifndef KOKORO_CUDA_KC_MODEL_CUH
#define KOKORO_CUDA_KC_MODEL_CUH
#include <mutex>
#include <unordered_map>
#include <vector>

#include "cuda/kc.cuh"
#include "engine/backend.h"

struct kc_worker {
    cudaStream_t stream = nullptr;
    cublasHandle_t blas = nullptr;
    kc_arena arena;
};

struct kc_backend : kk_backend { // the engine sees the kk_backend part
    const kk_weights *w = nullptr;
    int device = 0;
    bool tf32 = false;
    std::unordered_map<const float *, float *> dev; // host tensor -> its device copy
    std::unordered_map<const kk_lstm_weights *, kc_lstm> lstm;
    std::vector<float *> owned;
    std::mutex mu;
    std::vector<kc_worker *> idle;
};

// The device copy of a weight tensor; nullptr in, nullptr out. A tensor not uploaded at load is
// an internal error recorded in c.
const float *kc_dev(kc_backend *b, kc_ctx *c, const float *host);
const kc_lstm *kc_dev_lstm(kc_backend *b, kc_ctx *c, const kk_lstm_weights *host);

// The whole forward pass of one call (kc_forward.cu).
kokoro_status kc_forward(kc_backend *b, kc_worker *wk, const kk_backend_call *call,
                         kokoro_error *err);
#endif
