# Shared by the boot tests, the demo and the benchmarks. Source it with
# TOP set to the checkout. Everything built here is cached under
# $AIRLOCK_CACHE, keyed by the inputs, so a second run is quick.
AIRLOCK_CACHE=${AIRLOCK_CACHE:-/var/cache/airlock}
export AIRLOCK_CACHE
L1_TIMEOUT=${L1_TIMEOUT:-1500}

log() { printf '%s\n' "boot: $*" >&2; }

# The guest architecture (Debian's name) and airlock's name for it.
GARCH=${GARCH:-amd64}
airlock_arch() { [ "$GARCH" = arm64 ] && echo arm64 || echo x86_64; }

# Kernel (L1 and L2 alike) and the test guest's initramfs, for $GARCH.
guest_prepare() {
	KDIR=$("$TOP/scripts/guest-kernel.sh" "$GARCH") || return 1
	KVER=$(cat "$KDIR/version")
	KERNEL=$KDIR/vmlinuz
	GUEST_INITRD=$("$TOP/guest/mkinitramfs.sh" "$GARCH" "$KDIR") || return 1
	# The same guest with the airlock driver, for strict isolation.
	GUEST_MODULE=$("$TOP/scripts/guest-module.sh" "$GARCH" "$KDIR") || return 1
	GUEST_INITRD_AV=$("$TOP/guest/mkinitramfs.sh" "$GARCH" "$KDIR" "$GUEST_MODULE") || return 1
	STATIC_AIRLOCK=$TOP/build/$(airlock_arch)-static/airlock
}

# Kernels for the host-side loader's cases, made from $KERNEL once per
# kernel and script version (tests/boot/mkkernels.py; arm64: an Image.gz).
# Prints their directory.
test_kernels() {
	key=$(cat "$KERNEL" "$TOP/tests/boot/mkkernels.py" | sha256sum | cut -c1-16)
	dir=$AIRLOCK_CACHE/testkernels/$GARCH-$key
	if [ ! -f "$dir/.done" ]; then
		rm -rf "$dir" && mkdir -p "$dir" || return 1
		if [ "$GARCH" = arm64 ]; then
			gzip -6 -n -c "$KERNEL" > "$dir/Image.gz" || return 1
		else
			python3 "$TOP/tests/boot/mkkernels.py" "$KERNEL" "$dir" || return 1
		fi
		touch "$dir/.done"
	fi
	echo "$dir"
}

# The static airlock that runs inside L1.
static_airlock_build() {
	make -s -C "$TOP" ARCH="$(airlock_arch)" STATIC=1 "build/$(airlock_arch)-static/airlock" \
		"build/tools/memscan-$(airlock_arch)"
}

# Is /dev/kvm here usable at hardware speed? Some sandboxes offer a /dev/kvm
# that works but runs guests a thousand times slower than hardware; booting
# on it directly would take hours, so those hosts take the nested path.
kvm_is_fast() {
	# Only a host of the guest's own architecture runs it directly.
	[ "$(airlock_arch)" = "$(uname -m | sed s/aarch64/arm64/)" ] || return 1
	[ -c /dev/kvm ] && [ -r /dev/kvm ] && [ -w /dev/kvm ] || return 1
	make -s -C "$TOP" build/tools/kvm-probe >/dev/null 2>&1 || return 1
	timeout 10 "$TOP/build/tools/kvm-probe" >/dev/null 2>&1
}

# The boot mode: AIRLOCK_BOOT_MODE (direct or nested), or by default
# direct on a /dev/kvm that runs guests at hardware speed, nested otherwise.
boot_mode() {
	bm=${AIRLOCK_BOOT_MODE:-auto}
	if [ "$bm" = auto ]; then
		if kvm_is_fast; then bm=direct; else bm=nested; fi
	fi
	echo "$bm"
}

# Builds an L1 initramfs: busybox, KVM modules, a static airlock, the L2
# kernel and initramfs, extra files, and /init that runs $1 (a script).
# Prints the cpio path.
l1_build() {
	script=$1
	shift
	# KVM is built into Debian's arm64 kernel; on amd64 it is modules.
	if [ "$GARCH" = arm64 ]; then
		mods="kernel/drivers/net/tun.ko"
		busybox=$("$TOP/scripts/busybox-arm64.sh")
	else
		mods="kernel/virt/lib/irqbypass.ko kernel/arch/x86/kvm/kvm.ko kernel/drivers/crypto/ccp/ccp.ko kernel/arch/x86/kvm/kvm-amd.ko kernel/drivers/net/tun.ko"
		busybox=/bin/busybox
	fi
	tmp=$(mktemp -d)
	mkdir -p "$tmp/bin" "$tmp/l2" "$tmp/mods" "$tmp/proc" "$tmp/sys" "$tmp/dev" "$tmp/tmp"
	: > "$tmp/mods/order"
	cp "$busybox" "$tmp/bin/busybox"
	# L1_MODS: more of L1's modules, loaded after these (e.g. virtio_blk
	# for a disk QEMU gives L1: L1_QEMU_ARGS).
	for m in $mods ${L1_MODS:-}; do
		[ -f "$KDIR/root/lib/modules/$KVER/$m" ] || continue   # built in
		cp "$KDIR/root/lib/modules/$KVER/$m" "$tmp/mods/"
		basename "$m" .ko >> "$tmp/mods/order"
	done
	cp "$STATIC_AIRLOCK" "$tmp/bin/airlock"
	cp "$TOP/build/tools/memscan-$(airlock_arch)" "$tmp/bin/memscan"
	cp "$KERNEL" "$tmp/l2/vmlinuz"
	cp "$GUEST_INITRD" "$tmp/l2/initrd.gz"
	for f in "$@"; do cp "$f" "$tmp/l2/"; done
	cp "$script" "$tmp/test.sh"
	# L1_EXTRA_ROOT: a directory merged into L1's root (benchmarks add QEMU).
	[ -n "${L1_EXTRA_ROOT:-}" ] && cp -a "$L1_EXTRA_ROOT/." "$tmp/"
	cat > "$tmp/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for m in $(cat /mods/order); do insmod /mods/$m.ko 2>/dev/null || echo "@@L1 insmod $m failed"; done
if [ -c /dev/kvm ]; then echo "@@L1 KVM-READY"; else echo "@@L1 NO-KVM"; fi
dmesg | grep -m2 -e 'VHE mode initialized' -e 'Nested Virtualization enabled' | sed 's/^/@@L1 DMESG /' 
# The boot cache lives in L1's RAM: a few kernels' worth.
AIRLOCK_CACHE_MAX=320M MEMSCAN=/bin/memscan AIRLOCK=/bin/airlock KERNEL=/l2/vmlinuz INITRD=/l2/initrd.gz L2DIR=/l2 NESTED=1 sh /test.sh
echo "@@L1 DONE"
poweroff -f
INIT
	chmod 755 "$tmp/init" "$tmp/bin/busybox" "$tmp/bin/airlock"
	out=$(mktemp /tmp/airlock-l1.XXXXXX)
	(cd "$tmp" && find . | cpio -o -H newc --quiet) > "$out"
	rm -rf "$tmp"
	echo "$out"
}

# A script for L1 that runs "sh SCRIPT" (a path in L1) chrooted into a
# tmpfs with L1's directories bound in: virtiofsd's namespace sandbox
# pivots into its share, which a process whose root is the initramfs cannot.
l1_chroot_script() {
	cat <<-'EOF'
	mkdir -p /nr && mount -t tmpfs tmpfs /nr
	for d in bin sbin lib lib64 usr etc l2; do
		[ -d /$d ] || continue
		mkdir -p /nr/$d && mount --bind /$d /nr/$d
	done
	mkdir -p /nr/proc /nr/sys /nr/dev /nr/tmp
	mount --bind /proc /nr/proc && mount --bind /sys /nr/sys && mount --bind /dev /nr/dev
	EOF
	echo "chroot /nr env AIRLOCK_CACHE_MAX=320M MEMSCAN=/bin/memscan AIRLOCK=/bin/airlock KERNEL=/l2/vmlinuz INITRD=/l2/initrd.gz L2DIR=/l2 sh $1"
}

# Stages QEMU (binary, libraries, firmware) into DIR for L1_EXTRA_ROOT, so
# benchmarks can run QEMU with KVM inside the same L1 as airlock.
l1_qemu_root() {
	root=$1
	if [ "$GARCH" = arm64 ]; then
		mkdir -p "$root"
		cp -a "$("$TOP/scripts/arm64-stage.sh" qemu-system-arm /usr/bin/qemu-system-aarch64)/." "$root/"
		return
	fi
	mkdir -p "$root/usr/bin" "$root/usr/share/qemu" "$root/usr/share/seabios"
	cp /usr/bin/qemu-system-x86_64 "$root/usr/bin/"
	ldd /usr/bin/qemu-system-x86_64 | grep -o '/[^ ]*' | while read -r lib; do
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
	for f in bios-microvm.bin linuxboot_dma.bin linuxboot.bin kvmvapic.bin; do
		cp -L "/usr/share/qemu/$f" "$root/usr/share/qemu/"
	done
	cp -L /usr/share/seabios/bios-256k.bin "$root/usr/share/seabios/"
	cp -L /usr/share/qemu/bios-256k.bin "$root/usr/share/qemu/" 2>/dev/null || true
}

# Benchmarks: runs "$gen ROUND" (a shell script on stdout) for each of the
# given rounds and appends the timestamped console to $log. Nested, every
# round boots a fresh L1, and a round whose L1 wedged runs once more; with a
# fast /dev/kvm the scripts run here. Needs $work, and $work/root staged by
# l1_qemu_root for the nested case.
bench_rounds() {
	gen=$1 log=$2
	shift 2
	: > "$log"
	for r in "$@"; do
		"$gen" "$r" > "$work/round.sh"
		if [ "$BENCH_MODE" = direct ]; then
			AIRLOCK=$TOP/airlock KERNEL=$KERNEL INITRD=$GUEST_INITRD L2DIR=$work \
				sh "$work/round.sh" 2>&1 |
				while IFS= read -r line; do printf '%s %s\n' "$EPOCHREALTIME" "$line"; done >> "$log"
			continue
		fi
		for try in 1 2; do
			# shellcheck disable=SC2086
			cpio=$(L1_EXTRA_ROOT=$work/root l1_build "$work/round.sh" ${BENCH_FILES:-})
			l1_run "$cpio" "$work/round.log"
			rm -f "$cpio"
			if grep -q '@@L1 DONE' "$work/round.log"; then
				cat "$work/round.log" >> "$log"
				break
			fi
			echo "bench: round $r: the L1 host wedged (try $try)" >&2
		done
	done
}

# bench_av_rounds GEN: bench_setup, then $RUNS rounds of GEN's script with
# the airlock-driver initramfs staged as $L2DIR/initrd-av.gz; the log, CRs
# dropped, in $work/log2.
bench_av_rounds() {
	bench_setup
	cp "$GUEST_INITRD_AV" "$work/initrd-av.gz"
	BENCH_FILES=$work/initrd-av.gz
	bench_rounds "$1" "$work/log" $(seq 1 "$RUNS")
	tr -d '\r' < "$work/log" > "$work/log2"
}

# The median of the numbers on standard input (nan if none), and $1/$2
# (n/a unless both are positive): the benchmarks' figures.
bench_median() { sort -n | awk '{ a[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print a[(NR + 1) / 2]; else printf "%.2f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
bench_ratio() { awk -v a="$1" -v q="$2" 'BEGIN { if (q + 0 > 0 && a + 0 > 0) printf "%.2f", a / q; else print "n/a" }'; }

# Sets BENCH_MODE (direct or nested) and stages QEMU for L1 when nested.
# Prepares the guest, builds airlock (dynamic and static) and makes $work
# (removed on exit).
bench_setup() {
	guest_prepare
	make -s -C "$TOP" all build/tools/kvm-probe
	static_airlock_build
	work=$(mktemp -d /tmp/airlock-bench.XXXXXX)
	trap 'rm -rf "$work"' EXIT
	if kvm_is_fast; then
		BENCH_MODE=direct
		echo "bench: running directly on this host's /dev/kvm"
	else
		BENCH_MODE=nested
		if [ "$GARCH" = arm64 ]; then host="QEMU TCG virt board with EL2"; else host="QEMU TCG with emulated SVM"; fi
		echo "bench: nested: L1 = $host; airlock and QEMU both run in L1," \
			"a fresh L1 for each round"
		l1_qemu_root "$work/root"
	fi
}

# The emulated KVM host. amd64: QEMU TCG with emulated SVM. arm64: the virt
# board with EL2; L1_GIC picks its GIC (3 or 2), L1_APPEND adds to its
# command line (kvm-arm.mode=protected makes it a pKVM host).
l1_qemu() {
	cpio=$1 pidf=$2
	if [ "$GARCH" = arm64 ]; then
		qemu-system-aarch64 -M "virt,virtualization=on,gic-version=${L1_GIC:-3}" \
			-cpu max,pauth=off -m 2G -smp 2 -nographic -no-reboot -nodefaults \
			-serial stdio -pidfile "$pidf" -kernel "$KERNEL" -initrd "$cpio" \
			-append "console=ttyAMA0 panic=-1 quiet ${L1_APPEND:-}" ${L1_QEMU_ARGS:-} </dev/null 2>&1
	else
		qemu-system-x86_64 -accel tcg -cpu max,family=23,model=1,-xsave \
			-m 2G -smp 2 -nographic -no-reboot -nodefaults -serial stdio -pidfile "$pidf" \
			-kernel "$KERNEL" -initrd "$cpio" \
			-append "console=ttyS0 panic=-1 quiet ${L1_APPEND:-}" ${L1_QEMU_ARGS:-} </dev/null 2>&1
	fi
}

# Boots L1 (l1_qemu) and writes its console to $2,
# each line prefixed by the L0 time in seconds (for the benchmarks). L1 is
# killed as soon as a kernel on its console (its own or the L2 guest's)
# reports a soft lockup or RCU stall (nested KVM
# under emulation wedges now and then: seen in about 3% of L2 boots here,
# with the kvm-pit worker or swapper and a vCPU thread spinning, with QEMU as
# the L2 VMM too), when its console stays silent for L1_IDLE seconds, or
# after L1_TIMEOUT.
L1_IDLE=${L1_IDLE:-300}
l1_run() {
	cpio=$1 out=$2
	pidf=$(mktemp /tmp/airlock-l1pid.XXXXXX)
	# Appending (O_APPEND), so that the kill lines below are not
	# overwritten by what L1 still prints.
	: > "$out"
	(l1_qemu "$cpio" "$pidf" |
		while IFS= read -r line; do
			printf '%s %s\n' "${EPOCHREALTIME:-0}" "$line"
		done) >> "$out" &
	runner=$!
	last=-1 idle=0 total=0
	while kill -0 "$runner" 2>/dev/null; do
		sleep 5
		total=$((total + 5))
		size=$(stat -c %s "$out")
		if [ "$size" = "$last" ]; then idle=$((idle + 5)); else idle=0; last=$size; fi
		# A wedged L1 kernel keeps printing lockup reports: not silence.
		if grep -q -e 'soft lockup - CPU' -e 'rcu_preempt self-detected stall' -e 'rcu_preempt detected stalls' "$out"; then
			echo "0 @@L0 L1 killed after ${total}s: its kernel reports a lockup" >> "$out"
			kill "$(cat "$pidf")" 2>/dev/null
			break
		fi
		if [ "$idle" -ge "$L1_IDLE" ] || [ "$total" -ge "$L1_TIMEOUT" ]; then
			echo "0 @@L0 L1 killed after ${total}s (${idle}s silent)" >> "$out"
			kill "$(cat "$pidf")" 2>/dev/null
			break
		fi
	done
	wait "$runner" 2>/dev/null
	rm -f "$pidf"
}

# l1_run_cases CASES LIST BUILD OUT: runs CASES in nested L1s. Each attempt
# writes the cases still to run into LIST, boots the cpio whose path the
# command BUILD prints, and appends its timestamped console to OUT. A wedged
# L1 (seen in about 3% of nested boots here) loses only the cases it had not
# finished: they run again in a fresh L1, three times at most, after a line
# "@@RERUN case..." in OUT (the suites print it as a note).
l1_run_cases() {
	# Names of their own: l1_run sets cpio and out.
	lrc_todo=$1 lrc_list=$2 lrc_build=$3 lrc_out=$4
	: > "$lrc_out"
	for lrc_try in 1 2 3 4; do
		echo "$lrc_todo" > "$lrc_list"
		lrc_cpio=$($lrc_build) || return 1
		l1_run "$lrc_cpio" "$lrc_out.try"
		rm -f "$lrc_cpio"
		cat "$lrc_out.try" >> "$lrc_out"
		lrc_left=""
		for c in $lrc_todo; do
			tr -d '\r' < "$lrc_out.try" | grep -q "@@CASE $c RC=" || lrc_left="$lrc_left $c"
		done
		rm -f "$lrc_out.try"
		[ -z "$lrc_left" ] && return 0
		lrc_todo=$lrc_left
		[ "$lrc_try" = 4 ] && break
		log "L1 did not finish:$lrc_left; running those again"
		echo "0 @@RERUN$lrc_left" >> "$lrc_out"
	done
}
# The note a suite prints when some of its cases ran again.
rerun_note() {
	grep -q '^@@RERUN' "$1" && echo "note: L1 hung; cases run again in a new L1: $(grep -e '^@@RERUN' -e '^@@L0 L1 killed' "$1" | tr '\n' ' ')"
	return 0
}

# --- Judging a suite: its log is $work/log, its cases $ALL_CASES ---------
pass=0 fail=0 failed_cases=""
ok() { pass=$((pass + 1)); echo "ok - $*"; }
bad() {
	fail=$((fail + 1))
	echo "not ok - $1: $2"
	case " $failed_cases " in *" $1 "*) ;; *) failed_cases="$failed_cases $1" ;; esac
}

# The output of the last run of case $1.
section() {
	awk -v n="$1" '$0 == "@@CASE " n " BEGIN" { buf = ""; on = 1; next }
		on && index($0, "@@CASE " n " RC=") == 1 { print buf $0; on = 0; next }
		on { buf = buf $0 "\n" }' "$work/log"
}
rc_of() { section "$1" | sed -n "s/^@@CASE $1 RC=\([0-9]*\)$/\1/p"; }
has() { section "$1" | grep -q -- "$2"; }
value() { section "$1" | sed -n "s/^$2 \([0-9]*\)$/\1/p" | head -n1; }

# expect NAME STATUS [PATTERN...]: exit status and lines the run printed.
# Cases not in ALL_CASES are not judged.
expect() {
	name=$1 want=$2
	shift 2
	case " $ALL_CASES " in *" $name "*) ;; *) return 1 ;; esac
	rc=$(rc_of "$name")
	if [ -z "$rc" ]; then bad "$name" "did not run to completion"; return 1; fi
	if [ "$rc" != "$want" ]; then bad "$name" "exit status $rc, expected $want"; return 1; fi
	for pat in "$@"; do
		has "$name" "$pat" || { bad "$name" "no line matching '$pat'"; return 1; }
	done
	return 0
}
# expect_not NAME PATTERN: the run printed no such line.
expect_not() {
	case " $ALL_CASES " in *" $1 "*) ;; *) return 1 ;; esac
	if has "$1" "$2"; then bad "$1" "printed a line matching '$2'"; return 1; fi
	return 0
}

# No guest crash goes unnoticed: a case whose console shows one of these
# fails, whatever else it printed. Returns 1 if any case crashed.
GUEST_CRASH='Kernel panic|Oops|BUG:|double fault|general protection'
crashed() { section "$1" | grep -E -m1 -- "$GUEST_CRASH"; }
# CRASH_CASES: cases that crash their guest on purpose (not scanned).
no_guest_crash() {
	any=0
	for c in $ALL_CASES; do
		case " ${CRASH_CASES:-} " in *" $c "*) continue ;; esac
		line=$(crashed "$c")
		[ -n "$line" ] && { bad "$c" "the guest crashed: $line"; any=1; }
	done
	return "$any"
}

# The end of a suite: on failure the last LINES of each failed case's
# console (of the whole log when what failed was no case), then the count
# line ("NAME: N passed, N failed"), and the status.
suite_end() {
	if [ "$fail" -gt 0 ]; then
		shown=0
		for c in $failed_cases; do
			case " $ALL_CASES " in *" $c "*) ;; *) continue ;; esac
			echo "--- console of $c (last $2 lines) ---"
			section "$c" | tail -n "$2"
			shown=1
		done
		if [ "$shown" = 0 ]; then
			echo "--- console log (last $2 lines) ---"
			tail -n "$2" "$work/log"
		fi
	fi
	echo "$1: $pass passed, $fail failed"
	[ "$fail" -eq 0 ]
}
