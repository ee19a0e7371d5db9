/* config.json parsing: the golden config, the older "decoder" block, and clear errors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "model/config.h"

static kokoro_status parse(const char *json, kk_config *c, kokoro_error *err)
{
    return kk_config_parse(json, strlen(json), c, err);
}

static void test_golden(void)
{
    kk_config *c = malloc(sizeof *c);
    kokoro_error err;
    kokoro_status st = kk_config_load(KOKORO_FIXTURES "/golden/config.json", c, &err);
    CHECK_MSG(st == KOKORO_OK, "%s", err.message);
    CHECK(c->n_token == 178 && c->hidden_dim == 64 && c->style_dim == 128 && c->n_layer == 3);
    CHECK(c->max_dur == 50 && c->text_encoder_kernel_size == 5 && c->n_mels == 80);
    CHECK(c->albert_hidden == 96 && c->albert_heads == 4 && c->albert_intermediate == 192);
    CHECK(c->albert_layers == 2 && c->albert_max_positions == 512 && c->albert_embedding_size == 128);
    CHECK(c->n_upsamples == 2 && c->upsample_rates[0] == 10 && c->upsample_rates[1] == 6);
    CHECK(c->upsample_kernel_sizes[0] == 20 && c->upsample_kernel_sizes[1] == 12);
    CHECK(c->n_resblock_kernels == 3 && c->resblock_kernel_sizes[2] == 11 && c->n_dilations == 3);
    CHECK(c->resblock_dilations[1][0] == 1 && c->resblock_dilations[1][1] == 3 && c->resblock_dilations[2][2] == 5);
    CHECK(c->upsample_initial_channel == 32 && c->istft_n_fft == 20 && c->istft_hop == 5);
    CHECK(c->vocab_size == 114);
    CHECK(kk_config_token_id(c, ';') == 1);
    CHECK(kk_config_token_id(c, ' ') == 16);
    CHECK(kk_config_token_id(c, 0x0261) == 92); /* script g */
    CHECK(kk_config_token_id(c, 'g') == -1);    /* ASCII g has no id */
    CHECK(kk_config_token_id(c, 0x1D7B) == 177);
    CHECK(kk_config_token_id(c, 0x2014) == 9);
    CHECK(kk_config_token_id(c, 0x10FFFF) == -1);
    CHECK(kk_config_token_id(c, 0) == -1);
    free(c);
}

static const char *OLD =
    "{\"decoder\": {\"type\": \"istftnet\", \"upsample_rates\": [10, 6], \"upsample_kernel_sizes\": [20, 12],"
    " \"gen_istft_n_fft\": 20, \"gen_istft_hop_size\": 5, \"resblock_kernel_sizes\": [3, 7, 11],"
    " \"resblock_dilation_sizes\": [[1, 3, 5], [1, 3, 5], [1, 3, 5]], \"upsample_initial_channel\": 512},"
    " \"hidden_dim\": 512, \"max_dur\": 50, \"n_layer\": 3, \"n_token\": 178, \"style_dim\": 128,"
    " \"text_encoder_kernel_size\": 5, \"plbert\": {\"hidden_size\": 768, \"num_attention_heads\": 12,"
    " \"intermediate_size\": 2048, \"max_position_embeddings\": 512, \"num_hidden_layers\": 12},"
    " \"vocab\": {\"a\": 43, \"\\u0261\": 92}}";

static void test_old_layout(void)
{
    kk_config *c = malloc(sizeof *c);
    kokoro_error err;
    CHECK_MSG(parse(OLD, c, &err) == KOKORO_OK, "%s", err.message);
    CHECK(c->upsample_initial_channel == 512 && c->albert_hidden == 768 && c->albert_layers == 12);
    CHECK(c->vocab_size == 2 && kk_config_token_id(c, 0x261) == 92 && kk_config_token_id(c, 'a') == 43);
    CHECK(c->n_mels == 80); /* absent: default */
    free(c);
}

/* Replaces the first occurrence of from by to in OLD and expects a failure mentioning want. */
static void expect_error(const char *from, const char *to, kokoro_status code, const char *want)
{
    char buf[4096];
    const char *p = strstr(OLD, from);
    CHECK_MSG(p != NULL, "pattern %s", from);
    if (!p)
        return;
    snprintf(buf, sizeof buf, "%.*s%s%s", (int)(p - OLD), OLD, to, p + strlen(from));
    kk_config *c = malloc(sizeof *c);
    kokoro_error err = {0};
    kokoro_status st = parse(buf, c, &err);
    CHECK_MSG(st == code, "%s -> %s: status %d (%s)", from, to, st, err.message);
    CHECK_MSG(strstr(err.message, want) != NULL, "message '%s' lacks '%s'", err.message, want);
    free(c);
}

static void test_errors(void)
{
    expect_error("\"hidden_dim\": 512,", "", KOKORO_ERR_FORMAT, "hidden_dim");
    expect_error("\"n_token\": 178", "\"n_token\": \"x\"", KOKORO_ERR_FORMAT, "n_token");
    expect_error("\"style_dim\": 128", "\"style_dim\": -4", KOKORO_ERR_FORMAT, "style_dim");
    expect_error("\"style_dim\": 128", "\"style_dim\": 1e300", KOKORO_ERR_FORMAT, "style_dim");
    expect_error("\"num_hidden_layers\": 12", "\"num_hidden_layer\": 12", KOKORO_ERR_FORMAT,
                 "plbert.num_hidden_layers");
    expect_error("\"decoder\"", "\"vocoder\"", KOKORO_ERR_FORMAT, "istftnet");
    expect_error("\"type\": \"istftnet\"", "\"type\": \"hifigan\"", KOKORO_ERR_UNSUPPORTED, "istftnet");
    expect_error("\"upsample_kernel_sizes\": [20, 12]", "\"upsample_kernel_sizes\": [20]", KOKORO_ERR_FORMAT,
                 "upsample_kernel_sizes");
    expect_error("[1, 3, 5], [1, 3, 5]]", "[1, 3], [1, 3, 5]]", KOKORO_ERR_FORMAT, "resblock_dilation_sizes");
    expect_error("\"upsample_rates\": [10, 6]", "\"upsample_rates\": [10, 6, 2, 2, 2]", KOKORO_ERR_UNSUPPORTED,
                 "upsample_rates");
    expect_error("\"a\": 43", "\"ab\": 43", KOKORO_ERR_FORMAT, "vocab key");
    expect_error("\"a\": 43", "\"a\": 178", KOKORO_ERR_FORMAT, "vocab");
    expect_error("\"num_attention_heads\": 12", "\"num_attention_heads\": 7", KOKORO_ERR_FORMAT, "divisible");
    expect_error("{\"decoder\"", "[{\"decoder\"", KOKORO_ERR_FORMAT, "JSON");

    kk_config *c = malloc(sizeof *c);
    kokoro_error err;
    CHECK(kk_config_load(KOKORO_FIXTURES "/golden/nothing.json", c, &err) == KOKORO_ERR_NOT_FOUND);
    CHECK(strstr(err.message, "nothing.json") != NULL);
    CHECK(kk_config_load(KOKORO_FIXTURES "/golden/kokoro-tiny.pth", c, &err) == KOKORO_ERR_FORMAT);
    free(c);
}

int main(void)
{
    test_golden();
    test_old_layout();
    test_errors();
    return HARNESS_RETURN();
}
