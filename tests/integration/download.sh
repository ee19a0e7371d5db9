#!/usr/bin/env bash
# `kokoro download` against a loopback stand-in for the Hugging Face Hub (tests/hf_mock_server.py,
# selected with HF_ENDPOINT): full download with sha256 checks, resume after a cut connection and
# from a .part left by an earlier run, a server that ignores Range, a corrupted file, a 404, an
# unknown repository, --if-missing without network, and the one-line offline message.
set -euo pipefail
kokoro=$1 build=$2 src=$3
golden=$src/tests/fixtures/golden
tmp=$(mktemp -d "$build/download-test.XXXXXX")
server_pid=
stop_server() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  server_pid=
}
trap 'stop_server; rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# start_server NAME [fault options...]: serves on a random loopback port; sets HF_ENDPOINT and $log.
start_server() {
  stop_server
  local name=$1; shift
  log=$tmp/$name.log; : >"$log"
  rm -f "$tmp/port"
  python3 "$src/tests/hf_mock_server.py" --root "$golden" --port-file "$tmp/port" --log "$log" "$@" &
  server_pid=$!
  for _ in $(seq 100); do [ -s "$tmp/port" ] && break; sleep 0.05; done
  [ -s "$tmp/port" ] || fail "mock server did not start"
  export HF_ENDPOINT="http://127.0.0.1:$(cat "$tmp/port")"
}

# same_as_fixtures DIR: the four model files equal the fixtures byte for byte.
same_as_fixtures() {
  cmp "$1/config.json" "$golden/config.json"
  cmp "$1/kokoro-v1_0.pth" "$golden/kokoro-tiny.pth"
  cmp "$1/voices/tv_alpha.pt" "$golden/voices/tv_alpha.pt"
  cmp "$1/voices/tv_beta.pt" "$golden/voices/tv_beta.pt"
}

unset KOKORO_MODEL_DIR HF_TOKEN
size_pth=$(stat -c %s "$golden/kokoro-tiny.pth")

echo "== full download (listing paginated, LFS files behind a redirect)"
start_server full --page-size 3
d=$tmp/full
"$kokoro" download --model-dir "$d" 2>"$tmp/err" || { cat "$tmp/err"; fail "download failed"; }
cat "$tmp/err"
same_as_fixtures "$d"
[ -z "$(find "$d" -name '*.part')" ] || fail ".part files left behind"
[ ! -e "$d/README.md" ] && [ ! -e "$d/samples" ] || fail "files outside the model were fetched"
grep -q 'cursor=' "$log" || fail "the paginated listing was not followed"
grep -q '^GET /lfs-store/' "$log" || fail "the resolve redirect was not followed"
[ "$(grep -c '^GET /hexgrad/Kokoro-82M/resolve/main/' "$log")" -eq 4 ] || fail "expected 4 file requests"
! grep -q $'\r' "$tmp/err" || fail "progress bar drawn although stderr is not a terminal"
[ -s "$d/.kokoro-manifest" ] || fail "no manifest"

echo "== second run: everything verified and kept, nothing transferred"
: >"$log"
"$kokoro" download --model-dir "$d" 2>"$tmp/err" || { cat "$tmp/err"; fail "re-run failed"; }
grep -q '0 fetched' "$tmp/err" || { cat "$tmp/err"; fail "re-run fetched files"; }
! grep -q 'resolve' "$log" || fail "re-run downloaded again"

echo "== a damaged local file is noticed and replaced"
printf 'garbage' | dd of="$d/voices/tv_alpha.pt" bs=1 seek=100 conv=notrunc status=none
"$kokoro" download --model-dir "$d" 2>"$tmp/err" || { cat "$tmp/err"; fail "repair failed"; }
cmp "$d/voices/tv_alpha.pt" "$golden/voices/tv_alpha.pt"
grep -q '1 fetched' "$tmp/err" || fail "repair did not fetch exactly one file"

echo "== --if-missing: complete folder, no network needed"
stop_server
export HF_ENDPOINT=http://127.0.0.1:9   # nothing listens there
start=$(date +%s%N)
"$kokoro" download --if-missing --model-dir "$d" || fail "--if-missing failed on a complete folder"
KOKORO_MODEL_DIR=$d "$kokoro" download --if-missing || fail "--if-missing ignored KOKORO_MODEL_DIR"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "--if-missing twice: ${ms} ms"
[ "$ms" -lt 2000 ] || fail "--if-missing took ${ms} ms"

echo "== offline: one line naming what is missing and how to provide it"
set +e
msg=$(KOKORO_MODEL_DIR=$tmp/empty "$kokoro" download --if-missing 2>&1); rc=$?
set -e
echo "$msg"
[ $rc -ne 0 ] || fail "offline download succeeded"
[ "$(printf '%s\n' "$msg" | wc -l)" -eq 1 ] || fail "offline message is not one line"
for word in "cannot reach" "kokoro-v1_0.pth" "config.json" "voices/" "KOKORO_MODEL_DIR" "$tmp/empty"; do
  grep -qF -- "$word" <<<"$msg" || fail "offline message lacks '$word'"
done
mkdir -p "$tmp/partial/voices" && cp "$golden/config.json" "$tmp/partial/"
set +e
msg=$("$kokoro" download --if-missing --model-dir "$tmp/partial" 2>&1); rc=$?
set -e
[ $rc -ne 0 ] && grep -q 'lacks kokoro-v1_0.pth, voices/\*.pt' <<<"$msg" || fail "partial folder: $msg"

echo "== connection cut halfway: resumed with a Range request in the same run"
start_server drop --drop-once kokoro-v1_0.pth
d=$tmp/drop
"$kokoro" download --model-dir "$d" 2>"$tmp/err" || { cat "$tmp/err"; fail "download with a dropped connection failed"; }
same_as_fixtures "$d"
half=$((size_pth / 2))
grep -q "^GET /lfs-store/.* bytes=$half-\$" "$log" || { cat "$log"; fail "no resume from byte $half"; }

echo "== .part from an earlier run: resumed, not restarted"
start_server part
d=$tmp/part
mkdir -p "$d"
head -c 1000000 "$golden/kokoro-tiny.pth" >"$d/kokoro-v1_0.pth.part"
"$kokoro" download --model-dir "$d" 2>"$tmp/err" || { cat "$tmp/err"; fail "resume from .part failed"; }
same_as_fixtures "$d"
grep -q '^GET /lfs-store/.* bytes=1000000-$' "$log" || { cat "$log"; fail "no Range request from the .part size"; }
[ ! -e "$d/kokoro-v1_0.pth.part" ] || fail ".part left after success"

echo "== server ignoring Range: the .part is restarted from zero"
start_server norange --no-range
d=$tmp/norange
mkdir -p "$d"
head -c 1000000 "$golden/kokoro-tiny.pth" >"$d/kokoro-v1_0.pth.part"
"$kokoro" download --model-dir "$d" 2>"$tmp/err" || { cat "$tmp/err"; fail "download from a no-Range server failed"; }
same_as_fixtures "$d"

echo "== stale .part with wrong bytes: sha256 fails, one clean retry succeeds"
start_server stale
d=$tmp/stale
mkdir -p "$d/voices"
head -c 5000 /dev/urandom >"$d/voices/tv_beta.pt.part"
"$kokoro" download --model-dir "$d" 2>"$tmp/err" || { cat "$tmp/err"; fail "stale .part not recovered"; }
same_as_fixtures "$d"

echo "== sha256 mismatch: clear error, nothing left under the final name"
start_server corrupt --corrupt voices/tv_beta.pt
d=$tmp/corrupt
set +e
"$kokoro" download --model-dir "$d" 2>"$tmp/err"; rc=$?
set -e
cat "$tmp/err"
[ $rc -ne 0 ] || fail "corrupted download reported success"
grep -q 'sha256 mismatch for voices/tv_beta.pt' "$tmp/err" || fail "no sha256 mismatch message"
[ ! -e "$d/voices/tv_beta.pt" ] || fail "corrupted file left under its final name"
[ ! -e "$d/voices/tv_beta.pt.part" ] || fail "corrupted partial file kept"
cmp "$d/voices/tv_alpha.pt" "$golden/voices/tv_alpha.pt"   # the other files still arrive
set +e
"$kokoro" download --if-missing --model-dir "$d" 2>/dev/null; rc=$?
set -e
[ $rc -ne 0 ] || fail "--if-missing accepted a folder whose voice failed verification"

echo "== 404 for a listed file"
start_server missing --missing voices/tv_alpha.pt
d=$tmp/missing
set +e
"$kokoro" download --model-dir "$d" 2>"$tmp/err"; rc=$?
set -e
cat "$tmp/err"
[ $rc -ne 0 ] || fail "404 reported success"
grep -q 'voices/tv_alpha.pt: not found at .*(HTTP 404)' "$tmp/err" || fail "no clear 404 message"
[ ! -e "$d/voices/tv_alpha.pt" ] && [ ! -e "$d/voices/tv_alpha.pt.part" ] || fail "file left after 404"

echo "== unknown repository and revision"
set +e
"$kokoro" download --model-dir "$tmp/x" --repo nobody/nothing 2>"$tmp/err"; rc=$?
set -e
cat "$tmp/err"
[ $rc -ne 0 ] && grep -q 'repository nobody/nothing (revision main) not found' "$tmp/err" || fail "unknown repo"
set +e
"$kokoro" download --model-dir "$tmp/x" --revision v9 2>"$tmp/err"; rc=$?
set -e
[ $rc -ne 0 ] && grep -q 'revision v9) not found' "$tmp/err" || fail "unknown revision"

if command -v valgrind >/dev/null; then
  echo "== memory errors and leaks (valgrind): cut connection, corrupt file, 404, unreachable"
  vg=(valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite)
  start_server valgrind --drop-once kokoro-v1_0.pth --corrupt voices/tv_beta.pt --missing voices/tv_alpha.pt
  set +e
  "${vg[@]}" "$kokoro" download --model-dir "$tmp/vg" 2>"$tmp/err"; rc=$?
  set -e
  [ $rc -eq 1 ] || { cat "$tmp/err"; fail "valgrind run: exit $rc (99 = memory error)"; }
  cmp "$tmp/vg/kokoro-v1_0.pth" "$golden/kokoro-tiny.pth"
  stop_server
  set +e
  HF_ENDPOINT=http://127.0.0.1:9 "${vg[@]}" "$kokoro" download --model-dir "$tmp/vg2" 2>"$tmp/err"; rc=$?
  set -e
  [ $rc -eq 1 ] || { cat "$tmp/err"; fail "valgrind offline run: exit $rc (99 = memory error)"; }
fi

echo "== bad arguments"
set +e
msg=$("$kokoro" download --frobnicate 2>&1); rc=$?
set -e
[ $rc -eq 2 ] && [ "$(printf '%s\n' "$msg" | wc -l)" -eq 1 ] || fail "bad argument: rc=$rc $msg"
set +e
"$kokoro" download --model-dir 2>/dev/null; rc=$?
set -e
[ $rc -eq 2 ] || fail "missing value accepted"
echo "ok"
