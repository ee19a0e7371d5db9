# Sourced by the server_*.sh tests: start `kokoro serve` on a free loopback port with the fixture
# model and stop it again. Callers set kokoro, build, src and tmp first.
golden=$src/tests/fixtures/golden
server_pid=
server_port=
server_log=

# start_server NAME [serve flags...]: environment variables of the caller pass through.
start_server() {
  local name=$1; shift
  server_log=$tmp/$name.log
  : >"$server_log"
  TEMP_FILE_DIR=${TEMP_FILE_DIR:-$tmp/downloads} DEFAULT_VOICE=${DEFAULT_VOICE:-tv_alpha} \
    "$kokoro" serve --host 127.0.0.1 --port 0 --model-dir "$golden" "$@" 2>>"$server_log" &
  server_pid=$!
  for _ in $(seq 600); do
    server_port=$(sed -n 's|.*listening on http://127\.0\.0\.1:\([0-9]*\).*|\1|p' "$server_log" | head -n1)
    [ -n "$server_port" ] && return 0
    kill -0 "$server_pid" 2>/dev/null || { cat "$server_log"; echo "FAIL: server $name exited"; exit 1; }
    sleep 0.1
  done
  cat "$server_log"; echo "FAIL: server $name did not start"; exit 1
}

# stop_server: SIGTERM, then the exit code must be 0.
stop_server() {
  [ -n "$server_pid" ] || return 0
  kill -TERM "$server_pid" 2>/dev/null || true
  local rc=0
  wait "$server_pid" || rc=$?
  server_pid=
  [ $rc -eq 0 ] || { tail -n 20 "$server_log"; echo "FAIL: server exited with $rc after SIGTERM"; exit 1; }
}

kill_server_quietly() {
  if [ -n "$server_pid" ]; then kill -KILL "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  server_pid=
}
