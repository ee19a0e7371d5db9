"""Minimal HTTP/1.1 client for the server tests: raw sockets, so a test sees exactly what went on
the wire (status, headers, each chunk of a chunked body and when it arrived)."""
import json
import socket
import struct
import time

FAILURES = []


def check(cond, what):
    if not cond:
        FAILURES.append(what)
        print("FAIL:", what, flush=True)
    return cond


def finish():
    if FAILURES:
        print(f"{len(FAILURES)} check(s) failed")
        raise SystemExit(1)
    print("ok")


class Response:
    def __init__(self):
        self.status = 0
        self.headers = {}
        self.chunks = []       # (seconds since request, bytes)
        self.body = b""
        self.chunked = False

    def header(self, name):
        return self.headers.get(name.lower())

    def json(self):
        return json.loads(self.body)


def _read_line(sock, buf):
    while b"\r\n" not in buf[0]:
        data = sock.recv(65536)
        if not data:
            raise ConnectionError("connection closed")
        buf[0] += data
    line, rest = buf[0].split(b"\r\n", 1)
    buf[0] = rest
    return line


def _read_exact(sock, buf, n):
    while len(buf[0]) < n:
        data = sock.recv(65536)
        if not data:
            raise ConnectionError("connection closed")
        buf[0] += data
    out, buf[0] = buf[0][:n], buf[0][n:]
    return out


def request(port, method, path, body=None, headers=None, timeout=120, raw=None, read_body=True):
    """Sends one request (Connection: close) and reads the response. body may be bytes, str or a
    JSON-able object. raw sends those exact bytes instead of building a request."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    t0 = time.monotonic()
    if raw is None:
        if body is not None and not isinstance(body, (bytes, str)):
            body = json.dumps(body)
        if isinstance(body, str):
            body = body.encode()
        h = {"Host": f"127.0.0.1:{port}", "Connection": "close"}
        if body is not None:
            h["Content-Type"] = "application/json"
            h["Content-Length"] = str(len(body))
        h.update(headers or {})
        head = f"{method} {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in h.items()) + "\r\n"
        raw = head.encode() + (body or b"")
    s.sendall(raw)
    r = Response()
    buf = [b""]
    status = _read_line(s, buf).decode("latin-1")
    r.status = int(status.split()[1])
    while True:
        line = _read_line(s, buf).decode("latin-1")
        if not line:
            break
        k, v = line.split(":", 1)
        r.headers[k.strip().lower()] = v.strip()
    if not read_body:
        r.sock = s
        r.buf = buf
        return r
    if r.header("transfer-encoding") == "chunked":
        r.chunked = True
        while True:
            size = int(_read_line(s, buf).split(b";")[0], 16)
            if size == 0:
                break
            data = _read_exact(s, buf, size)
            _read_exact(s, buf, 2)
            r.chunks.append((time.monotonic() - t0, data))
        r.body = b"".join(c for _, c in r.chunks)
    elif r.header("content-length") is not None:
        r.body = _read_exact(s, buf, int(r.header("content-length")))
    elif method != "HEAD" and r.status not in (204, 304):
        while True:
            data = s.recv(65536)
            if not data:
                break
            buf[0] += data
        r.body = buf[0]
    s.close()
    r.elapsed = time.monotonic() - t0
    return r


def error_shape_ok(r, status, code=None):
    """OpenAI error object plus Kokoro-FastAPI detail, both carrying the same code."""
    try:
        j = r.json()
    except Exception:
        return False
    e, d = j.get("error"), j.get("detail")
    ok = r.status == status and isinstance(e, dict) and isinstance(d, dict)
    ok = ok and all(isinstance(e.get(k), str) and e.get(k) for k in ("message", "type", "code"))
    ok = ok and d.get("error") == e.get("code") and d.get("message") == e.get("message")
    ok = ok and r.header("content-type") == "application/json"
    return ok and (code is None or e["code"] == code)


def parse_wav(data):
    """(channels, rate, bits, n_samples, samples) of a PCM WAV, trusting the bytes present rather
    than the size fields (streamed WAV carries 0xFFFFFFFF there)."""
    if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        return None
    pos, fmt = 12, None
    while pos + 8 <= len(data):
        cid, size = data[pos:pos + 4], struct.unpack("<I", data[pos + 4:pos + 8])[0]
        if cid == b"fmt ":
            fmt = struct.unpack("<HHIIHH", data[pos + 8:pos + 24])
        if cid == b"data":
            payload = data[pos + 8:]
            if size != 0xFFFFFFFF and size <= len(payload):
                payload = payload[:size]
            if not fmt:
                return None
            n = len(payload) // 2
            return fmt[1], fmt[2], fmt[5], n, struct.unpack(f"<{n}h", payload[:2 * n])
        pos += 8 + size + (size & 1)
    return None
