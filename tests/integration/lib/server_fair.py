"""Fairness on one worker: a short request sent while a long one streams finishes long before the
long one does (chunks are scheduled round-robin by request, not first come first served).
usage: server_fair.py PORT"""
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(__file__))
from kkhttp import check, finish, request  # noqa: E402

port = int(sys.argv[1])
LONG = " ".join(f"This is sentence number {i} of a rather long book chapter." for i in range(40))
done = {}


def long_request():
    r = request(port, "POST", "/v1/audio/speech", {"input": LONG, "voice": "tv_alpha", "response_format": "pcm"})
    done["long"] = (time.monotonic(), r.status, len(r.chunks))


t = threading.Thread(target=long_request)
t0 = time.monotonic()
t.start()
time.sleep(0.5)  # the long request owns the worker by now
r = request(port, "POST", "/v1/audio/speech", {"input": "Short one.", "voice": "tv_beta", "response_format": "pcm"})
short_done = time.monotonic()
check(r.status == 200 and len(r.body) > 0, "short request served")
t.join()
long_done, long_status, long_chunks = done["long"]
check(long_status == 200 and long_chunks > 5, f"long request streamed ({long_chunks} chunks)")
check(short_done < long_done, "short request finished first")
frac = (short_done - t0) / (long_done - t0)
check(frac < 0.5, f"short request finished at {100 * frac:.0f}% of the long one's time")
print(f"short done after {short_done - t0:.2f}s, long after {long_done - t0:.2f}s")
finish()
