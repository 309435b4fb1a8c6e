#!/bin/bash
# Boot tests of a real Debian 12 system (scripts/mkrootfs.sh: systemd,
# the image's own kernel and initrd, airlock-virtio-dkms built by DKMS in
# the guest) from a virtio root disk under airlock's defaults (strict
# isolation, sandboxed devices), and with --isolation off; a second kernel
# installed after the package (DKMS rebuilt it); a guest initrd without the
# package. Nested (QEMU TCG L1 with KVM, the root image a virtio disk of L1)
# or directly on a fast /dev/kvm, as tests/boot/run.sh.
#   GARCH=amd64|arm64 tests/boot/debian.sh
# DEBIAN_CASES picks cases (default: strict off upgraded nodkms; qemu boots
# the same system under QEMU, staged into L1); DEBIAN_STRESS=N boots strict
# and off N times each instead (2 vCPUs); DEBIAN_APPEND adds kernel parameters
# to every case (e.g. ignore_loglevel, to see a rare failure).
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/tests/boot/lib.sh"

KDIR=$("$TOP/scripts/guest-kernel.sh" "$GARCH") || { echo "debian: cannot fetch the L1 kernel"; exit 1; }
KVER=$(cat "$KDIR/version")
KERNEL=$KDIR/vmlinuz
STATIC_AIRLOCK=$TOP/build/$(airlock_arch)-static/airlock
work=$(mktemp -d /tmp/airlock-debian.XXXXXX)
trap 'rm -rf "$work"' EXIT
t0=$(date +%s)
# arm64 on another arch builds under qemu-user: there a small initramfs
# (MODULES=list) saves minutes per initrd; elsewhere Debian's default.
opts=--second-kernel
[ "$(airlock_arch)" != "$(uname -m | sed s/aarch64/arm64/)" ] && opts="$opts --small-initramfs"
# shellcheck disable=SC2086
"$TOP/scripts/mkrootfs.sh" $opts "$GARCH" "$work/root.img" >/dev/null ||
	{ echo "debian: cannot build the root image"; exit 1; }
log "root image ready in $(($(date +%s) - t0)) s"
# The kernels: the default one (as the image boots it) and the other.
l2=$work/l2
mkdir -p "$l2"
mv "$work/root.vmlinuz" "$l2/vmlinuz"
mv "$work/root.initrd" "$l2/initrd"
kdef=$(ls "$work"/root.initrd-*.nodkms | sed 's/.*root.initrd-\(.*\)\.nodkms/\1/')
mv "$work/root.initrd-$kdef.nodkms" "$l2/initrd.nodkms"
for f in "$work"/root.vmlinuz-*; do
	v=${f##*root.vmlinuz-}
	if [ "$v" = "$kdef" ]; then rm -f "$f" "$work/root.initrd-$v"; continue; fi
	kver2=$v
	mv "$f" "$l2/vmlinuz2"
	mv "$work/root.initrd-$v" "$l2/initrd2"
done
head -c 8M /dev/urandom > "$work/data.img"
sha_data=$(sha256sum < "$work/data.img" | cut -d' ' -f1)
token=$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')

if [ -n "${DEBIAN_STRESS:-}" ]; then
	CASES=""
	for i in $(seq 1 "$DEBIAN_STRESS"); do CASES="$CASES strict.$i off.$i"; done
else
	CASES=${DEBIAN_CASES:-"strict off upgraded nodkms"}
fi
echo "$CASES" > "$l2/cases.list"
mode=$(boot_mode)
log "debian: $GARCH, mode $mode, kernels $kdef and $kver2, cases:$CASES"
raw=$work/console.log
start=$(date +%s)
case $mode in
direct)
	DEBIAN_APPEND=${DEBIAN_APPEND:-} CASES=$CASES AIRLOCK=$TOP/airlock L2DIR=$l2 ROOTDISK=$work/root.img DATADISK=$work/data.img \
		TOKEN=$token sh "$TOP/tests/boot/debian-cases.sh" 2>&1 |
		while IFS= read -r line; do printf '%s %s\n' "$EPOCHREALTIME" "$line"; done > "$raw.ts" ;;
nested)
	static_airlock_build || exit 1
	# L1 gets the two images as virtio disks; the busybox L1 needs
	# virtio_blk (and on amd64 the virtio core) as modules.
	vm=kernel/drivers/virtio
	L1_MODS="$vm/virtio_ring.ko $vm/virtio.ko $vm/virtio_pci_modern_dev.ko $vm/virtio_pci_legacy_dev.ko \
$vm/virtio_pci.ko kernel/drivers/block/virtio_blk.ko"
	L1_QEMU_ARGS="-drive file=$work/root.img,format=raw,if=none,id=root,cache=unsafe
-device virtio-blk-pci,drive=root -drive file=$work/data.img,format=raw,if=none,id=data,readonly=on
-device virtio-blk-pci,drive=data"
	GUEST_INITRD=/dev/null    # the L2 kernel and initrd are the image's, below
	cat > "$work/l1.sh" <<-EOF
	DEBIAN_APPEND='${DEBIAN_APPEND:-}' ROOTDISK=/dev/vda DATADISK=/dev/vdb TOKEN=$token L2DIR=/l2 sh /l2/debian-cases.sh
	EOF
	case " $CASES " in *" qemu"*) l1_qemu_root "$work/qroot"; export L1_EXTRA_ROOT=$work/qroot ;; esac
	build_l1() {
		L1_MODS=$L1_MODS l1_build "$work/l1.sh" "$TOP/tests/boot/debian-cases.sh" \
			"$l2/cases.list" "$l2/vmlinuz" "$l2/initrd" "$l2/initrd.nodkms" "$l2/vmlinuz2" "$l2/initrd2"
	}
	L1_QEMU_ARGS=$L1_QEMU_ARGS L1_TIMEOUT=${L1_TIMEOUT:-3000} \
		l1_run_cases "$CASES" "$l2/cases.list" build_l1 "$raw.ts" ;;
*) echo "debian: AIRLOCK_BOOT_MODE must be direct, nested or auto"; exit 2 ;;
esac
log "ran in $(($(date +%s) - start)) s"
# The guest's report comes through journald to the console, after a
# timestamp and its unit's name (and at times the getty's login prompt):
# drop those so lines start AIRLOCK-.
tr -d '\r' < "$raw.ts" | cut -d' ' -f2- |
	sed 's/^.*airlock-check\[[0-9]*\]: \(AIRLOCK-\)/\1/' > "$work/log"
[ -n "${AIRLOCK_BOOT_LOG:-}" ] && cp "$raw.ts" "$AIRLOCK_BOOT_LOG"

ALL_CASES=$CASES
# Seconds on L0's clock from a case's start to its first line matching $2.
secs_to() {
	tr -d '\r' < "$raw.ts" | awk -v n="$1" -v pat="$2" '
		index($0, "@@CASE " n " BEGIN") { t0 = $1; next }
		t0 && $0 ~ pat { printf "%.1f", $1 - t0; exit }'
}
# The guest file written by case $1 is in the image after power-off.
wrote() { debugfs -R "cat /root/airlock-$1.$token" "$work/root.img" 2>/dev/null | grep -qx "$1.$token"; }

if [ "$mode" = nested ]; then
	grep -q '@@L1 KVM-READY' "$work/log" && ok "L1 host has KVM" || bad "L1 host has KVM" "no /dev/kvm in L1"
fi
for c in $CASES; do
	line=$(crashed "$c")
	if [ -n "$line" ]; then
		bad "$c" "the guest crashed: $line"
		continue
	fi
	case ${c%%.*} in
	strict | off | upgraded | qemu)
		k=$kdef iso=strict drv=airlock_virtio
		[ "${c%%.*}" = upgraded ] && k=$kver2
		[ "${c%%.*}" = off ] && iso=off drv=virtio-pci
		[ "${c%%.*}" = qemu ] && iso="none (QEMU, for comparison)" drv=virtio-pci
		if expect "$c" 0 "^AIRLOCK-SYSTEM running$" "^AIRLOCK-KERNEL $k$" "^AIRLOCK-ROOT /dev/vda ext4  *rw$" \
			"^AIRLOCK-ROOTDRV 0000:00:0[0-9].0 $drv$" \
			"^AIRLOCK-DKMS airlock-virtio/[^,]*, $k, [^:]*: installed" "^AIRLOCK-SHA256 vdb $sha_data$" \
			"^AIRLOCK-WROTE $c.$token" "^AIRLOCK-POWEROFF"; then
			if wrote "$c"; then
				ok "$c: Debian 12 + systemd ($k) from a virtio root disk, isolation $iso: running," \
					"/ is vda rw, root disk bound to $drv, DKMS module installed, data disk sha256 matches," \
					"the file it wrote is in the image, poweroff exits 0" \
					"(multi-user in $(secs_to "$c" AIRLOCK-SYSTEM) s; $(section "$c" | sed -n 's/^AIRLOCK-ANALYZE //p'))"
			else
				bad "$c" "the file the guest wrote is not in the image"
			fi
		else
			section "$c" | grep -e '^AIRLOCK-FAILED' -e '^AIRLOCK-SYSTEM' | sed 's/^/    /'
		fi
		other=virtio-pci
		[ "$drv" = virtio-pci ] && other=airlock_virtio
		if has "$c" "^AIRLOCK-PCIDRV .* $other$"; then
			bad "$c" "a virtio device is bound to $other: $(section "$c" | grep "^AIRLOCK-PCIDRV .* $other$" | head -n1)"
		elif [ "$(section "$c" | grep -c "^AIRLOCK-PCIDRV .* $drv$")" -lt 2 ]; then
			bad "$c" "the guest reported fewer than its 2 virtio disks bound to $drv"
		else
			ok "$c: every virtio device is bound to $drv (udev's coldplug in Debian's initramfs, then the running system)"
		fi
		if [ "${c%%.*}" = strict ]; then
			expect "$c" 0 "^AIRLOCK-PING ok" &&
				ok "$c: systemd-networkd brings up a static address on the tap, the guest pings the host"
			expect "$c" 0 "virtio-blk (00:0[0-9].0): [1-9][0-9]* requests, 0 ring refusals, 0 DMA denials" \
				"virtio-blk: device process [0-9]*" &&
				ok "$c: the disks are served by sandboxed device processes, no DMA denied"
		fi
		case ${c%%.*} in strict | upgraded)
			expect "$c" 0 "virtio-blk (00:01.0): .* through its bounce region (dmb)" \
				"virtio-blk (00:02.0): .* through its bounce region (dmb)" &&
				ok "$c: the DKMS-built driver negotiated VIRTIO_F_DMB (offsets) on the disks" ;;
		esac ;;
	nodkms)
		expect "$c" 1 "virtio-blk (00:0[0-9].0), disk [^ ]*: driver declined VIRTIO_F_SWIOTLB" \
			"Gave up waiting for root file system device" "ALERT!  /dev/vda does not exist" &&
			ok "$c: a guest without the package, strict: airlock names the refused root disk and why," \
				"the initramfs reports it cannot find its root; the VM is stopped" ;;
	esac
done
# DEBIAN_KEEP=DIR: keep the image there, for a look afterwards.
[ -n "${DEBIAN_KEEP:-}" ] && mkdir -p "$DEBIAN_KEEP" && cp --sparse=always "$work/root.img" "$DEBIAN_KEEP/"
if e2fsck -fn "$work/root.img" > "$work/fsck.log" 2>&1; then
	ok "e2fsck -fn: the root image is clean after the boots"
else
	tail -n 5 "$work/fsck.log" | sed 's/^/    /'
	bad e2fsck "the root image is not clean"
fi
rerun_note "$work/log"
suite_end debian 60
