#!/bin/sh
# Fetches Debian's busybox-static for arm64 (for arm64 initramfs images) and
# prints the path of the binary. Cached by package version.
set -eu
cache=${AIRLOCK_CACHE:-/var/cache/airlock}
ver=$(apt-cache policy busybox-static:arm64 2>/dev/null | sed -n 's/^ *Candidate: //p')
[ -n "$ver" ] && [ "$ver" != "(none)" ] || { echo "busybox-arm64: busybox-static:arm64 unknown (make deps)" >&2; exit 1; }
dir=$cache/busybox-arm64/$(echo "$ver" | tr : _)
if [ ! -x "$dir/bin/busybox" ]; then
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	(cd "$tmp" && apt-get download -q busybox-static:arm64 >/dev/null 2>&1)
	dpkg-deb -x "$tmp"/*.deb "$tmp/root"
	mkdir -p "$dir/bin"
	cp "$tmp/root/bin/busybox" "$dir/bin/busybox"
fi
echo "$dir/bin/busybox"
