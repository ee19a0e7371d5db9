/* Voice .pt writer: the zip is well formed (signatures, CRCs, 64-byte aligned storage) and the
 * storage holds the voice's floats in order. tests/integration/server_voices.sh loads the result
 * back through the server. */
#include <stdint.h>
#include <stdlib.h>

#include "harness.h"
#include "model/pt_writer.h"

static uint32_t rd32(const uint8_t *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }
static unsigned rd16(const uint8_t *p) { return p[0] | p[1] << 8; }

static uint32_t crc(const uint8_t *p, size_t n)
{
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
    }
    return ~c;
}

int main(void)
{
    kokoro_voice v = {510, 256, malloc(510 * 256 * sizeof(float))};
    for (int i = 0; i < 510 * 256; i++)
        v.data[i] = (float)i * 0.001f - 3.0f;
    uint8_t *z;
    size_t n;
    kokoro_error err;
    CHECK(kk_voice_write_pt(&v, &z, &n, &err) == KOKORO_OK);
    /* end of central directory */
    CHECK(n > 22 && rd32(z + n - 22) == 0x06054b50);
    unsigned entries = rd16(z + n - 22 + 10);
    uint32_t cd = rd32(z + n - 22 + 16);
    CHECK(entries == 4);
    int found_data = 0, found_pkl = 0;
    for (unsigned i = 0; i < entries && cd + 46 <= n; i++) {
        const uint8_t *c = z + cd;
        CHECK(rd32(c) == 0x02014b50);
        uint32_t csz = rd32(c + 20), lh = rd32(c + 42), want_crc = rd32(c + 16);
        unsigned nl = rd16(c + 28), xl = rd16(c + 30), cl = rd16(c + 32);
        char name[64] = {0};
        memcpy(name, c + 46, nl < 63 ? nl : 63);
        const uint8_t *l = z + lh;
        CHECK(rd32(l) == 0x04034b50);
        size_t data = lh + 30 + rd16(l + 26) + rd16(l + 28);
        CHECK(data % 64 == 0);
        CHECK(crc(z + data, csz) == want_crc);
        if (!strcmp(name, "archive/data/0")) {
            found_data = 1;
            CHECK(csz == 510 * 256 * 4);
            CHECK(memcmp(z + data, v.data, csz) == 0); /* little-endian host */
        }
        if (!strcmp(name, "archive/data.pkl")) {
            found_pkl = 1;
            CHECK(z[data] == 0x80 && z[data + csz - 1] == '.');
            CHECK(memmem(z + data, csz, "_rebuild_tensor_v2", 18) != NULL);
            CHECK(memmem(z + data, csz, "FloatStorage", 12) != NULL);
        }
        cd += 46 + nl + xl + cl;
    }
    CHECK(found_data && found_pkl);
    FILE *f = fopen(KOKORO_TEST_TMP "/written_voice.pt", "wb");
    if (f) {
        fwrite(z, 1, n, f);
        fclose(f);
    }
    free(z);
    kokoro_voice empty = {0, 0, NULL};
    CHECK(kk_voice_write_pt(&empty, &z, &n, &err) == KOKORO_ERR_INVALID_ARGUMENT);
    free(v.data);
    return HARNESS_RETURN();
}
