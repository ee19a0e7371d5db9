#!/usr/bin/env bash
# Builds the CPU runtime image of Kokoro-C without a container daemon:
#   1. a Debian 12 minbase root filesystem made by mmdebstrap from packaging/runtime-packages.txt
#      only (no -dev packages, no compilers), with docs, man pages and locales left out; cached
#      under the cache folder, keyed by the package list and this recipe, so rebuilds are quick;
#   2. the Release `kokoro` binary (stripped; the lexicons are compiled in), an unprivileged user;
#   3. `podman import` with ENTRYPOINT kokoro serve, port 8880 and USER kokoro, saved as an OCI
#      archive (skipped with --rootfs-only).
#
# usage: packaging/build-image.sh [--kokoro BIN] [--out DIR] [--cache DIR] [--tag NAME:TAG]
#                                 [--rootfs-only] [--refresh]
# Needs root (mmdebstrap in root mode, chroot) and the Debian archive; KOKORO_DEBIAN_MIRROR
# overrides http://deb.debian.org.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
kokoro=$src/build/release/kokoro
out=$src/build/image
cache=$src/build/image-cache
version=$(sed -n 's/^project(kokoro VERSION \([0-9.]*\).*/\1/p' "$src/CMakeLists.txt")
tag=localhost/kokoro-cpu:$version
rootfs_only=0 refresh=0
while [ $# -gt 0 ]; do
  case $1 in
    --kokoro) kokoro=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --cache) cache=$2; shift 2 ;;
    --tag) tag=$2; shift 2 ;;
    --rootfs-only) rootfs_only=1; shift ;;
    --refresh) refresh=1; shift ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "build-image: unknown argument $1" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" -eq 0 ] || { echo "build-image: needs root (mmdebstrap root mode, chroot)" >&2; exit 1; }
[ -x "$kokoro" ] || { echo "build-image: no kokoro binary at $kokoro (run 'make release')" >&2; exit 1; }
command -v mmdebstrap >/dev/null || { echo "build-image: mmdebstrap missing (scripts/bootstrap.sh installs it)" >&2; exit 1; }

mirror=${KOKORO_DEBIAN_MIRROR:-http://deb.debian.org}
packages=$(grep -hvE '^\s*(#|$)' "$src/packaging/runtime-packages.txt" | sort -u | paste -sd, -)
# The runtime needs neither a package manager nor perl: apt goes after installation, and the
# merged-/usr hook avoids the usrmerge package (which would pull in perl).
mmdebstrap_args=(
  --variant=minbase --mode=root --format=tar --include="$packages"
  --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr
  --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright'
  --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/info/*'
  --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-include=/usr/share/locale/locale.alias'
  --dpkgopt='path-exclude=/usr/share/lintian/*' --dpkgopt='path-exclude=/usr/share/linda/*'
  --customize-hook='chroot "$1" dpkg --purge apt libapt-pkg6.0 debian-archive-keyring gpgv >/dev/null'
  --customize-hook='chroot "$1" useradd --uid 10001 --user-group --home-dir /home/kokoro --create-home --shell /usr/sbin/nologin kokoro'
  --customize-hook='mkdir -p "$1"/models && chroot "$1" chown kokoro:kokoro /models'
)
sources=("deb $mirror/debian bookworm main" "deb $mirror/debian bookworm-updates main"
         "deb $mirror/debian-security bookworm-security main")
key=$(printf '%s\n' "$packages" "${mmdebstrap_args[@]}" "${sources[@]}" | sha256sum | cut -c1-16)
base=$cache/base-$key.tar
mkdir -p "$cache" "$out"
cache=$(realpath "$cache") out=$(realpath "$out")

if [ ! -s "$base" ] || [ $refresh -eq 1 ]; then
  echo "build-image: mmdebstrap bookworm minbase + runtime packages (cache key $key)"
  rm -f "$cache"/base-*.tar   # one base at a time: an old key is an old package list
  if ! mmdebstrap "${mmdebstrap_args[@]}" bookworm "$base.tmp" "${sources[@]}" >"$cache/mmdebstrap.log" 2>&1; then
    tail -n 20 "$cache/mmdebstrap.log" >&2
    echo "build-image: mmdebstrap failed (full log: $cache/mmdebstrap.log)" >&2
    rm -f "$base.tmp"
    exit 1
  fi
  mv "$base.tmp" "$base"
else
  echo "build-image: base root filesystem from cache ($base)"
fi

rootfs=$out/rootfs
rm -rf "$rootfs"
mkdir -p "$rootfs"
tar -C "$rootfs" -xf "$base"
# What apt and the installation left behind is of no use in a runtime image, nor is the data
# of libraries that libavcodec links but kokoro never calls (MIME database, fonts for librsvg).
rm -rf "$rootfs"/etc/apt "$rootfs"/var/lib/apt "$rootfs"/var/cache/apt "$rootfs"/var/log/* \
       "$rootfs"/var/cache/debconf/*-old "$rootfs"/var/lib/dpkg/*-old \
       "$rootfs"/usr/share/mime "$rootfs"/usr/share/fonts "$rootfs"/var/cache/fontconfig
install -m 0755 -s "$kokoro" "$rootfs/usr/local/bin/kokoro"
# The lexicons in data/ are compiled into the binary; only their licence travels with it, next
# to the README's licence notes (espeak-ng makes the binary GPL-3.0-or-later).
mkdir -p "$rootfs/usr/share/doc/kokoro"
cp "$src/README.md" "$rootfs/usr/share/doc/kokoro/"
for f in "$src"/LICENSE* "$src"/data/LICENSE*; do
  if [ -f "$f" ]; then cp "$f" "$rootfs/usr/share/doc/kokoro/"; fi
done
cp "$src/data/ja/LICENSE" "$rootfs/usr/share/doc/kokoro/LICENSE-ja"
cp "$src/data/zh/LICENSE" "$rootfs/usr/share/doc/kokoro/LICENSE-zh"
echo "build-image: root filesystem in $rootfs ($(du -sb "$rootfs" | cut -f1) bytes)"
[ $rootfs_only -eq 1 ] && exit 0

command -v podman >/dev/null || { echo "build-image: podman missing; the root filesystem is in $rootfs" >&2; exit 1; }
# A private, throw-away vfs store: no daemon, no overlay support needed, nothing shared with
# other users of the machine, no state carried between builds.
# (podman refuses a run root longer than 50 characters, hence /tmp.)
store=$(mktemp -d /tmp/kokoro-image.XXXXXX)
trap 'rm -rf "$store"' EXIT
podman_cmd=(podman --root "$store/root" --runroot "$store/run" --storage-driver vfs)
layer=$out/rootfs.tar
tar -C "$rootfs" --numeric-owner -cf "$layer" .
"${podman_cmd[@]}" import --quiet \
  --change 'ENTRYPOINT ["/usr/local/bin/kokoro", "serve"]' \
  --change 'EXPOSE 8880/tcp' \
  --change 'USER kokoro' \
  --change 'WORKDIR /home/kokoro' \
  --change 'ENV KOKORO_MODEL_DIR=/models HOST=0.0.0.0 PORT=8880' \
  --change 'VOLUME /models' \
  --message "Kokoro-C $version CPU runtime" \
  "$layer" "$tag" >/dev/null
rm -f "$layer"
archive=$out/kokoro-cpu-$version.oci.tar
rm -f "$archive"
"${podman_cmd[@]}" save --quiet --format oci-archive -o "$archive" "$tag"
"${podman_cmd[@]}" rmi -f "$tag" >/dev/null
rm -rf "$store"
echo "build-image: OCI archive $archive ($(stat -c %s "$archive") bytes), image $tag"
