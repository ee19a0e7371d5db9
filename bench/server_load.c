/* server_load — load test for `kokoro serve`: C concurrent clients send N requests in all, mixed
 * short and long inputs, streaming PCM. Prints time to first audio byte (p50/p95), aggregate
 * real-time factor (wall seconds / audio seconds), status counts, and the server's RSS (pass
 * --pid) once the first 100 requests are done and again after all of them, both measured with no
 * request in flight so that they compare like with like. Exit status 1 on any 5xx but 503.
 *
 * --mixed: requests cycle through all six formats, streamed and not, every fifth one captioned
 * (/dev/captioned_speech), with three lengths of text (one sentence; two, every fourth; the long
 * paragraph, every twentieth: about 6 s of audio per request on average at full size, so 1,000
 * requests take well under an hour on two cores), and every tenth stream is cancelled by its
 * client after its first audio; a response that ends without its chunked terminator or short of its Content-Length
 * counts as a transport error. Aggregate RTF then comes from the server's own audio count
 * (/metrics), and the run fails if the RSS grew by more than 5 % from request 100 to the end.
 * A client refused with 503 waits its Retry-After (at most 30 s) and sends the same request
 * again, as a well-behaved client would; the refusals are counted.
 *
 * usage: server_load --url http://127.0.0.1:8880 [--pid PID] [--clients 8] [--requests 1000]
 *                    [--voice V] [--per-client-report 50] [--mixed] */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct {
    CURL *h;
    size_t bytes;
    double t_start, t_first; /* t_first: first audio byte (headers leave earlier, before synthesis) */
    int index;
    struct curl_slist *hdr;
    char *body;
    int cancel; /* the client hangs up after its first audio */
    int waiting; /* --mixed: refused with 503; sends request `index` again at retry_at */
    double retry_at;
} slot;

static int mixed;

static double now(void);

static size_t on_data(char *p, size_t sz, size_t n, void *u)
{
    (void)p;
    slot *s = u;
    if (!s->bytes && sz * n > 0)
        s->t_first = now();
    s->bytes += sz * n;
    if (s->cancel)
        return 0; /* curl ends the transfer: a client going away mid-stream */
    return sz * n;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static size_t collect(char *p, size_t sz, size_t n, void *u)
{
    char *buf = u;
    size_t have = strlen(buf), add = sz * n;
    if (have + add >= 65536)
        add = 65535 - have;
    memcpy(buf + have, p, add);
    buf[have + add] = '\0';
    return sz * n;
}

/* kokoro_audio_seconds_total from the server's /metrics; -1 when it cannot be read. */
static double server_audio_seconds(const char *url)
{
    char *buf = calloc(1, 65536), full[512];
    double v = -1;
    CURL *h = curl_easy_init();
    snprintf(full, sizeof full, "%s/metrics", url);
    curl_easy_setopt(h, CURLOPT_URL, full);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, buf);
    if (curl_easy_perform(h) == CURLE_OK) {
        const char *p = strstr(buf, "\nkokoro_audio_seconds_total ");
        if (p)
            v = strtod(p + strlen("\nkokoro_audio_seconds_total "), NULL);
    }
    curl_easy_cleanup(h);
    free(buf);
    return v;
}

static long rss_kb(long pid)
{
    if (pid <= 0)
        return -1;
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%ld/status", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    long kb = -1;
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, "VmRSS:", 6))
            kb = strtol(line + 6, NULL, 10);
    fclose(f);
    return kb;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static const char *SHORT = "Hello there, how are you today?";
static const char *LONG =
    "The old lighthouse keeper climbed the spiral stairs every evening at dusk. He trimmed the wick, "
    "polished the great lens, and watched the ships pass far beyond the rocks. On stormy nights the "
    "wind howled through the cracks in the walls! Still, the light never failed. Sailors in the harbour "
    "town spoke of him with quiet gratitude, though few had ever met him. Would anyone remember him when "
    "he was gone?";

static const char *MEDIUM = "The old lighthouse keeper climbed the spiral stairs every evening. He trimmed the "
                            "wick, polished the great lens, and watched the ships pass.";

static const char *mixed_text(int index)
{
    return index % 20 == 19 ? LONG : (index % 4 == 3 ? MEDIUM : SHORT);
}

static const char *const FORMATS[] = {"pcm", "mp3", "wav", "opus", "flac", "aac"};

static void start(CURLM *m, slot *s, const char *url, const char *voice, int index)
{
    char *json = malloc(2048);
    const char *path = "/v1/audio/speech";
    s->cancel = 0;
    if (!mixed) {
        snprintf(json, 2048, "{\"model\":\"tts-1\",\"input\":\"%s\",\"voice\":\"%s\",\"response_format\":\"pcm\"}",
                 index % 4 == 3 ? LONG : SHORT, voice);
    } else {
        int stream = (index / 6) % 2 == 0, captioned = index % 5 == 4;
        s->cancel = stream && index % 10 == 0;
        if (captioned)
            path = "/dev/captioned_speech";
        snprintf(json, 2048, "{\"model\":\"tts-1\",\"input\":\"%s\",\"voice\":\"%s\",\"response_format\":\"%s\","
                 "\"stream\":%s}", mixed_text(index), voice, FORMATS[index % 6], stream ? "true" : "false");
    }
    s->h = curl_easy_init();
    s->bytes = 0;
    s->t_first = 0;
    s->t_start = now();
    s->index = index;
    s->body = json;
    s->hdr = curl_slist_append(NULL, "Content-Type: application/json");
    char full[512];
    snprintf(full, sizeof full, "%s%s", url, path);
    curl_easy_setopt(s->h, CURLOPT_URL, full);
    curl_easy_setopt(s->h, CURLOPT_HTTPHEADER, s->hdr);
    curl_easy_setopt(s->h, CURLOPT_POSTFIELDS, json);
    curl_easy_setopt(s->h, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(s->h, CURLOPT_WRITEDATA, s);
    curl_easy_setopt(s->h, CURLOPT_PRIVATE, s);
    curl_easy_setopt(s->h, CURLOPT_TIMEOUT, 600L);
    curl_multi_add_handle(m, s->h);
}

int main(int argc, char **argv)
{
    const char *url = "http://127.0.0.1:8880", *voice = "af_heart";
    long pid = 0;
    int clients = 8, total = 1000, report_at = 400;
    for (int i = 1; i < argc; i += 2) {
        if (!strcmp(argv[i], "--mixed")) {
            mixed = 1;
            i--;
            continue;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "server_load: %s needs a value\n", argv[i]);
            return 2;
        }
        if (!strcmp(argv[i], "--url"))
            url = argv[i + 1];
        else if (!strcmp(argv[i], "--pid"))
            pid = atol(argv[i + 1]);
        else if (!strcmp(argv[i], "--clients"))
            clients = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--requests"))
            total = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--voice"))
            voice = argv[i + 1];
        else if (!strcmp(argv[i], "--per-client-report"))
            report_at = clients * atoi(argv[i + 1]);
        else {
            fprintf(stderr, "server_load: unknown option %s\n", argv[i]);
            return 2;
        }
    }
    if (clients < 1 || total < 1) {
        fprintf(stderr, "server_load: --clients and --requests must be positive\n");
        return 2;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    CURLM *m = curl_multi_init();
    slot *slots = calloc((size_t)clients, sizeof *slots);
    double *ttfb = calloc((size_t)total, sizeof *ttfb);
    int started = 0, done = 0, n_ttfb = 0, s2xx = 0, s503 = 0, s4xx = 0, s5xx = 0, failed = 0, cancelled = 0;
    double audio_s = 0, t0 = now(), report_wall = 0, report_audio = 0;
    double server_audio0 = mixed ? server_audio_seconds(url) : 0;
    long rss100 = -1;
    for (int c = 0; c < clients && started < total; c++)
        start(m, &slots[c], url, voice, started++);
    while (done < total) {
        for (int c = 0; c < clients; c++)
            if (slots[c].waiting && !slots[c].h && now() >= slots[c].retry_at) {
                slots[c].waiting = 0;
                start(m, &slots[c], url, voice, slots[c].index);
            }
        int running;
        curl_multi_perform(m, &running);
        CURLMsg *msg;
        int left;
        while ((msg = curl_multi_info_read(m, &left))) {
            if (msg->msg != CURLMSG_DONE)
                continue;
            slot *s;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&s);
            long code = 0;
            curl_easy_getinfo(s->h, CURLINFO_RESPONSE_CODE, &code);
            if (s->cancel && msg->data.result == CURLE_WRITE_ERROR && code == 200)
                cancelled++;
            else if (s->cancel && msg->data.result == CURLE_WRITE_ERROR)
                code == 503 ? s503++ : code >= 500 ? s5xx++ : s4xx++;
            else if (msg->data.result != CURLE_OK) {
                failed++;
                fprintf(stderr, "server_load: request %d: %s\n", s->index, curl_easy_strerror(msg->data.result));
            } else if (code == 200 && s->bytes == 0) {
                failed++;
                fprintf(stderr, "server_load: request %d: 200 without audio\n", s->index);
            }
            else if (code >= 200 && code < 300) {
                s2xx++;
                if (s->t_first > 0)
                    ttfb[n_ttfb++] = s->t_first - s->t_start;
                audio_s += (double)s->bytes / 2.0 / 24000.0;
            } else if (code == 503)
                s503++;
            else if (code >= 500)
                s5xx++;
            else
                s4xx++;
            double retry = 0;
            if (mixed && code == 503) {
                struct curl_header *ra = NULL;
                retry = 1;
                if (curl_easy_header(s->h, "Retry-After", 0, CURLH_HEADER, -1, &ra) == CURLHE_OK)
                    retry = atof(ra->value);
                retry = retry < 0.2 ? 0.2 : (retry > 30 ? 30 : retry);
            }
            curl_multi_remove_handle(m, s->h);
            curl_easy_cleanup(s->h);
            s->h = NULL;
            curl_slist_free_all(s->hdr);
            free(s->body);
            if (retry > 0) {
                s->waiting = 1;
                s->retry_at = now() + retry;
                continue;
            }
            done++;
            if (done == 100) {
                struct timespec settle = {0, 300 * 1000000L};
                nanosleep(&settle, NULL); /* let the server finish releasing the last request */
                rss100 = rss_kb(pid);
            }
            if (done == report_at) {
                report_wall = now() - t0;
                report_audio = audio_s;
            }
            if (done == 100 && started > 100) {
                /* unreachable: starts are held at 100 until the first 100 are done */
            }
            /* Request 101 waits until the first 100 are done (the RSS mark); then every idle
             * client starts again. */
            if (started < total && !(started == 100 && done < 100)) {
                if (started == 100) {
                    for (int c = 0; c < clients && started < total; c++)
                        if (!slots[c].h && !slots[c].waiting)
                            start(m, &slots[c], url, voice, started++);
                } else {
                    start(m, s, url, voice, started++);
                }
            }
        }
        curl_multi_poll(m, NULL, 0, 100, NULL);
    }
    double wall = now() - t0;
    struct timespec settle = {0, 300 * 1000000L};
    nanosleep(&settle, NULL);
    long rss_end = rss_kb(pid);
    qsort(ttfb, (size_t)n_ttfb, sizeof *ttfb, cmp_d);
    double p50 = n_ttfb ? ttfb[(size_t)(0.50 * (n_ttfb - 1))] : 0, p95 = n_ttfb ? ttfb[(size_t)(0.95 * (n_ttfb - 1))] : 0;
    printf("requests: %d (clients %d), 2xx %d, 503 %d, other 4xx %d, other 5xx %d, transport errors %d, "
           "cancelled by the client %d\n", total, clients, s2xx, s503, s4xx, s5xx, failed, cancelled);
    if (mixed) {
        double made = server_audio_seconds(url) - server_audio0;
        audio_s = made > 0 ? made : 0;
    }
    printf("time to first audio byte: p50 %.3f s, p95 %.3f s\n", p50, p95);
    if (!mixed && report_at < total && report_audio > 0)
        printf("first %d requests: wall %.2f s, audio %.2f s, aggregate RTF %.4f\n", report_at, report_wall,
               report_audio, report_wall / report_audio);
    printf("all requests: wall %.2f s, audio %.2f s, aggregate RTF %.4f (%.1fx real time)\n", wall, audio_s,
           audio_s > 0 ? wall / audio_s : 0, wall > 0 ? audio_s / wall : 0);
    if (pid > 0)
        printf("server RSS: %ld kB after 100 requests, %ld kB after %d (%+.1f%%)\n", rss100, rss_end, total,
               rss100 > 0 ? 100.0 * (double)(rss_end - rss100) / (double)rss100 : 0);
    curl_multi_cleanup(m);
    curl_global_cleanup();
    free(slots);
    free(ttfb);
    int rss_grew = mixed && rss100 > 0 && (double)(rss_end - rss100) > 0.05 * (double)rss100;
    if (rss_grew)
        printf("FAIL: RSS grew by more than 5 %%\n");
    return (s5xx || failed || (mixed && s4xx) || rss_grew) ? 1 : 0;
}
