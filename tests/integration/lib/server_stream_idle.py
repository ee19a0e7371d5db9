"""Streams are never cut while the server itself is still making their audio: N clients stream at
once from a server whose chunks take longer than IDLE_TIMEOUT_S between two of a client's chunks.
Every stream must end with the chunked terminator and carry exactly the bytes of the same request
made alone; a non-streamed request that waits longer than the idle timeout must get its body.
usage: server_stream_idle.py PORT N_STREAMS IDLE_TIMEOUT_S"""
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(__file__))
from kkhttp import check, finish, request  # noqa: E402

port, n, idle = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
TEXT = "The first sentence is short. The second one follows it. A third closes the paragraph."
FORMATS = ["pcm", "wav", "mp3", "opus", "flac", "aac"]


def body(fmt, stream=True):
    return {"input": TEXT, "voice": "tv_alpha", "response_format": fmt, "stream": stream}


def run(fmt, out, i, stream=True):
    try:
        out[i] = request(port, "POST", "/v1/audio/speech", body(fmt, stream), timeout=300)
    except Exception as e:  # a missing terminator shows as "connection closed" mid-body
        out[i] = e


# Reference lengths, one request at a time (the encoders are deterministic).
alone = {}
for fmt in FORMATS[:min(n, len(FORMATS))]:
    r = request(port, "POST", "/v1/audio/speech", body(fmt), timeout=300)
    check(r.status == 200 and r.chunked and len(r.body) > 0, f"{fmt} alone: {r.status}")
    alone[fmt] = len(r.body)

res = [None] * n
t0 = time.monotonic()
threads = [threading.Thread(target=run, args=(FORMATS[i % len(FORMATS)], res, i)) for i in range(n)]
for t in threads:
    t.start()
for t in threads:
    t.join()
wall = time.monotonic() - t0
worst_gap = 0.0
for i, r in enumerate(res):
    fmt = FORMATS[i % len(FORMATS)]
    if not check(not isinstance(r, Exception), f"stream {i} ({fmt}) cut: {r}"):
        continue
    check(r.status == 200, f"stream {i} status {r.status}")
    check(len(r.body) == alone[fmt], f"stream {i} ({fmt}): {len(r.body)} bytes, alone {alone[fmt]}")
    times = [0.0] + [t for t, _ in r.chunks]
    worst_gap = max([worst_gap] + [b - a for a, b in zip(times, times[1:])])
print(f"{n} streams in {wall:.1f} s, longest wait between two chunks {worst_gap:.1f} s (idle timeout {idle:g} s)")
check(worst_gap > idle, "the test did not make any client wait longer than the idle timeout")

# Non-streamed: the whole body is made before its first byte, longer than the idle timeout.
out = [None] * 3
threads = [threading.Thread(target=run, args=("wav", out, i, False)) for i in range(3)]
for t in threads:
    t.start()
for t in threads:
    t.join()
for i, r in enumerate(out):
    ok = not isinstance(r, Exception) and r.status == 200 and len(r.body) > 44
    check(ok, f"non-streamed {i}: {r if isinstance(r, Exception) else r.status}")

m = request(port, "GET", "/metrics").body.decode()
check("kokoro_streams_cut_total 0" in m or "kokoro_streams_cut_total" not in m, "a stream counted as cut")
finish()
