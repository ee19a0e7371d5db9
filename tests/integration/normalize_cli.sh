#!/usr/bin/env bash
# `kokoro normalize`: text argument, stdin, options, other languages, errors, and a 1 MB input
# (prints its time; speed is reported, not asserted).
set -euo pipefail
kokoro=$1
check() { # expected, then the command
  local want=$1; shift
  local got
  got=$("$@")
  [ "$got" = "$want" ] || { echo "FAIL: $* -> '$got' (want '$want')"; exit 1; }
}
check 'I paid five dollars and fifty cents at three thirty pm.' "$kokoro" normalize 'I paid $5.50 at 3:30pm.'
check 'nineteen eighty-four' bash -c "printf 1984 | '$kokoro' normalize -"
check 'I paid $5.50' "$kokoro" normalize --no-normalize 'I paid $5.50'
check 'J ai 5 $' "$kokoro" normalize --lang f 'J ai 5 $'
check 'five kilograms' "$kokoro" normalize --units '5kg'
check '5kg' "$kokoro" normalize '5kg'
check 'A & B' "$kokoro" normalize --no-symbols 'A & B'
check 'file(s)' "$kokoro" normalize --no-plurals 'file(s)'
"$kokoro" normalize --spans 'Pay $5' | grep -q $'^4\t16\t4\t6\tfive dollars\t\$5$'
set +e
msg=$("$kokoro" normalize --bogus x 2>&1); rc=$?
set -e
[ $rc -ne 0 ] && [ "$(echo "$msg" | wc -l)" -eq 1 ] || { echo "bad option: rc=$rc msg=$msg"; exit 1; }
set +e
msg=$("$kokoro" normalize 2>&1); rc=$?
set -e
[ $rc -ne 0 ] && [ "$(echo "$msg" | wc -l)" -eq 1 ] || { echo "missing text: rc=$rc msg=$msg"; exit 1; }

tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
line='On 3/4/2021 at 10:30am Dr. Lee paid $1,234.56 (about 15%) for 3 items; see https://example.com/x?y=1 or mail a.b@c.org. Call 555-123-4567! '
while [ "$(stat -c %s "$tmp")" -lt 1048576 ]; do printf '%s' "$line$line$line$line$line$line$line$line" >> "$tmp"; done
start=$(date +%s%N)
"$kokoro" normalize - < "$tmp" > /dev/null
end=$(date +%s%N)
echo "normalize: $(stat -c %s "$tmp") bytes in $(( (end - start) / 1000000 )) ms"
echo ok
