#!/usr/bin/env python3
"""A loopback stand-in for the parts of the Hugging Face Hub HTTP API that `kokoro download` uses.

  GET /api/models/{repo}/tree/{revision}?recursive=true[&cursor=N]
      JSON array of {"type","oid","size","path"[,"lfs":{"oid","size","pointerSize"}]},
      paginated with a `Link: <next>; rel="next"` header like the real Hub.
  GET /{repo}/resolve/{revision}/{path}
      small files directly; LFS files by a 302 to /lfs-store/{sha256}, as the Hub redirects
      to its storage. Range requests are honoured (206 / 416).

Serves the golden fixtures under the real file names. Faults for the tests:
  --drop-once PATH   the first transfer of PATH stops halfway and the connection is cut
  --corrupt PATH     PATH is served with one byte changed (the listing keeps the true sha256)
  --missing PATH     PATH is listed but its download answers 404
  --no-range         Range headers are ignored (always 200 with the whole file)
Every request is appended to --log as "METHOD PATH RANGE".
"""
import argparse
import hashlib
import http.server
import json
import os
import socket
import sys
import threading
import urllib.parse

REPO = "hexgrad/Kokoro-82M"
REVISION = "main"


def build_files(root):
    """Repository path -> fixture file. README.md and the nested .pt must be ignored by clients."""
    return {
        "README.md": os.path.join(root, "README.md"),
        "config.json": os.path.join(root, "config.json"),
        "kokoro-v1_0.pth": os.path.join(root, "kokoro-tiny.pth"),
        "voices/tv_alpha.pt": os.path.join(root, "voices", "tv_alpha.pt"),
        "voices/tv_beta.pt": os.path.join(root, "voices", "tv_beta.pt"),
        "samples/nested/not_a_voice.pt": os.path.join(root, "voices", "tv_beta.pt"),
    }


def is_lfs(path):
    return path.endswith((".pt", ".pth"))


class Repo:
    def __init__(self, root, corrupt):
        self.content = {}
        for path, src in build_files(root).items():
            with open(src, "rb") as f:
                self.content[path] = f.read()
        self.entries = []
        dirs = sorted({os.path.dirname(p) for p in self.content if "/" in p})
        for d in dirs:
            self.entries.append({"type": "directory", "oid": hashlib.sha1(d.encode()).hexdigest(), "size": 0, "path": d})
        self.by_sha = {}
        for path in sorted(self.content):
            data = self.content[path]
            blob = hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
            entry = {"type": "file", "oid": blob, "size": len(data), "path": path}
            if is_lfs(path):
                sha = hashlib.sha256(data).hexdigest()
                entry["lfs"] = {"oid": sha, "size": len(data), "pointerSize": 134}
                self.by_sha[sha] = path
            self.entries.append(entry)
        self.served = dict(self.content)
        for path in corrupt:
            data = bytearray(self.served[path])
            data[len(data) // 2] ^= 0x5A
            self.served[path] = bytes(data)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "hf-mock/1"

    def log_message(self, fmt, *args):
        pass

    def record(self):
        cfg = self.server.cfg
        with cfg.lock:
            with open(cfg.log, "a") as f:
                f.write("%s %s %s\n" % (self.command, self.path, self.headers.get("Range", "-")))

    def send_json(self, code, obj, extra=()):
        body = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        self.record()
        cfg = self.server.cfg
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        path = urllib.parse.unquote(url.path)
        tree_prefix = "/api/models/%s/tree/" % REPO
        resolve_prefix = "/%s/resolve/" % REPO
        if path.startswith("/api/models/"):
            if not path.startswith(tree_prefix):
                return self.send_json(404, {"error": "Repository not found"})
            if path[len(tree_prefix):] != REVISION:
                return self.send_json(404, {"error": "Invalid rev id: %s" % path[len(tree_prefix):]})
            start = int(query.get("cursor", ["0"])[0])
            page = cfg.repo.entries[start:start + cfg.page_size]
            extra = []
            if start + cfg.page_size < len(cfg.repo.entries):
                nxt = "http://%s:%d%s?recursive=true&cursor=%d" % (
                    self.server.server_address[0], self.server.server_address[1], url.path, start + cfg.page_size)
                extra.append(("Link", '<%s>; rel="next"' % nxt))
            return self.send_json(200, page, extra)
        if path.startswith(resolve_prefix):
            rest = path[len(resolve_prefix):]
            rev, _, file_path = rest.partition("/")
            if rev != REVISION or file_path not in cfg.repo.content or file_path in cfg.missing:
                return self.send_json(404, {"error": "Entry not found"})
            if is_lfs(file_path):
                sha = hashlib.sha256(cfg.repo.content[file_path]).hexdigest()
                self.send_response(302)
                self.send_header("Location", "/lfs-store/" + sha)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            return self.send_file(file_path)
        if path.startswith("/lfs-store/"):
            file_path = cfg.repo.by_sha.get(path[len("/lfs-store/"):])
            if file_path is None:
                return self.send_json(404, {"error": "no such object"})
            return self.send_file(file_path)
        return self.send_json(404, {"error": "not found"})

    def send_file(self, file_path):
        cfg = self.server.cfg
        data = cfg.repo.served[file_path]
        size = len(data)
        start = 0
        rng = self.headers.get("Range")
        partial = False
        if rng and not cfg.no_range and rng.startswith("bytes="):
            first, _, last = rng[6:].partition("-")
            start = int(first)
            end = int(last) if last else size - 1
            if start >= size:
                self.send_response(416)
                self.send_header("Content-Range", "bytes */%d" % size)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            data = data[start:end + 1]
            partial = True
        self.send_response(206 if partial else 200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Accept-Ranges", "bytes")
        if partial:
            self.send_header("Content-Range", "bytes %d-%d/%d" % (start, start + len(data) - 1, size))
        self.end_headers()
        with cfg.lock:
            drop = file_path in cfg.drop_once
            cfg.drop_once.discard(file_path)
        if drop:
            self.wfile.write(data[:len(data) // 2])
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True
            return
        self.wfile.write(data)


class Config:
    pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--page-size", type=int, default=3)
    ap.add_argument("--drop-once", action="append", default=[])
    ap.add_argument("--corrupt", action="append", default=[])
    ap.add_argument("--missing", action="append", default=[])
    ap.add_argument("--no-range", action="store_true")
    a = ap.parse_args()
    cfg = Config()
    cfg.repo = Repo(a.root, a.corrupt)
    cfg.lock = threading.Lock()
    cfg.log = a.log
    cfg.page_size = a.page_size
    cfg.drop_once = set(a.drop_once)
    cfg.missing = set(a.missing)
    cfg.no_range = a.no_range
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.cfg = cfg
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(tmp, a.port_file)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
