"""Mandarin through the server: every golden.tsv line via /dev/phonemize (>= 99.5 % byte-identical
to misaki), every crashes.tsv input answered without a 5xx, a zf_ voice on /v1/audio/speech in all
six formats, lang_code z, and captioned speech with one timestamp per clause, in order."""
import base64
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from kkhttp import check, finish, parse_wav, request  # noqa: E402

port, fixtures, tmp = int(sys.argv[1]), sys.argv[2], sys.argv[3]


def rows(name):
    with open(os.path.join(fixtures, "zh", name), encoding="utf-8", newline="\n") as f:
        return [line.rstrip("\n").split("\t") for line in f]


# ---- /dev/phonemize over the whole golden file
golden = rows("golden.tsv")
same, t0 = 0, time.monotonic()
for text, want in golden:
    r = request(port, "POST", "/dev/phonemize", {"text": text, "language": "z"})
    got = r.json().get("phonemes") if r.status == 200 else None
    if got == want:
        same += 1
    elif len(golden) - same < 30:
        print(f"differs: {text!r}: got {got!r} want {want!r}")
print(f"/dev/phonemize: {same}/{len(golden)} golden lines byte-identical "
      f"({100.0 * same / len(golden):.2f} %) in {time.monotonic() - t0:.1f} s")
check(len(golden) == 2006 and same * 1000 >= len(golden) * 995, f"golden through /dev/phonemize: {same}")
for alias in ("zh", "cmn", "mandarin", "Z"):
    r = request(port, "POST", "/dev/phonemize", {"text": "你好", "language": alias})
    check(r.status in (200, 400) and (r.status != 200 or r.json().get("phonemes") == "ni↓xau↓"),
          f"language alias {alias}: {r.status} {r.body[:100]}")

# ---- inputs on which misaki raises: answered, deterministically, never 5xx
for text, _exc, _msg in rows("crashes.tsv"):
    a = request(port, "POST", "/dev/phonemize", {"text": text, "language": "z"})
    b = request(port, "POST", "/dev/phonemize", {"text": text, "language": "z"})
    check(a.status < 500 and a.status == b.status and a.body == b.body, f"crash input {text!r}: {a.status}")
    s = request(port, "POST", "/v1/audio/speech", {"input": text, "voice": "zf_test", "response_format": "pcm"})
    check(s.status < 500, f"crash input {text!r} on speech: {s.status}")


def speech(body):
    return request(port, "POST", "/v1/audio/speech", body)


# ---- a zf_ voice: the language comes from its first letter; all six formats
TEXT = "你好，世界！今天是2024年3月5日，气温25℃。"
mimes = {"mp3": "audio/mpeg", "opus": "audio/opus", "aac": "audio/aac", "flac": "audio/flac", "wav": "audio/wav",
         "pcm": "audio/pcm"}
for fmt, mime in mimes.items():
    r = speech({"input": TEXT, "voice": "zf_test", "response_format": fmt, "stream": False})
    ok = check(r.status == 200 and r.header("content-type") == mime and len(r.body) > 100,
               f"zf_ {fmt}: {r.status} {r.body[:200]}")
    if ok and fmt == "wav":
        w = parse_wav(r.body)
        check(w is not None and w[1] == 24000 and w[3] > 2400, "zf_ wav has audio")
    elif ok and fmt != "pcm":
        path = os.path.join(tmp, f"zh.{fmt}")
        open(path, "wb").write(r.body)
        p = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "stream=sample_rate", "-of", "json", path],
                           capture_output=True, text=True)
        rate = '"48000"' if fmt == "opus" else '"24000"'  # Opus always decodes at 48 kHz
        check(p.returncode == 0 and rate in p.stdout, f"ffprobe zh.{fmt}: {p.stdout} {p.stderr}")
# lang_code z with a voice of another letter speaks Mandarin too; the phonemes decide the length
a = speech({"input": TEXT, "voice": "tv_alpha", "response_format": "pcm", "lang_code": "z", "stream": False})
b = speech({"input": TEXT, "voice": "tv_alpha", "response_format": "pcm", "stream": False})
check(a.status == 200 and b.status == 200 and a.body != b.body, "lang_code z changes the phonemes")
c = speech({"input": TEXT, "voice": "tv_alpha", "response_format": "pcm", "lang_code": "zh", "stream": False})
check(c.status == 200 and c.body == a.body, "lang_code zh is z")

# ---- captioned speech: one timestamp per clause and mark, in order, inside the audio
cap = ("春眠不觉晓，处处闻啼鸟。夜来风雨声，花落知多少？" * 6) + "我们在2024年去了北京、上海和广州。"
r = request(port, "POST", "/dev/captioned_speech",
            {"input": cap, "voice": "zf_test", "response_format": "wav", "stream": False})
j = r.json() if r.status == 200 else {}
w = parse_wav(base64.b64decode(j.get("audio", ""))) if j else None
dur = w[3] / 24000 if w else 0
ts = j.get("timestamps", [])
check(r.status == 200 and w is not None and len(ts) >= 40, f"captioned: {r.status} {len(ts)} timestamps")
pos, prev = 0, 0.0
for t in ts:
    i = cap.find(t["word"], pos)
    ok = i >= 0 and t["start_time"] + 1e-3 >= prev and t["start_time"] <= t["end_time"] <= dur + 1e-3
    check(ok, f"timestamp {t} in order inside {dur:.2f}s")
    if i >= 0:
        pos = i + len(t["word"])
    prev = t["start_time"]
check(any(t["word"] == "春眠不觉晓" for t in ts) and any(t["word"] == "，" for t in ts),
      f"clauses and marks are the timed words: {[t['word'] for t in ts[:6]]}")
finish()
