#!/bin/sh
# Copies the newest kernel and its initrd out of a raw ext4 root image (a
# whole-disk filesystem, as scripts/mkrootfs.sh writes), without mounting
# it, so airlock can boot the guest's own kernel: OUT.vmlinuz, OUT.initrd.
#   scripts/image-kernel.sh IMAGE OUT
# airlock has no firmware or boot loader: a guest installed some other way
# (with airlock-virtio-dkms inside) is booted with what this copies out.
set -eu
die() { echo "image-kernel: $*" >&2; exit 1; }
[ $# -eq 2 ] || { echo "usage: image-kernel.sh IMAGE OUT" >&2; exit 2; }
img=$1 out=$2
[ -f "$img" ] || die "$img: no such file"
[ -r "$img" ] || die "$img: not readable"
command -v debugfs >/dev/null || die "debugfs missing (e2fsprogs)"
dumpe2fs -h "$img" >/dev/null 2>&1 ||
	die "$img: not an ext2/3/4 file system (a partitioned disk? this takes a whole-disk file system)"
ls=$(debugfs -R "ls -p /boot" "$img" 2>/dev/null)
# ls -p: /inode/mode/uid/gid/name/size/ per entry; regular files only.
ver=$(echo "$ls" | awk -F/ '$3 ~ /^10/ && $6 ~ /^vmlinuz-/ { sub(/^vmlinuz-/, "", $6); print $6 }' |
	sort -V | tail -n1)
[ -n "$ver" ] || die "$img: no kernel in /boot (no /boot/vmlinuz-*)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM HUP
debugfs -R "dump /boot/vmlinuz-$ver $tmp/vmlinuz" "$img" >/dev/null 2>&1 && [ -s "$tmp/vmlinuz" ] ||
	die "$img: cannot read /boot/vmlinuz-$ver"
debugfs -R "dump /boot/initrd.img-$ver $tmp/initrd" "$img" >/dev/null 2>&1 && [ -s "$tmp/initrd" ] ||
	die "$img: kernel $ver has no /boot/initrd.img-$ver"
mv "$tmp/vmlinuz" "$out.vmlinuz"
mv "$tmp/initrd" "$out.initrd"
echo "$ver"
