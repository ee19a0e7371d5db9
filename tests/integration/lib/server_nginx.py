"""Two replicas behind nginx (deploy/nginx/kokoro.conf): while clients stream through the proxy,
replica A gets SIGTERM. Its in-flight streams must finish whole (drain), requests sent after that
must land on B, and no request may fail or come back short.
usage: server_nginx.py PROXY_PORT PORT_A PID_A PORT_B"""
import os
import signal
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(__file__))
from kkhttp import check, finish, request  # noqa: E402

proxy, port_a, pid_a, port_b = (int(x) for x in sys.argv[1:5])
TEXT = "One sentence starts it. Another keeps it going. A third one ends it."
CASES = [("pcm", True), ("mp3", True), ("wav", False), ("opus", True), ("flac", False), ("aac", True)]


def body(fmt, stream):
    return {"input": TEXT, "voice": "tv_alpha", "response_format": fmt, "stream": stream}


ref = {}
for fmt, stream in CASES:
    r = request(port_b, "POST", "/v1/audio/speech", body(fmt, stream))
    check(r.status == 200, f"reference {fmt}")
    ref[(fmt, stream)] = len(r.body)

results = []  # (t_sent, t_done, upstream, case, outcome)
lock = threading.Lock()
stop = threading.Event()


def client(k):
    i = k
    while not stop.is_set():
        fmt, stream = CASES[i % len(CASES)]
        i += 1
        t0 = time.monotonic()
        try:
            r = request(proxy, "POST", "/v1/audio/speech", body(fmt, stream), timeout=120)
            up = r.header("x-kokoro-upstream") or ""
            ok = r.status == 200 and len(r.body) == ref[(fmt, stream)]
            outcome = "ok" if ok else f"status {r.status}, {len(r.body)} of {ref[(fmt, stream)]} bytes"
        except Exception as e:  # a stream that lost its terminator lands here
            up, outcome = "", f"error {e}"
        with lock:
            results.append((t0, time.monotonic(), up, (fmt, stream), outcome))


def active_streams(port):
    try:
        t = request(port, "GET", "/metrics", timeout=5).body.decode()
        return float([ln for ln in t.splitlines() if ln.startswith("kokoro_active_streams ")][0].split()[1])
    except Exception:
        return -1


threads = [threading.Thread(target=client, args=(k,)) for k in range(6)]
for t in threads:
    t.start()
# SIGTERM A while it has streams in flight.
deadline = time.monotonic() + 20
while active_streams(port_a) < 1 and time.monotonic() < deadline:
    time.sleep(0.05)
check(active_streams(port_a) >= 1, "replica A had a stream in flight")
t_term = time.monotonic()
os.kill(pid_a, signal.SIGTERM)
# A answers /health with 503 while it drains (once it has taken the signal).
for _ in range(40):
    r = request(port_a, "GET", "/health", timeout=5)
    if r.status == 503:
        break
    time.sleep(0.05)
check(r.status == 503 and r.json().get("status") == "draining", f"/health while draining: {r.status}")
# New synthesis sent straight to A while it drains: refused before any work, retryable.
try:
    r = request(port_a, "POST", "/v1/audio/speech", body("pcm", True), timeout=5)
    check(r.status == 503 and r.header("retry-after") and r.json()["error"]["code"] == "shutting_down",
          f"new request on a draining replica: {r.status}")
except OSError:
    pass  # A already finished draining and closed its port
# Keep the load on until enough requests sent after the signal have finished (slow machines too).
deadline = time.monotonic() + 120
while time.monotonic() < deadline:
    with lock:
        if sum(1 for x in results if x[0] > t_term + 0.2) >= 6:
            break
    time.sleep(0.2)
stop.set()
for t in threads:
    t.join()

a_addr, b_addr = f"127.0.0.1:{port_a}", f"127.0.0.1:{port_b}"
bad = [x for x in results if x[4] != "ok"]
for x in bad[:10]:
    print("bad:", x)
check(not bad, f"{len(bad)} of {len(results)} requests failed or came back short")
drained = [x for x in results if x[0] < t_term < x[1] and x[2].split(",")[-1].strip() == a_addr]
after = [x for x in results if x[0] > t_term + 0.2]
print(f"{len(results)} requests; {len(drained)} in flight on A at SIGTERM finished whole; "
      f"{len(after)} sent after it")
check(len(drained) >= 1, "some request was in flight on A at SIGTERM")
check(after and all(x[2].split(",")[-1].strip() == b_addr for x in after),
      "every request sent after SIGTERM was served by B")
finish()
