"""API keys, restricted CORS and voice combining (server started with API_KEYS, CORS_ORIGINS and
ALLOW_LOCAL_VOICE_SAVING). usage: server_ops.py PORT VOICES_DIR"""
import io
import json
import os
import pickle
import struct
import sys
import zipfile

sys.path.insert(0, os.path.dirname(__file__))
from kkhttp import check, error_shape_ok, finish, request  # noqa: E402

port, voices_dir = int(sys.argv[1]), sys.argv[2]
AUTH = {"Authorization": "Bearer key-two"}

# ---- API keys
r = request(port, "GET", "/v1/models")
check(error_shape_ok(r, 401, "invalid_api_key") and r.header("www-authenticate") == "Bearer", "no key -> 401")
check(error_shape_ok(request(port, "GET", "/v1/models", headers={"Authorization": "Bearer key-three"}), 401), "wrong key")
check(error_shape_ok(request(port, "GET", "/v1/models", headers={"Authorization": "Basic a2V5LW9uZQ=="}), 401), "basic auth")
check(request(port, "GET", "/v1/models", headers=AUTH).status == 200, "second key accepted")
check(request(port, "GET", "/v1/models", headers={"Authorization": "Bearer key-one"}).status == 200, "first key accepted")
check(error_shape_ok(request(port, "POST", "/v1/audio/speech", {"input": "hi"}), 401), "speech needs a key")
check(request(port, "GET", "/health").status == 200, "health open without a key")
check(request(port, "GET", "/metrics").status == 200, "metrics open without a key")
check(request(port, "GET", "/web/").status == 200, "web page open without a key")
check(request(port, "GET", "/web/config.json").json().get("api_keys") is True, "web config announces keys")

# ---- CORS restricted to one origin
r = request(port, "OPTIONS", "/v1/audio/speech", headers={"Origin": "http://good.example",
                                                         "Access-Control-Request-Method": "POST"})
check(r.status == 204 and r.header("access-control-allow-origin") == "http://good.example", "allowed origin preflight")
r = request(port, "GET", "/v1/models", headers={"Origin": "http://evil.example", **AUTH})
check(r.status == 200 and r.header("access-control-allow-origin") is None, "other origin gets no CORS header")


# ---- combine: the returned .pt holds the weighted mix of the fixture voices
class Unpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if (module, name) == ("torch._utils", "_rebuild_tensor_v2"):
            return lambda storage, offset, size, stride, *rest: (storage, offset, size, stride)
        if module == "torch" and name.endswith("Storage"):
            return name
        if (module, name) == ("collections", "OrderedDict"):
            import collections
            return collections.OrderedDict
        raise pickle.UnpicklingError(f"unexpected {module}.{name}")

    def persistent_load(self, pid):
        return pid


def load_pt(data):
    z = zipfile.ZipFile(io.BytesIO(data))
    pkl = [n for n in z.namelist() if n.endswith("data.pkl")][0]
    prefix = pkl[: -len("data.pkl")]
    storage, offset, size, stride = Unpickler(io.BytesIO(z.read(pkl))).load()
    raw = z.read(prefix + "data/" + storage[2])
    n = len(raw) // 4
    return size, struct.unpack(f"<{n}f", raw)[offset:]


a_size, a = load_pt(open(os.path.join(voices_dir, "tv_alpha.pt"), "rb").read())
_, b = load_pt(open(os.path.join(voices_dir, "tv_beta.pt"), "rb").read())
for body, expect in (("tv_alpha(2)+tv_beta(1)", lambda x, y: (2 * x + y) / 3),
                     ("tv_alpha-tv_beta", lambda x, y: (x - y) / 2),
                     (["tv_alpha", "tv_beta"], lambda x, y: (x + y) / 2)):
    r = request(port, "POST", "/v1/audio/voices/combine", json.dumps(body), headers=AUTH)
    ok = check(r.status == 200 and r.header("content-type") == "application/octet-stream", f"combine {body}: {r.status} {r.body[:200]}")
    if ok:
        size, v = load_pt(r.body)
        check(tuple(size) == (510, 1, 256) and len(v) >= 510 * 256, f"combined shape {size}")
        err = max(abs(v[i] - expect(a[i], b[i])) for i in range(510 * 256))
        check(err < 1e-5, f"combine {body}: max error {err}")
        if isinstance(body, str):
            check(r.header("content-disposition") == f'attachment; filename="{body}.pt"', "combine file name")
        if body == "tv_alpha-tv_beta":
            open(os.path.join(voices_dir, "tv_mixed.pt"), "wb").write(r.body)
# the written pack is a voice the server can load and speak with
r = request(port, "POST", "/v1/audio/speech", {"input": "Made from a mix.", "voice": "tv_mixed", "response_format": "pcm"},
            headers=AUTH)
check(r.status == 200 and len(r.body) > 1000, f"speech with the combined .pt: {r.status} {r.body[:200]}")
check(error_shape_ok(request(port, "POST", "/v1/audio/voices/combine", json.dumps("tv_alpha"), headers=AUTH), 400), "combine one voice")
check(error_shape_ok(request(port, "POST", "/v1/audio/voices/combine", json.dumps("tv_alpha+ghost"), headers=AUTH), 400), "combine unknown")
check(error_shape_ok(request(port, "POST", "/v1/audio/voices/combine", {"a": 1}, headers=AUTH), 422), "combine bad body")
check(error_shape_ok(request(port, "POST", "/v1/audio/voices/combine", json.dumps("tv_alpha(2"), headers=AUTH), 400), "combine bad syntax")
finish()
