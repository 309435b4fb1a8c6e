#!/bin/sh
# Builds the airlock guest driver (guest/module) for Debian's stock kernel of
# an architecture and prints the path of the .ko. Installs the matching
# linux-headers package when missing (amd64). Cached by kernel and source.
#   scripts/guest-module.sh amd64 KERNEL-DIR
set -eu
arch=${1:-amd64}
kdir=$2
here=$(cd "$(dirname "$0")/.." && pwd)
cache=${AIRLOCK_CACHE:-/var/cache/airlock}
ver=$(cat "$kdir/version")

case $arch in
amd64) hdr=/usr/src/linux-headers-$ver; make_args= ;;
*) echo "guest-module: $arch is not supported yet" >&2; exit 2 ;;
esac
if [ ! -f "$hdr/Makefile" ]; then
	SUDO=""
	[ "$(id -u)" -eq 0 ] || SUDO=sudo
	echo "guest-module: installing linux-headers-$ver" >&2
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
		"linux-headers-$ver" >/dev/null
fi
key=$(cat "$here"/guest/module/airlock_virtio.c "$here"/guest/module/Kbuild | sha256sum | cut -c1-16)
out=$cache/guest-module/$ver-$key/airlock_virtio.ko
if [ ! -f "$out" ]; then
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	cp "$here"/guest/module/airlock_virtio.c "$here"/guest/module/Kbuild "$tmp/"
	make -s -C "$hdr" M="$tmp" $make_args modules >&2
	mkdir -p "$(dirname "$out")"
	cp "$tmp/airlock_virtio.ko" "$out"
fi
echo "$out"
