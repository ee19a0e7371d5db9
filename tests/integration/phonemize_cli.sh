#!/usr/bin/env bash
# `kokoro phonemize`: text argument, stdin, languages, token ids from config.json, errors, and a
# 1 MB English input (prints its time; speed is reported, not asserted).
set -euo pipefail
kokoro=$1 src=$3
config=$src/tests/fixtures/golden/config.json
check() { # expected, then the command
  local want=$1; shift
  local got
  got=$("$@")
  [ "$got" = "$want" ] || { echo "FAIL: $* -> '$got' (want '$want')"; exit 1; }
}
fails() { # the command must fail with one line on stderr and nothing on stdout
  local out err rc
  set +e
  out=$("$@" 2>/tmp/phonemize_err.$$); rc=$?
  set -e
  err=$(cat /tmp/phonemize_err.$$); rm -f /tmp/phonemize_err.$$
  [ $rc -ne 0 ] && [ -z "$out" ] && [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] || {
    echo "FAIL: $* should fail with one line: rc=$rc out='$out' err='$err'"; exit 1; }
}
check 'həlˈO wˈɜɹld.' "$kokoro" phonemize 'Hello world.'
check 'ˈaʃ ɔː ˌɒn.' "$kokoro" phonemize --lang b 'Ash or on.'
check 'wˈʌn hˈʌndɹəd dˈɑləɹz' bash -c "printf '\$100' | '$kokoro' phonemize -"
# the first chunk is the first clause; a pause is its own line
check $'nˈO,\nɪt wˈʌzᵊnt.\n[pause 1.5 s]\nbˈʌtn.' "$kokoro" phonemize "No, it wasn't. [pause:1.5s] Button."
check $'ʧˈao!' "$kokoro" phonemize --lang i 'Ciao!'
# ids: phonemes, a tab, then the ids with the two boundary zeros
check $'bˈʌtn.\t0 44 156 138 62 56 4 0' "$kokoro" phonemize --ids --config "$config" 'button.'
check 'koɲɲiʨiβa' "$kokoro" phonemize --lang j 'こんにちは'
fails env KOKORO_JA_DICT=/nonexistent/kokoro-dic "$kokoro" phonemize --lang j 'こんにちは'
fails "$kokoro" phonemize --lang xx 'hello'
fails "$kokoro" phonemize
fails "$kokoro" phonemize --bogus x
fails env KOKORO_MODEL_DIR=/nonexistent/kokoro "$kokoro" phonemize --ids 'hello'
"$kokoro" phonemize --words 'I paid $5.' | grep -q $'^  \\$5\t\\[7,9)\t'

tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
line='It was the best of times, it was the worst of times; it was the age of wisdom, it was the age of foolishness. On 3/4/2021 at 10:30am Dr. Lee paid $1,234.56 (about 15%) for 3 items, which surprised nobody! '
while [ "$(stat -c %s "$tmp")" -lt 1048576 ]; do printf '%s' "$line$line$line$line$line$line$line$line" >> "$tmp"; done
start=$(date +%s%N)
lines=$("$kokoro" phonemize - < "$tmp" | wc -l)
end=$(date +%s%N)
echo "phonemize: $(stat -c %s "$tmp") bytes, $lines chunks in $(( (end - start) / 1000000 )) ms"
[ "$lines" -gt 1000 ] || { echo "FAIL: only $lines chunks for 1 MB"; exit 1; }
echo ok
