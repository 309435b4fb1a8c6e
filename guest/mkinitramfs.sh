#!/bin/sh
# Builds the airlock test guest's initramfs (busybox, guest/init.sh and the
# kernel's virtio modules) and prints its path. Cached by the inputs' content.
#   guest/mkinitramfs.sh [amd64|arm64] [KERNEL-DIR] [GUEST-DRIVER.ko]
# KERNEL-DIR is what scripts/guest-kernel.sh printed (root/lib/modules/...);
# GUEST-DRIVER is the airlock driver (scripts/guest-module.sh), loaded after
# virtio_pci_modern_dev and before virtio_pci so it binds the devices that
# have a bounce region.
set -eu
arch=${1:-amd64}
kdir=${2:-}
avko=${3:-}
# Loaded in this order by init.sh; those built into a kernel are absent.
MODS="drivers/virtio/virtio_ring.ko drivers/virtio/virtio.ko
drivers/virtio/virtio_pci_modern_dev.ko drivers/virtio/virtio_pci_legacy_dev.ko
drivers/virtio/virtio_pci.ko drivers/block/virtio_blk.ko drivers/char/hw_random/virtio-rng.ko
drivers/char/virtio_console.ko net/core/failover.ko drivers/net/net_failover.ko
drivers/net/virtio_net.ko fs/fuse/fuse.ko fs/fuse/virtiofs.ko
drivers/misc/pvpanic/pvpanic.ko drivers/misc/pvpanic/pvpanic-pci.ko"
here=$(cd "$(dirname "$0")" && pwd)
cache=${AIRLOCK_CACHE:-/var/cache/airlock}

case $arch in
amd64) busybox=/bin/busybox ;;
arm64) busybox=$("$here/../scripts/busybox-arm64.sh") ;;
*) echo "mkinitramfs: unknown arch '$arch'" >&2; exit 2 ;;
esac
[ -x "$busybox" ] || { echo "mkinitramfs: $busybox missing (make deps)" >&2; exit 1; }

moddir=
if [ -n "$kdir" ]; then
	moddir=$(echo "$kdir"/root/lib/modules/*/kernel)
	[ -d "$moddir" ] || { echo "mkinitramfs: no modules under $kdir" >&2; exit 1; }
fi
# lspci (pciutils) for the guest, with its libraries, on amd64.
lspci=
[ "$arch" = amd64 ] && [ -x /usr/bin/lspci ] && lspci=/usr/bin/lspci
# The hostile-driver test program (guest/hostile), static, for this arch.
case $arch in
amd64) cc=gcc ;;
arm64) cc=aarch64-linux-gnu-gcc; [ "$(uname -m)" = aarch64 ] && cc=gcc ;;
esac
key=$( (cat "$busybox" "$here/init.sh" "$0" "$here/hostile/hostile.c" "$here/../devices/virtio_regs.h" $lspci $avko; echo "$moddir $cc") | sha256sum | cut -c1-16)
out=$cache/initramfs/guest-$arch-$key.cpio.gz
if [ ! -f "$out" ]; then
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	mkdir -p "$tmp/bin" "$tmp/dev" "$(dirname "$out")"
	cp "$busybox" "$tmp/bin/busybox"
	cp "$here/init.sh" "$tmp/init"
	$cc -static -O2 -Wall -Wextra -Werror -o "$tmp/bin/airlock-hostile" "$here/hostile/hostile.c"
	if [ -n "$lspci" ]; then
		mkdir -p "$tmp/usr/bin"
		cp "$lspci" "$tmp/usr/bin/lspci"
		ldd "$lspci" | grep -o '/[^ ]*' | while read -r lib; do
			mkdir -p "$tmp$(dirname "$lib")"
			cp -L "$lib" "$tmp$lib"
		done
	fi
	if [ -n "$moddir" ]; then
		mkdir -p "$tmp/lib/modules"
		for m in $MODS; do
			[ -f "$moddir/$m" ] && cp "$moddir/$m" "$tmp/lib/modules/"
			[ -f "$moddir/$m" ] && echo "${m##*/}" >> "$tmp/lib/modules/order"
			if [ -n "$avko" ] && [ "${m##*/}" = virtio_pci_modern_dev.ko ]; then
				cp "$avko" "$tmp/lib/modules/airlock_virtio.ko"
				echo airlock_virtio.ko >> "$tmp/lib/modules/order"
			fi
		done
	fi
	chmod 755 "$tmp/init" "$tmp/bin/busybox"
	(cd "$tmp" && find . | cpio -o -H newc --quiet | gzip -1) > "$out.tmp"
	mv "$out.tmp" "$out"
fi
echo "$out"
