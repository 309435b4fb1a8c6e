#!/bin/bash
# The two strict-isolation modes against --isolation off, in-guest, in one
# KVM host (nested under QEMU TCG here), RUNS rounds of one run each:
# - one disk, 1 vCPU: dd reads and writes 256 MiB (1 MiB blocks, direct
#   I/O) with isolation off, strict with VIRTIO_F_DMB (the driver's
#   default), strict with VIRTIO_F_SWIOTLB (airlock_virtio.mode=swiotlb);
# - two disks, 2 vCPUs, one dd on each at once: off, DMB with the pool's
#   per-CPU areas (the default), DMB with one lock (pool_areas=1).
# MB/s from L0 timestamps of the guest's marker lines (two disks: both
# disks' bytes over the time until both finished). The host-only virtqueue
# bench (tests/bench/virtq.sh) compares the modes without a guest.
#   GARCH=amd64|arm64 RUNS=3 tests/bench/dmb.sh
set -eu
TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/tests/boot/lib.sh"
RUNS=${RUNS:-3}

round() {
	cat <<'SCRIPT'
CMD="console=ttyS0 quiet panic=-1 airlock.action=poweroff"
A=${L2DIR:-/tmp}/a.img B=${L2DIR:-/tmp}/b.img
dd if=/dev/zero of=$A bs=1M count=256 2>/dev/null
dd if=/dev/zero of=$B bs=1M count=256 2>/dev/null
# name isolation cpus test extra-cmdline
run() {
	echo "@@BENCH $1 START"
	if [ "$4" = dd2bench ]; then disks="--disk $A --disk $B"; else disks="--disk $A"; fi
	if [ "$2" = off ]; then initrd=$INITRD; else initrd=$L2DIR/initrd-av.gz; fi
	# shellcheck disable=SC2086
	timeout 900 $AIRLOCK run --kernel $KERNEL --initrd $initrd --mem 512M --cpus $3 \
		--isolation $2 $disks --cmdline "$CMD airlock.test=$4 $5" </dev/null 2>&1
	echo "@@BENCH $1 END rc=$?"
	sleep 2
}
run off off 1 ddbench ""
run dmb strict 1 ddbench ""
run swiotlb strict 1 ddbench "airlock_virtio.mode=swiotlb"
run off2 off 2 dd2bench ""
run dmb2 strict 2 dd2bench ""
run dmb2lock strict 2 dd2bench "airlock_virtio.pool_areas=1"
rm -f $A $B
SCRIPT
}

bench_av_rounds round
awk '
	$2 == "@@BENCH" && $4 == "START" { who = $3; next }
	$2 == "@@BENCH" && $4 == "END" { who = ""; next }
	($2 == "AIRLOCK-DD" || $2 == "AIRLOCK-DD2") && $4 == "START" { t0[$3] = $1; next }
	$2 == "AIRLOCK-DD" && $4 == "END" && who != "" { printf "%s %s %.1f\n", who, $3, 256 / ($1 - t0[$3]) }
	$2 == "AIRLOCK-DD2" && $4 == "END" && who != "" { printf "%s %s %.1f\n", who, $3, 512 / ($1 - t0[$3]) }
	$2 == "AIRLOCK-POOL" && who != "" && !seen[who]++ && match($0, /[0-9]+ areas?,/) { split(substr($0, RSTART), f, " "); print who, "areas", f[1] }
' "$work/log2" > "$work/rates"
rate() { awk -v w="$1" -v o="$2" '$1 == w && $2 == o { print $3 }' "$work/rates" | bench_median; }
echo
echo "In-guest dd, 1 MiB blocks, direct I/O; MB/s on L0's clock, median of $RUNS rounds ($GARCH, nested):"
for op in read write; do
	off=$(rate off $op) dmb=$(rate dmb $op) s27=$(rate swiotlb $op)
	printf '  1 disk, 1 vCPU, %-5s off %7s  DMB %7s  bit 27 %7s | DMB/off %s  27/off %s (target >= 0.9)\n' \
		"$op" "$off" "$dmb" "$s27" "$(bench_ratio "$dmb" "$off")" "$(bench_ratio "$s27" "$off")"
done
for op in read write; do
	off=$(rate off2 $op) dmb=$(rate dmb2 $op) lock=$(rate dmb2lock $op)
	printf '  2 disks at once, 2 vCPUs, %-5s off %7s  DMB, per-CPU areas %7s  DMB, one lock %7s | areas/off %s  areas/one lock %s\n' \
		"$op" "$off" "$dmb" "$lock" "$(bench_ratio "$dmb" "$off")" "$(bench_ratio "$dmb" "$lock")"
done
echo "  pool areas seen: 2 vCPUs $(awk '$1 == "dmb2" && $2 == "areas" { print $3; exit }' "$work/rates")," \
	"pool_areas=1 $(awk '$1 == "dmb2lock" && $2 == "areas" { print $3; exit }' "$work/rates")"
echo "  runs: $(grep -v ' areas ' "$work/rates" | tr '\n' ';')"
