#!/usr/bin/env bash
# libavcodec/libavutil (AAC) are loaded at the first AAC encoder, not at start-up: `kokoro
# --version`, `kokoro say` to wav and a server answering wav never map them (nor the libraries
# they drag in, such as librsvg or x265); the first aac output loads them with dlopen and decodes.
# Without them (simulated by tests/preload/dlopen_deny.c) AAC fails with a one-line error that
# names the library or symbol, the CLI leaves no file, and the server answers that request with a
# JSON error and keeps serving the other formats.
set -euo pipefail
kokoro=$1 build=$2 src=$3
tmp=$(mktemp -d "$build/aac-lazy.XXXXXX")
. "$src/tests/integration/lib/server_common.sh"
trap 'kill_server_quietly; rm -rf "$tmp"' EXIT
unset API_KEYS CORS_ORIGINS KK_DENY_DLOPEN KK_DENY_DLSYM
fail() { echo "FAIL: $*"; exit 1; }
deny=$build/tests/libdlopen_deny.so
[ -f "$deny" ] || fail "$deny not built"
libav_re='lib(avcodec|avutil|swresample|rsvg-2|x265)\.so'

G=$KOKORO_FIXTURES/golden
ph=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["phonemes"])' "$G/cases/a_short/case.json")
n=11400 # samples of this case
say() { "$kokoro" say --model "$G/kokoro-tiny.pth" --voice tv_alpha --phonemes "$ph" --zero-noise "$@"; }

echo "== CLI: the loader's trace shows FFmpeg only for aac"
LD_DEBUG=files "$kokoro" --version >/dev/null 2>"$tmp/version.trace"
grep -q 'file=libopenblas' "$tmp/version.trace" || fail "LD_DEBUG=files traced nothing: the check would pass vacuously"
! grep -E "file=$libav_re" "$tmp/version.trace" || fail "kokoro --version loads FFmpeg"
LD_DEBUG=files say -o "$tmp/a.wav" 2>"$tmp/wav.trace"
! grep -E "file=$libav_re" "$tmp/wav.trace" || fail "kokoro say to wav loads FFmpeg"
LD_DEBUG=files say -o "$tmp/a.aac" 2>"$tmp/aac.trace"
grep -q 'file=libavcodec\.so\.[0-9]* .*dynamically loaded by' "$tmp/aac.trace" \
  || fail "kokoro say to aac did not dlopen libavcodec"
[ "$(ffprobe -v error -show_entries stream=codec_name,sample_rate,channels -of csv=p=0 "$tmp/a.aac")" = "aac,24000,1" ] \
  || fail "the aac output does not probe as aac, 24 kHz, mono"
got=$(( $(ffmpeg -nostdin -v error -i "$tmp/a.aac" -f s16le -ac 1 -ar 24000 - | wc -c) / 2 ))
[ "$got" -ge $((n + 1024)) ] && [ "$got" -le $((n + 2048)) ] || fail "aac decodes to $got samples"

echo "== CLI: a missing library or symbol is a one-line error, and other formats still work"
expect_fail() { # expects `say` to fail with a one-line message containing $1; the rest is env + args
  local want=$1; shift
  set +e; msg=$(env LD_PRELOAD="$deny" "$@" 2>&1); rc=$?; set -e
  [ $rc -ne 0 ] || fail "expected failure: $*"
  [ "$(wc -l <<<"$msg")" -eq 1 ] || fail "multi-line error: $msg"
  grep -qF -- "$want" <<<"$msg" || fail "message '$msg' lacks '$want'"
  echo "error ok: $msg"
}
say_cmd=("$kokoro" say --model "$G/kokoro-tiny.pth" --voice tv_alpha --phonemes "$ph" --zero-noise)
expect_fail "AAC needs libavcodec59: libavcodec.so.59: cannot open shared object file" \
  KK_DENY_DLOPEN=libavcodec "${say_cmd[@]}" -o "$tmp/x.aac"
expect_fail "AAC needs libavutil57: libavutil.so.57: cannot open shared object file" \
  KK_DENY_DLOPEN=libavutil "${say_cmd[@]}" -o "$tmp/x.aac"
expect_fail "AAC needs libavcodec59: undefined symbol: avcodec_open2" \
  KK_DENY_DLSYM=avcodec_open2 "${say_cmd[@]}" -o "$tmp/x.aac"
expect_fail "AAC needs libavutil57: undefined symbol: av_strerror" \
  KK_DENY_DLSYM=av_strerror "${say_cmd[@]}" -f aac -o "$tmp/x.wav"
[ ! -e "$tmp/x.aac" ] && [ ! -e "$tmp/x.wav" ] || fail "a failed aac run left its output file"
env LD_PRELOAD="$deny" KK_DENY_DLOPEN=libavcodec "${say_cmd[@]}" -o "$tmp/b.mp3"
[ "$(ffprobe -v error -show_entries stream=codec_name -of csv=p=0 "$tmp/b.mp3")" = mp3 ] || fail "mp3 without libavcodec"

speech() { # speech FORMAT OUTFILE -> prints the HTTP status
  curl -s -o "$2" -w '%{http_code}' -H 'Content-Type: application/json' \
    -d "{\"input\": \"Hello there.\", \"voice\": \"tv_alpha\", \"response_format\": \"$1\"}" \
    "http://127.0.0.1:$server_port/v1/audio/speech"
}
mapped() { grep -E "/$libav_re" "/proc/$server_pid/maps" | awk '{print $6}' | sort -u || true; }

echo "== server: FFmpeg is mapped only after the first aac request"
start_server lazy --workers 1
[ -n "$(grep -F '/libopenblas' "/proc/$server_pid/maps")" ] || fail "cannot read the server's mappings"
[ -z "$(mapped)" ] || fail "the idle server maps $(mapped)"
[ "$(speech wav "$tmp/s.wav")" = 200 ] || fail "wav request"
[ -z "$(mapped)" ] || fail "the server maps $(mapped) after a wav request"
[ "$(speech aac "$tmp/s.aac")" = 200 ] || fail "aac request"
[ "$(ffprobe -v error -show_entries stream=codec_name -of csv=p=0 "$tmp/s.aac")" = aac ] || fail "server aac output"
mapped | grep -q 'libavcodec\.so' || fail "libavcodec is not mapped after an aac request"
stop_server

echo "== server without libavcodec: aac is a JSON error, the other formats keep working"
LD_PRELOAD=$deny KK_DENY_DLOPEN=libavcodec start_server denied --workers 1
for i in 1 2; do # the failed load is remembered; the second request must fail the same way
  code=$(speech aac "$tmp/err.json")
  [ "$code" = 400 ] || { cat "$tmp/err.json"; fail "aac without libavcodec answered $code"; }
  python3 - "$tmp/err.json" <<'PY'
import json, sys
e = json.load(open(sys.argv[1]))
msg = e["detail"]["message"] if "detail" in e else e["error"]["message"]
assert "AAC needs libavcodec59: libavcodec.so.59: cannot open shared object file" in msg, e
print("server error ok:", msg)
PY
  [ "$(speech mp3 "$tmp/s.mp3")" = 200 ] || fail "mp3 request after a failed aac request"
  [ "$(ffprobe -v error -show_entries stream=codec_name -of csv=p=0 "$tmp/s.mp3")" = mp3 ] || fail "server mp3 output"
done
[ -z "$(mapped)" ] || fail "the denied server maps $(mapped)"
curl -sf "http://127.0.0.1:$server_port/health" >/dev/null || fail "unhealthy after the aac errors"
stop_server
echo ok
