#include "model/checkpoint.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "model/safetensors.h"
#include "model/torch_archive.h"
#include "util/error.h"

struct kk_checkpoint {
    kk_tensor *tensors; /* file order */
    size_t n;
    size_t *sorted;     /* indices into tensors, by name, for lookup */
    void **owned;       /* per tensor: malloc'd data, or NULL when it points into the mapping */
    void *map;          /* the file mapping when some tensors are read in place */
    size_t map_len;
};

/* A tensor as found in the file, before folding and conversion. */
typedef struct {
    char *name;
    kk_raw_tensor raw;
    int role; /* 0 plain, 1 weight-norm g, 2 weight-norm v, 3 consumed */
} entry;

typedef struct {
    entry *v;
    size_t n, cap;
} entry_list;

static void entries_free(entry_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i].name);
    free(l->v);
    memset(l, 0, sizeof *l);
}

static kokoro_status entries_add(entry_list *l, char *name, const kk_raw_tensor *raw, kokoro_error *err)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 256;
        entry *nv = realloc(l->v, cap * sizeof *nv);
        if (!nv) {
            free(name);
            return kk_fail(err, KOKORO_ERR_NO_MEMORY, "checkpoint: out of memory");
        }
        l->v = nv;
        l->cap = cap;
    }
    l->v[l->n].name = name;
    l->v[l->n].raw = *raw;
    l->v[l->n].role = 0;
    l->n++;
    return KOKORO_OK;
}

void kk_checkpoint_free(kk_checkpoint *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++) {
        free((char *)c->tensors[i].name);
        free(c->owned[i]);
    }
    free(c->tensors);
    free(c->owned);
    free(c->sorted);
    if (c->map)
        munmap(c->map, c->map_len);
    free(c);
}

/* ------------------------------------------------------------------ torch state dict walk */

#define MAX_DEPTH 8
#define MAX_VISITS 1000000

static char *join_name(const char *prefix, const char *key)
{
    /* DataParallel wraps every module, so each level's keys may carry "module.". */
    if (strncmp(key, "module.", 7) == 0)
        key += 7;
    size_t a = strlen(prefix), b = strlen(key);
    char *s = malloc(a + b + 2);
    if (!s)
        return NULL;
    memcpy(s, prefix, a);
    if (a)
        s[a++] = '.';
    memcpy(s + a, key, b + 1);
    return s;
}

static kokoro_status walk(const kk_torch_archive *a, const kk_pv *dict, const char *prefix, int depth,
                          size_t *visits, entry_list *out, kokoro_error *err)
{
    if (depth > MAX_DEPTH)
        return kk_fail(err, KOKORO_ERR_FORMAT, "checkpoint: dicts nested deeper than %d at '%s'", MAX_DEPTH,
                       prefix);
    for (size_t i = 0; i < dict->n; i++) {
        if (++*visits > MAX_VISITS)
            return kk_fail(err, KOKORO_ERR_FORMAT, "checkpoint: more than %d objects in the state dict", MAX_VISITS);
        const kk_pv *k = dict->items[2 * i], *v = dict->items[2 * i + 1];
        if (k->type != KK_PV_STR)
            return kk_fail(err, KOKORO_ERR_FORMAT, "checkpoint: non-string key in dict '%s'", prefix);
        if (v->type != KK_PV_TENSOR && v->type != KK_PV_DICT)
            continue; /* e.g. training metadata such as an epoch number */
        char *name = join_name(prefix, k->s.ptr);
        if (!name)
            return kk_fail(err, KOKORO_ERR_NO_MEMORY, "checkpoint: out of memory");
        kokoro_status st;
        if (v->type == KK_PV_DICT) {
            st = walk(a, v, name, depth + 1, visits, out, err);
            free(name);
        } else {
            kk_raw_tensor raw;
            st = kk_torch_raw(a, v, name, &raw, err);
            if (st)
                free(name);
            else if (!kk_dtype_is_float(raw.dtype))
                free(name); /* e.g. embeddings.position_ids */
            else
                st = entries_add(out, name, &raw, err);
        }
        if (st)
            return st;
    }
    return KOKORO_OK;
}

/* ------------------------------------------------------------------ safetensors */

static kokoro_status safetensors_entries(const uint8_t *data, size_t len, entry_list *out, kokoro_error *err)
{
    kk_st_header h;
    kokoro_status st = kk_st_parse(data, len, &h, err);
    if (st)
        return st;
    for (size_t i = 0; i < h.n; i++) {
        const kk_st_tensor *t = &h.tensors[i];
        kk_raw_tensor raw = {0};
        raw.dtype = t->dtype;
        raw.ndim = t->ndim;
        raw.numel = t->numel;
        int64_t stride = 1;
        for (int d = t->ndim - 1; d >= 0; d--) {
            raw.shape[d] = t->shape[d];
            raw.stride[d] = stride;
            stride *= t->shape[d];
        }
        raw.base = t->data;
        raw.contiguous = 1;
        {
            const uint16_t one = 1;
            uint8_t b;
            memcpy(&b, &one, 1);
            raw.swap = b != 1; /* safetensors is little-endian */
        }
        if (!kk_dtype_is_float(raw.dtype))
            continue;
        char *name = strdup(t->name);
        if (!name) {
            kk_st_header_free(&h);
            return kk_fail(err, KOKORO_ERR_NO_MEMORY, "checkpoint: out of memory");
        }
        if ((st = entries_add(out, name, &raw, err))) {
            kk_st_header_free(&h);
            return st;
        }
    }
    kk_st_header_free(&h);
    return KOKORO_OK;
}

/* ------------------------------------------------------------------ building the table */

static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

static long find_entry(const entry_list *l, const char *name)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->v[i].name, name) == 0)
            return (long)i;
    return -1;
}

static int cmp_names(const void *a, const void *b, void *ctx)
{
    const kk_tensor *t = ctx;
    return strcmp(t[*(const size_t *)a].name, t[*(const size_t *)b].name);
}

static void *alloc_floats(size_t n)
{
    void *p = NULL;
    if (posix_memalign(&p, 64, (n ? n : 1) * sizeof(float)))
        return NULL;
    return p;
}

/* Contiguous float32 data of e: in place when allowed and possible, else a fresh copy. */
static const float *materialise(const entry *e, int in_place, void **owned)
{
    *owned = NULL;
    if (in_place && e->raw.dtype == KK_DT_F32 && e->raw.contiguous && !e->raw.swap &&
        ((uintptr_t)e->raw.base % sizeof(float)) == 0)
        return (const float *)(const void *)e->raw.base;
    float *dst = alloc_floats(e->raw.numel);
    if (!dst)
        return NULL;
    kk_raw_to_f32(&e->raw, dst);
    *owned = dst;
    return dst;
}

static kokoro_status add_tensor(kk_checkpoint *c, char *name, const entry *shape_of, const float *data,
                                void *owned)
{
    kk_tensor *t = &c->tensors[c->n];
    t->name = name;
    t->ndim = shape_of->raw.ndim;
    memcpy(t->shape, shape_of->raw.shape, sizeof t->shape);
    t->numel = shape_of->raw.numel;
    t->data = data;
    c->owned[c->n] = owned;
    c->n++;
    return KOKORO_OK;
}

/* Releases the pages of a folded-away weight_v from this process's memory: they were only needed
 * to compute the folded weight and would otherwise stay resident. */
static void drop_pages(const kk_checkpoint *c, const void *p, size_t bytes)
{
    if (!c->map)
        return;
    uintptr_t lo = (uintptr_t)p, hi = lo + bytes;
    uintptr_t mlo = (uintptr_t)c->map, mhi = mlo + c->map_len;
    if (lo < mlo || hi > mhi)
        return;
    long pg = sysconf(_SC_PAGESIZE);
    uintptr_t a = (lo + (uintptr_t)pg - 1) & ~((uintptr_t)pg - 1), b = hi & ~((uintptr_t)pg - 1);
    if (b > a)
        madvise((void *)a, b - a, MADV_DONTNEED);
}

static kokoro_status fold(kk_checkpoint *c, entry_list *l, size_t gi, size_t vi, char *name, int in_place,
                          kokoro_error *err)
{
    entry *g = &l->v[gi], *v = &l->v[vi];
    if (v->raw.ndim < 1 || v->raw.shape[0] == 0) {
        free(name);
        return kk_fail(err, KOKORO_ERR_FORMAT, "checkpoint: weight-norm '%s' has an empty weight_v", v->name);
    }
    size_t rows = (size_t)v->raw.shape[0];
    if (g->raw.numel != rows) {
        free(name);
        return kk_fail(err, KOKORO_ERR_FORMAT,
                       "checkpoint: '%s' has %zu elements in %d dims but '%s' has %zu rows in %d dims",
                       g->name, g->raw.numel, g->raw.ndim, v->name, rows, v->raw.ndim);
    }
    void *vo = NULL, *go = NULL;
    const float *vd = materialise(v, in_place, &vo), *gd = materialise(g, 0, &go);
    float *w = alloc_floats(v->raw.numel);
    if (!vd || !gd || !w) {
        free(vo);
        free(go);
        free(w);
        free(name);
        return kk_fail(err, KOKORO_ERR_NO_MEMORY, "checkpoint: out of memory folding '%s'", v->name);
    }
    size_t cols = v->raw.numel / rows;
    for (size_t r = 0; r < rows; r++) {
        const float *vr = vd + r * cols;
        double ss = 0.0;
        for (size_t k = 0; k < cols; k++)
            ss += (double)vr[k] * vr[k];
        /* As torch: scale = g / ||v|| first, then v * scale; no epsilon. */
        float scale = gd[r] / (float)sqrt(ss);
        for (size_t k = 0; k < cols; k++)
            w[r * cols + k] = vr[k] * scale;
    }
    if (!vo)
        drop_pages(c, vd, v->raw.numel * sizeof(float));
    free(vo);
    free(go);
    return add_tensor(c, name, v, w, w);
}

/* Maps the weight-norm naming schemes to (suffix of g, suffix of v, suffix of the folded name). */
static const char *const WN[][3] = {
    {".weight_g", ".weight_v", ".weight"},
    {".parametrizations.weight.original0", ".parametrizations.weight.original1", ".weight"},
};

static kokoro_status build(kk_checkpoint *c, entry_list *l, int in_place, kokoro_error *err)
{
    c->tensors = calloc(l->n ? l->n : 1, sizeof *c->tensors);
    c->owned = calloc(l->n ? l->n : 1, sizeof *c->owned);
    if (!c->tensors || !c->owned)
        return kk_fail(err, KOKORO_ERR_NO_MEMORY, "checkpoint: out of memory");
    /* Mark weight-norm pairs. */
    for (size_t i = 0; i < l->n; i++)
        for (size_t s = 0; s < 2; s++)
            if (ends_with(l->v[i].name, WN[s][0]) || ends_with(l->v[i].name, WN[s][1]))
                l->v[i].role = ends_with(l->v[i].name, WN[s][0]) ? 1 : 2;
    for (size_t i = 0; i < l->n; i++) {
        entry *e = &l->v[i];
        if (e->role == 3)
            continue;
        if (e->role == 0) {
            char *name = strdup(e->name);
            void *owned;
            const float *d = name ? materialise(e, in_place, &owned) : NULL;
            if (!d) {
                free(name);
                return kk_fail(err, KOKORO_ERR_NO_MEMORY, "checkpoint: out of memory for '%s'", e->name);
            }
            add_tensor(c, name, e, d, owned);
            continue;
        }
        /* First member of a weight-norm pair: find its partner. */
        size_t s = ends_with(e->name, WN[0][0]) || ends_with(e->name, WN[0][1]) ? 0 : 1;
        const char *mine = e->role == 1 ? WN[s][0] : WN[s][1], *other = e->role == 1 ? WN[s][1] : WN[s][0];
        size_t stem = strlen(e->name) - strlen(mine);
        size_t olen = strlen(other), flen = strlen(WN[s][2]);
        char *partner = malloc(stem + olen + 1), *folded = malloc(stem + flen + 1);
        if (!partner || !folded) {
            free(partner);
            free(folded);
            return kk_fail(err, KOKORO_ERR_NO_MEMORY, "checkpoint: out of memory");
        }
        memcpy(partner, e->name, stem);
        memcpy(partner + stem, other, olen + 1);
        memcpy(folded, e->name, stem);
        memcpy(folded + stem, WN[s][2], flen + 1);
        long j = find_entry(l, partner);
        if (j < 0) {
            kk_fail(err, KOKORO_ERR_FORMAT, "checkpoint: weight-norm tensor '%s' has no partner '%s'", e->name,
                    partner);
            free(partner);
            free(folded);
            return KOKORO_ERR_FORMAT;
        }
        free(partner);
        if (find_entry(l, folded) >= 0) {
            kk_fail(err, KOKORO_ERR_FORMAT, "checkpoint: '%s' exists beside its weight-norm pair", folded);
            free(folded);
            return KOKORO_ERR_FORMAT;
        }
        size_t gi = e->role == 1 ? i : (size_t)j, vi = e->role == 1 ? (size_t)j : i;
        kokoro_status st = fold(c, l, gi, vi, folded, in_place, err);
        if (st)
            return st;
        l->v[j].role = 3;
        e->role = 3;
    }
    c->sorted = malloc((c->n ? c->n : 1) * sizeof *c->sorted);
    if (!c->sorted)
        return kk_fail(err, KOKORO_ERR_NO_MEMORY, "checkpoint: out of memory");
    for (size_t i = 0; i < c->n; i++)
        c->sorted[i] = i;
    qsort_r(c->sorted, c->n, sizeof *c->sorted, cmp_names, c->tensors);
    for (size_t i = 1; i < c->n; i++)
        if (strcmp(c->tensors[c->sorted[i - 1]].name, c->tensors[c->sorted[i]].name) == 0)
            return kk_fail(err, KOKORO_ERR_FORMAT, "checkpoint: duplicate tensor name '%s'",
                           c->tensors[c->sorted[i]].name);
    return KOKORO_OK;
}

static kokoro_status load_buffer(const uint8_t *data, size_t len, int in_place, kk_checkpoint *c,
                                 kokoro_error *err)
{
    entry_list l = {0};
    kokoro_status st;
    if (kk_st_is_safetensors(data, len)) {
        st = safetensors_entries(data, len, &l, err);
        if (!st)
            st = build(c, &l, in_place, err);
        entries_free(&l);
        return st;
    }
    if (!kk_zip_is_zip(data, len)) {
        if (len >= 2 && data[0] == 0x80 && data[1] <= 5)
            return kk_fail(err, KOKORO_ERR_UNSUPPORTED,
                           "checkpoint: legacy (pre-1.6, non-zip) torch format; re-save it with a newer torch");
        return kk_fail(err, KOKORO_ERR_FORMAT, "checkpoint: neither a torch zip checkpoint nor a safetensors file");
    }
    kk_torch_archive a;
    if ((st = kk_torch_open(data, len, &a, err)))
        return st;
    if (a.root->type != KK_PV_DICT) {
        kk_torch_close(&a);
        return kk_fail(err, KOKORO_ERR_FORMAT, "checkpoint: the pickled object is not a (state) dict");
    }
    size_t visits = 0;
    st = walk(&a, a.root, "", 0, &visits, &l, err);
    if (!st)
        st = build(c, &l, in_place, err);
    entries_free(&l);
    kk_torch_close(&a);
    return st;
}

kokoro_status kk_checkpoint_load_memory(const void *data, size_t len, kk_checkpoint **out, kokoro_error *err)
{
    *out = NULL;
    kk_checkpoint *c = calloc(1, sizeof *c);
    if (!c)
        return kk_fail(err, KOKORO_ERR_NO_MEMORY, "checkpoint: out of memory");
    kokoro_status st = load_buffer(data, len, 0, c, err);
    if (st) {
        kk_checkpoint_free(c);
        return st;
    }
    *out = c;
    return KOKORO_OK;
}

kokoro_status kk_checkpoint_load(const char *path, kk_checkpoint **out, kokoro_error *err)
{
    *out = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return kk_fail(err, errno == ENOENT ? KOKORO_ERR_NOT_FOUND : KOKORO_ERR_IO, "cannot open %s: %s", path,
                       strerror(errno));
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        return kk_fail(err, KOKORO_ERR_IO, "%s is not a regular file", path);
    }
    if (sb.st_size == 0) {
        close(fd);
        return kk_fail(err, KOKORO_ERR_FORMAT, "%s is empty", path);
    }
    size_t len = (size_t)sb.st_size;
    void *map = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED)
        return kk_fail(err, KOKORO_ERR_IO, "cannot map %s: %s", path, strerror(errno));
    kk_checkpoint *c = calloc(1, sizeof *c);
    if (!c) {
        munmap(map, len);
        return kk_fail(err, KOKORO_ERR_NO_MEMORY, "checkpoint: out of memory");
    }
    c->map = map;
    c->map_len = len;
    kokoro_status st = load_buffer(map, len, 1, c, err);
    if (st) {
        /* Prefix the file name so the user knows which file is broken. */
        if (err) {
            char msg[sizeof err->message];
            snprintf(msg, sizeof msg, "%.200s: %.300s", path, err->message);
            memcpy(err->message, msg, sizeof msg);
        }
        kk_checkpoint_free(c);
        return st;
    }
    int any_in_place = 0;
    for (size_t i = 0; i < c->n; i++)
        if (!c->owned[i])
            any_in_place = 1;
    if (!any_in_place) {
        munmap(c->map, c->map_len);
        c->map = NULL;
    }
    *out = c;
    return KOKORO_OK;
}

const kk_tensor *kk_checkpoint_find(const kk_checkpoint *c, const char *name)
{
    size_t lo = 0, hi = c->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int r = strcmp(c->tensors[c->sorted[mid]].name, name);
        if (r == 0)
            return &c->tensors[c->sorted[mid]];
        if (r < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

size_t kk_checkpoint_count(const kk_checkpoint *c) { return c->n; }

const kk_tensor *kk_checkpoint_at(const kk_checkpoint *c, size_t index)
{
    return index < c->n ? &c->tensors[index] : NULL;
}

static void shape_str(char *buf, size_t cap, int ndim, const int64_t *shape)
{
    size_t p = 0;
    p += (size_t)snprintf(buf + p, cap - p, "[");
    for (int d = 0; d < ndim && p < cap; d++)
        p += (size_t)snprintf(buf + p, cap - p, "%s%lld", d ? ", " : "", (long long)shape[d]);
    if (p < cap)
        snprintf(buf + p, cap - p, "]");
}

const kk_tensor *kk_checkpoint_expect(const kk_checkpoint *c, const char *name, int ndim, const int64_t *shape,
                                      kokoro_error *err)
{
    const kk_tensor *t = kk_checkpoint_find(c, name);
    char want[160], got[160];
    shape_str(want, sizeof want, ndim, shape);
    if (!t) {
        kk_fail(err, KOKORO_ERR_NOT_FOUND, "checkpoint: missing tensor '%s' (expected shape %s)", name, want);
        return NULL;
    }
    int ok = t->ndim == ndim;
    for (int d = 0; ok && d < ndim; d++)
        if (shape[d] != -1 && shape[d] != t->shape[d])
            ok = 0;
    if (!ok) {
        shape_str(got, sizeof got, t->ndim, t->shape);
        kk_fail(err, KOKORO_ERR_FORMAT, "checkpoint: tensor '%s' has shape %s, expected %s", name, got, want);
        return NULL;
    }
    return t;
}

void kk_checkpoint_release(kk_checkpoint *c, const float *data)
{
    for (size_t i = 0; data && i < c->n; i++) {
        kk_tensor *t = &c->tensors[i];
        if (t->data != data)
            continue;
        if (c->owned[i]) {
            free(c->owned[i]);
            c->owned[i] = NULL;
        } else if (c->map) {
            /* read in place: drop the file pages wholly inside the tensor (the mapping is
             * private and read-only, so they would only be read back from the file) */
            uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
            uintptr_t a = ((uintptr_t)data + page - 1) & ~(page - 1);
            uintptr_t b = ((uintptr_t)(data + t->numel)) & ~(page - 1);
            if (b > a)
                madvise((void *)a, b - a, MADV_DONTNEED);
        }
        t->data = NULL;
        return;
    }
}
