"""Japanese routes of `kokoro serve`, against a server started by server_ja.sh.
usage: server_ja.py PORT GOLDEN_TSV TMPDIR"""
import base64
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
from kkhttp import check, finish, parse_wav, request  # noqa: E402

port, golden, tmp = int(sys.argv[1]), sys.argv[2], sys.argv[3]
TEXT = "先生、ありがとうございました。「そうですか？」と聞いた。東京は今日、晴れです。"

# ---- /dev/phonemize over misaki's golden file (NAIST-jdic, the default dictionary)
rows = [l.split("\t") for l in open(golden, encoding="utf-8").read().split("\n") if "\t" in l]
same, shown = 0, 0
for text, want in rows:
    r = request(port, "POST", "/dev/phonemize", {"text": text, "language": "j"})
    got = r.json().get("phonemes") if r.status == 200 else None
    if got == want:
        same += 1
    elif shown < 10:
        shown += 1
        print(f"  differs: {text!r}: got {got!r} want {want!r}")
pct = 100.0 * same / len(rows)
print(f"/dev/phonemize language j: {same}/{len(rows)} golden lines byte-identical ({pct:.2f} %)")
check(pct >= 99.0, f"golden through /dev/phonemize {pct:.2f} % >= 99 %")
r = request(port, "POST", "/dev/phonemize", {"text": "東京", "language": "ja"})
check(r.status == 200 and r.json().get("phonemes") == "toːkʲoː" and len(r.json().get("tokens", [])) > 0,
      f"phonemize ja alias {r.body[:200]}")
# misaki's crash inputs are answered, never a 5xx
for text in ("1234567890", "ンャ", "ーァ", "٣", "12٣", "イーァケテ", "人口は1234567890人"):
    r = request(port, "POST", "/dev/phonemize", {"text": text, "language": "j"})
    check(r.status == 200, f"crash input {text!r} -> {r.status}")

# ---- voices list the Japanese voice
r = request(port, "GET", "/v1/audio/voices")
check(r.status == 200 and {"id": "jf_test", "name": "jf_test"} in r.json().get("voices", []), "voices list jf_test")

# ---- speech in all six formats; the language comes from the voice's first letter
for fmt in ("wav", "pcm", "mp3", "opus", "aac", "flac"):
    r = request(port, "POST", "/v1/audio/speech", {"input": TEXT, "voice": "jf_test", "response_format": fmt,
                                                   "stream": False})
    ok = check(r.status == 200 and len(r.body) > 100, f"speech {fmt}: {r.status} {r.body[:200]}")
    if ok and fmt == "wav":
        w = parse_wav(r.body)
        check(w is not None and w[3] > 24000 // 2 and max(abs(x) for x in w[4]) > 100, "Japanese wav holds speech")
    elif ok and fmt not in ("pcm",):
        path = os.path.join(tmp, f"ja.{fmt}")
        open(path, "wb").write(r.body)
        p = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "stream=sample_rate", "-of", "csv=p=0", path],
                           capture_output=True, text=True)
        # Opus always decodes at 48 kHz.
        rate = "48000" if fmt == "opus" else "24000"
        check(p.returncode == 0 and p.stdout.strip() == rate, f"{fmt} decodes: {p.stdout} {p.stderr}")
# lang_code j with a voice of another letter
r = request(port, "POST", "/v1/audio/speech", {"input": TEXT, "voice": "tv_alpha", "lang_code": "j",
                                               "response_format": "pcm", "stream": False})
check(r.status == 200 and len(r.body) > 4800, f"lang_code j: {r.status}")

# ---- captioned speech: one timestamp per word, in order, within the audio
r = request(port, "POST", "/dev/captioned_speech", {"input": TEXT, "voice": "jf_test", "response_format": "wav",
                                                    "stream": False})
j = r.json() if r.status == 200 else {}
wv = parse_wav(base64.b64decode(j.get("audio", ""))) if j else None
words = j.get("timestamps", [])
check(wv is not None and len(words) >= 10, f"captioned: {len(words)} timestamps")
dur = wv[3] / 24000 if wv else 0
pos, prev = 0, 0.0
for t in words:
    i = TEXT.find(t["word"], pos)
    ok = i >= 0 and t["start_time"] + 1e-3 >= prev and t["start_time"] <= t["end_time"] <= dur + 1e-3
    check(ok, f"timestamp {t} (a word of the text, in order, within {dur:.2f}s)")
    if i >= 0:
        pos = i + len(t["word"])
    prev = t["start_time"]
print("words:", " ".join(t["word"] for t in words))
finish()
