// The CUDA backend's life cycle: device choice, the weight upload at load, the workers.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>

#include "cuda/kc_model.cuh"
#include "cuda/kokoro_cuda.h"

namespace {

const size_t KC_IDLE_WORKERS = 16;
const size_t KC_KEEP_BYTES = (size_t)2 << 30;

struct uploader {
    kc_backend *b;
    cudaError_t e = cudaSuccess;

    void put(const float *h, size_t n)
    {
        if (!h || !n || e != cudaSuccess || b->dev.count(h))
            return;
        float *d = nullptr;
        if ((e = cudaMalloc((void **)&d, n * sizeof(float))) != cudaSuccess)
            return;
        b->owned.push_back(d);
        if ((e = cudaMemcpy(d, h, n * sizeof(float), cudaMemcpyHostToDevice)) != cudaSuccess)
            return;
        b->dev[h] = d;
    }
    float *put_new(const std::vector<float> &v)
    {
        float *d = nullptr;
        if (e != cudaSuccess || (e = cudaMalloc((void **)&d, v.size() * sizeof(float))) != cudaSuccess)
            return nullptr;
        b->owned.push_back(d);
        e = cudaMemcpy(d, v.data(), v.size() * sizeof(float), cudaMemcpyHostToDevice);
        return d;
    }
    void lin(const kk_lin_w &l)
    {
        put(l.w, (size_t)l.in * l.out);
        put(l.b, (size_t)l.out);
    }
    void conv(const kk_conv_w &c)
    {
        put(c.w, (size_t)c.in * c.out * c.k);
        put(c.b, (size_t)c.out);
    }
    void adain(const kk_adain_w &a)
    {
        lin(a.fc);
        put(a.norm_w, (size_t)a.channels);
        put(a.norm_b, (size_t)a.channels);
    }
    void lstm(const kk_lstm_weights &l)
    {
        int H = l.hidden;
        kc_lstm d;
        d.in = l.in;
        d.hidden = H;
        for (int dir = 0; dir < 2; dir++) {
            put(l.w_ih[dir], (size_t)4 * H * l.in);
            put(l.w_hh[dir], (size_t)4 * H * H);
            std::vector<float> bias(4 * (size_t)H);
            for (size_t j = 0; j < bias.size(); j++)
                bias[j] = l.b_ih[dir][j] + l.b_hh[dir][j];
            d.bias[dir] = put_new(bias);
            d.w_ih[dir] = e == cudaSuccess ? b->dev[l.w_ih[dir]] : nullptr;
            d.w_hh[dir] = e == cudaSuccess ? b->dev[l.w_hh[dir]] : nullptr;
        }
        b->lstm[&l] = d;
    }
    void resblk(const kk_resblk_w &r)
    {
        adain(r.norm1);
        adain(r.norm2);
        conv(r.conv1);
        conv(r.conv2);
        conv(r.conv1x1);
        conv(r.pool);
    }
    void resblock1(const kk_resblock1_w &r)
    {
        for (int j = 0; j < r.n_dil; j++) {
            adain(r.adain1[j]);
            adain(r.adain2[j]);
            conv(r.convs1[j]);
            conv(r.convs2[j]);
            put(r.alpha1[j], (size_t)r.channels);
            put(r.alpha2[j], (size_t)r.channels);
        }
    }
    void all(const kk_weights *w)
    {
        const kk_config &c = w->cfg;
        int E = w->bert.emb;
        put(w->bert.word, (size_t)c.n_token * E);
        put(w->bert.position, (size_t)w->bert.max_pos * E);
        put(w->bert.token_type, (size_t)E); // only row 0 is read (no token_type_ids)
        put(w->bert.ln_w, (size_t)E);
        put(w->bert.ln_b, (size_t)E);
        lin(w->bert.map_in);
        lin(w->bert.q);
        lin(w->bert.k);
        lin(w->bert.v);
        lin(w->bert.dense);
        lin(w->bert.ffn);
        lin(w->bert.ffn_out);
        int Hd = w->bert.hidden;
        put(w->bert.attn_ln_w, (size_t)Hd);
        put(w->bert.attn_ln_b, (size_t)Hd);
        put(w->bert.full_ln_w, (size_t)Hd);
        put(w->bert.full_ln_b, (size_t)Hd);
        lin(w->bert_encoder);
        for (int i = 0; i < w->pred.n_layer; i++) {
            lstm(w->pred.lstms[i]);
            lin(w->pred.ada_fc[i]);
        }
        lstm(w->pred.lstm);
        lin(w->pred.dur_proj);
        lstm(w->pred.shared);
        for (int i = 0; i < 3; i++) {
            resblk(w->pred.F0[i]);
            resblk(w->pred.N[i]);
        }
        conv(w->pred.F0_proj);
        conv(w->pred.N_proj);
        put(w->text.embedding, (size_t)c.n_token * c.hidden_dim);
        for (int i = 0; i < w->text.n_cnn; i++) {
            conv(w->text.cnn[i]);
            put(w->text.gamma[i], (size_t)c.hidden_dim);
            put(w->text.beta[i], (size_t)c.hidden_dim);
        }
        lstm(w->text.lstm);
        conv(w->dec.F0_conv);
        conv(w->dec.N_conv);
        conv(w->dec.asr_res);
        resblk(w->dec.encode);
        for (int i = 0; i < KK_DECODE_BLOCKS; i++)
            resblk(w->dec.decode[i]);
        lin(w->gen.l_linear);
        for (int i = 0; i < w->gen.n_ups; i++) {
            conv(w->gen.noise_convs[i]);
            resblock1(w->gen.noise_res[i]);
            conv(w->gen.ups[i]);
            for (int j = 0; j < w->gen.n_kernels; j++)
                resblock1(w->gen.resblocks[i * w->gen.n_kernels + j]);
        }
        conv(w->gen.conv_post);
    }
};

void free_worker(kc_worker *wk)
{
    kc_arena_free(&wk->arena);
    if (wk->blas)
        cublasDestroy(wk->blas);
    if (wk->stream)
        cudaStreamDestroy(wk->stream);
    delete wk;
}

void destroy(kk_backend *base)
{
    kc_backend *b = static_cast<kc_backend *>(base);
    cudaSetDevice(b->device);
    for (kc_worker *wk : b->idle)
        free_worker(wk);
    for (float *p : b->owned)
        cudaFree(p);
    delete b;
}

kokoro_status forward(kk_backend *base, const kk_backend_call *call, kokoro_error *err)
{
    kc_backend *b = static_cast<kc_backend *>(base);
    kc_worker *wk = nullptr;
    {
        std::lock_guard<std::mutex> lock(b->mu);
        if (!b->idle.empty()) {
            wk = b->idle.back();
            b->idle.pop_back();
        }
    }
    cudaSetDevice(b->device); // the device is per host thread; calls may come from any thread
    if (!wk) {
        wk = new (std::nothrow) kc_worker;
        bool ok = wk && cudaStreamCreateWithFlags(&wk->stream, cudaStreamNonBlocking) == cudaSuccess &&
                  cublasCreate(&wk->blas) == CUBLAS_STATUS_SUCCESS &&
                  cublasSetStream(wk->blas, wk->stream) == CUBLAS_STATUS_SUCCESS &&
                  cublasSetMathMode(wk->blas, b->tf32 ? CUBLAS_TF32_TENSOR_OP_MATH
                                                      : CUBLAS_DEFAULT_MATH) ==
                      CUBLAS_STATUS_SUCCESS;
        if (!ok) {
            if (wk)
                free_worker(wk);
            if (err) {
                err->code = KOKORO_ERR_INTERNAL;
                std::snprintf(err->message, sizeof err->message,
                              "CUDA: cannot create a stream and cuBLAS handle");
            }
            return KOKORO_ERR_INTERNAL;
        }
    }
    kokoro_status st = kc_forward(b, wk, call, err);
    // Idle workers keep their arenas so that the next calls allocate nothing; a burst of
    // concurrent calls must not pin its peak for ever, though: past KC_IDLE_WORKERS idle workers,
    // or an arena above KC_KEEP_BYTES, the memory goes back (cudaFree waits for the device).
    size_t held = 0;
    for (const auto &blk : wk->arena.blocks)
        held += blk.size;
    bool keep;
    {
        std::lock_guard<std::mutex> lock(b->mu);
        keep = b->idle.size() < KC_IDLE_WORKERS;
        if (keep && held <= KC_KEEP_BYTES)
            b->idle.push_back(wk);
    }
    if (!keep) {
        free_worker(wk);
    } else if (held > KC_KEEP_BYTES) {
        kc_arena_free(&wk->arena);
        std::lock_guard<std::mutex> lock(b->mu);
        b->idle.push_back(wk);
    }
    return st;
}

} // namespace

const float *kc_dev(kc_backend *b, kc_ctx *c, const float *host)
{
    if (!host)
        return nullptr;
    auto it = b->dev.find(host); // read-only after load: no lock needed
    if (it != b->dev.end())
        return it->second;
    kc_fail(c, KOKORO_ERR_INTERNAL, "CUDA weights", "a tensor was not uploaded at load");
    return nullptr;
}

const kc_lstm *kc_dev_lstm(kc_backend *b, kc_ctx *c, const kk_lstm_weights *host)
{
    auto it = b->lstm.find(host);
    if (it != b->lstm.end())
        return &it->second;
    kc_fail(c, KOKORO_ERR_INTERNAL, "CUDA weights", "an LSTM was not uploaded at load");
    return nullptr;
}

// Which device KOKORO_DEVICE names (cuda or cuda:N), or -1 with msg.
static int device_index(int n, char *msg, size_t cap)
{
    const char *v = std::getenv("KOKORO_DEVICE");
    int index = v && std::strncmp(v, "cuda:", 5) == 0 ? std::atoi(v + 5) : 0;
    if (index < 0 || index >= n || index >= 16) {
        std::snprintf(msg, cap, "KOKORO_DEVICE=%s: there are %d CUDA devices", v, n);
        return -1;
    }
    return index;
}

extern "C" int kk_cuda_describe(char *buf, size_t cap)
{
    kokoro_cuda_device d[16];
    int n = kokoro_cuda_devices(d, 16, buf, cap);
    if (n <= 0) {
        if (n == 0)
            std::snprintf(buf, cap, "no CUDA device");
        return -1;
    }
    int i = device_index(n, buf, cap);
    if (i < 0)
        return -1;
    std::snprintf(buf, cap, "cuda:%d %s, compute %d.%d, %.1f GiB", i, d[i].name, d[i].cc_major,
                  d[i].cc_minor, d[i].total_memory / 1073741824.0);
    return 0;
}

extern "C" int kk_cuda_backend_new(const kk_weights *w, kk_backend **out, char *msg, size_t cap)
{
    *out = nullptr;
    char desc[256];
    if (kk_cuda_describe(desc, sizeof desc) != 0) {
        std::snprintf(msg, cap, "%s", desc);
        return -1;
    }
    kokoro_cuda_device dd[16];
    int index = device_index(kokoro_cuda_devices(dd, 16, msg, cap), msg, cap);
    if (index < 0 || kokoro_cuda_selftest(index, msg, cap) != 0)
        return -1;
    kc_backend *b = new (std::nothrow) kc_backend;
    if (!b) {
        std::snprintf(msg, cap, "out of memory");
        return -1;
    }
    b->name = "cuda";
    std::snprintf(b->description, sizeof b->description, "%s", desc);
    b->forward = forward;
    b->destroy = destroy;
    b->w = w;
    b->device = index;
    const char *tf = std::getenv("KOKORO_CUDA_TF32");
    b->tf32 = tf && std::strcmp(tf, "1") == 0;
    cudaSetDevice(index);
    uploader up{b};
    up.all(w);
    if (up.e != cudaSuccess) {
        std::snprintf(msg, cap, "uploading the weights: %s", cudaGetErrorString(up.e));
        destroy(b);
        return -1;
    }
    *out = b;
    return 0;
}
