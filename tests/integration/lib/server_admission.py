"""Admission by work: with one long stream running on a server whose synthesis rate has been
measured, a short request is admitted and a long one is refused with 503 + a Retry-After that
follows from the queued audio seconds and the rate, all visible in /metrics.
usage: server_admission.py PORT MAX_QUEUE_WAIT_S"""
import math
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(__file__))
from kkhttp import check, error_shape_ok, finish, request  # noqa: E402

port, limit = int(sys.argv[1]), float(sys.argv[2])
# A must still be streaming when B arrives: at 0.5 s a chunk it lasts ~17 s of work however fast the
# machine computes (with 30 sentences a fast machine finished it before the test looked).
A = " ".join(["The quick brown fox jumps over the lazy dog."] * 60)
B = " ".join(["The quick brown fox jumps over the lazy dog."] * 600)


def metrics():
    t = request(port, "GET", "/metrics").body.decode()
    return {ln.split()[0]: float(ln.split()[1]) for ln in t.splitlines() if ln and ln[0] != "#" and "{" not in ln}


done = {}
t = threading.Thread(target=lambda: done.setdefault("a", request(
    port, "POST", "/v1/audio/speech", {"input": A, "voice": "tv_alpha", "response_format": "pcm"})))
t.start()
time.sleep(4)  # > 2 s of busy time: the rate counts as measured from here on
m = metrics()
q, rate = m["kokoro_queued_audio_seconds"], m["kokoro_synthesis_rate"]
print(f"queued {q:.1f} s of audio, rate {rate:.2f} audio s per s, limit {m['kokoro_queue_wait_limit_seconds']:g} s")
check(m["kokoro_queue_depth"] == 1 and m["kokoro_active_streams"] == 1, "one stream admitted")
check(q > 0 and rate > 1 and q / rate < limit, "queued audio and rate in /metrics")

r = request(port, "POST", "/v1/audio/speech", {"input": "Short one.", "voice": "tv_beta", "response_format": "pcm"})
check(r.status == 200 and len(r.body) > 0, f"a short request fits beside the stream ({r.status})")

r = request(port, "POST", "/v1/audio/speech", {"input": B, "voice": "tv_beta", "response_format": "pcm",
                                                 "stream": False})
ra = r.header("retry-after")
check(error_shape_ok(r, 503, "server_busy") and ra and ra.isdigit(), f"a long request is refused ({r.status})")
m = metrics()
if ra and ra.isdigit():
    # The server estimates B as its phonemes times the audio seconds per phoneme it has learnt
    # (in /metrics), and Retry-After as the wait that would make beyond the limit. The queue and
    # the rate move a little between the two reads, hence the bounds.
    ph = request(port, "POST", "/dev/phonemize", {"text": B, "language": "a"})
    n_b = len(ph.json().get("phonemes", "")) if ph.status == 200 else 0
    est_b = n_b * m["kokoro_audio_seconds_per_phoneme"]
    want = (m["kokoro_queued_audio_seconds"] + est_b) / m["kokoro_synthesis_rate"] - limit
    print(f"B: {n_b} phonemes, about {est_b:.0f} s of audio; Retry-After {ra}, expected about {want:.0f}")
    check(n_b > 0 and want > 5 and want / 1.5 <= int(ra) <= want * 1.5,
          f"Retry-After {ra}, expected about {want:.0f}")
check(m["kokoro_rejected_busy_total"] == 1, "the refusal is counted")
t.join()
check(done["a"].status == 200 and done["a"].chunked, "the long stream completed")
m = metrics()
check(m["kokoro_queue_depth"] == 0 and m["kokoro_queued_audio_seconds"] == 0, "the queue is empty again")
finish()
