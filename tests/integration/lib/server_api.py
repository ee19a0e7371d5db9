"""Every route of `kokoro serve` and its error paths, against a server started by server_api.sh.
usage: server_api.py PORT VOICES_DIR TMPDIR"""
import base64
import io
import json
import os
import struct
import subprocess
import sys
import zipfile

sys.path.insert(0, os.path.dirname(__file__))
from kkhttp import check, error_shape_ok, finish, parse_wav, request  # noqa: E402

port, voices_dir, tmp = int(sys.argv[1]), sys.argv[2], sys.argv[3]
TWO_SENTENCES = "The quick brown fox jumps over the lazy dog. A second sentence follows here! And a third one?"


def speech(body, **kw):
    return request(port, "POST", "/v1/audio/speech", body, **kw)


# ---- health, test, models
r = request(port, "GET", "/health")
check(r.status == 200 and r.json() == {"status": "healthy"}, "/health")
r = request(port, "GET", "/v1/test")
check(r.status == 200 and r.json() == {"status": "ok"}, "/v1/test")
r = request(port, "GET", "/v1/models")
ids = [m["id"] for m in r.json()["data"]] if r.status == 200 else []
check(r.json().get("object") == "list" and ids == ["tts-1", "tts-1-hd", "kokoro", "gpt-4o-mini-tts"], f"/v1/models {ids}")
for m in ids:
    r = request(port, "GET", f"/v1/models/{m}")
    check(r.status == 200 and r.json() == {"id": m, "object": "model", "created": 1686935002, "owned_by": "kokoro"},
          f"/v1/models/{m}")
r = request(port, "GET", "/v1/models/whisper-1")
check(error_shape_ok(r, 404, "model_not_found"), "unknown model id -> 404 model_not_found")

# ---- routing errors
check(error_shape_ok(request(port, "GET", "/v1/nothing"), 404, "not_found"), "unknown path -> 404")
check(error_shape_ok(request(port, "GET", "/v1/audio/speech"), 405, "method_not_allowed"), "GET speech -> 405")

# ---- voices
r = request(port, "GET", "/v1/audio/voices")
check(r.status == 200 and r.json() == {"voices": [{"id": "tv_alpha", "name": "tv_alpha"},
                                                  {"id": "tv_beta", "name": "tv_beta"}]}, f"voices {r.body[:200]}")
r = request(port, "GET", "/v1/audio/voices?legacy=true")
check(r.status == 200 and r.json() == {"voices": ["tv_alpha", "tv_beta"]}, "voices?legacy=true")
check(request(port, "GET", "/v1/audio/voices?legacy=false").json()["voices"][0] == {"id": "tv_alpha", "name": "tv_alpha"},
      "voices?legacy=false")
check(error_shape_ok(request(port, "GET", "/v1/audio/voices?legacy=maybe"), 422), "voices?legacy=maybe -> 422")

# ---- speech: wav, not streamed
r = speech({"input": TWO_SENTENCES, "voice": "tv_alpha", "response_format": "wav", "stream": False})
check(r.status == 200 and r.header("content-type") == "audio/wav", f"wav non-stream status {r.status}")
check(r.header("content-disposition") == "attachment; filename=speech.wav", "wav content-disposition")
check(not r.chunked and r.header("content-length") == str(len(r.body)), "non-stream has Content-Length")
w = parse_wav(r.body)
check(w is not None and w[:3] == (1, 24000, 16) and w[3] > 24000 // 2, f"wav header/length {w and w[:4]}")
check(w is not None and max(abs(x) for x in w[4]) > 100, "wav holds sound")
wav_samples = w[3] if w else 0

# ---- speech: pcm, streamed, multi-sentence input arrives in several chunks
r = speech({"input": TWO_SENTENCES, "voice": "tv_alpha", "response_format": "pcm"})
check(r.status == 200 and r.header("content-type") == "audio/pcm", "pcm stream status/type")
check(r.chunked and len(r.chunks) > 1, f"multi-sentence stream arrives in >1 chunk (got {len(r.chunks)})")
check(r.header("x-accel-buffering") == "no" and r.header("cache-control") == "no-cache", "stream headers")
check(len(r.body) % 2 == 0 and len(r.body) > 0, "pcm is int16")
check(abs(len(r.body) // 2 - wav_samples) <= 2400, f"pcm length {len(r.body)//2} ~ wav length {wav_samples}")
pcm_normal = len(r.body) // 2

# streamed wav is valid too
r = speech({"input": TWO_SENTENCES, "voice": "tv_alpha", "response_format": "wav"})
w = parse_wav(r.body)
check(r.status == 200 and r.chunked and w is not None and w[:3] == (1, 24000, 16), "wav stream valid")

# speed changes the length; volume 0 gives silence
r = speech({"input": TWO_SENTENCES, "voice": "tv_alpha", "response_format": "pcm", "speed": 2.0})
check(r.status == 200 and len(r.body) // 2 < 0.8 * pcm_normal, f"speed 2 shorter ({len(r.body)//2} vs {pcm_normal})")
r = speech({"input": "Silence please.", "voice": "tv_alpha", "response_format": "pcm", "volume_multiplier": 0})
vals = struct.unpack(f"<{len(r.body)//2}h", r.body[:len(r.body) // 2 * 2])
check(r.status == 200 and len(vals) > 0 and max(abs(v) for v in vals) == 0, "volume_multiplier 0 -> silence")

# every model name, OpenAI extras ignored
for m in ("tts-1", "tts-1-hd", "kokoro", "gpt-4o-mini-tts"):
    r = speech({"model": m, "input": "Hi.", "voice": "tv_beta", "response_format": "pcm",
                "instructions": "whisper", "stream_format": "audio"})
    check(r.status == 200 and len(r.body) > 0, f"model {m}")
check(error_shape_ok(speech({"model": "tts-2", "input": "Hi."}), 400, "invalid_model"), "bad model -> 400")

# compressed formats decode with ffprobe at 24 kHz
for fmt, mime, codec in (("mp3", "audio/mpeg", "mp3"), ("opus", "audio/opus", "opus"), ("aac", "audio/aac", "aac"),
                         ("flac", "audio/flac", "flac")):
    for stream in (True, False):
        r = speech({"input": TWO_SENTENCES, "voice": "tv_alpha", "response_format": fmt, "stream": stream})
        ok = check(r.status == 200 and r.header("content-type") == mime and len(r.body) > 100,
                   f"{fmt} stream={stream} status {r.status} {r.body[:200]}")
        if ok:
            path = os.path.join(tmp, f"out.{fmt}")
            open(path, "wb").write(r.body)
            p = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "stream=codec_name,sample_rate,channels",
                                "-of", "json", path], capture_output=True, text=True)
            st = json.loads(p.stdout or "{}").get("streams", [{}])
            check(p.returncode == 0 and st and st[0].get("codec_name") == codec and st[0].get("channels") == 1,
                  f"ffprobe {fmt}: {p.stdout} {p.stderr}")

# ---- voices in requests: mixes, OpenAI names, errors
for v in ("tv_alpha(2)+tv_beta(1)", "tv_alpha - tv_beta", "tv_alpha+tv_beta", "tv_beta(0.5)"):
    r = speech({"input": "Mixing voices.", "voice": v, "response_format": "pcm"})
    check(r.status == 200 and len(r.body) > 0, f"mix '{v}' -> {r.status}")
r = speech({"input": "Hi.", "voice": "nobody"})
check(error_shape_ok(r, 400) and "tv_alpha" in r.json()["error"]["message"] and "tv_beta" in r.json()["error"]["message"],
      "unknown voice -> 400 listing voices")
r = speech({"input": "Hi.", "voice": "alloy"})
check(error_shape_ok(r, 400) and "am_adam" in r.json()["error"]["message"], "OpenAI name maps to am_adam")
for bad in ("tv_alpha+", "+tv_alpha", "tv_alpha++tv_beta", "tv_alpha(0)", "tv_alpha(x)", "../voices/tv_alpha",
            "/etc/passwd", "tv_alpha(1", ".."):
    check(error_shape_ok(speech({"input": "Hi.", "voice": bad}), 400), f"bad voice '{bad}' -> 400")

# ---- validation errors
for body, status in (({"voice": "tv_alpha"}, 422), ({"input": 3}, 422), ({"input": "x", "speed": 4.5}, 422),
                     ({"input": "x", "speed": 0.2}, 422), ({"input": "x", "response_format": "ogg"}, 422),
                     ({"input": "x", "stream": "no"}, 422), ({"input": "x", "lang_code": "klingon"}, 400),
                     ({"input": "  "}, 400), ("{not json", 422), ("[]", 422)):
    check(error_shape_ok(speech(body), status), f"{body} -> {status}")
r = speech({"input": "x" * 2100})
check(error_shape_ok(r, 413, "input_too_long"), "input over --max-input -> 413")
r = speech({"input": "y" * 70000})
check(error_shape_ok(r, 413, "request_too_large"), "body over --max-body -> 413")
r = speech(b'{"input":"caf\xe9"}')
check(error_shape_ok(r, 400, "invalid_encoding"), "invalid UTF-8 -> 400")
r = speech({"input": "Bonjour.", "voice": "tv_alpha", "response_format": "pcm", "lang_code": "en-us"})
check(r.status == 200, "lang_code alias en-us")

# ---- download links
r = speech({"input": TWO_SENTENCES, "voice": "tv_alpha", "response_format": "wav", "return_download_link": True})
link = r.header("x-download-path") or ""
check(r.status == 200 and link.startswith("/download/tmp") and link.endswith(".wav"), f"X-Download-Path {link}")
if link:
    d = request(port, "GET", "/v1" + link)
    check(d.status == 200 and d.body == r.body and d.header("content-type") == "audio/wav", "download equals stream")
    d = request(port, "GET", "/v1" + link + "?name=my%20speech!.txt")
    check(d.header("content-disposition") == 'attachment; filename="my_speech_.wav"', f"save-as {d.header('content-disposition')}")
r = speech({"input": "Once.", "voice": "tv_alpha", "response_format": "mp3", "stream": False, "return_download_link": True})
link2 = r.header("x-download-path") or ""
check(link2.endswith(".mp3") and request(port, "GET", "/v1" + link2).body == r.body, "non-stream download link")
for bad in ("..%2F..%2Fetc%2Fpasswd", "%2Fetc%2Fpasswd", ".hidden", "..", "a%2F..%2F..%2Fb.wav"):
    check(request(port, "GET", "/v1/download/" + bad).status == 400, f"download '{bad}' refused")
check(request(port, "GET", "/v1/download/a%00b").status in (400, 404), "download with NUL refused")
raw = f"GET /v1/download/../../../etc/passwd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode()
check(request(port, "GET", "", raw=raw).status == 400, "raw ../ traversal refused")
check(error_shape_ok(request(port, "GET", "/v1/download/tmpnothere.wav"), 404), "missing download -> 404")

# ---- captioned speech
cap_text = "Hello world, this is Kokoro. It counts 3 cats!"
r = request(port, "POST", "/dev/captioned_speech", {"input": cap_text, "voice": "tv_alpha", "response_format": "wav"})
lines = [json.loads(l) for l in r.body.decode().splitlines() if l.strip()]
check(r.status == 200 and r.header("content-type") == "application/json" and len(lines) >= 2,
      f"captioned NDJSON lines {len(lines)}")
audio = b"".join(base64.b64decode(l["audio"]) for l in lines)
check(all(l.get("audio_format") == "audio/wav" for l in lines), "audio_format is the MIME type")
wv = parse_wav(audio)
check(wv is not None and wv[3] > 0, "captioned audio is a WAV")
words = [t for l in lines for t in l["timestamps"]]
check(len(words) >= 5, f"timestamps present ({len(words)})")
pos, prev, dur = 0, 0.0, (wv[3] / 24000 if wv else 0)
for t in words:
    ok = set(t) >= {"word", "start_time", "end_time"} and t["start_time"] <= t["end_time"] <= dur + 1e-3
    ok = ok and t["start_time"] + 1e-3 >= prev
    i = cap_text.find(t["word"], pos)
    ok = ok and i >= 0
    check(ok, f"timestamp {t} (original word, ordered, within {dur:.2f}s)")
    if i >= 0:
        pos = i + len(t["word"])
    prev = t["start_time"]
r = request(port, "POST", "/dev/captioned_speech", {"input": cap_text, "voice": "tv_alpha", "response_format": "mp3",
                                                    "stream": False, "model": "anything"})
j = r.json() if r.status == 200 else {}
check(j.get("audio_format") == "audio/mpeg" and len(base64.b64decode(j.get("audio", ""))) > 100 and len(j.get("timestamps", [])) >= 5,
      "captioned non-stream JSON")
r = request(port, "POST", "/dev/captioned_speech", {"input": "It costs $100 today.", "voice": "tv_alpha",
                                                    "response_format": "pcm", "stream": False})
ws = [t["word"] for t in (r.json().get("timestamps", []) if r.status == 200 else [])]
check(ws.count("$100") == 1 and "hundred" not in ws and "dollars" not in ws,
      f"normalised words map back to one original word: {ws}")
check(error_shape_ok(request(port, "POST", "/dev/captioned_speech", {"voice": "tv_alpha"}), 422), "captioned without input")

# ---- phonemize, generate_from_phonemes
r = request(port, "POST", "/dev/phonemize", {"text": "Hello world", "language": "a"})
j = r.json() if r.status == 200 else {}
check(isinstance(j.get("phonemes"), str) and j["phonemes"].strip() != "", f"phonemize phonemes {r.body[:200]}")
check(isinstance(j.get("tokens"), list) and len(j["tokens"]) > 0 and all(isinstance(t, int) and t > 0 for t in j["tokens"]),
      "phonemize token ids")
check(error_shape_ok(request(port, "POST", "/dev/phonemize", {"language": "a"}), 422), "phonemize without text")
check(error_shape_ok(request(port, "POST", "/dev/phonemize", {"text": "x", "language": "qq"}), 400), "phonemize bad language")
r = request(port, "POST", "/dev/generate_from_phonemes", {"phonemes": "həlˈoʊ wˈɜːld", "voice": "tv_beta"})
w = parse_wav(r.body)
check(r.status == 200 and r.header("content-type") == "audio/wav" and w and w[3] > 0, "generate_from_phonemes WAV")
check(error_shape_ok(request(port, "POST", "/dev/generate_from_phonemes", {"phonemes": "a" * 511, "voice": "tv_beta"}), 400),
      "over 510 phonemes -> 400")
check(error_shape_ok(request(port, "POST", "/dev/generate_from_phonemes", {"phonemes": "a"}), 422), "no voice -> 422")

# ---- combine is off by default
check(error_shape_ok(request(port, "POST", "/v1/audio/voices/combine", "tv_alpha+tv_beta"), 403, "permission_denied"),
      "combine -> 403 without ALLOW_LOCAL_VOICE_SAVING")

# ---- CORS (default: any origin)
r = request(port, "OPTIONS", "/v1/audio/speech", headers={"Origin": "http://app.example",
                                                         "Access-Control-Request-Method": "POST",
                                                         "Access-Control-Request-Headers": "content-type"})
check(r.status == 204 and r.header("access-control-allow-origin") == "*" and "POST" in (r.header("access-control-allow-methods") or ""),
      "CORS preflight")
r = request(port, "GET", "/v1/models", headers={"Origin": "http://app.example"})
check(r.header("access-control-allow-origin") == "*", "CORS header on a plain request")

# ---- web player
r = request(port, "GET", "/web")
check(r.status == 308 and r.header("location") == "/web/", "/web redirects to /web/")
r = request(port, "GET", "/web/")
check(r.status == 200 and (r.header("content-type") or "").startswith("text/html") and b"<html" in r.body.lower(),
      "/web/ serves the page")
r = request(port, "GET", "/web/config.json")
check(r.status == 200 and r.json().get("max_input_chars") == 2000 and r.json().get("api_keys") is False,
      f"/web/config.json {r.body[:200]}")
check(error_shape_ok(request(port, "GET", "/web/../v1/models"), 404) or request(port, "GET", "/web/../v1/models").status == 404,
      "/web/ names are exact")
check(error_shape_ok(request(port, "GET", "/web/nothing.js"), 404), "/web/ unknown file -> 404")

# ---- metrics
r = request(port, "GET", "/metrics")
t = r.body.decode()
check(r.status == 200 and r.header("content-type", ).startswith("text/plain"), "metrics type")
for needle in ('kokoro_http_requests_total{method="POST",route="/v1/audio/speech",status="200"}',
               'route="/v1/audio/speech",status="422"', "kokoro_audio_seconds_total ", "kokoro_synthesis_seconds_total ",
               "kokoro_queue_depth ", "kokoro_active_streams ", 'kokoro_rtf_bucket{le="+Inf"}',
               'kokoro_time_to_first_byte_seconds_bucket{le="+Inf"}', "kokoro_workers "):
    check(needle in t, f"metrics has {needle}")
audio_total = [float(l.split()[1]) for l in t.splitlines() if l.startswith("kokoro_audio_seconds_total ")]
check(audio_total and audio_total[0] > 1.0, "audio seconds counted")
finish()
