/* The optional CUDA backend (target kokoro-cuda, built only with -DKOKORO_CUDA=ON). Plain C
 * interface: callers never see a CUDA header, and the CPU targets never link this library. */
#ifndef KOKORO_CUDA_H
#define KOKORO_CUDA_H
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    int index;
    char name[256];
    size_t total_memory;   /* bytes */
    int cc_major, cc_minor; /* compute capability */
    int multiprocessors;
} kokoro_cuda_device;

/* Fills up to `cap` entries; returns how many devices exist (may exceed cap), or -1 with a
 * message in msg when the CUDA runtime cannot be used (no driver, no device). */
int kokoro_cuda_devices(kokoro_cuda_device *out, int cap, char *msg, size_t msg_cap);

/* Runs y = a*x + y on device `index` for a few thousand elements and compares with the host
 * result: proves that compiler, driver and device agree. Returns 0 on success, -1 with msg. */
int kokoro_cuda_selftest(int index, char *msg, size_t msg_cap);

#ifdef __cplusplus
}
#endif
#endif
