#!/bin/bash
# virtio-blk benchmark: in one KVM host (nested under QEMU TCG here), the
# guest reads and writes 256 MiB with dd (1 MiB blocks, direct I/O) on a raw
# image, under airlock and under QEMU (-M pc; GARCH=arm64: -M virt) with
# virtio-blk-pci, RUNS rounds
# of one run each. MB/s from L0 timestamps of the guest's marker lines.
# airlock runs three ways: --isolation off; strict (bounce BAR) with its
# device process (--sandbox on, the default); strict with --sandbox off.
# Boot time (launch to the guest's init marker, with the disk) is compared
# for the sandbox on and off too.
set -eu
TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/tests/boot/lib.sh"
RUNS=${RUNS:-3}

round() {
	cat <<'SCRIPT'
CMD="console=ttyS0 quiet panic=-1 airlock.test=ddbench airlock.action=poweroff"
IMG=${L2DIR:-/tmp}/bench.img
dd if=/dev/zero of=$IMG bs=1M count=256 2>/dev/null
echo "@@BENCH airlock START"
timeout 900 $AIRLOCK run --kernel $KERNEL --initrd $INITRD --mem 512M --isolation off \
	--disk $IMG --cmdline "$CMD" </dev/null 2>&1
echo "@@BENCH airlock END rc=$?"
sleep 2
echo "@@BENCH strict START"
timeout 900 $AIRLOCK run --kernel $KERNEL --initrd $L2DIR/initrd-av.gz --mem 512M \
	--disk $IMG --cmdline "$CMD" </dev/null 2>&1
echo "@@BENCH strict END rc=$?"
sleep 2
echo "@@BENCH nosandbox START"
timeout 900 $AIRLOCK run --kernel $KERNEL --initrd $L2DIR/initrd-av.gz --mem 512M --sandbox off \
	--disk $IMG --cmdline "$CMD" </dev/null 2>&1
echo "@@BENCH nosandbox END rc=$?"
sleep 2
echo "@@BENCH qemu START"
if [ "$(uname -m)" = aarch64 ]; then
	timeout 900 qemu-system-aarch64 -M virt,gic-version=host -enable-kvm -cpu host -m 512M -smp 1 \
		-nodefaults -no-user-config -nographic -serial stdio -no-reboot -kernel $KERNEL \
		-initrd $INITRD -drive file=$IMG,format=raw,if=none,id=d0 -device virtio-blk-pci,drive=d0 \
		-append "$(echo "$CMD" | sed s/ttyS0/ttyAMA0/)" </dev/null 2>&1
else
	timeout 900 qemu-system-x86_64 -enable-kvm -cpu host -M pc -m 512M -smp 1 -nodefaults \
		-no-user-config -nographic -serial stdio -no-reboot -kernel $KERNEL -initrd $INITRD \
		-drive file=$IMG,format=raw,if=none,id=d0 -device virtio-blk-pci,drive=d0 \
		-append "$CMD" </dev/null 2>&1
fi
echo "@@BENCH qemu END rc=$?"
rm -f $IMG
SCRIPT
}

bench_av_rounds round
awk '
	$2 == "@@BENCH" && $4 == "START" { who = $3; b0 = $1; next }
	$2 == "AIRLOCK-GUEST-UP" && who != "" { printf "%s boot %.2f\n", who, $1 - b0; next }
	$2 == "AIRLOCK-DD" && $4 == "START" { t0[$3] = $1; next }
	$2 == "AIRLOCK-DD" && $4 == "END" && who != "" { printf "%s %s %.1f\n", who, $3, 256 / ($1 - t0[$3]) }
' "$work/log2" > "$work/rates"
echo
echo "In-guest dd, 256 MiB, 1 MiB blocks, direct I/O; MB/s on L0's clock ($RUNS rounds):"
for op in read write; do
	a=$(awk -v o=$op '$1 == "airlock" && $2 == o { print $3 }' "$work/rates" | bench_median)
	st=$(awk -v o=$op '$1 == "strict" && $2 == o { print $3 }' "$work/rates" | bench_median)
	q=$(awk -v o=$op '$1 == "qemu" && $2 == o { print $3 }' "$work/rates" | bench_median)
	printf '  %-5s airlock off %7s  strict %7s  QEMU virtio-blk-pci %7s | off/QEMU %s (target >= 1.0)  strict/off %s (target >= 0.7)\n' \
		"$op" "$a" "$st" "$q" "$(bench_ratio "$a" "$q")" "$(bench_ratio "$st" "$a")"
done
for op in read write; do
	st=$(awk -v o=$op '$1 == "strict" && $2 == o { print $3 }' "$work/rates" | bench_median)
	ns=$(awk -v o=$op '$1 == "nosandbox" && $2 == o { print $3 }' "$work/rates" | bench_median)
	printf '  %-5s strict, sandbox on %7s  off %7s | on/off %s (target >= 0.95)\n' "$op" "$st" "$ns" "$(bench_ratio "$st" "$ns")"
done
bs=$(awk '$1 == "strict" && $2 == "boot" { print $3 }' "$work/rates" | bench_median)
bn=$(awk '$1 == "nosandbox" && $2 == "boot" { print $3 }' "$work/rates" | bench_median)
printf '  boot to init with the disk (s): sandbox on %s  off %s | off/on %s (target >= 0.95)\n' "$bs" "$bn" "$(bench_ratio "$bn" "$bs")"
echo "  runs: $(tr '\n' ';' < "$work/rates")"
