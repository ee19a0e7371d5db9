/*
 * load_bench — loading the full-size checkpoint, measured.
 *
 * The real kokoro-v1_0.pth cannot be downloaded here, so this writes one with the same layout:
 * every tensor the engine asks for at Kokoro-82M's config.json dimensions (random values), in the
 * five component dicts with the "module." prefix, convolution weights split into weight_g /
 * weight_v as in the released file, plus the unused ALBERT pooler and int64 position_ids. It
 * prints the parameter count (the model document gives 81,763,410 for the release), then the
 * wall time and resident-memory growth of loading that .pth, of `kokoro convert` to f32 and bf16
 * safetensors, and of loading those; every loaded tensor is compared with what was written.
 *
 * usage: load_bench [DIR]   (scratch files go to DIR, default $TMPDIR or /tmp, and are removed;
 *                            each load runs in a fresh process: load_bench --load FILE)
 *        load_bench --write FILE   (only writes the checkpoint and keeps it: bench/server_load.sh
 *                                   --full-size serves it)
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "engine/model.h"
#include "engine/weights.h"
#include "model/checkpoint.h"
#include "model/safetensors.h"

typedef struct {
    char *component, *key; /* "decoder", "generator.ups.0.weight" */
    int ndim;
    int64_t shape[KK_MAX_DIMS];
    size_t numel;
    float *data;
    int weight_norm;
} rec;

typedef struct {
    rec *v;
    size_t n, cap;
    uint64_t rng;
} recorder;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static double rss_mb(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long pages = 0, res = 0;
    if (f) {
        if (fscanf(f, "%ld %ld", &pages, &res) != 2)
            res = 0;
        fclose(f);
    }
    return res * (double)sysconf(_SC_PAGESIZE) / 1048576.0;
}

static int has(const char *s, const char *sub) { return strstr(s, sub) != NULL; }

/* --write: a checkpoint to serve, so durations and pitch are set as kokoro bench's random model
 * sets them (about 4 frames per token, every frame voiced); otherwise a random duration head
 * makes ~25 frames per token and minutes of audio per sentence. */
static int speechlike;

static rec *add(recorder *r, const char *name, int ndim, const int64_t *shape)
{
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 1024;
        r->v = realloc(r->v, r->cap * sizeof *r->v);
    }
    rec *t = &r->v[r->n++];
    memset(t, 0, sizeof *t);
    const char *dot = strchr(name, '.');
    t->component = strndup(name, (size_t)(dot - name));
    t->key = strdup(dot + 1);
    t->ndim = ndim;
    t->numel = 1;
    for (int i = 0; i < ndim; i++) {
        t->shape[i] = shape[i];
        t->numel *= (size_t)shape[i];
    }
    t->data = malloc(t->numel * sizeof(float));
    for (size_t i = 0; i < t->numel; i++) {
        r->rng = r->rng * 6364136223846793005ull + 1442695040888963407ull;
        t->data[i] = ((float)((r->rng >> 40) & 0xFFFFFF) / 8388608.0f - 1.0f) * 0.05f;
    }
    for (size_t i = 0; speechlike && i < t->numel; i++) {
        if (has(name, "duration_proj.linear_layer.bias"))
            t->data[i] = -2.44f; /* sigmoid 0.08, summed over 50 bins */
        else if (has(name, "duration_proj.linear_layer.weight"))
            t->data[i] *= 0.1f;
        else if (has(name, "F0_proj.bias"))
            t->data[i] = 150.0f;
    }
    /* As in the released file: every convolution is weight-normed except the noise convolutions
     * and the 1-channel F0/N projections. */
    size_t kl = strlen(t->key);
    t->weight_norm = ndim == 3 && kl > 7 && strcmp(t->key + kl - 7, ".weight") == 0 && !has(name, "noise_convs") &&
                     !has(name, "F0_proj") && !has(name, "N_proj");
    return t;
}

static const float *record_get(void *ctx, const char *name, int ndim, const int64_t *shape_in, int64_t *actual,
                               int optional, kokoro_error *err)
{
    (void)err;
    if (optional)
        return NULL; /* the release has no InstanceNorm affine parameters */
    recorder *r = ctx;
    char full[300];
    for (size_t i = 0; i < r->n; i++) { /* asked twice: the same tensor */
        snprintf(full, sizeof full, "%s.%s", r->v[i].component, r->v[i].key);
        if (strcmp(full, name) == 0)
            return r->v[i].data;
    }
    int64_t shape[KK_MAX_DIMS];
    for (int i = 0; i < ndim; i++) {
        shape[i] = shape_in[i];
        if (shape[i] < 0) /* widths Kokoro-82M's code hard-codes */
            shape[i] = has(name, "decoder.encode.conv1") ? 1024 : has(name, "asr_res") ? 64
                       : has(name, "token_type")          ? 2
                       : has(name, "l_linear")            ? 9
                                                          : 1;
        if (actual)
            actual[i] = shape[i];
    }
    return add(ctx, name, ndim, shape)->data;
}

/* ---- a streaming torch.save writer: stored zip entries, 64-aligned data, pickle protocol 2 */

typedef struct {
    char name[64];
    uint64_t off, len;
} zentry;

static void w16(FILE *f, unsigned v) { fputc(v & 0xff, f), fputc((v >> 8) & 0xff, f); }
static void w32(FILE *f, uint32_t v) { w16(f, v & 0xffff), w16(f, v >> 16); }

static void zip_entry(FILE *f, zentry *e, const void *data)
{
    e->off = (uint64_t)ftell(f);
    size_t nl = strlen(e->name), pad = (64 - (e->off + 30 + nl + 4) % 64) % 64;
    w32(f, 0x04034b50), w16(f, 20), w16(f, 0), w16(f, 0), w16(f, 0), w16(f, 0), w32(f, 0);
    w32(f, (uint32_t)e->len), w32(f, (uint32_t)e->len), w16(f, (unsigned)nl), w16(f, (unsigned)(4 + pad));
    fwrite(e->name, 1, nl, f);
    w16(f, 0x4246), w16(f, (unsigned)pad);
    for (size_t i = 0; i < pad; i++)
        fputc('Z', f);
    fwrite(data, 1, e->len, f);
}

static void zip_finish(FILE *f, zentry *e, size_t n)
{
    uint32_t cd = (uint32_t)ftell(f);
    for (size_t i = 0; i < n; i++) {
        size_t nl = strlen(e[i].name);
        w32(f, 0x02014b50), w16(f, 20), w16(f, 20), w16(f, 0), w16(f, 0), w16(f, 0), w16(f, 0), w32(f, 0);
        w32(f, (uint32_t)e[i].len), w32(f, (uint32_t)e[i].len), w16(f, (unsigned)nl), w16(f, 0), w16(f, 0);
        w16(f, 0), w16(f, 0), w32(f, 0), w32(f, (uint32_t)e[i].off);
        fwrite(e[i].name, 1, nl, f);
    }
    uint32_t size = (uint32_t)ftell(f) - cd;
    w32(f, 0x06054b50), w16(f, 0), w16(f, 0), w16(f, (unsigned)n), w16(f, (unsigned)n), w32(f, size), w32(f, cd);
    w16(f, 0);
}

typedef struct {
    char *p;
    size_t n, cap;
} sbuf;

static void put(sbuf *b, const void *d, size_t n)
{
    if (b->n + n > b->cap) {
        b->cap = (b->n + n) * 2;
        b->p = realloc(b->p, b->cap);
    }
    memcpy(b->p + b->n, d, n);
    b->n += n;
}
static void op(sbuf *b, int c) { char x = (char)c; put(b, &x, 1); }
static void pint(sbuf *b, int64_t v)
{
    uint8_t x[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    op(b, 'J');
    put(b, x, 4);
}
static void pstr(sbuf *b, const char *s)
{
    uint32_t n = (uint32_t)strlen(s);
    uint8_t x[4] = {(uint8_t)n, (uint8_t)(n >> 8), (uint8_t)(n >> 16), (uint8_t)(n >> 24)};
    op(b, 'X');
    put(b, x, 4);
    put(b, s, n);
}
static void pglobal(sbuf *b, const char *s) { op(b, 'c'), put(b, s, strlen(s)); }

static void ptensor(sbuf *b, const char *type, int key, int64_t numel, int ndim, const int64_t *shape)
{
    char k[16];
    snprintf(k, sizeof k, "%d", key);
    pglobal(b, "torch._utils\n_rebuild_tensor_v2\n");
    op(b, '('), op(b, '('), pstr(b, "storage"), pglobal(b, type), pstr(b, k), pstr(b, "cpu"), pint(b, numel),
        op(b, 't'), op(b, 'Q'), pint(b, 0);
    op(b, '(');
    for (int i = 0; i < ndim; i++)
        pint(b, shape[i]);
    op(b, 't'), op(b, '(');
    int64_t stride = 1, st[KK_MAX_DIMS];
    for (int i = ndim - 1; i >= 0; i--)
        st[i] = stride, stride *= shape[i];
    for (int i = 0; i < ndim; i++)
        pint(b, st[i]);
    op(b, 't'), op(b, 0x89), pglobal(b, "collections\nOrderedDict\n"), op(b, ')'), op(b, 'R'), op(b, 't'),
        op(b, 'R');
}

static const char *COMPONENTS[] = {"bert", "bert_encoder", "predictor", "text_encoder", "decoder"};

/* Writes the recorded tensors as a torch checkpoint; returns the parameter count (g, v apart). */
static size_t write_pth(const char *path, recorder *r)
{
    sbuf pk = {0};
    zentry *e = calloc(r->n * 2 + 8, sizeof *e);
    const void **data = calloc(r->n * 2 + 8, sizeof *data);
    float **tmp = calloc(r->n * 2 + 8, sizeof *tmp);
    size_t ne = 1, params = 0, key = 0;
    op(&pk, 0x80), op(&pk, 2), op(&pk, '}'), op(&pk, '(');
    for (int c = 0; c < 5; c++) {
        pstr(&pk, COMPONENTS[c]);
        pglobal(&pk, "collections\nOrderedDict\n"), op(&pk, ')'), op(&pk, 'R'), op(&pk, '(');
        for (size_t i = 0; i < r->n; i++) {
            rec *t = &r->v[i];
            if (strcmp(t->component, COMPONENTS[c]) != 0)
                continue;
            char name[300];
            if (!t->weight_norm) {
                snprintf(name, sizeof name, "module.%s", t->key);
                pstr(&pk, name);
                ptensor(&pk, "torch\nFloatStorage\n", (int)key, (int64_t)t->numel, t->ndim, t->shape);
                snprintf(e[ne].name, sizeof e[ne].name, "kokoro-full/data/%zu", key++);
                e[ne].len = t->numel * 4;
                data[ne++] = t->data;
                params += t->numel;
                continue;
            }
            /* g = per-row norm of the weight, v = the weight: folding gives the weight back. */
            size_t rows = (size_t)t->shape[0], cols = t->numel / rows;
            float *g = malloc(rows * sizeof *g);
            for (size_t o = 0; o < rows; o++) {
                double s = 0;
                for (size_t k = 0; k < cols; k++)
                    s += (double)t->data[o * cols + k] * t->data[o * cols + k];
                g[o] = (float)sqrt(s);
            }
            tmp[ne] = g;
            int64_t gs[3] = {t->shape[0], 1, 1};
            snprintf(name, sizeof name, "module.%.*s_g", (int)strlen(t->key), t->key);
            pstr(&pk, name);
            ptensor(&pk, "torch\nFloatStorage\n", (int)key, (int64_t)rows, 3, gs);
            snprintf(e[ne].name, sizeof e[ne].name, "kokoro-full/data/%zu", key++);
            e[ne].len = rows * 4;
            data[ne++] = g;
            snprintf(name, sizeof name, "module.%s_v", t->key);
            pstr(&pk, name);
            ptensor(&pk, "torch\nFloatStorage\n", (int)key, (int64_t)t->numel, t->ndim, t->shape);
            snprintf(e[ne].name, sizeof e[ne].name, "kokoro-full/data/%zu", key++);
            e[ne].len = t->numel * 4;
            data[ne++] = t->data;
            params += t->numel + rows;
        }
        if (c == 0) { /* the unused pieces the release carries */
            static float pooler[768 * 768 + 768];
            static int64_t pos[512];
            for (int i = 0; i < 512; i++)
                pos[i] = i;
            int64_t pw[2] = {768, 768}, pb[1] = {768}, ps[2] = {1, 512};
            pstr(&pk, "module.pooler.weight");
            ptensor(&pk, "torch\nFloatStorage\n", (int)key, 768 * 768, 2, pw);
            snprintf(e[ne].name, sizeof e[ne].name, "kokoro-full/data/%zu", key++);
            e[ne].len = 768 * 768 * 4;
            data[ne++] = pooler;
            pstr(&pk, "module.pooler.bias");
            ptensor(&pk, "torch\nFloatStorage\n", (int)key, 768, 1, pb);
            snprintf(e[ne].name, sizeof e[ne].name, "kokoro-full/data/%zu", key++);
            e[ne].len = 768 * 4;
            data[ne++] = pooler + 768 * 768;
            pstr(&pk, "module.embeddings.position_ids");
            ptensor(&pk, "torch\nLongStorage\n", (int)key, 512, 2, ps);
            snprintf(e[ne].name, sizeof e[ne].name, "kokoro-full/data/%zu", key++);
            e[ne].len = 512 * 8;
            data[ne++] = pos;
            params += 768 * 768 + 768;
        }
        op(&pk, 'u');
    }
    op(&pk, 'u'), op(&pk, '.');
    snprintf(e[0].name, sizeof e[0].name, "kokoro-full/data.pkl");
    e[0].len = pk.n;
    data[0] = pk.p;
    snprintf(e[ne].name, sizeof e[ne].name, "kokoro-full/version");
    e[ne].len = 2;
    data[ne++] = "3\n";
    FILE *f = fopen(path, "wb");
    for (size_t i = 0; i < ne; i++)
        zip_entry(f, &e[i], data[i]);
    zip_finish(f, e, ne);
    fclose(f);
    for (size_t i = 0; i < ne; i++)
        free(tmp[i]);
    free(tmp);
    free(data);
    free(e);
    free(pk.p);
    return params;
}

/* Compares a loaded table with the recorded tensors; returns the worst relative error. */
static double compare(const kk_checkpoint *ck, const recorder *r, size_t *missing)
{
    double worst = 0;
    *missing = 0;
    for (size_t i = 0; i < r->n; i++) {
        char name[300];
        snprintf(name, sizeof name, "%s.%s", r->v[i].component, r->v[i].key);
        const kk_tensor *t = kk_checkpoint_find(ck, name);
        if (!t || t->numel != r->v[i].numel) {
            (*missing)++;
            continue;
        }
        for (size_t k = 0; k < t->numel; k++) {
            double want = r->v[i].data[k], e = fabs(t->data[k] - want) / (fabs(want) + 1e-6);
            if (e > worst)
                worst = e;
        }
    }
    return worst;
}

/* Loads path in this (fresh) process and prints time and memory: called as `load_bench --load PATH`
 * so that nothing the writer allocated distorts the resident-set figures. */
static int load_only(const char *path)
{
    double rss0 = rss_mb(), t0 = now();
    kk_checkpoint *ck;
    kokoro_error err;
    if (kk_checkpoint_load(path, &ck, &err) != KOKORO_OK) {
        printf("load failed: %s\n", err.message);
        return 1;
    }
    double t1 = now(), rss1 = rss_mb();
    /* Reading every weight once, as the first synthesis does, maps the in-place tensors in. */
    volatile float sink = 0;
    for (size_t i = 0; i < kk_checkpoint_count(ck); i++) {
        const kk_tensor *t = kk_checkpoint_at(ck, i);
        for (size_t k = 0; k < t->numel; k += 1024)
            sink += t->data[k];
    }
    (void)sink;
    printf("load %6.3f s  RSS after load %6.1f MB (+%6.1f), after touching every weight %6.1f MB\n", t1 - t0,
           rss1, rss1 - rss0, rss_mb());
    kk_checkpoint_free(ck);
    return 0;
}

static void measure(const char *what, const char *path, const recorder *r)
{
    FILE *f = fopen(path, "rb");
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fclose(f);
    kk_checkpoint *ck;
    kokoro_error err;
    size_t missing = 0;
    double worst = -1;
    if (kk_checkpoint_load(path, &ck, &err) == KOKORO_OK) {
        worst = compare(ck, r, &missing);
        kk_checkpoint_free(ck);
    }
    printf("%-22s %6.1f MB file, %zu tensors missing, max relative error %.2g\n  ", what, size / 1048576.0,
           missing, worst);
    fflush(stdout);
    char cmd[2200];
    snprintf(cmd, sizeof cmd, "/proc/%d/exe --load '%s'", (int)getpid(), path);
    if (system(cmd) != 0)
        printf("  (child failed)\n");
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--load") == 0)
        return load_only(argv[2]);
    int write_only = argc == 3 && strcmp(argv[1], "--write") == 0;
    const char *dir = argc > 1 ? argv[1] : getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    char pth[1024], st32[1024], st16[1024];
    snprintf(pth, sizeof pth, "%s/load_bench_%d.pth", dir, (int)getpid());
    if (write_only) {
        snprintf(pth, sizeof pth, "%s", argv[2]);
        speechlike = 1;
    }
    snprintf(st32, sizeof st32, "%s/load_bench_%d_f32.safetensors", dir, (int)getpid());
    snprintf(st16, sizeof st16, "%s/load_bench_%d_bf16.safetensors", dir, (int)getpid());

    kk_config *cfg = malloc(sizeof *cfg);
    kk_config_kokoro82m(cfg);
    recorder r = {0};
    r.rng = 12345;
    kk_weights *w = malloc(sizeof *w);
    kokoro_error err;
    kk_weight_source src = {record_get, &r, NULL};
    if (kk_weights_build(w, cfg, &src, &err) != KOKORO_OK) {
        fprintf(stderr, "load_bench: %s\n", err.message);
        return 1;
    }
    double t0 = now();
    size_t params = write_pth(pth, &r);
    printf("wrote %s: %zu tensors requested by the engine, %zu parameters in the file "
           "(g and v apart, pooler included) in %.2f s\n", pth, r.n, params, now() - t0);
    if (write_only) {
        for (size_t i = 0; i < r.n; i++) {
            free(r.v[i].component);
            free(r.v[i].key);
            free(r.v[i].data);
        }
        free(r.v);
        free(w);
        free(cfg);
        return params ? 0 : 1;
    }

    measure("kokoro-v1_0-like .pth", pth, &r);
    kk_checkpoint *ck;
    t0 = now();
    if (kk_checkpoint_load(pth, &ck, &err) == KOKORO_OK) {
        kk_st_write(st32, ck, KK_DT_F32, "kokoro-full.pth", &err);
        double t1 = now();
        kk_st_write(st16, ck, KK_DT_BF16, "kokoro-full.pth", &err);
        printf("convert: f32 %.2f s (load included), bf16 %.2f s\n", t1 - t0, now() - t1);
        kk_checkpoint_free(ck);
    }
    measure("safetensors f32", st32, &r);
    measure("safetensors bf16", st16, &r);
    unlink(pth);
    unlink(st32);
    unlink(st16);
    for (size_t i = 0; i < r.n; i++) {
        free(r.v[i].component);
        free(r.v[i].key);
        free(r.v[i].data);
    }
    free(r.v);
    free(w);
    free(cfg);
    return 0;
}
