/* SHA-256 against the FIPS 180-4 example vectors (and the NIST long-message vector), plus
 * streaming in awkward chunk sizes, which must not change the digest. */
#include <stdlib.h>

#include "harness.h"
#include "util/sha256.h"

static void check_vector(const char *msg, const char *want)
{
    char hex[65];
    kk_sha256_buffer_hex(msg, strlen(msg), hex);
    CHECK_STR_EQ(hex, want);
}

int main(void)
{
    check_vector("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    check_vector("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    check_vector("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
                 "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    check_vector("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqr"
                 "lmnopqrsmnopqrstnopqrstu",
                 "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");

    /* One million 'a', fed in chunks of every size from 1 to 130 bytes so that block
     * boundaries fall at every offset. */
    enum { N = 1000000 };
    char *a = malloc(N);
    CHECK(a != NULL);
    if (a) {
        memset(a, 'a', N);
        const char *want = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";
        char hex[65];
        kk_sha256_buffer_hex(a, N, hex);
        CHECK_STR_EQ(hex, want);

        kk_sha256 s;
        uint8_t d[32];
        kk_sha256_init(&s);
        size_t off = 0, step = 1;
        while (off < N) {
            size_t take = N - off < step ? N - off : step;
            kk_sha256_update(&s, a + off, take);
            off += take;
            step = step % 130 + 1;
        }
        kk_sha256_final(&s, d);
        kk_sha256_hex(d, hex);
        CHECK_STR_EQ(hex, want);
        free(a);
    }

    /* Lengths around the padding boundary (55, 56, 63, 64 bytes) take different final paths. */
    check_vector("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                 "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318");
    check_vector("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                 "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a");
    return HARNESS_RETURN();
}
