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
VCMD="console=ttyS0 panic=-1 airlock.action=poweroff" VQCMD="console=ttyAMA0 panic=-1 airlock.action=poweroff"
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
	# Cold: --no-cache, so airlock decompresses the kernel itself; warm:
	# from the boot cache, which an unmeasured first boot fills. That first
	# boot also puts every measured one after another in the same L1 (the
	# second VM in an L1 was seen to start 0.8 s slower than the first).
	cat <<'SCRIPT'
COLD=--no-cache
A="$AIRLOCK run --kernel $KERNEL --initrd $INITRD --mem 256M --cpus 1 --stats-json /tmp/st.json"
# one WHO CMDLINE ARM-QEMU-CMDLINE: one boot, timed by its marker lines.
one() {
	echo "@@BENCH $1 START"
	case ${1#v-} in
	fill) timeout 300 $A --cmdline "$2" ;;
	airlock-cold) timeout 300 $A $COLD --cmdline "$2" ;;
	airlock) timeout 300 $A --cmdline "$2" ;;
	microvm) timeout 300 $Q -M microvm -append "$2" ;;
	pc) timeout 300 $Q -M pc -append "$2" ;;
	virt) timeout 300 $QA -append "$3" ;;
	esac </dev/null 2>&1
	echo "@@BENCH $1 END rc=$?"
	case $1 in airlock*|fill) echo "@@JSON $1 $(tr -d ' \n' < /tmp/st.json)" ;; esac
	sleep 2
}
for who in fill airlock-cold airlock $PEERS; do one "$who" "$CMD" "$QCMD"; done
# The phases: the same boots with the console not quiet (first kernel
# line, "Run /init", the marker).
for who in airlock $PEERS; do one "v-$who" "$VCMD" "$VQCMD"; done
SCRIPT
}

bench_setup
bench_rounds round "$work/log" $(seq 1 "$RUNS") rss
tr -d '\r' < "$work/log" > "$work/log2"

# Per run: seconds from START to the first kernel line ("Linux version"),
# to "Run /init" and to the marker (only the marker with a quiet console).
awk '
	$2 == "@@BENCH" && $4 == "START" { who = $3; t0 = $1; k = r = m = ""; next }
	$2 == "@@BENCH" && $4 == "END" { if (m == "") print who, "FAILED", $5; else print who, m, (k == "" ? "-" : k), (r == "" ? "-" : r); who = ""; next }
	who == "" { next }
	index($0, "Linux version") && k == "" { k = sprintf("%.2f", $1 - t0) }
	index($0, "Run /init as init process") && r == "" { r = sprintf("%.2f", $1 - t0) }
	index($0, "AIRLOCK-GUEST-UP") && m == "" { m = sprintf("%.2f", $1 - t0) }
' "$work/log2" > "$work/times"
col() { awk -v w="$1" -v c="$2" '$1 == w && $2 != "FAILED" && $c != "-" { print $c }' "$work/times"; }

echo
echo "Boot to the guest's init marker, quiet console, seconds on L0's clock ($RUNS rounds, $GARCH guest):"
med_microvm=0 med_pc=0 med_virt=0
for who in airlock airlock-cold $PEERS; do
	m=$(col "$who" 2 | bench_median)
	eval "med_$(echo "$who" | tr - _)=$m"
	printf '  %-13s median %6s   runs: %s\n' "$who" "$m" "$(col "$who" 2 | tr '\n' ' ')"
done
grep FAILED "$work/times" | sed 's/^/  failed run: /' || true
for a in airlock airlock_cold; do
	eval "am=\$med_$a"
	awk -v n="$a" -v a="$am" -v m="$med_microvm" -v p="$med_pc" -v v="$med_virt" 'BEGIN {
		sub("_", "-", n); t = (n == "airlock") ? "warm cache" : "cold cache"
		if (m > 0) printf "  ratio %s/QEMU microvm: %.2f   (%s; target <= 0.5)\n", n, a / m, t
		if (p > 0) printf "  ratio %s/QEMU pc:      %.2f   (%s; target <= 0.5)\n", n, a / p, t
		if (v > 0) printf "  ratio %s/QEMU virt:    %.2f   (%s; target <= 0.8)\n", n, a / v, t }'
done

echo
echo "Phases, console not quiet (medians, seconds from launch): first kernel line / Run /init / marker"
for who in airlock $PEERS; do
	printf '  %-13s %6s / %6s / %6s\n' "$who" "$(col "v-$who" 3 | bench_median)" \
		"$(col "v-$who" 4 | bench_median)" "$(col "v-$who" 2 | bench_median)"
done

# airlock's own figures from --stats-json: its start time (main() to the
# first KVM_RUN) and vCPU exits by reason, per boot.
echo
echo "airlock per boot (medians over $RUNS rounds): VMM start (main() to first KVM_RUN) and exits by reason"
for who in airlock-cold airlock; do
	sed -n "s/^[0-9.]* @@JSON $who //p" "$work/log2" > "$work/json-$who"
	j() { sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p" "$work/json-$who" | bench_median; }
	jx() { sed -n "s/.*\"exits\":{[^}]*\"$1\":\([0-9]*\).*/\1/p" "$work/json-$who" | bench_median; }
	printf '  %-13s start %s ms   exits: mmio %s  io %s  interrupted %s  other %s\n' "$who" \
		"$(awk -v u="$(j vmm_start_us)" 'BEGIN { printf "%.1f", u / 1000 }')" \
		"$(jx mmio)" "$(jx io)" "$(jx interrupted)" "$(jx other)"
done
# On this host itself, where it has a /dev/kvm (however slow): the start
# time outside the emulated L1, 5 runs each, cold (--no-cache) and warm.
if [ -w /dev/kvm ] && [ "$(airlock_arch)" = "$(uname -m | sed s/aarch64/arm64/)" ]; then
	for c in cold warm; do
		for i in 1 2 3 4 5; do
			rm -f "$work/d.json"
			"$TOP/airlock" run --kernel "$KERNEL" --initrd "$GUEST_INITRD" --mem 256M --timeout 1 \
				$([ $c = cold ] && echo --no-cache) --stats-json "$work/d.json" </dev/null >/dev/null 2>&1 || true
			sed -n 's/.*"vmm_start_us": \([0-9]*\).*/\1/p' "$work/d.json"
		done | bench_median > "$work/start-$c"
	done
	echo "  on this host directly: start $(awk -v c="$(cat "$work/start-cold")" -v w="$(cat "$work/start-warm")" \
		'BEGIN { printf "cold %.1f ms, warm %.1f ms", c / 1000, w / 1000 }') (target <= 10 ms)"
fi

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
