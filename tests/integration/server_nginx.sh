#!/usr/bin/env bash
# Two `kokoro serve` replicas behind Debian's nginx with the deploy/nginx recipe, on loopback
# ports, nginx running as this user from a temporary prefix. One replica gets SIGTERM mid-load:
# its streams finish (drain), new requests land on the other, nothing is lost.
set -euo pipefail
kokoro=$1 build=$2 src=$3
nginx=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$nginx" ] || { echo "FAIL: nginx not installed (Debian package nginx)"; exit 1; }
tmp=$(realpath "$(mktemp -d "$build/server-nginx.XXXXXX")")
. "$src/tests/integration/lib/server_common.sh"
nginx_pid= pid_b=
cleanup() {
  kill_server_quietly
  [ -n "$pid_b" ] && { kill -KILL "$pid_b" 2>/dev/null || true; wait "$pid_b" 2>/dev/null || true; }
  [ -n "$nginx_pid" ] && { kill -TERM "$nginx_pid" 2>/dev/null || true; wait "$nginx_pid" 2>/dev/null || true; }
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }

# Chunks slowed to 0.4 s so that streams are in flight for seconds.
export KOKORO_TEST_CHUNK_DELAY_MS=400 SHUTDOWN_TIMEOUT_S=30 ACCESS_LOG=false
start_server b --workers 2
port_b=$server_port pid_b=$server_pid log_b=$server_log
start_server a --workers 2
port_a=$server_port pid_a=$server_pid

proxy_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$tmp/nginx/logs" "$tmp/nginx/conf"
# The recipe with this test's ports; the upstream address goes back in a header for the checks.
sed -e "s|server 127.0.0.1:8880|server 127.0.0.1:$port_a|" -e "s|server 127.0.0.1:8881|server 127.0.0.1:$port_b|" \
    -e "s|listen 8080;|listen 127.0.0.1:$proxy_port;|" \
    -e 's|proxy_pass http://kokoro;|&\n        add_header X-Kokoro-Upstream $upstream_addr always;|' \
    "$src/deploy/nginx/kokoro.conf" >"$tmp/nginx/conf/kokoro.conf"
cat >"$tmp/nginx/conf/nginx.conf" <<CONF
worker_processes 1;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/logs/error.log warn;
events { worker_connections 256; }
http {
    access_log $tmp/nginx/logs/access.log;
    client_body_temp_path $tmp/nginx/body;
    proxy_temp_path $tmp/nginx/proxy;
    fastcgi_temp_path $tmp/nginx/fastcgi;
    uwsgi_temp_path $tmp/nginx/uwsgi;
    scgi_temp_path $tmp/nginx/scgi;
    include $tmp/nginx/conf/kokoro.conf;
}
CONF
"$nginx" -p "$tmp/nginx" -c "$tmp/nginx/conf/nginx.conf" -t -q || fail "nginx rejects the recipe"
"$nginx" -p "$tmp/nginx" -c "$tmp/nginx/conf/nginx.conf" -g 'daemon off;' &
nginx_pid=$!
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$proxy_port/health" && break; sleep 0.1; done

python3 "$src/tests/integration/lib/server_nginx.py" "$proxy_port" "$port_a" "$pid_a" "$port_b"
# A drained: it exited 0 on its own, without cutting anything.
rc=0; wait "$pid_a" || rc=$?
server_pid=
[ $rc -eq 0 ] || fail "replica A exited with $rc"
grep -q 'drained' "$tmp/a.log" || fail "A did not drain: $(tail -3 "$tmp/a.log")"
if grep -q 'cut' "$tmp/a.log" "$log_b"; then fail "a stream was cut"; fi
kill -TERM "$pid_b"; wait "$pid_b" || fail "replica B exit code"
pid_b=
echo ok
