/* GET /v1/models and GET /v1/models/{id}: the four OpenAI-style names that all mean Kokoro. */
#include <cjson/cJSON.h>
#include <string.h>

#include "server/errors.h"
#include "server/server.h"

static const char *const model_ids[] = {"tts-1", "tts-1-hd", "kokoro", "gpt-4o-mini-tts"};

static cJSON *model_object(const char *id)
{
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "id", id);
    cJSON_AddStringToObject(m, "object", "model");
    cJSON_AddNumberToObject(m, "created", 1686935002);
    cJSON_AddStringToObject(m, "owned_by", "kokoro");
    return m;
}

void kk_route_models(kk_server *s, kk_req *req)
{
    (void)s;
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "object", "list");
    cJSON *data = cJSON_AddArrayToObject(root, "data");
    for (size_t i = 0; i < sizeof model_ids / sizeof model_ids[0]; i++)
        cJSON_AddItemToArray(data, model_object(model_ids[i]));
    kk_send_json(req, 200, root);
}

/* Kokoro-FastAPI's lookup misses gpt-4o-mini-tts (a bug); every listed model is found here. */
void kk_route_model(kk_server *s, kk_req *req, const char *id)
{
    (void)s;
    for (size_t i = 0; i < sizeof model_ids / sizeof model_ids[0]; i++)
        if (!strcmp(id, model_ids[i])) {
            kk_send_json(req, 200, model_object(id));
            return;
        }
    kk_send_error(req, 404, "model_not_found", "Model '%.100s' not found", id);
}
