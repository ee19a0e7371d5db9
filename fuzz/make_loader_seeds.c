/* Writes the seed corpus of fuzz_loader (fuzz/corpus/fuzz_loader/): small torch archives built
 * byte by byte with the test writer (views, strides, float16/bfloat16/float64/int64 storages,
 * weight-norm pairs, _rebuild_parameter, zip64), a small voice pack, and a safetensors file.
 * Build and run from the repository root:
 *   cc -I tests/unit fuzz/make_loader_seeds.c -o /tmp/seeds && /tmp/seeds fuzz/corpus/fuzz_loader */
#include <stdio.h>
#include <string.h>

#include "torch_writer.h"

static void save(const char *dir, const char *name, const tw_buf *b)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(b->p, 1, b->n, f) != b->n) {
        perror(path);
        return;
    }
    fclose(f);
}

static tw_buf state_dict(int zip64)
{
    tw_buf pk = {0};
    pk_proto(&pk);
    pk_op(&pk, '}');
    tw_u8(&pk, 'q'); tw_u8(&pk, 0);
    pk_op(&pk, '(');
    pk_str(&pk, "decoder");
    pk_ordered_dict(&pk);
    pk_op(&pk, '(');
    long s2[2] = {3, 4}, t2[2] = {1, 3};
    pk_str(&pk, "module.view.weight");
    pk_tensor(&pk, "FloatStorage", "0", 24, 2, 2, s2, t2);
    long s3[3] = {2, 1, 1}, t3[3] = {1, 1, 1};
    pk_str(&pk, "module.conv.weight_g");
    pk_tensor(&pk, "HalfStorage", "1", 2, 0, 3, s3, t3);
    long s3v[3] = {2, 1, 3}, t3v[3] = {3, 3, 1};
    pk_str(&pk, "module.conv.weight_v");
    pk_tensor(&pk, "BFloat16Storage", "2", 6, 0, 3, s3v, t3v);
    long s1[1] = {4}, t1[1] = {1};
    pk_str(&pk, "module.ids");
    pk_tensor(&pk, "LongStorage", "3", 4, 0, 1, s1, t1);
    long s1d[1] = {2};
    pk_str(&pk, "module.up.parametrizations.weight.original0");
    pk_tensor(&pk, "DoubleStorage", "4", 2, 0, 1, s1d, t1);
    pk_str(&pk, "module.up.parametrizations.weight.original1");
    pk_global(&pk, "torch._utils", "_rebuild_parameter");
    pk_op(&pk, '(');
    long sp[2] = {2, 2}, tp[2] = {2, 1};
    pk_tensor(&pk, "FloatStorage", "0", 24, 0, 2, sp, tp);
    tw_u8(&pk, 0x88);
    pk_ordered_dict(&pk);
    pk_op(&pk, 't');
    pk_op(&pk, 'R');
    pk_op(&pk, 'u');
    pk_op(&pk, 'u');
    pk_op(&pk, '.');
    tw_buf s0 = {0}, sh = {0}, sb = {0}, sl = {0}, sd = {0};
    for (int i = 0; i < 24; i++) {
        float f = (float)i * 0.25f - 2.0f;
        tw_put(&s0, &f, 4);
    }
    tw_u16(&sh, 0x4000);
    tw_u16(&sh, 0xB800);
    static const uint16_t v[6] = {0x4040, 0x0000, 0x4080, 0x3F80, 0x3F80, 0x3F80};
    for (int i = 0; i < 6; i++)
        tw_u16(&sb, v[i]);
    for (int i = 0; i < 4; i++)
        tw_u64(&sl, (uint64_t)i);
    double d[2] = {1.5, -2.25};
    tw_put(&sd, d, sizeof d);
    tw_entry e[8] = {
        {"archive/data.pkl", pk.p, pk.n, 0}, {"archive/byteorder", "little", 6, 0},
        {"archive/data/0", s0.p, s0.n, 0},   {"archive/data/1", sh.p, sh.n, 0},
        {"archive/data/2", sb.p, sb.n, 0},   {"archive/data/3", sl.p, sl.n, 0},
        {"archive/data/4", sd.p, sd.n, 0},   {"archive/version", "3\n", 2, 0},
    };
    tw_buf z = {0};
    zip_write(&z, e, 8, zip64);
    return z;
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : ".";
    tw_buf a = state_dict(0), b = state_dict(1);
    save(dir, "state_dict.pth", &a);
    save(dir, "state_dict_zip64.pth", &b);

    /* A voice pack of 3 rows x 8 (shape [3, 1, 8]). */
    tw_buf pk = {0};
    pk_proto(&pk);
    long s[3] = {3, 1, 8}, t[3] = {8, 8, 1};
    pk_tensor(&pk, "FloatStorage", "0", 24, 0, 3, s, t);
    pk_op(&pk, '.');
    tw_buf data = {0};
    for (int i = 0; i < 24; i++) {
        float f = (float)(i % 7) * 0.1f - 0.3f;
        tw_put(&data, &f, 4);
    }
    tw_entry e[3] = {{"voice/data.pkl", pk.p, pk.n, 0}, {"voice/data/0", data.p, data.n, 0},
                     {"voice/version", "3\n", 2, 0}};
    tw_buf z = {0};
    zip_write(&z, e, 3, 0);
    save(dir, "voice.pt", &z);

    /* safetensors with one F32 and one BF16 tensor. */
    const char *json = "{\"__metadata__\":{\"format\":\"pt\"},\"a.weight\":{\"dtype\":\"F32\",\"shape\":[2,2],"
                       "\"data_offsets\":[0,16]},\"b\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[16,20]}}";
    tw_buf st = {0};
    size_t n = strlen(json), pad = (8 - n % 8) % 8;
    tw_u64(&st, n + pad);
    tw_put(&st, json, n);
    for (size_t i = 0; i < pad; i++)
        tw_u8(&st, ' ');
    float f4[4] = {1, -2, 3.5f, 0};
    tw_put(&st, f4, 16);
    tw_u16(&st, 0x3f80);
    tw_u16(&st, 0xc000);
    save(dir, "tensors.safetensors", &st);
    return 0;
}
