// Device discovery and a smoke kernel for the CUDA backend.
#include <cuda_runtime.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <vector>

#include "cuda/kokoro_cuda.h"

static int fail(char *msg, size_t cap, const char *what, cudaError_t e)
{
    if (msg && cap)
        std::snprintf(msg, cap, "%s: %s", what, cudaGetErrorString(e));
    return -1;
}

extern "C" int kokoro_cuda_devices(kokoro_cuda_device *out, int cap, char *msg, size_t msg_cap)
{
    int n = 0;
    cudaError_t e = cudaGetDeviceCount(&n);
    if (e != cudaSuccess)
        return fail(msg, msg_cap, "cudaGetDeviceCount", e);
    for (int i = 0; i < n && i < cap; i++) {
        cudaDeviceProp p;
        e = cudaGetDeviceProperties(&p, i);
        if (e != cudaSuccess)
            return fail(msg, msg_cap, "cudaGetDeviceProperties", e);
        kokoro_cuda_device *d = &out[i];
        std::memset(d, 0, sizeof *d);
        d->index = i;
        std::snprintf(d->name, sizeof d->name, "%s", p.name);
        d->total_memory = p.totalGlobalMem;
        d->cc_major = p.major;
        d->cc_minor = p.minor;
        d->multiprocessors = p.multiProcessorCount;
    }
    return n;
}

__global__ static void saxpy(int n, float a, const float *x, float *y)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n)
        y[i] = a * x[i] + y[i];
}

extern "C" int kokoro_cuda_selftest(int index, char *msg, size_t msg_cap)
{
    const int n = 4099; // not a multiple of the block size: the bounds check matters
    const float a = 2.5f;
    std::vector<float> x(n), y(n), want(n);
    for (int i = 0; i < n; i++) {
        x[i] = 0.001f * (float)i;
        y[i] = 1.0f - 0.0005f * (float)i;
        want[i] = a * x[i] + y[i];
    }
    cudaError_t e = cudaSetDevice(index);
    if (e != cudaSuccess)
        return fail(msg, msg_cap, "cudaSetDevice", e);
    float *dx = nullptr, *dy = nullptr;
    int rc = -1;
    if ((e = cudaMalloc(&dx, n * sizeof(float))) != cudaSuccess ||
        (e = cudaMalloc(&dy, n * sizeof(float))) != cudaSuccess) {
        rc = fail(msg, msg_cap, "cudaMalloc", e);
    } else if ((e = cudaMemcpy(dx, x.data(), n * sizeof(float), cudaMemcpyHostToDevice)) != cudaSuccess ||
               (e = cudaMemcpy(dy, y.data(), n * sizeof(float), cudaMemcpyHostToDevice)) != cudaSuccess) {
        rc = fail(msg, msg_cap, "cudaMemcpy to device", e);
    } else {
        saxpy<<<(n + 255) / 256, 256>>>(n, a, dx, dy);
        if ((e = cudaGetLastError()) != cudaSuccess || (e = cudaDeviceSynchronize()) != cudaSuccess) {
            rc = fail(msg, msg_cap, "saxpy kernel", e);
        } else if ((e = cudaMemcpy(y.data(), dy, n * sizeof(float), cudaMemcpyDeviceToHost)) != cudaSuccess) {
            rc = fail(msg, msg_cap, "cudaMemcpy to host", e);
        } else {
            rc = 0;
            for (int i = 0; i < n; i++) {
                if (std::fabs(y[i] - want[i]) > 1e-5f) {
                    std::snprintf(msg, msg_cap, "saxpy element %d: got %g, want %g", i, y[i], want[i]);
                    rc = -1;
                    break;
                }
            }
        }
    }
    cudaFree(dx);
    cudaFree(dy);
    return rc;
}
