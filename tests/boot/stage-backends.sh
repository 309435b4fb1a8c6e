#!/bin/sh
# Stages the vhost-user backends Debian ships in qemu-system-common,
# qemu-storage-daemon and virtiofsd, with the libraries they load, into
# DIR (merged into L1's root by tests/boot/vhost.sh).
#   tests/boot/stage-backends.sh amd64|arm64 DIR
set -eu
arch=$1 root=$2
bins="/usr/bin/qemu-storage-daemon /usr/lib/qemu/virtiofsd"
mkdir -p "$root"
case $arch in
amd64)
	for b in $bins; do
		[ -x "$b" ] || { echo "stage-backends: $b missing (make deps: qemu-system-common)" >&2; exit 1; }
		mkdir -p "$root$(dirname "$b")"
		cp "$b" "$root$b"
		ldd "$b" | grep -o '/[^ ]*' | while read -r lib; do
			mkdir -p "$root$(dirname "$lib")"
			cp -L "$lib" "$root$lib"
		done
	done ;;
arm64)
	cp -a "$("$(dirname "$0")/../../scripts/arm64-stage.sh" qemu-system-common $bins)/." "$root/" ;;
*) echo "stage-backends: unknown arch $arch" >&2; exit 2 ;;
esac
