"""Hundreds of bad requests: every one must get a 4xx, and the server must stay healthy.
usage: server_malformed.py PORT"""
import json
import os
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(__file__))
from kkhttp import check, finish, request  # noqa: E402

port = int(sys.argv[1])
sent = 0
statuses = {}


def expect_4xx(method, path, body=None, raw=None, headers=None, what=""):
    global sent
    sent += 1
    try:
        r = request(port, method, path, body, raw=raw, headers=headers, timeout=30)
        st = r.status
    except Exception as e:  # a reset or a closed connection is not an answer
        st = f"no response ({e})"
    statuses[st] = statuses.get(st, 0) + 1
    check(isinstance(st, int) and 400 <= st <= 499, f"{what or path}: {st}")


SPEECH = "/v1/audio/speech"
ok_body = {"input": "Hi.", "voice": "tv_alpha", "response_format": "pcm"}

# -- bad JSON
bad_json = ["", "{", "}", "{\"input\":", "{\"input\":\"x\"", "{\"input\":\"x\",}", "{'input':'x'}", "nul", "[", "[]",
            "\"just a string\"", "42", "true", "null", "{\"input\" \"x\"}", "{\"input\":\"x\"}}", "{\"input\":\"x\"} trailing",
            "{\"input\":NaN}", "{\"input\":Infinity}", "{\"input\":\"\\x41\"}", "{\"input\":\"\\u12\"}", "{\"input\":\"a\nb\"}",
            "[" * 5000 + "]" * 5000, "{\"a\":" * 2000 + "1" + "}" * 2000, "\x00\x01\x02", "{\"input\":\"x\"\x00}",
            "{\"input\":01}", "{\"input\":-}", "{\"input\":\"x\",\"speed\":1e999}", "{\"input\":\"x\",\"speed\":.5}",
            "{\"input\":\"x\",\"stream\":tru}", "{,}", "{\"input\":[}", "\ufeff{\"input\":\"x\"}"]
for b in bad_json:
    expect_4xx("POST", SPEECH, b, what=f"bad json {b[:30]!r}")
    expect_4xx("POST", "/dev/captioned_speech", b, what=f"captioned bad json {b[:30]!r}")

# -- wrong types for every field
wrong = {"model": [1, True, [], {}], "input": [1, 2.5, True, [], {}, ["a"]], "voice": [1, True, [], {}],
         "response_format": [1, True, [], {}, "ogg", "MP4", "", "wav "], "speed": ["1", True, [], {}, 0, -1, 4.01, 100, 0.24],
         "stream": ["true", 1, 0, [], {}], "return_download_link": ["yes", 1, []], "lang_code": [1, [], {}, "xx", "english"],
         "volume_multiplier": ["2", [], {}, True], "normalization_options": [1, "x", [], True, {"normalize": "no"},
                                                                            {"url_normalization": 1}],
         "download_format": ["zip", 3]}
for field, values in wrong.items():
    for v in values:
        b = dict(ok_body)
        b[field] = v
        expect_4xx("POST", SPEECH, b, what=f"{field}={v!r}")
expect_4xx("POST", SPEECH, {"voice": "tv_alpha"}, what="missing input")
expect_4xx("POST", SPEECH, {"input": ""}, what="empty input")
expect_4xx("POST", SPEECH, {"input": " \n\t "}, what="blank input")
expect_4xx("POST", SPEECH, {"input": "x", "model": "tts-2"}, what="bad model")

# -- unknown voices and bad mixes
for v in ["ghost", "af_heart", "tv_gamma", "TV_ALPHA", "tv_alpha.pt", "tv_alpha.bin", "shimmer", "alloy+nova", "a" * 63,
          "a" * 200, "tv_alpha+ghost", "ghost(2)+tv_beta", "tv_alpha-ghost", "x" * 2000, "tv_alpha" + "+tv_beta" * 20]:
    expect_4xx("POST", SPEECH, dict(ok_body, voice=v), what=f"unknown voice {v[:30]}")
for v in ["+", "-", "++", "tv_alpha+", "+tv_alpha", "tv_alpha++tv_beta", "tv_alpha+-tv_beta", "tv_alpha--tv_beta",
          "tv_alpha(", "tv_alpha()", "tv_alpha(0)", "tv_alpha(-1)", "tv_alpha(abc)", "tv_alpha(1", "tv_alpha)1(",
          "tv_alpha(1)(2)", "tv_alpha((1))", "tv_alpha(1e999)", "tv_alpha(nan)", "tv_alpha*tv_beta", "tv_alpha,tv_beta",
          "tv_alpha/tv_beta", "../tv_alpha", "../../etc/passwd", "/etc/passwd", "voices/tv_alpha", ".", "..", ".tv_alpha",
          "tv_alpha;rm", "tv_alpha\u0000", "tv_alpha%2F..", "(1)", "tv_alpha(1)tv_beta"]:
    expect_4xx("POST", SPEECH, dict(ok_body, voice=v), what=f"bad mix {v!r}")

# -- invalid UTF-8 (raw bytes, not JSON escapes)
for bad in [b"\xff", b"\xc3", b"\xc3\x28", b"\xe2\x82", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xc0\xaf", b"\xf8\x88\x80\x80\x80",
            b"\x80", b"ok\xfe"]:
    expect_4xx("POST", SPEECH, b'{"input":"' + bad + b'","voice":"tv_alpha"}', what=f"utf8 input {bad!r}")
    expect_4xx("POST", SPEECH, b'{"input":"x","voice":"tv_' + bad + b'"}', what=f"utf8 voice {bad!r}")
for route in ("/dev/phonemize", "/dev/generate_from_phonemes", "/v1/audio/voices/combine", "/dev/captioned_speech"):
    expect_4xx("POST", route, b'{"text":"\xff","phonemes":"\xff","voice":"\xff","input":"\xff"}', what=f"utf8 {route}")

# -- huge bodies and inputs
expect_4xx("POST", SPEECH, json.dumps({"input": "a" * 200000}), what="body over limit")
expect_4xx("POST", SPEECH, json.dumps({"input": "word " * 1000}), what="input over limit")
expect_4xx("POST", "/dev/phonemize", json.dumps({"text": "a" * 3000}), what="phonemize over limit")
expect_4xx("POST", SPEECH, raw=b"POST /v1/audio/speech HTTP/1.1\r\nHost: x\r\nContent-Length: 999999999999\r\n"
           b"Connection: close\r\n\r\n{", what="declared huge Content-Length")
chunked = b"".join(b"%x\r\n" % 30000 + b"a" * 30000 + b"\r\n" for _ in range(5)) + b"0\r\n\r\n"
expect_4xx("POST", SPEECH, raw=b"POST /v1/audio/speech HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
           b"Connection: close\r\n\r\n" + chunked, what="chunked body over limit")

# -- path traversal and odd paths
for p in ["/v1/download/..%2F..%2Fetc%2Fpasswd", "/v1/download/%2e%2e%2f%2e%2e%2fetc%2fpasswd", "/v1/download/..",
          "/v1/download/.", "/v1/download/", "/v1/download/%2Fetc%2Fpasswd", "/v1/download/..%5C..%5Cwindows",
          "/v1/download/tmp%00.wav", "/v1/download/a/b", "/v1/download/.hidden", "/v1/download/nothere.wav",
          "/v1/download/" + "a" * 300, "/v1/download/%ff%fe", "/v1/models/../../etc/passwd", "/v1/models/nope",
          "/../../etc/passwd", "/v1/audio/../../../etc/passwd", "/etc/passwd", "/v1", "/v1/audio", "/dev", "/dev/unload",
          "/debug/threads", "/v1/audio/voicesX", "/healthz", "/metrics/x"]:
    expect_4xx("GET", p, what=f"path {p}")
for p in ["/v1/download/../../../../etc/passwd", "/v1/download/..\\..\\etc\\passwd", "/v1/download/./../x"]:
    expect_4xx("GET", p, raw=f"GET {p} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode(), what=f"raw {p}")

# -- wrong methods
for m, p in [("GET", SPEECH), ("PUT", SPEECH), ("DELETE", "/v1/models"), ("POST", "/health"), ("POST", "/v1/models"),
             ("GET", "/dev/phonemize"), ("PATCH", "/v1/audio/voices"), ("GET", "/v1/audio/voices/combine")]:
    expect_4xx(m, p, what=f"{m} {p}")

# -- other routes' validation
for route, body in [("/dev/phonemize", {}), ("/dev/phonemize", {"text": 1}), ("/dev/phonemize", {"text": ""}),
                    ("/dev/phonemize", {"text": "x", "language": 5}), ("/dev/phonemize", {"text": "x", "language": "klingon"}),
                    ("/dev/phonemize", []), ("/dev/generate_from_phonemes", {}), ("/dev/generate_from_phonemes", {"phonemes": "a"}),
                    ("/dev/generate_from_phonemes", {"voice": "tv_alpha"}), ("/dev/generate_from_phonemes", {"phonemes": "", "voice": "tv_alpha"}),
                    ("/dev/generate_from_phonemes", {"phonemes": "a" * 600, "voice": "tv_alpha"}),
                    ("/dev/generate_from_phonemes", {"phonemes": "a", "voice": "ghost"}),
                    ("/dev/generate_from_phonemes", {"phonemes": "a", "voice": "../x"}),
                    ("/dev/generate_from_phonemes", {"phonemes": 5, "voice": "tv_alpha"}),
                    ("/v1/audio/voices/combine", "tv_alpha+tv_beta"), ("/v1/audio/voices/combine", {"voices": []}),
                    ("/dev/captioned_speech", {"input": 5}), ("/dev/captioned_speech", {"input": "x", "voice": "ghost"}),
                    ("/dev/captioned_speech", {"input": "x", "return_timestamps": "yes"}),
                    ("/dev/captioned_speech", {"input": "x", "speed": 9})]:
    expect_4xx("POST", route, body, what=f"{route} {str(body)[:40]}")

# -- broken HTTP: the server may answer (400, 505) or close; either way it must live on
for raw in [b"GARBAGE\r\n\r\n", b"GET\r\n\r\n", b"GET / HTTP/9.9\r\nHost: x\r\n\r\n", b"\x16\x03\x01\x00\xa5\x01"]:
    try:
        r = request(port, "GET", "", raw=raw, timeout=10)
        check(r.status >= 400, f"raw {raw[:30]!r}: {r.status}")
    except Exception:
        pass
for raw in [b"POST /v1/audio/speech HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\nConnection: close\r\n\r\n",
            b"POST /v1/audio/speech HTTP/1.1\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}",
            b"GET /health HTTP/1.1\r\nHost: x\r\nBad Header Line\r\nConnection: close\r\n\r\n"]:
    expect_4xx("GET", "", raw=raw, what=f"raw {raw[:30]!r}")

# -- slow clients: a body trickling in slower than BODY_TIMEOUT_S gets 408
def trickle(result, idx):
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=30)
        body = json.dumps(ok_body).encode()
        s.sendall(b"POST /v1/audio/speech HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\n"
                  b"Content-Length: %d\r\n\r\n" % len(body))
        for i in range(len(body)):
            try:
                s.sendall(body[i:i + 1])
            except OSError:
                break
            time.sleep(0.15)
        data = b""
        while b"\r\n" not in data:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        result[idx] = int(data.split()[1]) if data.startswith(b"HTTP/1.1") else data
    except Exception as e:
        result[idx] = str(e)


results = [None] * 3
threads = [threading.Thread(target=trickle, args=(results, i)) for i in range(3)]
for t in threads:
    t.start()
# while the slow ones dribble, the server still answers
r = request(port, "GET", "/health")
check(r.status == 200, "health during slow clients")
for t in threads:
    t.join()
for st in results:
    sent_ok = isinstance(st, int) and 400 <= st <= 499
    check(sent_ok, f"slow client got {st}")
    statuses[st] = statuses.get(st, 0) + 1
sent += 3

# A client that stops sending entirely is dropped after the idle timeout.
s = socket.create_connection(("127.0.0.1", port), timeout=30)
s.sendall(b"POST /v1/audio/speech HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"inp")
t0 = time.monotonic()
try:
    data = s.recv(4096)
except OSError:
    data = b""
check(time.monotonic() - t0 < 20, f"stalled client dropped after {time.monotonic() - t0:.1f}s")
s.close()

print(f"sent {sent} bad requests; statuses: {statuses}")
check(sent >= 200, f"at least 200 bad requests ({sent})")
r = request(port, "GET", "/health")
check(r.status == 200 and r.json() == {"status": "healthy"}, "healthy afterwards")
r = request(port, "POST", SPEECH, ok_body)
check(r.status == 200 and len(r.body) > 0, "still synthesises afterwards")
finish()
