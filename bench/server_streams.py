"""N concurrent streams against one alone, on a running `kokoro serve`: every stream must complete
(chunked terminator) with the same number of bytes as alone; prints the first-audio times and
the aggregate throughput (audio seconds per wall second) relative to the lone request's.
With N = 0 the request is only run alone, three times, and the median first audio is printed.
usage: server_streams.py PORT N VOICE TEXT_FILE"""
import os
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "integration", "lib"))
from kkhttp import request  # noqa: E402

port, n, voice = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
text = open(sys.argv[4], encoding="utf-8").read().strip()
body = {"input": text, "voice": voice, "response_format": "pcm", "stream": True}


def one(out, i):
    t0 = time.monotonic()
    try:
        r = request(port, "POST", "/v1/audio/speech", body, timeout=3600)
        out[i] = (r.status, len(r.body), r.chunks[0][0] if r.chunks else None, time.monotonic() - t0)
    except Exception as e:
        out[i] = ("cut: %s" % e, 0, None, time.monotonic() - t0)


if n == 0:
    runs = [None] * 3
    for i in range(3):
        one(runs, i)
    ok = all(r[0] == 200 and r[2] is not None for r in runs)
    firsts = sorted(r[2] for r in runs if r[2] is not None)
    audio = runs[0][1] / 2 / 24000
    print(f"alone x3 ({len(text.split('. '))} sentences, {audio:.2f} s of audio): first audio median "
          f"{firsts[len(firsts) // 2] if firsts else float('nan'):.3f} s (all: {', '.join(f'{x:.3f}' for x in firsts)}), "
          f"RTF {sorted(r[3] for r in runs)[1] / max(audio, 1e-9):.3f}")
    sys.exit(0 if ok else 1)

alone = [None]
one(alone, 0)
st, size, first, wall = alone[0]
if st != 200 or first is None:
    print(f"alone: {st} after {wall:.2f} s")
    size = 0
audio = max(size / 2 / 24000, 1e-9)
first = first if first is not None else float("nan")
if size:
    print(f"alone: status {st}, {audio:.2f} s of audio, first audio {first:.2f} s, wall {wall:.2f} s, "
          f"{audio / wall:.2f} audio s per s (RTF {wall / audio:.3f})")
res = [None] * n
t0 = time.monotonic()
ts = [threading.Thread(target=one, args=(res, i)) for i in range(n)]
for t in ts:
    t.start()
for t in ts:
    t.join()
wall_n = time.monotonic() - t0
ok = size > 0 and all(r[0] == 200 and r[1] == size for r in res)
firsts = [r[2] for r in res if r[2] is not None]
print(f"{n} at once: {sum(r[0] == 200 and r[1] == size for r in res)} of {n} complete with the lone request's "
      f"{size} bytes; first audio worst {max(firsts) if firsts else float('nan'):.2f} s, "
      f"median {sorted(firsts)[len(firsts) // 2] if firsts else float('nan'):.2f} s; wall {wall_n:.2f} s")
thr = n * audio / wall_n
print(f"aggregate throughput {thr:.2f} audio s per s = {thr / (audio / wall):.2f}x the lone request's")
for i, r in enumerate(res):
    if not (r[0] == 200 and r[1] == size):
        print(f"stream {i}: {r}")
sys.exit(0 if ok else 1)
