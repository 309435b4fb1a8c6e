#!/bin/sh
# The Debian packages: they build (dpkg-buildpackage), lintian reports no
# error, they hold what they should, and `make install` still works; bad
# input to the image tools (scripts/mkrootfs.sh, scripts/image-kernel.sh).
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $1"; }
bad() { fail=$((fail + 1)); echo "not ok - $1"; }
tmp=$(mktemp -d /tmp/airlock-debcheck.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

ver=$(dpkg-parsechangelog -l "$TOP/debian/changelog" -S Version)
grep -q "AIRLOCK_VERSION \"$ver\"" "$TOP/vmm/config.h" && ok "debian/changelog and airlock --version agree ($ver)" ||
	bad "debian/changelog says $ver, vmm/config.h says otherwise"
if debs=$("$TOP/scripts/mkdeb.sh"); then ok "dpkg-buildpackage -b builds both packages"; else bad "make deb"; exit 1; fi
arch=$(dpkg --print-architecture)
bin=$debs/airlock_${ver}_$arch.deb dkms=$debs/airlock-virtio-dkms_${ver}_all.deb
TMPDIR=$tmp lintian --tag-display-limit 0 "$bin" "$dkms" > "$tmp/lintian" 2>&1     # its temp files go with ours
if grep -q '^E: ' "$tmp/lintian"; then
	grep '^E: ' "$tmp/lintian" | sed 's/^/    /'
	bad "lintian reports errors"
else
	ok "lintian: no error ($(grep -c '^W: ' "$tmp/lintian") warnings)"
	grep '^[WI]: ' "$tmp/lintian" | sed 's/^/    /'
fi
has() { dpkg-deb -c "$1" | awk '{print $6}' | grep -qx "$2" || { echo "    $(basename "$1") lacks $2"; return 1; }; }
has "$bin" ./usr/bin/airlock && has "$bin" ./usr/share/man/man1/airlock.1.gz &&
	has "$bin" ./usr/share/airlock/configs/x86_64-virtio.conf && has "$bin" ./usr/share/doc/airlock/README.md.gz &&
	ok "airlock: the binary, the man page, configs/ under /usr/share/airlock, README as documentation"
src=./usr/src/airlock-virtio-$ver
has "$dkms" "$src/dkms.conf" && has "$dkms" "$src/av_main.c" && has "$dkms" "$src/av_pool.c" && has "$dkms" "$src/av.h" && has "$dkms" "$src/Kbuild" &&
	has "$dkms" ./usr/share/initramfs-tools/hooks/airlock-virtio && has "$dkms" ./lib/modprobe.d/airlock-virtio.conf &&
	ok "airlock-virtio-dkms: the source with dkms.conf, the initramfs hook, the modprobe soft dependency"
dpkg-deb -x "$dkms" "$tmp/dkms"
grep -qx 'AUTOINSTALL="yes"' "$tmp/dkms/$src/dkms.conf" && grep -qx "PACKAGE_VERSION=\"$ver\"" "$tmp/dkms/$src/dkms.conf" &&
	grep -qx 'softdep virtio_pci pre: airlock_virtio' "$tmp/dkms/lib/modprobe.d/airlock-virtio.conf" &&
	ok "dkms.conf: AUTOINSTALL, version $ver; softdep virtio_pci pre: airlock_virtio"
dpkg-deb -e "$dkms" "$tmp/ctl"
grep -q 'update-initramfs' "$tmp/ctl/triggers" 2>/dev/null && [ "$(dpkg-deb -f "$dkms" Architecture)" = all ] &&
	ok "airlock-virtio-dkms: Architecture all, a dpkg trigger regenerates the initramfs" ||
	bad "airlock-virtio-dkms: no update-initramfs trigger or not Architecture all"
if make -s -C "$TOP" install DESTDIR="$tmp/inst" PREFIX=/usr >/dev/null &&
	[ -x "$tmp/inst/usr/bin/airlock" ] && [ -f "$tmp/inst/usr/share/man/man1/airlock.1" ]; then
	ok "make install (DESTDIR, PREFIX) still works"
else
	bad "make install"
fi
# Bad input to the image tools: one line, non-zero, nothing written.
oneline() {   # STATUS PATTERN CMD...: exit status and a single line matching
	want=$1 pat=$2
	shift 2
	"$@" > "$tmp/out" 2>&1
	rc=$?
	[ "$rc" = "$want" ] && [ "$(wc -l < "$tmp/out")" = 1 ] && grep -q -- "$pat" "$tmp/out" && return 0
	echo "    $*: status $rc: $(head -n3 "$tmp/out")"
	return 1
}
head -c 1M /dev/zero > "$tmp/zero.img"
mkdir -p "$tmp/nokernel/boot" && truncate -s 32M "$tmp/nokernel.img" &&
	mke2fs -q -t ext4 -d "$tmp/nokernel" "$tmp/nokernel.img"
oneline 2 "unsupported architecture 'sparc64'" "$TOP/scripts/mkrootfs.sh" sparc64 "$tmp/x.img" &&
	oneline 2 "must end in .img" "$TOP/scripts/mkrootfs.sh" amd64 "$tmp/x.raw" &&
	oneline 1 "cannot write to" "$TOP/scripts/mkrootfs.sh" amd64 /nonexistent/x.img &&
	oneline 1 "no such file" "$TOP/scripts/image-kernel.sh" "$tmp/missing.img" "$tmp/k" &&
	oneline 1 "not an ext2/3/4 file system" "$TOP/scripts/image-kernel.sh" "$tmp/zero.img" "$tmp/k" &&
	oneline 1 "no kernel in /boot" "$TOP/scripts/image-kernel.sh" "$tmp/nokernel.img" "$tmp/k" &&
	! ls "$tmp"/k.* "$tmp"/x.* >/dev/null 2>&1 &&
	ok "mkrootfs.sh and image-kernel.sh: an unsupported arch, a missing image, not ext4, no kernel: one line, non-zero, nothing written" ||
	bad "bad input to mkrootfs.sh / image-kernel.sh"
echo "deb: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
