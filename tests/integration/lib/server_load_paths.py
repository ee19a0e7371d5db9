"""Backpressure and cancellation on a server with one worker and room for one request:
a second request gets 503 + Retry-After, /health answers at once while the worker is busy, a
client that goes away has its remaining chunks cancelled, and a freed slot serves again.
usage: server_load_paths.py PORT"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from kkhttp import check, error_shape_ok, finish, request  # noqa: E402

port = int(sys.argv[1])
LONG = " ".join(f"Sentence number {i} keeps the only worker busy for a while." for i in range(60))


def chunks_total():
    t = request(port, "GET", "/metrics").body.decode()
    return float([l for l in t.splitlines() if l.startswith("kokoro_chunks_total ")][0].split()[1])


before = chunks_total()
# Hold the only slot: a streaming request whose client reads the headers and one chunk, then waits.
hold = request(port, "POST", "/v1/audio/speech", {"input": LONG, "voice": "tv_alpha", "response_format": "pcm"},
               read_body=False)
check(hold.status == 200, "long request admitted")
hold.sock.settimeout(60)
first = hold.sock.recv(4096)
check(len(first) > 0, "first bytes arrive")

t0 = time.monotonic()
r = request(port, "GET", "/health")
check(r.status == 200 and time.monotonic() - t0 < 0.5, f"/health while busy took {time.monotonic() - t0:.3f}s")

r = request(port, "POST", "/v1/audio/speech", {"input": "Me too.", "voice": "tv_alpha", "response_format": "pcm"})
ra = r.header("retry-after")
check(error_shape_ok(r, 503, "server_busy") and ra is not None and ra.isdigit() and int(ra) >= 1,
      f"queue full -> 503 + Retry-After ({r.status}, {ra})")

# The client vanishes: its chunks stop within about one chunk.
hold.sock.close()
time.sleep(1.5)
c1 = chunks_total()
time.sleep(1.5)
c2 = chunks_total()
check(c2 == c1, f"chunks still being made after disconnect ({c1} -> {c2})")
check(c2 - before < 50, f"most of the 60 chunks were cancelled (made {c2 - before})")

# The slot is free again.
ok = False
for _ in range(50):
    r = request(port, "POST", "/v1/audio/speech", {"input": "Now it fits.", "voice": "tv_alpha", "response_format": "pcm"})
    if r.status == 200:
        ok = True
        break
    time.sleep(0.2)
check(ok and len(r.body) > 0, "slot reusable after cancellation")
t = request(port, "GET", "/metrics").body.decode()
check("kokoro_rejected_busy_total 1" in t, "rejections counted")
check('status="503"' in t, "503 in request metrics")
finish()
