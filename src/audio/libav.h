/* FFmpeg's libavcodec and libavutil, loaded at the first AAC encoder rather than at start-up.
 *
 * Debian's libavcodec pulls some 75 libraries (x265, rav1e, librsvg, ICU, X11, ...) into the
 * process; linking it would map them into every kokoro process, also those that never encode
 * AAC. The headers are still used at compile time for types and constants, and every entry of
 * the table below is typed from FFmpeg's own prototype so that the compiler checks each call. */
#ifndef KOKORO_AUDIO_LIBAV_H
#define KOKORO_AUDIO_LIBAV_H

#include <libavcodec/avcodec.h>
#include <libavutil/channel_layout.h>
#include <libavutil/error.h>
#include <libavutil/frame.h>
#include <libavutil/macros.h>
#include <libavutil/version.h>

#include "kokoro.h"

/* The sonames of the major versions whose headers we compiled against: the ABI we rely on. */
#define KK_LIBAVCODEC_SONAME "libavcodec.so." AV_STRINGIFY(LIBAVCODEC_VERSION_MAJOR)
#define KK_LIBAVUTIL_SONAME "libavutil.so." AV_STRINGIFY(LIBAVUTIL_VERSION_MAJOR)

#define KK_LIBAVCODEC_FUNCTIONS(X)                                                                  \
    X(avcodec_find_encoder_by_name)                                                                 \
    X(avcodec_alloc_context3)                                                                       \
    X(avcodec_open2)                                                                                \
    X(avcodec_send_frame)                                                                           \
    X(avcodec_receive_packet)                                                                       \
    X(avcodec_free_context)                                                                         \
    X(av_packet_alloc)                                                                              \
    X(av_packet_unref)                                                                              \
    X(av_packet_free)

#define KK_LIBAVUTIL_FUNCTIONS(X)                                                                   \
    X(av_frame_alloc)                                                                               \
    X(av_frame_unref)                                                                               \
    X(av_frame_get_buffer)                                                                          \
    X(av_frame_free)                                                                                \
    X(av_channel_layout_default)                                                                    \
    X(av_channel_layout_copy)                                                                       \
    X(av_strerror)

#define KK_LIBAV_MEMBER(name) __typeof__(name) *name;
typedef struct {
    KK_LIBAVCODEC_FUNCTIONS(KK_LIBAV_MEMBER)
    KK_LIBAVUTIL_FUNCTIONS(KK_LIBAV_MEMBER)
} kk_libav;
#undef KK_LIBAV_MEMBER

/* Loads both libraries once per process (thread-safe) and returns their functions, or NULL with
 * KOKORO_ERR_UNSUPPORTED and a message naming the missing library or symbol. The libraries stay
 * loaded until the process ends; the table is read-only after the first call. */
const kk_libav *kk_libav_get(kokoro_error *err);
#endif
