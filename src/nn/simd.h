/*
 * simd — runtime ISA dispatch for hand-written loops.
 *
 * Release builds target x86-64-v3 (AVX2 + FMA), so one binary runs on every such machine. A
 * function marked KK_SIMD_CLONES is compiled a second time with AVX-512, and the dynamic loader
 * picks the version for the CPU it runs on (GCC/clang target_clones: an ifunc resolved by CPUID).
 * Only loops that vectorise well and matter for speed are marked.
 */
#ifndef KOKORO_NN_SIMD_H
#define KOKORO_NN_SIMD_H

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && !defined(KK_NO_CLONES)
#define KK_SIMD_CLONES __attribute__((target_clones("avx512f", "default")))
#else
#define KK_SIMD_CLONES
#endif

#endif
