#!/bin/bash
# Boot benchmark: in one KVM host (nested under QEMU TCG here, or this host
# when its /dev/kvm is fast), boot the same kernel and initramfs to the
# guest's marker line with airlock and QEMU (x86_64: -M microvm and -M pc;
# GARCH=arm64: -M virt), RUNS rounds of one run each. Time is measured on
# L0's clock from launch to marker. Also prints airlock's stripped binary
# size and its RSS beyond guest RAM, next to QEMU's.
set -eu
TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/tests/boot/lib.sh"
RUNS=${RUNS:-5}

if [ "$GARCH" = arm64 ]; then
	PEERS="virt" REF=virt
else
	PEERS="microvm pc" REF=pc
fi

round() {
	cat <<'SCRIPT'
CMD="console=ttyS0 quiet panic=-1 airlock.action=poweroff"
Q="qemu-system-x86_64 -enable-kvm -cpu host -m 256M -smp 1 -nodefaults -no-user-config -nographic -serial stdio -no-reboot -kernel $KERNEL -initrd $INITRD"
# arm64: QEMU's virt board has a PL011 (ttyAMA0) where airlock has a 16550.
QA="qemu-system-aarch64 -M virt,gic-version=host -enable-kvm -cpu host -m 256M -smp 1 -nodefaults -no-user-config -nographic -serial stdio -no-reboot -kernel $KERNEL -initrd $INITRD"
QCMD="console=ttyAMA0 quiet panic=-1 airlock.action=poweroff"
SCRIPT
	echo "PEERS=\"$PEERS\""
	if [ "$1" = rss ]; then
		cat <<'SCRIPT'
# Keep the guest up and read the VMM's counters once it has booted.
for who in airlock $PEERS; do
	rm -f /tmp/out
	case $who in
	airlock) $AIRLOCK run --kernel $KERNEL --initrd $INITRD --mem 256M --cpus 1 --cmdline "$CMD airlock.action=none" </dev/null >/tmp/out 2>&1 & ;;
	microvm) continue ;;
	pc) $Q -M pc -append "$CMD airlock.action=none" </dev/null >/tmp/out 2>&1 & ;;
	virt) $QA -append "$QCMD airlock.action=none" </dev/null >/tmp/out 2>&1 & ;;
	esac
	pid=$!
	n=0
	while ! grep -q AIRLOCK-GUEST-UP /tmp/out && [ $n -lt 300 ]; do sleep 1; n=$((n + 1)); done
	sleep 3
	for k in VmHWM VmRSS RssAnon RssFile RssShmem; do
		echo "@@RSS $who $k $(awk -v k="$k:" '$1 == k { print $2 }' /proc/$pid/status)"
	done
	kill $pid
	wait $pid 2>/dev/null
	sleep 2
done
SCRIPT
		return
	fi
	cat <<'SCRIPT'
for who in airlock $PEERS; do
	echo "@@BENCH $who START"
	case $who in
	airlock) timeout 300 $AIRLOCK run --kernel $KERNEL --initrd $INITRD --mem 256M --cpus 1 --cmdline "$CMD" </dev/null 2>&1 ;;
	microvm) timeout 300 $Q -M microvm -append "$CMD" </dev/null 2>&1 ;;
	pc) timeout 300 $Q -M pc -append "$CMD" </dev/null 2>&1 ;;
	virt) timeout 300 $QA -append "$QCMD" </dev/null 2>&1 ;;
	esac
	echo "@@BENCH $who END rc=$?"
	sleep 2
done
SCRIPT
}

bench_setup
bench_rounds round "$work/log" $(seq 1 "$RUNS") rss
tr -d '\r' < "$work/log" > "$work/log2"

# seconds from each START to the first marker after it, per VMM
awk '
	$2 == "@@BENCH" && $4 == "START" { who = $3; t0 = $1; seen = 0; next }
	$2 == "@@BENCH" && $4 == "END" { if (!seen) print who, "FAILED", $5; who = ""; next }
	index($0, "AIRLOCK-GUEST-UP") && who != "" && !seen { printf "%s %.2f\n", who, $1 - t0; seen = 1 }
' "$work/log2" > "$work/times"

echo
echo "Boot to the guest's init marker, seconds on L0's clock ($RUNS rounds, $GARCH guest):"
med_microvm=0 med_pc=0 med_virt=0
for who in airlock $PEERS; do
	runs=$(awk -v w=$who '$1 == w && $2 != "FAILED" { printf "%s ", $2 }' "$work/times")
	m=$(awk -v w=$who '$1 == w && $2 != "FAILED" { print $2 }' "$work/times" | bench_median)
	eval "med_$who=$m"
	printf '  %-8s median %6s   runs: %s\n' "$who" "$m" "$runs"
done
grep FAILED "$work/times" | sed 's/^/  failed run: /' || true
awk -v a="$med_airlock" -v m="$med_microvm" -v p="$med_pc" -v v="$med_virt" 'BEGIN {
	if (m > 0) printf "  ratio airlock/QEMU microvm: %.2f\n", a / m
	if (p > 0) printf "  ratio airlock/QEMU pc:      %.2f   (target <= 0.5)\n", a / p
	if (v > 0) printf "  ratio airlock/QEMU virt:    %.2f   (target <= 0.5)\n", a / v }'

if [ "$GARCH" = amd64 ]; then
	strip -o "$work/airlock.stripped" "$TOP/airlock"
	echo
	echo "Binary: airlock stripped (dynamic) $(stat -c %s "$work/airlock.stripped") bytes (target <= 150 KB)"
fi
echo
echo "Memory with a 256 MiB guest booted and idle (kB, from /proc/PID/status in the KVM host):"
for who in airlock $REF; do
	v() { awk -v w=$who -v k=$1 '$2 == "@@RSS" && $3 == w && $4 == k { print $5 }' "$work/log2"; }
	hwm=$(v VmHWM) anon=$(v RssAnon) file=$(v RssFile) shm=$(v RssShmem)
	printf '  %-8s VmHWM %s  RssAnon %s  RssFile %s  RssShmem(guest RAM) %s  -> RSS beyond guest RAM %s\n' \
		"$who" "$hwm" "$anon" "$file" "$shm" "$(( ${anon:-0} + ${file:-0} ))"
done
echo "(QEMU's guest RAM is anonymous memory, so its RssAnon includes the guest's touched RAM.)"
