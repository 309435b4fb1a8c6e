#!/bin/bash
# Boot benchmark: in one KVM host (nested under QEMU TCG here, or this host
# when its /dev/kvm is fast), boot the same kernel and initramfs to the
# guest's marker line with airlock, QEMU -M microvm and QEMU -M pc, RUNS
# rounds of one run each. Time is measured on L0's clock from launch to
# marker. Also prints airlock's stripped binary size and its RSS beyond
# guest RAM, next to QEMU's.
set -eu
TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/tests/boot/lib.sh"
RUNS=${RUNS:-5}

round() {
	cat <<'SCRIPT'
CMD="console=ttyS0 quiet panic=-1 airlock.action=poweroff"
Q="qemu-system-x86_64 -enable-kvm -cpu host -m 256M -smp 1 -nodefaults -no-user-config -nographic -serial stdio -no-reboot -kernel $KERNEL -initrd $INITRD"
SCRIPT
	if [ "$1" = rss ]; then
		cat <<'SCRIPT'
# Keep the guest up and read the VMM's counters once it has booted.
for who in airlock pc; do
	rm -f /tmp/out
	case $who in
	airlock) $AIRLOCK run --kernel $KERNEL --initrd $INITRD --mem 256M --cpus 1 --cmdline "$CMD airlock.action=none" </dev/null >/tmp/out 2>&1 & ;;
	pc) $Q -M pc -append "$CMD airlock.action=none" </dev/null >/tmp/out 2>&1 & ;;
	esac
	pid=$!
	n=0
	while ! grep -q AIRLOCK-GUEST-UP /tmp/out && [ $n -lt 300 ]; do sleep 1; n=$((n + 1)); done
	sleep 3
	for k in VmHWM VmRSS RssAnon RssFile RssShmem; do
		echo "@@RSS $who $k $(sed -n "s/^$k: *\([0-9]*\) kB/\1/p" /proc/$pid/status)"
	done
	kill $pid
	wait $pid 2>/dev/null
	sleep 2
done
SCRIPT
		return
	fi
	cat <<'SCRIPT'
for who in airlock microvm pc; do
	echo "@@BENCH $who START"
	case $who in
	airlock) timeout 300 $AIRLOCK run --kernel $KERNEL --initrd $INITRD --mem 256M --cpus 1 --cmdline "$CMD" </dev/null 2>&1 ;;
	microvm) timeout 300 $Q -M microvm -append "$CMD" </dev/null 2>&1 ;;
	pc) timeout 300 $Q -M pc -append "$CMD" </dev/null 2>&1 ;;
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

median() { sort -n | awk '{ a[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print a[(NR + 1) / 2]; else printf "%.2f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
echo
echo "Boot to the guest's init marker, seconds on L0's clock ($RUNS rounds):"
for who in airlock microvm pc; do
	runs=$(awk -v w=$who '$1 == w && $2 != "FAILED" { printf "%s ", $2 }' "$work/times")
	m=$(awk -v w=$who '$1 == w && $2 != "FAILED" { print $2 }' "$work/times" | median)
	eval "med_$who=$m"
	printf '  %-8s median %6s   runs: %s\n' "$who" "$m" "$runs"
done
grep FAILED "$work/times" | sed 's/^/  failed run: /' || true
awk -v a="$med_airlock" -v m="$med_microvm" -v p="$med_pc" 'BEGIN {
	if (m > 0) printf "  ratio airlock/QEMU microvm: %.2f\n", a / m
	if (p > 0) printf "  ratio airlock/QEMU pc:      %.2f   (target <= 0.5)\n", a / p }'

strip -o "$work/airlock.stripped" "$TOP/airlock"
echo
echo "Binary: airlock stripped (dynamic) $(stat -c %s "$work/airlock.stripped") bytes (target <= 150 KB)"
echo
echo "Memory with a 256 MiB guest booted and idle (kB, from /proc/PID/status in the KVM host):"
for who in airlock pc; do
	v() { awk -v w=$who -v k=$1 '$2 == "@@RSS" && $3 == w && $4 == k { print $5 }' "$work/log2"; }
	hwm=$(v VmHWM) anon=$(v RssAnon) file=$(v RssFile) shm=$(v RssShmem)
	printf '  %-8s VmHWM %s  RssAnon %s  RssFile %s  RssShmem(guest RAM) %s  -> RSS beyond guest RAM %s\n' \
		"$who" "$hwm" "$anon" "$file" "$shm" "$(( ${anon:-0} + ${file:-0} ))"
done
echo "(QEMU's guest RAM is anonymous memory, so its RssAnon includes the guest's touched RAM.)"
