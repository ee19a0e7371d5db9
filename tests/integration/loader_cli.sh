#!/usr/bin/env bash
# kokoro voices lists packs; kokoro convert writes safetensors that reconvert to identical bytes;
# bad inputs fail with one line on stderr and a non-zero exit code.
set -euo pipefail
kokoro=$1
build=$2
src=$3
golden=$src/tests/fixtures/golden
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

out=$("$kokoro" voices --voices-dir "$golden/voices")
[ "$out" = $'tv_alpha\ntv_beta' ] || { echo "voices: $out"; exit 1; }
mkdir -p "$tmp/model/voices"
cp "$golden/voices/tv_beta.pt" "$tmp/model/voices/"
[ "$("$kokoro" voices --model-dir "$tmp/model")" = "tv_beta" ]
[ "$(KOKORO_MODEL_DIR="$tmp/model" "$kokoro" voices)" = "tv_beta" ]
if [ -d "${KOKORO_SHARED_DIR:-$src/../shared}/voices-v1.0" ]; then
  n=$("$kokoro" voices --voices-dir "${KOKORO_SHARED_DIR:-$src/../shared}/voices-v1.0" | wc -l)
  [ "$n" -eq 54 ] || { echo "real voices: $n"; exit 1; }
fi

expect_fail() {
  set +e
  msg=$("$kokoro" "$@" 2>&1 >/dev/null); rc=$?
  set -e
  if [ $rc -eq 0 ] || [ "$(printf '%s\n' "$msg" | wc -l)" -ne 1 ]; then
    echo "expected one-line failure from: $* (rc=$rc): $msg"; exit 1
  fi
  echo "fails as expected: $msg"
}
expect_fail voices --voices-dir "$tmp/none"
expect_fail voices --bogus

"$kokoro" convert "$golden/kokoro-tiny.pth" "$tmp/a.safetensors" | grep -q '599 tensors'
"$kokoro" convert "$tmp/a.safetensors" "$tmp/b.safetensors" >/dev/null
# The header names its source file, so compare everything after it.
hdr() { od -An -tu8 -N8 "$1" | tr -d ' '; }
cmp <(tail -c +$(( $(hdr "$tmp/a.safetensors") + 9 )) "$tmp/a.safetensors") \
    <(tail -c +$(( $(hdr "$tmp/b.safetensors") + 9 )) "$tmp/b.safetensors")
"$kokoro" convert "$golden/kokoro-tiny.pth" "$tmp/h.safetensors" --dtype bf16 | grep -q 'bf16'
"$kokoro" convert "$golden/kokoro-tiny.pth" "$tmp/f.safetensors" --dtype=f16 | grep -q 'f16'
size32=$(stat -c %s "$tmp/a.safetensors"); size16=$(stat -c %s "$tmp/h.safetensors")
[ $((size16 * 2)) -lt $((size32 + 200000)) ] && [ "$size16" -lt "$size32" ]

expect_fail convert "$golden/kokoro-tiny.pth" "$tmp/x.safetensors" --dtype f8
expect_fail convert "$golden/config.json" "$tmp/x.safetensors"
expect_fail convert "$tmp/missing.pth" "$tmp/x.safetensors"
expect_fail convert "$golden/kokoro-tiny.pth" "$tmp/no/such/dir/x.safetensors"
expect_fail convert "$golden/kokoro-tiny.pth"
head -c 300000 "$golden/kokoro-tiny.pth" > "$tmp/cut.pth"
expect_fail convert "$tmp/cut.pth" "$tmp/x.safetensors"
[ ! -e "$tmp/x.safetensors" ]
ls "$tmp" | grep -q tmp && { echo "temporary file left behind"; exit 1; }
echo ok
