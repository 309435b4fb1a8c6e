#!/bin/sh
# Install every Debian package airlock needs to build and test. Idempotent:
# packages already present are not touched, and apt is not even updated then.
set -eu

PKGS="gcc make libc6-dev linux-libc-dev libcmocka-dev libfdt-dev libseccomp-dev \
pkg-config qemu-system-x86 busybox-static cpio gzip xz-utils zstd kmod binutils \
iproute2 ca-certificates pciutils"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "deps: installing$missing"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
