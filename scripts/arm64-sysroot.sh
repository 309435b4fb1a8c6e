#!/bin/sh
# libfdt for arm64 cross builds. Debian's libfdt-dev cannot be installed for
# two architectures at once, so the arm64 one is unpacked into the cache
# (keyed by version) and the Makefile links from there.
#   scripts/arm64-sysroot.sh   prints the sysroot directory
set -eu
cache=${AIRLOCK_CACHE:-/var/cache/airlock}
ver=$(apt-cache policy libfdt-dev:arm64 2>/dev/null | sed -n 's/^ *Candidate: //p')
[ -n "$ver" ] && [ "$ver" != "(none)" ] || { echo "arm64-sysroot: libfdt-dev:arm64 unknown (is the arm64 architecture added? make deps)" >&2; exit 1; }
dir=$cache/sysroot-arm64/$(echo "$ver" | tr : _)
if [ ! -f "$dir/.done" ]; then
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	(cd "$tmp" && apt-get download -q libfdt-dev:arm64 libfdt1:arm64 >/dev/null 2>&1) ||
		{ echo "arm64-sysroot: cannot download libfdt for arm64" >&2; exit 1; }
	rm -rf "$dir"
	mkdir -p "$dir"
	for d in "$tmp"/*.deb; do dpkg-deb -x "$d" "$dir"; done
	touch "$dir/.done"
fi
echo "$dir"
