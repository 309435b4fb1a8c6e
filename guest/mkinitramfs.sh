#!/bin/sh
# Builds the airlock test guest's initramfs (busybox + guest/init.sh) and
# prints its path. Cached by the inputs' content.
#   guest/mkinitramfs.sh [amd64|arm64]
set -eu
arch=${1:-amd64}
here=$(cd "$(dirname "$0")" && pwd)
cache=${AIRLOCK_CACHE:-/var/cache/airlock}

case $arch in
amd64) busybox=/bin/busybox ;;
arm64) busybox=$cache/busybox-arm64/bin/busybox ;;
*) echo "mkinitramfs: unknown arch '$arch'" >&2; exit 2 ;;
esac
[ -x "$busybox" ] || { echo "mkinitramfs: $busybox missing (make deps)" >&2; exit 1; }

key=$(cat "$busybox" "$here/init.sh" "$0" | sha256sum | cut -c1-16)
out=$cache/initramfs/guest-$arch-$key.cpio.gz
if [ ! -f "$out" ]; then
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	mkdir -p "$tmp/bin" "$tmp/dev" "$(dirname "$out")"
	cp "$busybox" "$tmp/bin/busybox"
	cp "$here/init.sh" "$tmp/init"
	chmod 755 "$tmp/init" "$tmp/bin/busybox"
	(cd "$tmp" && find . | cpio -o -H newc --quiet | gzip -1) > "$out.tmp"
	mv "$out.tmp" "$out"
fi
echo "$out"
