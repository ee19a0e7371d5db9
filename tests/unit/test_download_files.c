/* Which repository paths belong to the model, URL escaping, and the offline completeness check
 * of a model folder (with and without the manifest of an earlier download). */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "download/download.h"
#include "download/http.h"
#include "harness.h"

static void put(const char *dir, const char *rel, size_t n)
{
    char p[1024];
    snprintf(p, sizeof p, "%s/%s", dir, rel);
    FILE *f = fopen(p, "wb");
    CHECK(f != NULL);
    if (!f)
        return;
    for (size_t i = 0; i < n; i++)
        fputc((int)(i & 0xff), f);
    fclose(f);
}

int main(void)
{
    CHECK(kk_model_file_wanted("config.json"));
    CHECK(kk_model_file_wanted("kokoro-v1_0.pth"));
    CHECK(kk_model_file_wanted("voices/af_heart.pt"));
    CHECK(!kk_model_file_wanted("voices/.hidden.pt"));
    CHECK(!kk_model_file_wanted("voices/sub/af_heart.pt"));
    CHECK(!kk_model_file_wanted("voices/af_heart.pth"));
    CHECK(!kk_model_file_wanted("voices/.pt"));
    CHECK(!kk_model_file_wanted("samples/af_heart.pt"));
    CHECK(!kk_model_file_wanted("README.md"));
    CHECK(!kk_model_file_wanted("eval/config.json"));

    char *e = kk_url_escape("voices/a b+c.pt", 1);
    CHECK_STR_EQ(e, "voices/a%20b%2Bc.pt");
    free(e);
    e = kk_url_escape("refs/pr/1", 0);
    CHECK_STR_EQ(e, "refs%2Fpr%2F1");
    free(e);
    e = kk_url_base("http://h:1/mirror//");
    CHECK_STR_EQ(e, "http://h:1/mirror");
    free(e);

    char dir[512], missing[256];
    snprintf(dir, sizeof dir, "%s/download_files_%d", KOKORO_TEST_TMP, (int)getpid());
    mkdir(dir, 0755);
    CHECK(kk_model_dir_missing(dir, missing, sizeof missing) == 3);
    CHECK_STR_EQ(missing, "config.json, kokoro-v1_0.pth, voices/*.pt");

    /* Hand-copied folder, no manifest: config, checkpoint and any one voice will do. */
    char voices[600];
    snprintf(voices, sizeof voices, "%s/voices", dir);
    mkdir(voices, 0755);
    put(dir, "config.json", 10);
    put(dir, "kokoro-v1_0.pth", 100);
    CHECK(kk_model_dir_missing(dir, missing, sizeof missing) == 1);
    CHECK_STR_EQ(missing, "voices/*.pt");
    put(dir, "voices/af_heart.pt", 50);
    CHECK(kk_model_dir_missing(dir, missing, sizeof missing) == 0);

    /* With a manifest every listed file must be there with its listed size. */
    put(dir, "voices/am_adam.pt", 49);
    char mpath[600];
    snprintf(mpath, sizeof mpath, "%s/.kokoro-manifest", dir);
    FILE *m = fopen(mpath, "w");
    CHECK(m != NULL);
    if (m) {
        fprintf(m, "- 10 config.json\n");
        fprintf(m, "%064d 100 kokoro-v1_0.pth\n", 0);
        fprintf(m, "%064d 50 voices/af_heart.pt\n", 0);
        fprintf(m, "%064d 50 voices/am_adam.pt\n", 0);
        fprintf(m, "%064d 50 voices/bf_emma.pt\n", 0);
        fclose(m);
    }
    CHECK(kk_model_dir_missing(dir, missing, sizeof missing) == 2);
    CHECK_STR_EQ(missing, "voices/am_adam.pt, voices/bf_emma.pt");
    put(dir, "voices/am_adam.pt", 50);
    put(dir, "voices/bf_emma.pt", 50);
    CHECK(kk_model_dir_missing(dir, missing, sizeof missing) == 0);

    /* A short buffer is truncated, never overrun, and the count stays right. */
    char tiny[12];
    unlink(mpath);
    char p[700];
    snprintf(p, sizeof p, "%s/config.json", dir);
    unlink(p);
    snprintf(p, sizeof p, "%s/kokoro-v1_0.pth", dir);
    unlink(p);
    CHECK(kk_model_dir_missing(dir, tiny, sizeof tiny) == 2);
    CHECK_STR_EQ(tiny, "config.json");
    char small[24];
    CHECK(kk_model_dir_missing(dir, small, sizeof small) == 2);
    CHECK_STR_EQ(small, "config.json...");

    char model_dir[256];
    setenv("KOKORO_MODEL_DIR", "/srv/models", 1);
    CHECK(kk_model_dir_default(model_dir, sizeof model_dir) == 0);
    CHECK_STR_EQ(model_dir, "/srv/models");
    unsetenv("KOKORO_MODEL_DIR");
    setenv("HOME", "/home/u", 1);
    CHECK(kk_model_dir_default(model_dir, sizeof model_dir) == 0);
    CHECK_STR_EQ(model_dir, "/home/u/.local/share/kokoro/Kokoro-82M");
    CHECK(kk_model_dir_default(model_dir, 8) == -1);
    return HARNESS_RETURN();
}
