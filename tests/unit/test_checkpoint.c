/* Checkpoint loading: the golden tiny .pth (torch zip + pickle) as a folded float32 table. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "harness.h"
#include "model/checkpoint.h"
#include "model/torch_archive.h"

#define PTH KOKORO_FIXTURES "/golden/kokoro-tiny.pth"

static const char *COMPONENTS[] = {"bert", "bert_encoder", "predictor", "text_encoder", "decoder"};
/* model_info.json: parameter and tensor counts per component, weight-norm g and v counted apart. */
static const size_t RAW_PARAMS[] = {185312, 6208, 577588, 98688, 594986};
static const size_t RAW_TENSORS[] = {25, 2, 146, 24, 491};

static int component_of(const char *name)
{
    for (int c = 0; c < 5; c++) {
        size_t l = strlen(COMPONENTS[c]);
        if (strncmp(name, COMPONENTS[c], l) == 0 && name[l] == '.')
            return c;
    }
    return -1;
}

/* Reads raw g and v of one weight-norm pair straight from the archive (no folding code involved)
 * and checks the folded tensor against g * v / ||v|| computed here. */
static void check_fold(const kk_checkpoint *ck, const kk_torch_archive *a, const char *comp, const char *stem)
{
    const kk_pv *sd = kk_pv_dict_get(a->root, comp);
    char gname[256], vname[256], wname[256];
    snprintf(gname, sizeof gname, "module.%s.weight_g", stem);
    snprintf(vname, sizeof vname, "module.%s.weight_v", stem);
    snprintf(wname, sizeof wname, "%s.%s.weight", comp, stem);
    kk_raw_tensor g, v;
    kokoro_error err;
    CHECK(sd != NULL);
    if (!sd)
        return;
    CHECK(kk_torch_raw(a, kk_pv_dict_get(sd, gname), gname, &g, &err) == KOKORO_OK);
    CHECK(kk_torch_raw(a, kk_pv_dict_get(sd, vname), vname, &v, &err) == KOKORO_OK);
    const kk_tensor *w = kk_checkpoint_find(ck, wname);
    CHECK_MSG(w != NULL, "%s", wname);
    if (!w)
        return;
    CHECK(w->ndim == v.ndim && w->numel == v.numel);
    for (int d = 0; d < v.ndim; d++)
        CHECK(w->shape[d] == v.shape[d]);
    CHECK(g.numel == (size_t)v.shape[0]);
    CHECK(v.dtype == KK_DT_F32 && v.contiguous);
    const float *vd = (const float *)(const void *)v.base, *gd = (const float *)(const void *)g.base;
    size_t rows = (size_t)v.shape[0], cols = v.numel / rows;
    double worst = 0;
    for (size_t r = 0; r < rows; r++) {
        double ss = 0;
        for (size_t k = 0; k < cols; k++)
            ss += (double)vd[r * cols + k] * vd[r * cols + k];
        for (size_t k = 0; k < cols; k++) {
            double want = gd[r] * vd[r * cols + k] / sqrt(ss);
            double e = fabs(w->data[r * cols + k] - want) / (fabs(want) + 1e-30);
            if (e > worst)
                worst = e;
        }
    }
    CHECK_MSG(worst < 1e-6, "%s folded with relative error %g", wname, worst);
    /* The norm of each folded row equals |g| (the point of weight normalisation). */
    for (size_t r = 0; r < rows; r++) {
        double ss = 0;
        for (size_t k = 0; k < cols; k++)
            ss += (double)w->data[r * cols + k] * w->data[r * cols + k];
        CHECK_NEAR(sqrt(ss), fabs(gd[r]), 1e-5 * fabs(gd[r]) + 1e-7);
    }
    CHECK(kk_checkpoint_find(ck, "decoder.generator.ups.0.weight_g") == NULL);
}

static void test_golden(void)
{
    kk_checkpoint *ck = NULL;
    kokoro_error err;
    kokoro_status st = kk_checkpoint_load(PTH, &ck, &err);
    CHECK_MSG(st == KOKORO_OK, "%s", err.message);
    if (st)
        return;

    /* Raw view of the same file for the counts before folding. */
    size_t len;
    uint8_t *bytes = (uint8_t *)harness_read_file_len(PTH, &len);
    kk_torch_archive a;
    CHECK(bytes && kk_torch_open(bytes, len, &a, &err) == KOKORO_OK);
    size_t raw_tensors[5] = {0}, raw_params[5] = {0}, g_tensors[5] = {0}, g_params[5] = {0};
    for (int c = 0; c < 5; c++) {
        const kk_pv *sd = kk_pv_dict_get(a.root, COMPONENTS[c]);
        CHECK(sd && sd->type == KK_PV_DICT);
        if (!sd)
            continue;
        for (size_t i = 0; i < sd->n; i++) {
            const char *k = sd->items[2 * i]->s.ptr;
            kk_raw_tensor r;
            CHECK(strncmp(k, "module.", 7) == 0);
            CHECK(kk_torch_raw(&a, sd->items[2 * i + 1], k, &r, &err) == KOKORO_OK);
            raw_tensors[c]++;
            raw_params[c] += r.numel;
            if (strlen(k) > 9 && strcmp(k + strlen(k) - 9, ".weight_g") == 0) {
                g_tensors[c]++;
                g_params[c] += r.numel;
            }
        }
    }
    size_t total_raw = 0, total_g = 0;
    for (int c = 0; c < 5; c++) {
        CHECK_MSG(raw_tensors[c] == RAW_TENSORS[c], "%s: %zu tensors", COMPONENTS[c], raw_tensors[c]);
        CHECK_MSG(raw_params[c] == RAW_PARAMS[c], "%s: %zu params", COMPONENTS[c], raw_params[c]);
        total_raw += raw_tensors[c];
        total_g += g_tensors[c];
    }
    CHECK(total_raw == 688);

    /* Folded table: each g/v pair became one tensor, g's elements are gone. */
    size_t tensors[5] = {0}, params[5] = {0};
    CHECK(kk_checkpoint_count(ck) == 688 - total_g);
    for (size_t i = 0; i < kk_checkpoint_count(ck); i++) {
        const kk_tensor *t = kk_checkpoint_at(ck, i);
        int c = component_of(t->name);
        CHECK_MSG(c >= 0, "unexpected name %s", t->name);
        CHECK(strstr(t->name, "module.") == NULL);
        CHECK(strstr(t->name, "weight_g") == NULL && strstr(t->name, "weight_v") == NULL);
        CHECK(((uintptr_t)t->data % 4) == 0);
        size_t n = 1;
        for (int d = 0; d < t->ndim; d++)
            n *= (size_t)t->shape[d];
        CHECK(n == t->numel);
        if (c >= 0) {
            tensors[c]++;
            params[c] += t->numel;
        }
        CHECK(kk_checkpoint_find(ck, t->name) == t);
    }
    for (int c = 0; c < 5; c++) {
        CHECK_MSG(tensors[c] == RAW_TENSORS[c] - g_tensors[c], "%s: %zu folded tensors", COMPONENTS[c], tensors[c]);
        CHECK_MSG(params[c] == RAW_PARAMS[c] - g_params[c], "%s: %zu folded params", COMPONENTS[c], params[c]);
    }
    printf("golden: %zu raw tensors, %zu weight-norm pairs, %zu folded tensors\n", total_raw, total_g,
           kk_checkpoint_count(ck));

    /* Shapes from the golden README / model doc. */
    static const struct {
        const char *name;
        int ndim;
        int64_t shape[3];
    } shapes[] = {
        {"bert.embeddings.word_embeddings.weight", 2, {178, 128}},
        {"bert.encoder.embedding_hidden_mapping_in.weight", 2, {96, 128}},
        {"bert_encoder.weight", 2, {64, 96}},
        {"text_encoder.embedding.weight", 2, {178, 64}},
        {"text_encoder.cnn.0.0.weight", 3, {64, 64, 5}},
        {"predictor.lstm.weight_ih_l0_reverse", 2, {-1, 64 + 128}},
        {"decoder.encode.conv1.weight", 3, {72, 66, 3}},
        {"decoder.asr_res.0.weight", 3, {16, 64, 1}},
        {"decoder.decode.3.conv1.weight", 3, {32, 72 + 2 + 16, 3}},
        {"decoder.decode.3.pool.weight", 3, {90, 1, 3}},
        {"decoder.generator.ups.0.weight", 3, {32, 16, 20}},
        {"decoder.generator.conv_post.weight", 3, {22, -1, 7}},
        {"decoder.generator.m_source.l_linear.weight", 2, {1, 9}},
    };
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        const kk_tensor *t = kk_checkpoint_expect(ck, shapes[i].name, shapes[i].ndim, shapes[i].shape, &err);
        CHECK_MSG(t != NULL, "%s", err.message);
    }
    int64_t wrong[2] = {179, 128};
    CHECK(kk_checkpoint_expect(ck, "bert.embeddings.word_embeddings.weight", 2, wrong, &err) == NULL);
    CHECK(err.code == KOKORO_ERR_FORMAT && strstr(err.message, "word_embeddings") && strstr(err.message, "[178, 128]"));
    CHECK(kk_checkpoint_expect(ck, "bert.no.such.weight", 2, wrong, &err) == NULL);
    CHECK(err.code == KOKORO_ERR_NOT_FOUND && strstr(err.message, "bert.no.such.weight"));

    /* Conv1d (per output channel), ConvTranspose1d (per input channel), a depthwise pool. */
    check_fold(ck, &a, "text_encoder", "cnn.1.0");
    check_fold(ck, &a, "decoder", "generator.ups.0");
    check_fold(ck, &a, "decoder", "generator.ups.1");
    check_fold(ck, &a, "decoder", "decode.3.pool");
    check_fold(ck, &a, "predictor", "F0.1.pool");
    check_fold(ck, &a, "decoder", "generator.resblocks.2.convs1.1");

    /* A plain tensor is bit-identical to the file's. */
    const kk_pv *bert = kk_pv_dict_get(a.root, "bert");
    kk_raw_tensor r;
    CHECK(kk_torch_raw(&a, kk_pv_dict_get(bert, "module.embeddings.word_embeddings.weight"), "w", &r, &err) == 0);
    const kk_tensor *we = kk_checkpoint_find(ck, "bert.embeddings.word_embeddings.weight");
    CHECK(we && memcmp(we->data, r.base, r.numel * 4) == 0);

    /* The in-memory loader gives the same table. */
    kk_checkpoint *m = NULL;
    CHECK(kk_checkpoint_load_memory(bytes, len, &m, &err) == KOKORO_OK);
    if (m) {
        CHECK(kk_checkpoint_count(m) == kk_checkpoint_count(ck));
        for (size_t i = 0; i < kk_checkpoint_count(m); i++) {
            const kk_tensor *x = kk_checkpoint_at(m, i), *y = kk_checkpoint_at(ck, i);
            CHECK(strcmp(x->name, y->name) == 0 && x->numel == y->numel &&
                  memcmp(x->data, y->data, x->numel * 4) == 0);
        }
        kk_checkpoint_free(m);
    }
    kk_torch_close(&a);
    free(bytes);
    kk_checkpoint_free(ck);
}

static void test_errors(void)
{
    kk_checkpoint *ck = (kk_checkpoint *)1;
    kokoro_error err;
    CHECK(kk_checkpoint_load(KOKORO_FIXTURES "/golden/no-such.pth", &ck, &err) == KOKORO_ERR_NOT_FOUND);
    CHECK(ck == NULL);
    CHECK(kk_checkpoint_load(KOKORO_FIXTURES "/golden/config.json", &ck, &err) == KOKORO_ERR_FORMAT);
    CHECK(strstr(err.message, "config.json") != NULL);

    /* Truncations and single-byte corruptions anywhere must fail cleanly, never crash. */
    size_t len;
    uint8_t *bytes = (uint8_t *)harness_read_file_len(PTH, &len);
    CHECK(bytes != NULL);
    if (!bytes)
        return;
    int failures = 0, tries = 0;
    for (size_t cut = 0; cut < len; cut += cut < 4096 ? 97 : 65521) {
        kokoro_status st = kk_checkpoint_load_memory(bytes, cut, &ck, &err);
        tries++;
        if (st == KOKORO_OK)
            kk_checkpoint_free(ck);
        else {
            failures++;
            CHECK(err.message[0] != '\0');
        }
    }
    CHECK_MSG(failures == tries, "%d of %d truncations loaded", tries - failures, tries);
    /* Cutting the central directory and end record. */
    for (size_t back = 1; back < 200; back += 3) {
        CHECK(kk_checkpoint_load_memory(bytes, len - back, &ck, &err) != KOKORO_OK);
    }
    /* Corrupting bytes in the pickle (stored first, right after its local header). */
    uint8_t *copy = malloc(len);
    int ok_after_flip = 0;
    for (size_t pos = 40; pos < 85000; pos += 211) {
        memcpy(copy, bytes, len);
        copy[pos] ^= 0x5a;
        if (kk_checkpoint_load_memory(copy, len, &ck, &err) == KOKORO_OK) {
            ok_after_flip++;
            kk_checkpoint_free(ck);
        }
    }
    printf("byte flips in data.pkl that still load: %d\n", ok_after_flip);
    free(copy);
    free(bytes);
}

int main(void)
{
    test_golden();
    test_errors();
    return HARNESS_RETURN();
}
