// kokoro-cuda-info: lists the CUDA devices and runs the smoke kernel on each.
#include <cstdio>

#include "cuda/kokoro_cuda.h"

int main()
{
    kokoro_cuda_device devs[16];
    char msg[512] = "";
    int n = kokoro_cuda_devices(devs, 16, msg, sizeof msg);
    if (n < 0) {
        std::fprintf(stderr, "kokoro-cuda-info: no usable CUDA device (%s)\n", msg);
        return 1;
    }
    if (n == 0) {
        std::fprintf(stderr, "kokoro-cuda-info: no CUDA device\n");
        return 1;
    }
    int status = 0;
    for (int i = 0; i < n && i < 16; i++) {
        const kokoro_cuda_device *d = &devs[i];
        int ok = kokoro_cuda_selftest(i, msg, sizeof msg) == 0;
        std::printf("cuda:%d %s, compute %d.%d, %d SMs, %.1f GiB, saxpy %s%s%s\n", d->index, d->name, d->cc_major,
                    d->cc_minor, d->multiprocessors, d->total_memory / 1073741824.0, ok ? "ok" : "FAILED",
                    ok ? "" : ": ", ok ? "" : msg);
        status |= !ok;
    }
    return status;
}
