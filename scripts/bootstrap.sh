#!/usr/bin/env bash
# Installs the Debian packages Kokoro-C needs to build, test and run.
# Idempotent: prints nothing and touches nothing when every package is present.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
lists=("$here/packaging/build-packages.txt" "$here/packaging/runtime-packages.txt")
[ "${1:-}" = "--runtime-only" ] && lists=("$here/packaging/runtime-packages.txt")

wanted=$(grep -hvE '^\s*(#|$)' "${lists[@]}" | sort -u)
missing=()
for p in $wanted; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "bootstrap: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
echo "bootstrap: installing ${#missing[@]} package(s): ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
