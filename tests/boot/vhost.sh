#!/bin/bash
# Boot tests of devices a vhost-user backend serves, with Debian's own
# backends: qemu-storage-daemon (vhost-user-blk) and virtiofsd (virtio-fs),
# strict (DMB and bit 27) and --isolation off; what the backends can see;
# a backend killed mid-I/O. Nested like tests/boot/run.sh (the backends
# staged into L1's root), or directly on a fast /dev/kvm. As root: the
# suites run as root, and virtiofsd needs it.
#   GARCH=amd64|arm64 tests/boot/vhost.sh     (VHOST_CASES picks cases)
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/tests/boot/lib.sh"

guest_prepare || { echo "vhost: cannot prepare the guest kernel/initramfs"; exit 1; }
work=$(mktemp -d /tmp/airlock-vhost.XXXXXX)
trap 'rm -rf "$work"' EXIT
ALL_CASES=${VHOST_CASES:-"vublk vublk27 vublkoff fs fs27 fsoff vuscan vuscanoff vukill vuhostile"}
head -c 8M /dev/urandom > "$work/rw.img"
head -c 4M /dev/urandom > "$work/ro.img"
head -c 1M /dev/urandom > "$work/in.bin"
sha_rw=$(sha256sum < "$work/rw.img" | cut -d' ' -f1)
sha_ro=$(sha256sum < "$work/ro.img" | cut -d' ' -f1)
sha_in=$(sha256sum < "$work/in.bin" | cut -d' ' -f1)
cp "$GUEST_INITRD_AV" "$work/initrd-av.gz"
cp "$TOP/tests/boot/vhost-cases.sh" "$work/"
# The backends, with the libraries they load, for L1's root.
"$TOP/tests/boot/stage-backends.sh" "$GARCH" "$work/root" ||
	{ echo "vhost: cannot stage qemu-storage-daemon and virtiofsd"; exit 1; }

mode=$(boot_mode)
log "vhost: $GARCH, mode $mode, cases: $ALL_CASES"
raw=$work/console.log
start=$(date +%s)
case $mode in
direct)
	[ "$(id -u)" = 0 ] || { echo "vhost: run as root (virtiofsd needs it)"; exit 1; }
	CASES=$ALL_CASES MEMSCAN=$TOP/build/tools/memscan-$(airlock_arch) AIRLOCK=$TOP/airlock KERNEL=$KERNEL \
		L2DIR=$work sh "$TOP/tests/boot/vhost-cases.sh" 2>&1 |
		while IFS= read -r line; do printf '%s %s\n' "$EPOCHREALTIME" "$line"; done > "$raw.ts" ;;
nested)
	static_airlock_build || exit 1
	l1_chroot_script /l2/vhost-cases.sh > "$work/l1.sh"
	build_l1() {
		L1_EXTRA_ROOT=$work/root l1_build "$work/l1.sh" "$work/vhost-cases.sh" "$work/cases.list" \
			"$work/rw.img" "$work/ro.img" "$work/in.bin" "$work/initrd-av.gz"
	}
	l1_run_cases "$ALL_CASES" "$work/cases.list" build_l1 "$raw.ts" ;;
*) echo "vhost: AIRLOCK_BOOT_MODE must be direct, nested or auto"; exit 2 ;;
esac
log "ran in $(($(date +%s) - start)) s"
tr -d '\r' < "$raw.ts" | cut -d' ' -f2- > "$work/log"
[ -n "${AIRLOCK_BOOT_LOG:-}" ] && cp "$work/log" "$AIRLOCK_BOOT_LOG"

if [ "$mode" = nested ]; then
	grep -q '@@L1 KVM-READY' "$work/log" && ok "L1 host has KVM" || bad "L1 host has KVM" "no /dev/kvm in L1"
fi
# How each mode shows in the exit summary.
where() {
	case $1 in
	*27) echo "through its bounce region (swiotlb)" ;;
	*off) echo "guest RAM mapped by the backend" ;;
	*) echo "through its bounce region (dmb)" ;;
	esac
}
for c in vublk vublk27 vublkoff; do
	w=$(where $c)
	expect "$c" 0 "^AIRLOCK-SHA256 vda $sha_rw" "^AIRLOCK-SHA256 vdb $sha_ro" &&
		ok "$c: vhost-user-blk (qemu-storage-daemon): both exports read whole, sha256 matches"
	expect "$c" 0 "^AIRLOCK-WROTE vda" "^@@HOST-SEES-WRITE yes" "^AIRLOCK-RO-WRITE refused" \
		"^AIRLOCK-DISK vdb ro=1" &&
		ok "$c: a write + sync reaches the exported image; the read-only export refuses writes"
	expect "$c" 0 "vhost-user-blk (00:01.0), socket [^ ]*rw.sock: served by its vhost-user backend; 0 ring refusals, 0 backend failures; $w" \
		"vhost-user-blk (00:02.0), socket [^ ]*ro.sock: served by its vhost-user backend; 0 ring refusals, 0 backend failures; $w" &&
		ok "$c: the exit summary names the backend and the mode ($w)"
	case $c in vublkoff) ;; *)
		expect "$c" 0 "^AIRLOCK-PCIDRV 0000:00:01.0 airlock_virtio" "^AIRLOCK-PCIDRV 0000:00:02.0 airlock_virtio" &&
			ok "$c: the airlock guest driver binds both (the same transport with a region)" ;;
	esac
done
for c in fs fs27 fsoff; do
	w=$(where $c)
	how="airlock started virtiofsd (dir=)"
	[ "$c" = fsoff ] && how="a virtiofsd the test started (socket=)"
	expect "$c" 0 "^AIRLOCK-FS-MOUNTED share" "^AIRLOCK-FS-SHA256 $sha_in" "^AIRLOCK-FS-LIST 1000$" &&
		ok "$c: virtio-fs, $how: the guest mounts the tag, reads a file the host wrote (sha256), lists 1000 files"
	expect "$c" 0 "^AIRLOCK-FS-WROTE out-$c" "^@@FS-HOST-SEES out-$c" "^AIRLOCK-FS-RENAME-DELETE ok" \
		"^@@FS-HOST-SEES rename-delete" "^@@FS-HOST-FILES 999$" "^AIRLOCK-FS-UMOUNT ok" &&
		ok "$c: the file the guest wrote, its rename and its delete are on the host"
	expect "$c" 0 "vhost-user-fs (00:01.0), tag share: served by its vhost-user backend; 0 ring refusals, 0 backend failures; $w" &&
		ok "$c: the exit summary names the share and the mode ($w)"
	[ "$c" != fsoff ] && expect "$c" 0 "^@@FS-LEFT 0 0$" &&
		ok "$c: virtiofsd stopped with the VM, its directory removed"
done
if expect vuscan 0 "^@@BACKEND qemu-storage-d.* maps=clean token-hits=0$" "^@@BACKEND virtiofsd maps=clean token-hits=0$" \
	"^AIRLOCK-IO-DONE 2000"; then
	expect_not vuscan "maps=guest-ram" && expect_not vuscan "token-hits=[1-9]" &&
		ok "strict: while the guest reads, neither backend maps guest RAM, and the token the guest planted in RAM is in none of their mappings"
fi
expect vuscanoff 0 "^@@BACKEND qemu-storage-d.* maps=guest-ram token-hits=[1-9]" &&
	ok "the scan can fail: with --isolation off the backend maps guest RAM and the token is found"
expect vukill 0 "^@@KILLED qemu-storage-daemon" \
	"vhost-user-blk (00:02.0): vhost-user backend [^ ]*rw.sock: closed its socket; device needs a reset" \
	"^AIRLOCK-AFTER vda $sha_ro" "vhost-user-blk (00:02.0), socket .*, 1 backend failures" \
	"virtio-blk (00:01.0): [1-9][0-9]* requests, 0 ring refusals, 0 DMA denials" &&
	ok "the backend killed mid-I/O: one warning, the device needs a reset, the other disk keeps working, the guest powers off (exit 0), the summary counts it"
if expect vuhostile 0 "^AIRLOCK-HOSTILE-SETUP 0000:00:02.0" "^AIRLOCK-HOSTILE-DONE" "^AIRLOCK-AFTER vda $sha_ro" \
	"^@@CANARY-IN-IMAGE no" "^@@QSD-ALIVE yes" && expect_not vuhostile "CANARY-CHANGED"; then
	n=$(section vuhostile | grep -c '^AIRLOCK-HCASE ')
	held=$(section vuhostile | grep -c '^AIRLOCK-HCASE .* ok ')
	refused=$(value vuhostile @@QSD-REFUSED)
	# Where the backend's rules are not airlock's (it takes offset 0, a
	# nested indirect table): listed, not failed; the canary decides.
	section vuhostile | grep '^AIRLOCK-HCASE .* FAIL ' | sed 's/^/    as the backend has it: /'
	if [ "$n" -ge 40 ] && [ "${refused:-0}" -ge 1 ]; then
		ok "hostile suite (DMB, $n cases, $held as with airlock's own device) against vhost-user-blk: the backend refused $refused out-of-region" \
			"addresses (it has no mapping for them); the canary page of guest RAM never changed and never" \
			"reached the image; qemu-storage-daemon kept running, the other disk still works"
	else
		bad vuhostile "$n cases, $refused refusals by the backend"
	fi
fi
no_guest_crash && ok "no guest crashed"
rerun_note "$work/log"
suite_end vhost 60
