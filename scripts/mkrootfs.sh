#!/bin/sh
# Builds a minimal Debian 12 system as a raw ext4 image for airlock:
# systemd, udev, kmod, iproute2, Debian's current kernel with its headers,
# initramfs-tools, and the airlock-virtio-dkms package installed inside, so
# DKMS builds the guest driver in the guest's own system. The kernel and
# initrd are copied out beside the image for --kernel/--initrd:
#   OUT.vmlinuz, OUT.initrd            the default (current) kernel
#   OUT.vmlinuz-VER, OUT.initrd-VER    every kernel installed in the image
#   OUT.initrd-VER.nodkms              (the default kernel's initrd as it was
#                                       before airlock-virtio-dkms: a guest
#                                       without the package)
#
#   scripts/mkrootfs.sh [--second-kernel] [--small-initramfs] amd64|arm64 OUT.img
#
# --small-initramfs builds the initrds with MODULES=list and only what a
# virtio root disk needs (Debian's default is MODULES=most): minutes less
# under qemu-user, and a smaller initrd to unpack at boot.
# --second-kernel also installs the previous kernel ABI the archive has,
# after the package, the way an upgrade does (DKMS builds the module for it
# from the kernel's postinst hook). Packages come from the Debian mirrors apt
# is configured with here; arm64 on an x86_64 host runs under qemu-user
# (binfmt_misc is mounted and the handler enabled when it is not). The result
# is cached under $AIRLOCK_CACHE/rootfs keyed by its inputs: a second run
# only copies. The root account has no password (a test image: log in on the
# console as root).
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
cache=${AIRLOCK_CACHE:-/var/cache/airlock}
die() { echo "mkrootfs: $*" >&2; exit "${rc:-1}"; }

second= small=
while :; do
	case ${1:-} in
	--second-kernel) second=1; shift ;;
	--small-initramfs) small=1; shift ;;
	*) break ;;
	esac
done
[ $# -eq 2 ] || { rc=2 die "usage: mkrootfs.sh [--second-kernel] [--small-initramfs] amd64|arm64 OUT.img"; }
arch=$1 out=$2
case $arch in amd64 | arm64) ;; *) rc=2 die "unsupported architecture '$arch' (amd64 or arm64)" ;; esac
case $out in *.img) ;; *) rc=2 die "the output name must end in .img: '$out'" ;; esac
outdir=$(dirname "$out")
[ -d "$outdir" ] && [ -w "$outdir" ] || die "cannot write to $outdir"
[ "$(id -u)" -eq 0 ] || die "must run as root (mmdebstrap --mode=root, chroot)"
for t in mmdebstrap mke2fs dpkg-buildpackage; do
	command -v $t >/dev/null || die "$t missing (make deps)"
done

# The kernel ABIs: current, from the metapackage; previous, the newest older
# one the archive still has.
case $arch in amd64) suffix= ;; arm64) suffix=:arm64 ;; esac
kimg=$(apt-cache depends "linux-image-$arch$suffix" 2>/dev/null |
	sed -n "s/^ *Depends: linux-image-\([0-9][^ :]*\)-$arch.*/\1/p" | head -n1)
[ -n "$kimg" ] || die "cannot resolve linux-image-$arch (apt-get update?)"
kver=$kimg-$arch
kver2=
if [ -n "$second" ]; then
	n=${kimg##*-} base=${kimg%-*}
	while [ "$n" -gt 1 ] && [ -z "$kver2" ]; do
		n=$((n - 1))
		apt-cache show "linux-image-$base-$n-$arch$suffix" >/dev/null 2>&1 &&
			apt-cache show "linux-headers-$base-$n-$arch$suffix" >/dev/null 2>&1 &&
			kver2=$base-$n-$arch
	done
	[ -n "$kver2" ] || die "the archive has no kernel older than $kver"
fi

# The mirrors apt uses here for this release (bookworm, -updates, -security).
codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
mirrors=$(apt-get indextargets --format '$(REPO_URI) $(RELEASE)' 'Identifier: Packages' 2>/dev/null |
	sort -u | awk -v c="$codename" '$2 == c || $2 == c "-updates" || $2 == c "-security" {
		print "deb " $1 " " $2 " main" }')
[ -n "$mirrors" ] || die "no Debian $codename source in apt's configuration"

# The kernel comes after the base, on its own: its initrd is then made
# once (in the base install, a trigger would make it a second time).
pkgs="systemd-sysv,udev,kmod,iproute2,iputils-ping,e2fsprogs,util-linux,initramfs-tools,zstd,dkms"
# Keyed by what goes into the image: the kernels, the package list, the
# package's files and maintainer scripts (not the .deb's bytes, which carry
# build times), the recipe below and the image's test unit.
# (Into a directory of this run's own: builds may run side by side.)
debs=$(mktemp -d /tmp/airlock-dkms-deb.XXXXXX)
trap 'rm -rf "$debs"' EXIT
"$here/scripts/mkdeb.sh" --indep "$debs" >/dev/null || die "cannot build airlock-virtio-dkms"
deb=$(echo "$debs"/airlock-virtio-dkms_*_all.deb)
pkgsum=$(t=$(mktemp -d) && dpkg-deb -R "$deb" "$t" && (cd "$t" && find . -type f | LC_ALL=C sort |
	xargs sha256sum) | sha256sum && rm -rf "$t")
key=$( (echo "$arch $kver $kver2 $small $pkgs $pkgsum"; sed -n '/# --- recipe/,/# --- end of recipe/p' "$0"
	cat "$here"/guest/debian-image/*) |
	sha256sum | cut -c1-16)
dst=$cache/rootfs/$arch-$kver${kver2:+-and-$kver2}${small:+-small}-$key

if [ ! -f "$dst/.done" ]; then
	if [ "$arch" = arm64 ] && [ "$(uname -m)" != aarch64 ]; then
		[ -e /proc/sys/fs/binfmt_misc/register ] ||
			mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc ||
			die "cannot mount binfmt_misc"
		[ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ] || update-binfmts --enable qemu-aarch64 ||
			die "cannot enable the qemu-aarch64 binfmt handler (qemu-user-static, binfmt-support)"
	fi
	mkdir -p "$cache/rootfs"
	# A build killed outright (SIGKILL) leaves its work directory: remove
	# those whose builder is gone, with what was mounted in them.
	# (Each is named by its builder's pid.)
	for old in "$cache"/rootfs/.build.*; do
		[ -d "$old" ] || continue
		pid=${old##*.build.}
		case $pid in *[!0-9]* | "") ;; *) [ "$pid" != $$ ] && kill -0 "$pid" 2>/dev/null && continue ;; esac
		awk -v p="$old/" 'index($2, p) == 1 { print $2 }' /proc/mounts | sort -r |
			while read -r m; do umount -l "$m"; done
		rm -rf --one-file-system "$old"
	done
	tmp=$cache/rootfs/.build.$$
	mkdir "$tmp" || die "cannot create $tmp"
	# Never half a build in the cache: the work directory goes on any exit,
	# after whatever mmdebstrap left mounted in it (killed mid-build).
	cleanup() {
		awk -v p="$tmp/" 'index($2, p) == 1 { print $2 }' /proc/mounts | sort -r |
			while read -r m; do umount -l "$m"; done
		rm -rf --one-file-system "$tmp" "$debs"
	}
	trap cleanup EXIT
	trap 'exit 130' INT TERM HUP
	cp "$deb" "$tmp/airlock-virtio-dkms.deb"
	cp "$here"/guest/debian-image/* "$tmp/"
	echo "mkrootfs: $arch, kernel $kver${kver2:+ then $kver2}, into $dst" >&2
	start=$(date +%s)
	# Hooks, in order: the test unit and network; the kernel, its stock
	# initrd saved; the package installed (DKMS builds it, its trigger
	# rebuilds the initrd); the second kernel (DKMS builds again, from the
	# kernel's hook, and its initrd is made; the trigger's rebuild of the
	# first one, which changes nothing, is skipped: update_initramfs=no for
	# that step only). Packages install without their recommends.
	# --- recipe (what the image is made of: part of the cache key) ---
	inst='chroot "$1" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends'
	conf=/etc/initramfs-tools/update-initramfs.conf
	mmdebstrap --quiet --variant=minbase --mode=root --arch="$arch" --include="$pkgs" \
		--customize-hook='echo airlock-guest > "$1/etc/hostname"' \
		--customize-hook='printf "/dev/vda / ext4 rw,errors=remount-ro 0 1\n" > "$1/etc/fstab"' \
		--customize-hook='chroot "$1" passwd -d root >/dev/null' \
		--customize-hook="install -m 0755 $tmp/airlock-check \"\$1/usr/local/sbin/airlock-check\"" \
		--customize-hook="install -m 0644 $tmp/airlock-check.service \"\$1/etc/systemd/system/\"" \
		--customize-hook="install -m 0644 $tmp/50-airlock-test.network \"\$1/etc/systemd/network/\"" \
		--customize-hook='chroot "$1" systemctl enable -q airlock-check.service systemd-networkd.service' \
		${small:+--customize-hook="install -m 0644 $tmp/initramfs-small.conf \"\$1/etc/initramfs-tools/conf.d/airlock-small.conf\""} \
		${small:+--customize-hook="install -m 0755 $tmp/initramfs-small-hook \"\$1/etc/initramfs-tools/hooks/airlock-small\""} \
		--customize-hook="$inst linux-image-$kver linux-headers-$kver" \
		--customize-hook="cp \"\$1/boot/initrd.img-$kver\" $tmp/initrd-$kver.nodkms" \
		--customize-hook="cp $tmp/airlock-virtio-dkms.deb \"\$1/tmp/\"" \
		--customize-hook="$inst /tmp/airlock-virtio-dkms.deb" \
		--customize-hook='rm -f "$1/tmp/airlock-virtio-dkms.deb"' \
		${kver2:+--customize-hook="sed -i 's/^update_initramfs=.*/update_initramfs=no/' \"\$1$conf\""} \
		${kver2:+--customize-hook="$inst linux-image-$kver2 linux-headers-$kver2"} \
		${kver2:+--customize-hook="sed -i 's/^update_initramfs=no/update_initramfs=yes/' \"\$1$conf\""} \
		--customize-hook="cp \"\$1\"/boot/vmlinuz-* \"\$1\"/boot/initrd.img-* $tmp/" \
		--customize-hook="chroot \"\$1\" dkms status > $tmp/dkms-status" \
		"$codename" "$tmp/root" - > "$tmp/mmdebstrap.log" 2>&1 <<-EOF || { tail -n 40 "$tmp/mmdebstrap.log" >&2; die "mmdebstrap failed (log above)"; }
	$mirrors
	EOF
	for k in $kver $kver2; do
		[ -f "$tmp/initrd.img-$k" ] || die "no initrd for $k in the image"
		grep -q "airlock-virtio/.*, $k, .*: installed" "$tmp/dkms-status" ||
			die "DKMS did not build airlock_virtio for $k: $(cat "$tmp/dkms-status")"
	done
	size=$(du -sm "$tmp/root" | cut -f1)
	truncate -s $(((size * 13 / 10 + 512) / 256 * 256))M "$tmp/root.img"
	mke2fs -q -t ext4 -L airlock-root -d "$tmp/root" "$tmp/root.img" || die "mke2fs failed"
	# --- end of recipe ---
	rm -rf "$tmp/root"
	rm -rf "$dst"
	mkdir -p "$dst"
	for k in $kver $kver2; do
		mv "$tmp/vmlinuz-$k" "$dst/vmlinuz-$k"
		mv "$tmp/initrd.img-$k" "$dst/initrd-$k"
	done
	mv "$tmp/initrd-$kver.nodkms" "$tmp/dkms-status" "$tmp/root.img" "$dst/"
	echo "$kver" > "$dst/default"
	echo "mkrootfs: built in $(($(date +%s) - start)) s (${size} MiB of files)" >&2
	touch "$dst/.done"
	cleanup
	trap - EXIT
fi

rm -rf "$debs"
trap - EXIT
# The cache holds the four images used last (a new kernel ABI or recipe
# makes a new one): older ones go.
touch "$dst/.done"
ls -t "$cache"/rootfs/*/.done 2>/dev/null | tail -n +5 | while read -r done; do
	rm -rf "$(dirname "$done")"
done
# Written beside OUT: never half a set (each file lands under its own name
# only when whole).
base=${out%.img}
cp --sparse=always "$dst/root.img" "$out.tmp" && mv "$out.tmp" "$out"
for f in "$dst"/vmlinuz-* "$dst"/initrd-*; do
	n=${f##*/}
	case $n in vmlinuz-*) t=$base.vmlinuz-${n#vmlinuz-} ;; *) t=$base.initrd-${n#initrd-} ;; esac
	cp "$f" "$t.tmp" && mv "$t.tmp" "$t"
done
kdef=$(cat "$dst/default")
cp "$dst/vmlinuz-$kdef" "$base.vmlinuz"
cp "$dst/initrd-$kdef" "$base.initrd"
echo "$out"
