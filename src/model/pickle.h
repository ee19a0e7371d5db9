/*
 * pickle — the subset of Python's pickle machine that torch.save uses for state dicts
 * (protocol 2, plus the few protocol 4 opcodes newer writers may emit).
 *
 * The result is a tree of kk_pv values owned by one kk_pickle; values may be shared (the pickle
 * memo makes a DAG), so they are never freed one by one. Only the callables torch needs are
 * "executed": collections.OrderedDict, torch._utils._rebuild_tensor_v2 / _rebuild_parameter and
 * torch._tensor._rebuild_from_type_v2. A persistent id ('storage', StorageType, key, location,
 * numel) becomes a KK_PV_STORAGE; a rebuilt tensor becomes a KK_PV_TENSOR that refers to it.
 * Anything else fails with a message naming the opcode and its byte offset.
 */
#ifndef KOKORO_MODEL_PICKLE_H
#define KOKORO_MODEL_PICKLE_H
#include <stddef.h>
#include <stdint.h>

#include "kokoro.h"
#include "model/checkpoint.h" /* KK_MAX_DIMS */

typedef enum {
    KK_PV_NONE,
    KK_PV_BOOL,
    KK_PV_INT,
    KK_PV_FLOAT,
    KK_PV_STR,    /* unicode or bytes: s.ptr/s.len, NUL-terminated */
    KK_PV_TUPLE,
    KK_PV_LIST,
    KK_PV_DICT,   /* items are key, value, key, value, ... in insertion order */
    KK_PV_GLOBAL, /* "module\nname" in s */
    KK_PV_STORAGE,
    KK_PV_TENSOR
} kk_pv_type;

typedef enum {
    KK_DT_F32,
    KK_DT_F64,
    KK_DT_F16,
    KK_DT_BF16,
    KK_DT_I64,
    KK_DT_I32,
    KK_DT_I16,
    KK_DT_I8,
    KK_DT_U8,
    KK_DT_BOOL
} kk_dtype;

typedef struct kk_pv kk_pv;
struct kk_pv {
    kk_pv_type type;
    int64_t i;   /* BOOL, INT */
    double f;    /* FLOAT */
    struct {
        char *ptr;
        size_t len;
    } s;         /* STR, GLOBAL */
    kk_pv **items;
    size_t n, cap; /* TUPLE, LIST, DICT (2n entries for DICT: n counts pairs) */
    struct {
        char *key;        /* storage file name under data/ */
        kk_dtype dtype;
        uint64_t numel;   /* elements as declared in the persistent id */
    } storage;
    struct {
        kk_pv *storage;   /* a KK_PV_STORAGE */
        int64_t offset;   /* in elements */
        int ndim;
        int64_t size[KK_MAX_DIMS];
        int64_t stride[KK_MAX_DIMS];
    } tensor;
};

typedef struct kk_pickle kk_pickle;

/* Runs the pickle program in data[0..len). On success *out owns every value and *root is the
 * unpickled object. */
kokoro_status kk_pickle_load(const uint8_t *data, size_t len, kk_pickle **out, const kk_pv **root,
                             kokoro_error *err);
void kk_pickle_free(kk_pickle *p);

size_t kk_dtype_size(kk_dtype dt);
const char *kk_dtype_name(kk_dtype dt);
int kk_dtype_is_float(kk_dtype dt);

/* For DICT: the value under a string key, or NULL. */
const kk_pv *kk_pv_dict_get(const kk_pv *dict, const char *key);
#endif
