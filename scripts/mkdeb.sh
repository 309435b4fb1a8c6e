#!/bin/sh
# Builds the Debian packages from this checkout: airlock (for this machine's
# architecture) and airlock-virtio-dkms (Architecture: all), into build/deb.
# Prints the directory. The tree is copied first, so the checkout's parent
# gets no build products and the checkout's own build/ stays as it is.
#   scripts/mkdeb.sh [--indep] [OUTDIR]
# --indep: the DKMS package only. OUTDIR (default build/deb) gets the .debs.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
what=-b
[ "${1:-}" = --indep ] && { what=-A; shift; }
out=${1:-$top/build/deb}
ver=$(dpkg-parsechangelog -l "$top/debian/changelog" -S Version)
tmp=$(mktemp -d /tmp/airlock-deb.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/airlock-$ver"
tar -C "$top" --exclude=./.git --exclude=./build --exclude=./airlock -cf - . |
	tar -C "$tmp/airlock-$ver" -xf -
(cd "$tmp/airlock-$ver" && dpkg-buildpackage $what -us -uc >"$tmp/build.log" 2>&1) || {
	tail -n 30 "$tmp/build.log" >&2
	echo "mkdeb: dpkg-buildpackage failed (log above)" >&2
	exit 1
}
mkdir -p "$out"
if [ "$what" = -A ]; then rm -f "$out"/*_all.deb; else rm -f "$out"/*.deb; fi
cp "$tmp"/*.deb "$out/"
echo "$out"
