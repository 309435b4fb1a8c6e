#!/bin/sh
# Install every Debian package airlock needs to build and test. Idempotent:
# packages already present are not touched, and apt is not even updated then.
set -eu

# The kernel and initrd decompressors link liblzma, libzstd, zlib and liblz4;
# the boot cache's keys are SHA-256 (nettle).
# arm64: the cross toolchain and arm64 libraries for a static cross build,
# and QEMU to emulate an arm64 KVM host for the nested boot tests. The
# Debian packages (make deb) and root images (scripts/mkrootfs.sh, arm64
# through qemu-user) need debhelper, dh-dkms, mmdebstrap and friends;
# qemu-system-common has the vhost-user backends (virtiofsd,
# qemu-storage-daemon).
PKGS="gcc make libc6-dev linux-libc-dev libcmocka-dev libfdt-dev libseccomp-dev \
liblzma-dev libzstd-dev zlib1g-dev liblz4-dev nettle-dev \
pkg-config qemu-system-x86 qemu-system-common busybox-static cpio gzip xz-utils zstd kmod binutils \
iproute2 ca-certificates pciutils python3 groff-base qemu-system-arm gcc-aarch64-linux-gnu \
libc6-dev-arm64-cross libseccomp-dev:arm64 \
liblzma-dev:arm64 libzstd-dev:arm64 zlib1g-dev:arm64 liblz4-dev:arm64 nettle-dev:arm64 \
debhelper dh-dkms dpkg-dev lintian mmdebstrap arch-test qemu-user-static binfmt-support e2fsprogs"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	SUDO=""
	[ "$(id -u)" -eq 0 ] || SUDO="sudo"
	echo "deps: installing$missing"
	dpkg --print-foreign-architectures | grep -qx arm64 || $SUDO dpkg --add-architecture arm64
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
# libfdt for the arm64 cross build (unpacked into the cache, not installed).
"$(dirname "$0")/arm64-sysroot.sh" >/dev/null
