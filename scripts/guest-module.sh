#!/bin/sh
# Builds the airlock guest driver (guest/module) for Debian's stock kernel of
# an architecture and prints the path of the .ko. Cached by kernel and source.
#   scripts/guest-module.sh amd64|arm64 KERNEL-DIR
# amd64: installs the matching linux-headers package when missing.
# arm64 (cross-built on x86_64): the arm64 headers, the common headers and
# the host's kbuild tools are unpacked side by side into the cache instead,
# since installing the arm64 headers package would displace the native
# toolchain.
set -eu
arch=${1:-amd64}
kdir=$2
here=$(cd "$(dirname "$0")/.." && pwd)
cache=${AIRLOCK_CACHE:-/var/cache/airlock}
ver=$(cat "$kdir/version")

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
case $arch in
amd64) hdr=/usr/src/linux-headers-$ver; make_args= ;;
arm64)
	hdr=$cache/headers/$ver/usr/src/linux-headers-$ver
	make_args=
	[ "$(uname -m)" = aarch64 ] || make_args="ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-"
	if [ ! -f "$cache/headers/$ver/.done" ]; then
		abi=${ver%-arm64}
		kb=$(apt-cache depends "linux-headers-$abi-common" 2>/dev/null |
			sed -n 's/^ *Depends: \(linux-kbuild-[0-9.]*\)$/\1/p' | head -n1)
		[ -n "$kb" ] || kb=linux-kbuild-6.1
		dl=$(mktemp -d)
		(cd "$dl" && apt-get download -q "linux-headers-$ver:arm64" "linux-headers-$abi-common" \
			"$kb" >/dev/null 2>&1) || { echo "guest-module: cannot download the arm64 headers" >&2; exit 1; }
		rm -rf "$cache/headers/$ver"
		mkdir -p "$cache/headers/$ver"
		for d in "$dl"/*.deb; do dpkg-deb -x "$d" "$cache/headers/$ver"; done
		rm -rf "$dl"
		# Its one-line Makefile includes the common tree by absolute path.
		sed -i "s|/usr/src/linux-headers-$abi-common|$cache/headers/$ver/usr/src/linux-headers-$abi-common|" \
			"$hdr/Makefile"
		touch "$cache/headers/$ver/.done"
	fi
	;;
*) echo "guest-module: unknown arch '$arch'" >&2; exit 2 ;;
esac
if [ "$arch" = amd64 ] && [ ! -f "$hdr/Makefile" ]; then
	echo "guest-module: installing linux-headers-$ver" >&2
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
		"linux-headers-$ver" >/dev/null
fi
# The driver's sources: every .c and .h beside its Kbuild (as debian/rules ships them).
srcs=$(ls "$here"/guest/module/*.[ch] "$here"/guest/module/Kbuild)
# shellcheck disable=SC2086
key=$(cat $srcs | sha256sum | cut -c1-16)
out=$cache/guest-module/$ver-$key/airlock_virtio.ko
if [ ! -f "$out" ]; then
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	# shellcheck disable=SC2086
	cp $srcs "$tmp/"
	make -s -C "$hdr" M="$tmp" $make_args modules >&2
	mkdir -p "$(dirname "$out")"
	cp "$tmp/airlock_virtio.ko" "$out"
fi
echo "$out"
