#!/bin/bash
# Boot tests: real Debian kernels booted by airlock under KVM. On a host
# whose /dev/kvm runs at hardware speed airlock runs directly; otherwise (CI,
# sandboxes) inside an L1 host emulated by QEMU TCG with emulated AMD SVM
# (../shared/docs/NESTED.md). AIRLOCK_BOOT_MODE=direct|nested forces a path.
# GARCH=arm64 runs the arm64 guest (nested: on an emulated arm64 KVM host,
# whose GIC is L1_GIC=3|2 and whose kernel gets L1_APPEND, e.g.
# kvm-arm.mode=protected for a pKVM host).
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/tests/boot/lib.sh"

guest_prepare || { echo "boot: cannot prepare the guest kernel/initramfs"; exit 1; }
work=$(mktemp -d /tmp/airlock-boot.XXXXXX)
trap 'rm -rf "$work"' EXIT
cp "$TOP/tests/boot/mkfake-bzimage.sh" "$work/"
"$TOP/tests/boot/mkfake-bzimage.sh" text "$work/notakernel"
"$TOP/tests/boot/mkfake-bzimage.sh" oldproto "$work/oldproto.bzimage"
"$TOP/tests/boot/mkfake-bzimage.sh" triplefault "$work/triplefault.bzimage"
# Disk images with random contents; B ends in a partial sector.
head -c 4M /dev/urandom > "$work/diskA.img"
head -c $((1024 * 1024 + 100)) /dev/urandom > "$work/diskB.img"
cp "$work/diskA.img" "$work/diskC.img"     # for the strict-isolation case
cp "$work/diskA.img" "$work/diskD.img"     # for the hostile-driver case
cp "$work/diskA.img" "$work/diskE.img"     # for the guest-driver lifecycle case
cp "$work/diskA.img" "$work/diskF.img"     # for the shipped virtio profile
cp "$work/diskA.img" "$work/diskG.img"     # the hostile suite's target
cp "$work/diskA.img" "$work/diskH.img"     # for strict27 (strict writes to diskC)
cp "$TOP"/configs/*.conf "$work/"
tk=$(test_kernels) || { echo "boot: cannot make the test kernels"; exit 1; }
for f in "$tk"/*; do ln -s "$f" "$work/${f##*/}"; done
gzip -dc "$GUEST_INITRD" | xz -3 --check=crc32 -c > "$work/initrd.xz"
cp "$GUEST_INITRD_AV" "$work/initrd-av.gz"
sha_a=$(sha256sum "$work/diskA.img" | cut -d' ' -f1)
sha_b=$(head -c $((1024 * 1024)) "$work/diskB.img" | sha256sum | cut -d' ' -f1)
sha_a4=$(head -c $((4 * 1024 * 1024)) "$work/diskA.img" | sha256sum | cut -d' ' -f1)

if [ "$GARCH" = arm64 ]; then
	# No x86 boot-protocol cases; dump-dtb instead.
	ALL_CASES=${BOOT_CASES:-"cpus2 reboot panic panicnoscan panichang timeout rebootcode conlog clock imagegz initrdxz rng blk net strictstock strict strict27 hostile hsuite sbmaps sbsigsys sbkill sboff takeover noaccplat hostdmb lifecycle profmin profvirtio locked mem512 stdin hvc hvcsb hvcsb27 badkernel toosmall badcpus nokvm dumpdtb"}
	host_desc="emulated arm64 host, GICv${L1_GIC:-3}${L1_APPEND:+, $L1_APPEND}"
	cfg_desc="ECAM, device tree"
	notkernel="arm64 Image"
	if [ "${L1_GIC:-3}" = 2 ]; then
		msi=" MSI [0-9]* Edge" msi_desc="GICv2m frame"
	else
		msi="ITS-MSI" msi_desc="GICv3 ITS"
	fi
else
	ALL_CASES=${BOOT_CASES:-"cpus2 reboot panic panicnoscan panichang timeout rebootcode conlog kaslr1 kaslr2 nokaslr paygzip payzstd vmlinux badpayload clock initrdxz rng blk net strictstock strict strict27 hostile hsuite sbmaps sbsigsys sbkill sboff takeover noaccplat hostdmb lifecycle profmin profvirtio locked mem512 stdin hvc hvcsb hvcsb27 badkernel oldproto triplefault toosmall badcpus nokvm"}
	host_desc="emulated SVM"
	cfg_desc="mechanism #1, ACPI PCI0"
	notkernel="not a bzImage"
	msi="PCI-MSI" msi_desc="LAPIC"
fi
mode=$(boot_mode)
log "mode: $mode (kernel $KVER${L1_GIC:+, L1 GICv$L1_GIC}${L1_APPEND:+, L1 $L1_APPEND})"
raw=$work/console.log
start=$(date +%s)
case $mode in
direct)
	CASES=$ALL_CASES MEMSCAN=$TOP/build/tools/memscan-$(airlock_arch) AIRLOCK=$TOP/airlock KERNEL=$KERNEL INITRD=$GUEST_INITRD L2DIR=$work \
		sh "$TOP/tests/boot/cases.sh" > "$raw" 2>&1 ;;
nested)
	static_airlock_build || exit 1
	build_l1() {
		l1_build "$TOP/tests/boot/cases.sh" "$work/notakernel" "$work/oldproto.bzimage" \
			"$work/triplefault.bzimage" "$work/cases.list" "$work/diskA.img" "$work/diskB.img" "$work/diskC.img" \
			"$work/diskD.img" "$work/diskE.img" "$work/diskF.img" "$work/diskG.img" "$work/diskH.img" \
			"$work/initrd-av.gz" \
			"$work"/*.conf $(ls -d "$work"/bz-* "$work"/bad-* "$work"/vmlinux.xz "$work"/Image.gz "$work"/initrd.xz 2>/dev/null)
	}
	l1_run_cases "$ALL_CASES" "$work/cases.list" build_l1 "$raw.ts"
	cut -d' ' -f2- "$raw.ts" > "$raw" ;;
*) echo "boot: AIRLOCK_BOOT_MODE must be direct, nested or auto"; exit 2 ;;
esac
log "ran in $(( $(date +%s) - start )) s"
tr -d '\r' < "$raw" > "$work/log"
[ -n "${AIRLOCK_BOOT_LOG:-}" ] && cp "$work/log" "$AIRLOCK_BOOT_LOG"

# expect_mem NAME MIB: the guest's MemTotal is within 64 MiB below --mem.
expect_mem() {
	kb=$(value "$1" AIRLOCK-MEMTOTAL-KB)
	lo=$((($2 - 64) * 1024)) hi=$(($2 * 1024))
	if [ -n "$kb" ] && [ "$kb" -ge "$lo" ] && [ "$kb" -le "$hi" ]; then return 0; fi
	bad "$1" "guest MemTotal ${kb:-missing} kB, expected $lo..$hi for --mem ${2}M"
	return 1
}

if [ "$mode" = nested ]; then
	if grep -q '@@L1 KVM-READY' "$work/log"; then ok "L1 host has KVM ($host_desc)"
	else bad "L1 host has KVM" "no /dev/kvm in L1"; fi
	case "${L1_APPEND:-}" in *kvm-arm.mode=protected*)
		if grep -q '@@L1 DMESG .*Protected nVHE mode initialized' "$work/log"; then
			ok "L1 is a pKVM host (its kernel: Protected nVHE mode initialized)"
		else bad "L1 is a pKVM host" "its kernel did not report protected mode"; fi ;;
	esac
fi
expect cpus2 0 AIRLOCK-GUEST-UP "^AIRLOCK-CPUS 2$" && expect_mem cpus2 256 &&
	ok "guest boots to its init with --cpus 2, sees 2 CPUs and its --mem, poweroff -f exits 0"
expect cpus2 0 "^AIRLOCK-PCI 0000:00:00.0 0x8086 0x0d57 0x060000" &&
	ok "the guest finds the PCI host bridge at 00:00.0 ($cfg_desc)"
expect reboot 0 AIRLOCK-GUEST-UP "^AIRLOCK-ACTION reboot" &&
	ok "guest reboot -f ends airlock with status 0"
[ "$GARCH" = amd64 ] && expect rng 0 "^AIRLOCK-LSPCI 00:01.0 00ff: 1af4:1044 (rev 01)" &&
	ok "the guest's lspci shows the virtio device (modern ID 1af4:1044, revision 1)"
if [ "$GARCH" = arm64 ]; then how='its console says "Kernel panic", then it rebooted'; else how=pvpanic; fi
expect panic 3 "guest panicked ($how)" "the guest's last console lines:" \
	"the guest's panic: Kernel panic - not syncing: sysrq triggered crash" &&
	ok "a guest panic (sysrq c, panic=-1) ends airlock with status 3 ($how), with its last console lines"
expect panicnoscan 0 "guest rebooted" && expect_not panicnoscan "guest panicked" &&
	ok "with --pvpanic off --console-panic off the same panic is a reboot (status 0): the detection is what makes it 3"
expect panichang 3 'guest panicked (its console says "Kernel panic", and the kernel stopped there)' &&
	ok "panic=0 (the guest would hang for ever): the kernel's end-of-panic line is status 3 at once"
expect timeout 5 "--timeout: the guest was still running after 30 s; stopped" "vcpu0: " "  | AIRLOCK-" &&
	ok "--timeout 30 on a guest that stays up: status 5, its registers and its last console lines"
expect rebootcode 6 "guest rebooted (--on-reboot exit-code)" &&
	ok "--on-reboot exit-code: a guest reboot is status 6"
if expect conlog 0 "^@@CONLOG-UP [1-9]" "^@@CONLOG-JSON .*\"mark\": \"AIRLOCK-GUEST-UP\""; then
	set -- $(section conlog | sed -n 's/^@@CONLOG-LINES //p')
	first=$(section conlog | sed -n 's/.*"first_byte_ms": \([0-9]*\).*/\1/p')
	mark=$(section conlog | sed -n 's/.*"mark_ms": \([0-9]*\).*/\1/p')
	if [ "${1:-0}" -gt 5 ] && [ "$1" = "${2:-}" ] && [ -n "$first" ] && [ -n "$mark" ] && [ "$mark" -gt "$first" ]; then
		ok "--console-log (stdout thrown away): the guest's $1 console lines, each stamped with host time;" \
			"--stats-json: first console byte at ${first} ms, --mark AIRLOCK-GUEST-UP at ${mark} ms"
	else
		bad conlog "lines ${1:-?}, stamped ${2:-?}, first byte ${first:-none} ms, mark ${mark:-none} ms"
	fi
fi
# The host-side kernel loader.
text_of() { section "$1" | sed -n 's/^AIRLOCK-TEXT \([0-9a-f]*\)$/\1/p' | head -n1; }
if expect kaslr1 0 "xz payload decompressed on the host, at" "^AIRLOCK-TEXT " &&
	expect_not kaslr1 "(cached)" && expect kaslr2 0 "xz payload decompressed on the host (cached), at"; then
	ok "Debian's xz bzImage: its payload decompressed on the host and entered at its 64-bit entry; the second boot took it from the boot cache"
	t1=$(text_of kaslr1) t2=$(text_of kaslr2)
	if [ -n "$t1" ] && [ -n "$t2" ] && [ "$t1" != "$t2" ] && [ "$t1" != ffffffff81000000 ] &&
		[ "$t2" != ffffffff81000000 ]; then
		ok "KASLR kept: two boots, two kernel text addresses ($t1, $t2)"
	else
		bad kaslr2 "_text ${t1:-none} then ${t2:-none}: not randomized"
	fi
fi
expect nokaslr 0 "^AIRLOCK-TEXT ffffffff81000000$" &&
	ok "nokaslr: the kernel runs at its link address (_text ffffffff81000000)"
for f in gzip zstd; do
	expect "pay$f" 0 "$f payload decompressed on the host" "^AIRLOCK-GUEST-UP" &&
		ok "a bzImage with a $f payload boots, decompressed on the host (_text $(text_of "pay$f"))"
done
expect vmlinux 0 "ELF, no relocation table: no KASLR" "^AIRLOCK-TEXT ffffffff81000000$" &&
	ok "an ELF vmlinux boots at its link address"
if expect badpayload 0 "^@@BAD cache "; then
	badok=1
	for k in "bad-corrupt:xz payload: corrupt compressed data" "bad-trunc:xz payload: truncated compressed data" \
		"bad-nonelf:the xz payload is not a kernel: not an ELF file" "bomb:decompresses to more than --mem (48 MiB)"; do
		has badpayload "^@@BAD ${k%%:*} rc=1 lines=1 .*${k#*:}" || { bad badpayload "${k%%:*}: $(section badpayload | grep "^@@BAD ${k%%:*} ")"; badok=0; }
	done
	set -- $(section badpayload | sed -n 's/^@@BAD cache //p')
	[ "${1:-x}" = "${2:-y}" ] || { bad badpayload "the boot cache went from ${1:-?} to ${2:-?} entries"; badok=0; }
	[ "$badok" = 1 ] && ok "corrupt, truncated, not-ELF and too-big payloads: one line each, status 1, nothing added to the boot cache"
fi
if expect clock 0 "^@@HOSTUP .*AIRLOCK-CLOCK1 " "^@@HOSTUP .*AIRLOCK-CLOCK2 "; then
	set -- $(section clock | sed -n 's/^@@HOSTUP \([0-9.]*\) .*AIRLOCK-CLOCK[12] \([0-9.]*\).*/\1 \2/p' | tr '\n' ' ')
	verdict=$(awk -v h1="$1" -v g1="$2" -v h2="$3" -v g2="$4" 'BEGIN {
		h = h2 - h1; g = g2 - g1; d = g - h; if (d < 0) d = -d
		printf "%s host %.2f s, guest %.2f s", (g >= 10 && d <= 2) ? "ok" : "bad", h, g }')
	case $verdict in
	ok*) ok "the guest's clock keeps the host's across a 10 s sleep (${verdict#ok })" ;;
	*) bad clock "${verdict#bad }" ;;
	esac
fi
expect initrdxz 0 "initrd .*initrd.xz: [0-9]* KiB, decompressed on the host" "^AIRLOCK-GUEST-UP" &&
	ok "an xz initrd is handed over unpacked (gzip, zstd and lz4 ones go as they are)"
expect imagegz 0 "arm64 Image, gzip, decompressed on the host" "^AIRLOCK-GUEST-UP" &&
	ok "an Image.gz boots, decompressed on the host"
expect rng 0 "^AIRLOCK-PCI 0000:00:01.0 0x1af4 0x1044 0x00ff00" \
	"^AIRLOCK-VIRTIO virtio0 0x0004 virtio_rng" "^AIRLOCK-HWRNG virtio_rng.0 64" \
	"virtio-rng (00:0[0-9].0): [1-9][0-9]* requests, 0 ring refusals" &&
	ok "--rng: the stock virtio_pci + virtio-rng drivers bind (MSI-X, ioeventfd) and /dev/hwrng yields bytes"
expect rng 0 "^AIRLOCK-IRQ.*$msi" && ok "virtio interrupts are MSI-X ($msi_desc)"
expect blk 0 "^AIRLOCK-SHA256 vda $sha_a" &&
	ok "virtio-blk: the guest reads a 4 MiB image whole and its sha256 matches the host's"
expect blk 0 "^AIRLOCK-SHA256 vdb $sha_b" "^AIRLOCK-DISK vdb ro=1" &&
	ok "a second disk at once: read-only, size not a multiple of 512 (whole sectors seen)"
expect blk 0 "^AIRLOCK-WROTE vda" "^@@HOST-SEES-WRITE yes" &&
	ok "a guest write + sync reaches the image (checked by the host after power-off)"
expect blk 0 "^AIRLOCK-RO-WRITE refused" && ok "a read-only disk refuses writes"
expect blk 0 "^AIRLOCK-DISK vda ro=0 serial=diskA.img" && ok "GET_ID gives the image name as serial"
expect net 0 "^AIRLOCK-MAC 52:54:00:12:34:56" "^AIRLOCK-PING ok" &&
	ok "virtio-net on a tap (in its own network namespace): the guest pings the host end"
expect strictstock 0 "AIRLOCK-GUEST-UP" "virtio-rng (00:0[0-9].0): driver declined VIRTIO_F_SWIOTLB" \
	"virtio-blk (00:0[0-9].0), disk [^ ]*diskB.img: driver declined VIRTIO_F_SWIOTLB and VIRTIO_F_DMB: load the airlock guest driver, or run with --isolation off" \
	"^AIRLOCK-PCI 0000:00:0[0-9].0 0x1af4 0x1044" &&
	expect_not strictstock "^AIRLOCK-VIRTIO .* virtio_" &&
	ok "strict isolation (the default), stock guest: each device refuses FEATURES_OK once with the reason, the guest boots without them"
expect strict 0 "^AIRLOCK-PCIDRV 0000:00:01.0 airlock_virtio" "^AIRLOCK-PCIDRV 0000:00:04.0 airlock_virtio" \
	"^AIRLOCK-VIRTIO virtio0 0x0002 virtio_blk" &&
	ok "strict: the airlock guest driver binds every device that has a bounce BAR (stock virtio_blk/net/rng on top)"
expect strict 0 "^AIRLOCK-SHA256 vda $sha_a" "^AIRLOCK-SHA256 vdb $sha_b" &&
	ok "strict: virtio-blk reads two images whole through the bounce BAR, sha256 matches"
expect strict 0 "^AIRLOCK-WROTE vda" "^@@HOST-SEES-WRITE yes" "^AIRLOCK-RO-WRITE refused" &&
	ok "strict: write + sync through the bounce BAR reaches the image; read-only disk refuses"
expect strict 0 "^AIRLOCK-PING ok" && ok "strict: virtio-net ping through the bounce BAR"
expect strict 0 "^AIRLOCK-HWRNG virtio_rng.0 64" && ok "strict: virtio-rng through the bounce BAR"
expect strict 0 "virtio-blk (00:0[0-9].0): [1-9][0-9]* requests, 0 ring refusals, 0 DMA denials" &&
	expect_not strict "DMA denials.*[1-9][0-9]* DMA denials\|[1-9][0-9]* DMA denials" &&
	ok "strict: no device was refused a single DMA access"
expect strict 0 "virtio-blk (00:01.0): .* through its bounce region (dmb)" \
	"virtio-net (00:0[0-9].0): .* through its bounce region (dmb)" \
	"virtio-rng (00:0[0-9].0): .* through its bounce region (dmb)" &&
	ok "strict: the guest driver negotiated VIRTIO_F_DMB (offsets) on every device by default"
expect strict 0 "^AIRLOCK-POOL airlock_virtio 0000:00:01.0: DMB region 16384 KiB .*, 1 area, mappings up to 256 KiB" &&
	expect strict27 0 "^AIRLOCK-POOL airlock_virtio 0000:00:01.0: bounce region 16384 KiB .*, 2 areas, mappings up to 256 KiB" \
	"^AIRLOCK-POOL airlock_virtio 0000:00:0[0-9].0: bounce region 4096 KiB .*, 2 areas, mappings up to 256 KiB" &&
	ok "guest driver: the bounce pool has one area per vCPU (1 on 1 vCPU, 2 on 2, for a 16 MiB and a 4 MiB pool), one mapping at most 256 KiB"
expect strict27 0 "^AIRLOCK-SHA256 vda $sha_a" "^AIRLOCK-SHA256 vdb $sha_b" "^AIRLOCK-WROTE vda" \
	"^@@HOST-SEES-WRITE yes" "^AIRLOCK-PING ok" "^AIRLOCK-HWRNG virtio_rng.0 64" \
	"virtio-blk (00:01.0): [1-9][0-9]* requests, 0 ring refusals, 0 DMA denials; .* (swiotlb)" \
	"virtio-net (00:0[0-9].0): .* through its bounce region (swiotlb)" &&
	expect_not strict27 "[1-9][0-9]* DMA denials" &&
	ok "strict, driver forced to VIRTIO_F_SWIOTLB (mode=swiotlb), 2 vCPUs: disks, net and rng work through bus addresses, no DMA denied"
expect hostile 0 "^AIRLOCK-HOSTILE 0000:00:01.0 0x1042 canary-intact" \
	"^AIRLOCK-HOSTILE 0000:00:03.0 0x1044 canary-intact" "^@@CANARY-IN-IMAGE no" &&
	ok "hostile driver: buffers in guest RAM are refused; the canary is neither written (rng) nor copied out (blk)"
expect hostile 0 "virtio-blk (00:01.0): queue 0 refused: .*outside the DMA window" \
	"virtio-rng (00:03.0): queue 0 refused" \
	"virtio-blk (00:01.0): [0-9]* requests, 1 ring refusals, [1-9][0-9]* DMA denials" \
	"virtio-rng (00:03.0): [0-9]* requests, 1 ring refusals, [1-9][0-9]* DMA denials" &&
	ok "hostile driver: each refusal is reported once and counted per device (ring refusals, DMA denials)"
expect hostile 0 "^AIRLOCK-AFTER vdb $sha_b" "AIRLOCK-ACTION poweroff" &&
	ok "hostile driver: airlock keeps running and the other disk still works"
if expect hsuite 0 "^AIRLOCK-HOSTILE-SETUP" "^AIRLOCK-HOSTILE-DONE" "^AIRLOCK-AFTER vdb $sha_b" \
	"^@@CANARY-IN-IMAGE no"; then
	set -- $(section hsuite | sed -n 's/^AIRLOCK-HOSTILE-DONE //p')
	hs_cases=${1:-0} hs_failed=${2:-1} hs_resets=${3:-0}
	hs_ok=$(section hsuite | grep -c '^AIRLOCK-HCASE .* ok ')
	hs_refusals=$(section hsuite | sed -n 's/.*virtio-blk (00:01.0): [0-9]* requests, \([0-9]*\) ring refusals.*/\1/p')
	section hsuite | grep '^AIRLOCK-HCASE .* FAIL ' | sed 's/^/    /'
	hs_27=$(section hsuite | grep -c '^AIRLOCK-HCASE swiotlb:.* ok ')
	hs_44=$(section hsuite | grep -c '^AIRLOCK-HCASE dmb:.* ok ')
	if [ "$hs_cases" -ge 100 ] && [ "$hs_failed" = 0 ] && [ "$hs_ok" = "$hs_cases" ] &&
		[ "$hs_27" -ge 50 ] && [ "$hs_44" -ge 50 ]; then
		ok "hostile-guest suite: $hs_cases cases ($hs_27 with VIRTIO_F_SWIOTLB, $hs_44 with VIRTIO_F_DMB)," \
			"every one refused or ignored as it should be; the canary page untouched"
	else
		bad hsuite "$hs_ok of $hs_cases cases held ($hs_27 with bit 27, $hs_44 with DMB; at least 50 each needed)"
	fi
	if [ -n "$hs_refusals" ] && [ "$hs_refusals" -ge "$hs_resets" ] && [ "$hs_resets" -gt 0 ]; then
		ok "hostile-guest suite: airlock counted $hs_refusals ring refusals for the $hs_resets cases the guest saw refused; the other disk still works"
	else
		bad hsuite "ring refusals counted ${hs_refusals:-none}, guest saw $hs_resets"
	fi
fi
expect sbmaps 0 "device process [0-9]* (uid" "^@@SB-RAM-TOKEN found" \
	"^@@SB-CHILD airlock-blk uid=65534 seccomp=2 nnp=1 maps=clean token-hits=0" \
	"^@@SB-CHILD airlock-rng uid=65534 seccomp=2 nnp=1 maps=clean token-hits=0" &&
	expect_not sbmaps "maps=guest-ram" &&
	ok "sandbox: while the guest does I/O its device processes (uid nobody, seccomp, no_new_privs) map no guest RAM, and a token planted in guest RAM is in none of their readable memory (it is in airlock's)"
expect sbsigsys 4 "virtio-rng (00:0[0-9].0): device process [0-9]* was killed by SIGSYS (a system call its seccomp filter forbids); stopping the VM" &&
	ok "sandbox: a device process making a forbidden system call dies of SIGSYS; airlock says so and exits 4"
if expect sbkill 4 "virtio-blk (00:0[0-9].0): device process [0-9]* was killed by SIGKILL; stopping the VM"; then
	secs=$(section sbkill | sed -n 's/^@@SBKILL-SECONDS //p')
	if [ -n "$secs" ] && [ "$secs" -le 10 ]; then
		ok "sandbox: killing the disk's device process mid-I/O ends airlock with status 4 in ${secs}s"
	else
		bad sbkill "airlock took ${secs:-?}s to stop"
	fi
fi
expect sboff 0 "sandbox off: the devices run inside airlock's own process" "^AIRLOCK-SHA256 vda $sha_b" &&
	expect_not sboff "device process" &&
	ok "--sandbox off: one process, a warning, and the disk still works"
expect takeover 0 "^AIRLOCK-EARLYDRV 0000:00:01.0 virtio-pci" "^AIRLOCK-EARLYDRV 0000:00:02.0 virtio-pci" \
	"^AIRLOCK-TAKEOVER airlock_virtio 0000:00:01.0: taking the device over from virtio-pci" \
	"^AIRLOCK-PCIDRV 0000:00:01.0 airlock_virtio" "^AIRLOCK-PCIDRV 0000:00:02.0 airlock_virtio" \
	"^AIRLOCK-SHA256 vda $sha_b" "^AIRLOCK-HWRNG virtio_rng.0 64" &&
	ok "guest driver loaded after virtio_pci bound the devices: it takes them over (release, bind) and they work"
expect noaccplat 0 "device does not offer VIRTIO_F_ACCESS_PLATFORM: refused" "^AIRLOCK-GUEST-UP" &&
	expect_not noaccplat "^AIRLOCK-SHA256 vda" &&
	ok "guest driver: a host that does not offer VIRTIO_F_ACCESS_PLATFORM (raw guest addresses) is refused; the guest boots without the device"
expect hostdmb 0 "dmb_shm_id 69: no shared-memory capability has it: refused" "^AIRLOCK-GUEST-UP" \
	"virtio-blk (00:01.0): 0 requests, " &&
	expect_not hostdmb "^AIRLOCK-SHA256 vda" &&
	ok "guest driver: a host whose dmb_shm_id names no region it describes is refused (no guessing); the guest boots without the device"
expect lifecycle 0 "^AIRLOCK-SMALLPOOL $sha_a4" \
	"^AIRLOCK-POOL airlock_virtio 0000:00:01.0: DMB region 64 KiB .*, 1 area, mappings up to 7 KiB" \
	"^AIRLOCK-POOL airlock_virtio 0000:00:01.0: bounce pool was full [1-9][0-9]* times" &&
	ok "guest driver: 4 MiB read through a 64 KiB bounce region (the pool fills; back-pressure, no error)"
expect lifecycle 0 "^AIRLOCK-REBOUND $sha_a4" && ok "guest driver: the disk works again after unbind/bind (device reset)"
expect lifecycle 0 "^AIRLOCK-UNLOAD ok" "^AIRLOCK-DMESG clean" &&
	ok "guest driver: every virtio module and airlock_virtio unload without a kernel warning"
case $GARCH in arm64) parch=arm64 ;; *) parch=x86_64 ;; esac
expect profmin 0 "^AIRLOCK-GUEST-UP" "^AIRLOCK-ACTION poweroff" &&
	ok "configs/$parch-minimal.conf boots (kernel and initrd from the environment, --cmdline overriding the file)"
expect profvirtio 0 "^AIRLOCK-SHA256 vda $sha_a" "^AIRLOCK-PING ok" "^AIRLOCK-HWRNG virtio_rng.0 64" \
	"^AIRLOCK-CPUS 2$" "virtio-blk (00:0[0-9].0): [1-9][0-9]* requests, 0 ring refusals, 0 DMA denials; [1-9][0-9]* bytes read and [1-9][0-9]* written through its bounce region" \
	"vcpu1: [1-9][0-9]* exits: " &&
	ok "configs/$parch-virtio.conf boots with disk, net and rng through bounce BARs; the exit summary counts requests, bytes and exits"
if section profvirtio | sed -n '/^@@JSON-BEGIN$/,/^@@JSON-END$/p' | sed '1d;$d' > "$work/stats.json" &&
	python3 -m json.tool "$work/stats.json" >/dev/null 2>&1 &&
	python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
assert s["exit_status"] == 0 and s["isolation"] == "strict"
d = {x["name"]: x for x in s["devices"]}
for n in ("virtio-blk", "virtio-net", "virtio-rng"):
    assert d[n]["requests"] > 0 and d[n]["bytes_read"] + d[n]["bytes_written"] > 0, n
    assert d[n]["dma_denials"] == 0 and d[n]["bounce_region_bytes"] > 0, n
assert len(s["vcpus"]) == 2 and all(sum(v["exits"].values()) > 0 for v in s["vcpus"])
' "$work/stats.json" 2>/dev/null; then
	ok "--stats-json writes JSON that parses (python3 -m json.tool) with non-zero counters after I/O"
else
	case " $ALL_CASES " in *" profvirtio "*) bad "profvirtio" "--stats-json output missing, not JSON, or counters zero" ;; esac
fi
expect locked 1 "is in use: locked" && expect_not locked "cannot create" && ok "a disk image already open for writing is refused (OFD lock), status 1"
expect mem512 0 "^AIRLOCK-CPUS 1$" && expect_mem mem512 512 &&
	ok "--mem 512M: the guest sees 512 MiB less kernel reservations"
expect stdin 0 "^AIRLOCK-STDIN-42" && ok "stdin reaches the guest's console shell (serial RX)"
expect hvc 0 "^AIRLOCK-TTY /dev/hvc0" "^AIRLOCK-STDIN-42" &&
	ok "--console virtio: the guest's hvc0 is its console, input and output (virtio-console)"
expect hvcsb 0 "^AIRLOCK-TTY /dev/hvc0" "^AIRLOCK-STDIN-42" "virtio-console: device process" \
	"virtio-console (00:0[0-9].0): .* through its bounce region (dmb)" &&
	ok "strict + sandbox: hvc0 through the bounce BAR (VIRTIO_F_DMB), typed input forwarded to the console's device process"
expect hvcsb27 0 "^AIRLOCK-TTY /dev/hvc0" "^AIRLOCK-STDIN-42" "virtio-console: device process" \
	"virtio-console (00:0[0-9].0): .* through its bounce region (swiotlb)" &&
	ok "strict + sandbox, driver forced to VIRTIO_F_SWIOTLB: hvc0 and its typed input the same way"
expect badkernel 1 "$notkernel" && ok "a file that is not a kernel fails with status 1"
expect oldproto 1 "too old" && ok "a kernel with boot protocol 2.02 fails with status 1"
expect triplefault 3 "triple fault" && ok "a guest triple fault ends airlock with status 3"
expect toosmall 1 "needs [0-9]* MiB of RAM" && ok "a kernel too large for --mem fails with status 1"
expect badcpus 2 "cpus" && ok "--cpus 0 is a usage error (status 2)"
expect nokvm 1 "/dev/kvm: not available" && ok "no /dev/kvm: one clear line, status 1"
expect dumpdtb 0 "^@@DTB-MAGIC d00dfeed" "^@@DTB-HAS pcie@10000000 intc@8000000 uart@9000000 psci" &&
	ok "airlock dump-dtb FILE writes the guest's device tree and exits 0"
CRASH_CASES="panic panicnoscan panichang"
no_guest_crash && ok "no guest crashed (no panic, oops, BUG, double fault or general protection fault on any console)"
rerun_note "$work/log"
grep -q '^@@RETRY' "$work/log" && echo "note: a hung boot was retried: $(grep '^@@RETRY' "$work/log" | tr '\n' ' ')"

suite_end boot 80
