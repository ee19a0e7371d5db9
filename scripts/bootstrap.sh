#!/usr/bin/env bash
# Installs the Debian packages Kokoro-C needs to build, test and run.
# Idempotent: prints nothing and touches nothing when every package is present.
set -euo pipefail
# --runtime-only: just what the binary needs to run. --no-test-tools: build and runtime packages,
# without the tools listed after "# test-only" in build-packages.txt (container builders).
here=$(cd "$(dirname "$0")/.." && pwd)
build_list=$here/packaging/build-packages.txt runtime_list=$here/packaging/runtime-packages.txt
case "${1:-}" in
  --runtime-only) wanted=$(cat "$runtime_list") ;;
  --no-test-tools) wanted=$(awk '/^# test-only/ {exit} {print}' "$build_list"; cat "$runtime_list") ;;
  "") wanted=$(cat "$build_list" "$runtime_list") ;;
  *) echo "usage: scripts/bootstrap.sh [--runtime-only | --no-test-tools]" >&2; exit 2 ;;
esac
# The runtime list names Debian 12's library packages (libavcodec59, libflac12, ...). Elsewhere
# (Ubuntu) those names differ; there the -dev packages bring their own runtime libraries, so
# the runtime list is left to them, and names this release does not know are reported.
debian12=0
[ -r /etc/os-release ] && . /etc/os-release && [ "${ID:-}" = debian ] && [ "${VERSION_ID:-}" = 12 ] && debian12=1
if [ $debian12 -eq 0 ] && [ "${1:-}" != --runtime-only ]; then
  wanted=$(grep -vxFf <(grep -vE '^\s*(#|$)' "$runtime_list") <<<"$wanted" || true)
fi
# The web player's browser test needs npm. Debian ships it as its own package, but a node from
# elsewhere (NodeSource) bundles npm and conflicts with Debian's, so it is only added when absent.
if [ "${1:-}" = "" ] && ! command -v npm >/dev/null; then
  wanted=$(printf '%s\nnpm\n' "$wanted")
fi
wanted=$(grep -vE '^\s*(#|$)' <<<"$wanted" | sort -u)
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
if [ $debian12 -eq 0 ]; then
  known=() unknown=()
  for p in "${missing[@]}"; do
    if apt-cache show "$p" >/dev/null 2>&1; then known+=("$p"); else unknown+=("$p"); fi
  done
  [ ${#unknown[@]} -eq 0 ] || echo "bootstrap: not in this release's archive, skipped: ${unknown[*]}" >&2
  missing=("${known[@]}")
  [ ${#missing[@]} -eq 0 ] && exit 0
fi
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
