# The boot test cases. Runs inside the nested L1 host (busybox sh) or directly
# on a host with fast /dev/kvm. Each case prints
#   @@CASE <name> BEGIN ... @@CASE <name> RC=<status>
# and tests/boot/run.sh judges the output. Needs AIRLOCK, KERNEL, INITRD, L2DIR.
CMD="console=ttyS0 quiet panic=-1"
case $(uname -m) in aarch64) PROFILE_ARCH=arm64 ;; *) PROFILE_ARCH=x86_64 ;; esac
BOOT_TIMEOUT=${BOOT_TIMEOUT:-240}

# CASES (or the file cases.list beside the kernel): which cases to run.
CASES=${CASES:-$(cat "$L2DIR/cases.list" 2>/dev/null)}
want() { [ -z "$CASES" ] && return 0; case " $CASES " in *" $1 "*) return 0 ;; esac; return 1; }

# A boot that hangs (seen about once in fifty nested boots) is retried once.
run_case() {
	name=$1
	shift
	want "$name" || return 0
	for try in 1 2; do
		echo "@@CASE $name BEGIN"
		timeout "$BOOT_TIMEOUT" "$AIRLOCK" "$@" </dev/null 2>&1
		rc=$?
		echo "@@CASE $name RC=$rc"
		[ "$rc" = 124 ] && [ "$try" = 1 ] && { echo "@@RETRY $name"; continue; }
		break
	done
}

run_case cpus2 run --kernel "$KERNEL" --initrd "$INITRD" --mem 256M --cpus 2 \
	--cmdline "$CMD airlock.action=poweroff"
run_case reboot run --kernel "$KERNEL" --initrd "$INITRD" --mem 192M \
	--cmdline "$CMD airlock.action=reboot"
# CI-grade exits: a guest panic is status 3 (pvpanic on x86; elsewhere the
# console's "Kernel panic" then a reboot, or the end-of-panic line); with
# both off the same panic is a reboot; a guest still running at --timeout
# is 5; a reboot with --on-reboot exit-code is 6.
run_case panic run --kernel "$KERNEL" --initrd "$INITRD" --mem 192M --cmdline "$CMD airlock.action=panic"
run_case panicnoscan run --kernel "$KERNEL" --initrd "$INITRD" --mem 192M --pvpanic off --console-panic off --log-level info \
	--cmdline "$CMD airlock.action=panic"
run_case panichang run --kernel "$KERNEL" --initrd "$INITRD" --mem 192M --pvpanic off \
	--cmdline "${CMD% panic=-1} panic=0 airlock.action=panic"
run_case timeout run --kernel "$KERNEL" --initrd "$INITRD" --mem 192M --timeout 30 \
	--cmdline "$CMD airlock.action=none"
run_case rebootcode run --kernel "$KERNEL" --initrd "$INITRD" --mem 192M --on-reboot exit-code \
	--cmdline "$CMD airlock.action=reboot"
# --console-log with host time stamps, stdout thrown away: the file has
# the console; --stats-json says when the first byte and the --mark came.
if want conlog; then
	echo "@@CASE conlog BEGIN"
	rm -f /tmp/conlog.txt /tmp/conlog.json
	timeout "$BOOT_TIMEOUT" "$AIRLOCK" run --kernel "$KERNEL" --initrd "$INITRD" --mem 192M \
		--console-log /tmp/conlog.txt --console-log-time --mark AIRLOCK-GUEST-UP \
		--stats-json /tmp/conlog.json --cmdline "$CMD airlock.action=poweroff" </dev/null >/dev/null 2>&1
	rc=$?
	echo "@@CONLOG-UP $(grep -c 'AIRLOCK-GUEST-UP' /tmp/conlog.txt)"
	echo "@@CONLOG-LINES $(grep -c . /tmp/conlog.txt) $(grep -c '^+[0-9]*\.[0-9][0-9][0-9] ' /tmp/conlog.txt)"
	echo "@@CONLOG-JSON $(tr -d '\n' < /tmp/conlog.json | sed 's/.*"console": {\([^}]*\)}.*/\1/')"
	echo "@@CASE conlog RC=$rc"
fi
# The host-side kernel loader (x86: the bzImage's payload decompressed and
# relocated by airlock): KASLR differs between two boots (the first with
# --no-cache, the second from the cache) and is off with nokaslr; gzip and
# zstd payloads; a plain ELF vmlinux (no relocation table: no KASLR);
# payloads that are corrupt, truncated, too big for --mem or not ELF fail
# in one line with status 1 and leave nothing in the boot cache.
run_case kaslr1 run --kernel "$KERNEL" --initrd "$INITRD" --mem 192M --log-level info --no-cache \
	--cmdline "$CMD airlock.test=kaslr airlock.action=poweroff"
run_case kaslr2 run --kernel "$KERNEL" --initrd "$INITRD" --mem 192M --log-level info \
	--cmdline "$CMD airlock.test=kaslr airlock.action=poweroff"
run_case nokaslr run --kernel "$KERNEL" --initrd "$INITRD" --mem 192M --log-level info \
	--cmdline "$CMD nokaslr airlock.test=kaslr airlock.action=poweroff"
for f in gzip zstd; do
	[ -e "$L2DIR/bz-$f" ] && run_case "pay$f" run --kernel "$L2DIR/bz-$f" --initrd "$INITRD" --mem 192M \
		--log-level info --cmdline "$CMD airlock.test=kaslr airlock.action=poweroff"
done
# An xz initrd (slow for the kernel to inflate) is handed over unpacked.
[ -e "$L2DIR/initrd.xz" ] && run_case initrdxz run --kernel "$KERNEL" --initrd "$L2DIR/initrd.xz" --mem 192M \
	--log-level info --cmdline "$CMD airlock.action=poweroff"
# arm64: a gzip'd Image (Image.gz), decompressed on the host.
[ -e "$L2DIR/Image.gz" ] && run_case imagegz run --kernel "$L2DIR/Image.gz" --initrd "$INITRD" --mem 192M \
	--log-level info --cmdline "$CMD airlock.action=poweroff"
if want vmlinux && [ -e "$L2DIR/vmlinux.xz" ]; then
	unxz -c "$L2DIR/vmlinux.xz" > /tmp/vmlinux
	run_case vmlinux run --kernel /tmp/vmlinux --initrd "$INITRD" --mem 192M --log-level info \
		--cmdline "$CMD airlock.test=kaslr airlock.action=poweroff"
	rm -f /tmp/vmlinux
fi
if want badpayload && [ -e "$L2DIR/bad-corrupt" ]; then
	echo "@@CASE badpayload BEGIN"
	n0=$(ls /var/cache/airlock/boot 2>/dev/null | wc -l)
	for k in bad-corrupt bad-trunc bad-nonelf; do
		"$AIRLOCK" run --kernel "$L2DIR/$k" --mem 192M </dev/null >/dev/null 2>/tmp/bad.err
		echo "@@BAD $k rc=$? lines=$(grep -c . /tmp/bad.err) $(head -n1 /tmp/bad.err)"
	done
	"$AIRLOCK" run --kernel "$KERNEL" --mem 48M --no-cache </dev/null >/dev/null 2>/tmp/bad.err
	echo "@@BAD bomb rc=$? lines=$(grep -c . /tmp/bad.err) $(head -n1 /tmp/bad.err)"
	echo "@@BAD cache $n0 $(ls /var/cache/airlock/boot 2>/dev/null | wc -l)"
	echo "@@CASE badpayload RC=0"
fi
# The guest's clock keeps the host's pace across a sleep: each clock line
# stamped with this host's uptime as it arrives.
if want clock; then
	echo "@@CASE clock BEGIN"
	{ timeout "$BOOT_TIMEOUT" "$AIRLOCK" run --kernel "$KERNEL" --initrd "$INITRD" --mem 192M \
		--cmdline "$CMD airlock.test=clock airlock.action=poweroff" </dev/null 2>&1; echo "$?" > /tmp/clock.rc; } |
	while IFS= read -r line; do
		case $line in *AIRLOCK-CLOCK*) read -r up _ < /proc/uptime; echo "@@HOSTUP $up $line" ;; esac
		echo "$line"
	done
	echo "@@CASE clock RC=$(cat /tmp/clock.rc)"
fi
run_case rng run --kernel "$KERNEL" --initrd "$INITRD" --mem 192M --isolation off --rng --log-level info \
	--cmdline "$CMD airlock.action=poweroff"
run_case mem512 run --kernel "$KERNEL" --initrd "$INITRD" --mem 512M \
	--cmdline "$CMD airlock.action=poweroff"
# Console input: a shell in the guest reads what we type on stdin. Input is
# sent only once the shell is up, and again until it answers (input that
# arrives while the tty is being opened is flushed by the guest).
shell_case() {
name=$1 extra=$2 cmd=$3
echo "@@CASE $name BEGIN"
rm -f /tmp/al-in /tmp/al-out
mkfifo /tmp/al-in
# shellcheck disable=SC2086
timeout "$BOOT_TIMEOUT" "$AIRLOCK" run --kernel "$KERNEL" --initrd "$INITRD" --mem 192M $extra \
	--cmdline "$cmd airlock.action=shell" </tmp/al-in >/tmp/al-out 2>&1 &
pid=$!
exec 3>/tmp/al-in
n=0
while ! grep -q AIRLOCK-SHELL-READY /tmp/al-out && [ $n -lt "$BOOT_TIMEOUT" ]; do sleep 1; n=$((n + 1)); done
n=0
while ! grep -q AIRLOCK-STDIN-42 /tmp/al-out && [ $n -lt 20 ]; do
	sleep 3
	echo 'echo AIRLOCK-STDIN-$((6*7))' >&3
	n=$((n + 1))
done
echo 'poweroff -f' >&3
wait $pid
rc=$?
exec 3>&-
cat /tmp/al-out
echo "@@CASE $name RC=$rc"
}
want stdin && shell_case stdin "" "$CMD"
want hvc && shell_case hvc "--console virtio --isolation off" "console=ttyS0 console=hvc0 quiet panic=-1"
# The same under strict isolation: hvc0 through the bounce BAR, its input
# forwarded to the console's device process.
want hvcsb && shell_case hvcsb "--console virtio --log-level info --initrd $L2DIR/initrd-av.gz" \
	"console=ttyS0 console=hvc0 quiet panic=-1"
# hvcsb27: the same with the driver forced to VIRTIO_F_SWIOTLB.
want hvcsb27 && shell_case hvcsb27 "--console virtio --log-level info --initrd $L2DIR/initrd-av.gz" \
	"console=ttyS0 console=hvc0 quiet panic=-1 airlock_virtio.mode=swiotlb"

# Did the guest's marker (written at sector 100 by airlock.test=blk) reach
# the image on the host?
host_sees_write() {
	if dd if="$1" bs=512 skip=100 count=1 2>/dev/null | grep -q AIRLOCK-BLK-MARK; then
		echo "@@HOST-SEES-WRITE yes"
	else
		echo "@@HOST-SEES-WRITE no"
	fi
}

# Two disks: a writable one (the host checks the guest's write after
# power-off) and a read-only one whose size is not a multiple of 512.
blk_case() {
	echo "@@CASE blk BEGIN"
	timeout "$BOOT_TIMEOUT" "$AIRLOCK" run --kernel "$KERNEL" --initrd "$INITRD" --mem 192M \
		--isolation off --disk "$L2DIR/diskA.img" --disk "$L2DIR/diskB.img,ro" --log-level info \
		--cmdline "$CMD airlock.test=blk airlock.action=poweroff" </dev/null 2>&1
	rc=$?
	host_sees_write "$L2DIR/diskA.img"
	echo "@@CASE blk RC=$rc"
}
want blk && blk_case
# Network: a tap in a network namespace of its own, the guest pings its
# host end. Traffic never leaves that namespace.
net_case() {
	echo "@@CASE net BEGIN"
	unshare -n sh -c "tunctl -t tap0 >/dev/null && ip link set lo up &&
		ip addr add 192.168.77.1/24 dev tap0 && ip link set tap0 up &&
		timeout $BOOT_TIMEOUT $AIRLOCK run --kernel $KERNEL --initrd $INITRD --mem 192M \
			--isolation off --net tap=tap0,mac=52:54:00:12:34:56 --log-level info \
			--cmdline '$CMD airlock.test=net airlock.action=poweroff'" </dev/null 2>&1
	echo "@@CASE net RC=$?"
}
want net && net_case
# Strict isolation with a stock guest (no airlock driver): the devices
# refuse FEATURES_OK, say why once, and the guest boots without them.
run_case strictstock run --kernel "$KERNEL" --initrd "$INITRD" --mem 192M \
	--bounce 16M --rng --disk "$L2DIR/diskB.img,ro" --cmdline "$CMD airlock.action=poweroff"
# Strict isolation with the airlock guest driver: every device's DMA goes
# through its bounce BAR; the same checks as above, and no DMA denied.
# strict: the driver's default, VIRTIO_F_DMB (offsets); strict27: the same
# with the driver forced to VIRTIO_F_SWIOTLB (bus addresses), on 2 vCPUs
# (so the pools have two per-CPU areas).
strict_case() {
	echo "@@CASE $1 BEGIN"
	unshare -n sh -c "tunctl -t tap0 >/dev/null && ip link set lo up &&
		ip addr add 192.168.77.1/24 dev tap0 && ip link set tap0 up &&
		timeout $BOOT_TIMEOUT $AIRLOCK run --kernel $KERNEL --initrd $L2DIR/initrd-av.gz \
			--mem 256M --bounce 16M --disk $L2DIR/$2 \
			--disk $L2DIR/diskB.img,ro,bounce=4M --net tap=tap0,mac=52:54:00:12:34:57 --rng \
			--log-level info $4 --cmdline '$CMD airlock.test=blk,net airlock.action=poweroff $3'" \
		</dev/null 2>&1
	rc=$?
	host_sees_write "$L2DIR/$2"
	echo "@@CASE $1 RC=$rc"
}
want strict && strict_case strict diskC.img ""
want strict27 && strict_case strict27 diskH.img "airlock_virtio.mode=swiotlb" "--cpus 2"
# Hostile driver: requests with buffers in guest RAM (a canary page) on one
# disk and on the rng. The devices refuse and count them, the canary is
# untouched and never reaches the disk image, the other disk keeps working.
hostile_case() {
	echo "@@CASE hostile BEGIN"
	timeout "$BOOT_TIMEOUT" "$AIRLOCK" run --kernel "$KERNEL" --initrd "$L2DIR/initrd-av.gz" \
		--mem 256M --bounce 16M --disk "$L2DIR/diskD.img" --disk "$L2DIR/diskB.img,ro" --rng \
		--cmdline "$CMD airlock_virtio.test_hooks=1 airlock.test=hostile airlock.action=poweroff" \
		</dev/null 2>&1
	rc=$?
	if grep -q AIRLOCK-CANARY "$L2DIR/diskD.img"; then
		echo "@@CANARY-IN-IMAGE yes"
	else
		echo "@@CANARY-IN-IMAGE no"
	fi
	echo "@@CASE hostile RC=$rc"
}
want hostile && hostile_case
# The hostile-guest suite: a hostile driver in the guest (guest/hostile)
# takes the first disk and runs case after case against it; the second disk
# must keep working and the canary page never reach the image.
hsuite_case() {
	echo "@@CASE hsuite BEGIN"
	timeout "$BOOT_TIMEOUT" "$AIRLOCK" run --kernel "$KERNEL" --initrd "$L2DIR/initrd-av.gz" \
		--mem 256M --bounce 16M --disk "$L2DIR/diskG.img" --disk "$L2DIR/diskB.img,ro" \
		--log-level info --cmdline "$CMD airlock.test=hsuite airlock.action=poweroff" \
		</dev/null 2>&1
	rc=$?
	if grep -q AIRLOCK-CANARY-RAM "$L2DIR/diskG.img"; then
		echo "@@CANARY-IN-IMAGE yes"
	else
		echo "@@CANARY-IN-IMAGE no"
	fi
	echo "@@CASE hsuite RC=$rc"
}
want hsuite && hsuite_case
# The airlock driver loaded after virtio_pci has bound the devices: it
# takes those with a bounce region over and they work.
run_case takeover run --kernel "$KERNEL" --initrd "$L2DIR/initrd-av.gz" --mem 256M \
	--disk "$L2DIR/diskB.img,ro" --rng --log-level info \
	--cmdline "$CMD airlock.avlate=1 airlock.test=blk airlock.action=poweroff"
run_case lifecycle run --kernel "$KERNEL" --initrd "$L2DIR/initrd-av.gz" --mem 256M \
	--disk "$L2DIR/diskE.img,ro,bounce=64K" --rng --log-level info \
	--cmdline "$CMD airlock.test=lifecycle airlock.action=poweroff"
run_case locked run --kernel "$KERNEL" --disk "$L2DIR/diskB.img" --disk "$L2DIR/diskB.img"

run_case badkernel run --kernel "$L2DIR/notakernel" --mem 128M
run_case oldproto run --kernel "$L2DIR/oldproto.bzimage" --mem 64M
run_case triplefault run --kernel "$L2DIR/triplefault.bzimage" --mem 64M
run_case toosmall run --kernel "$KERNEL" --initrd "$INITRD" --mem 32M
run_case badcpus run --kernel "$KERNEL" --cpus 0
# The shipped profiles (configs/), with the command line overriding a line.
if want profmin; then
	echo "@@CASE profmin BEGIN"
	AIRLOCK_KERNEL=$KERNEL AIRLOCK_INITRD=$INITRD timeout "$BOOT_TIMEOUT" "$AIRLOCK" run \
		--config "$L2DIR/$PROFILE_ARCH-minimal.conf" --cmdline "$CMD airlock.action=poweroff" \
		</dev/null 2>&1
	echo "@@CASE profmin RC=$?"
fi
if want profvirtio; then
	echo "@@CASE profvirtio BEGIN"
	rm -f /tmp/stats.json
	AIRLOCK_KERNEL=$KERNEL AIRLOCK_INITRD=$L2DIR/initrd-av.gz AIRLOCK_DISK=$L2DIR/diskF.img \
	AIRLOCK_TAP=tap0 unshare -n sh -c "tunctl -t tap0 >/dev/null && ip link set lo up &&
		ip addr add 192.168.77.1/24 dev tap0 && ip link set tap0 up &&
		timeout $BOOT_TIMEOUT $AIRLOCK run --config $L2DIR/$PROFILE_ARCH-virtio.conf \
			--stats-json /tmp/stats.json \
			--cmdline '$CMD airlock.test=blk,net airlock.action=poweroff'" \
		</dev/null 2>&1
	rc=$?
	echo "@@JSON-BEGIN"
	cat /tmp/stats.json 2>/dev/null
	echo "@@JSON-END"
	echo "@@CASE profvirtio RC=$rc"
fi
# Sandbox: the device processes, inspected while the guest does I/O.
# Their maps must hold no mapping of the guest RAM memfd (same device and
# inode as airlock's own), and a token the guest planted in its RAM must be
# in no readable mapping of theirs, while it is in airlock's RAM mapping
# (the scan's positive control). MEMSCAN reads a process's mappings.
children() {    # PID: its child processes (busybox has no pgrep everywhere)
	for d in /proc/[0-9]*; do
		[ "$(cut -d' ' -f4 "$d/stat" 2>/dev/null)" = "$1" ] && echo "${d#/proc/}"
	done
}
if want sbmaps; then
	echo "@@CASE sbmaps BEGIN"
	"$AIRLOCK" run --kernel "$KERNEL" --initrd "$L2DIR/initrd-av.gz" \
		--mem 128M --bounce 16M --disk "$L2DIR/diskB.img,ro" --rng --log-level info \
		--cmdline "$CMD airlock.test=canary airlock.iosecs=20 airlock.action=poweroff" \
		</dev/null > /tmp/sbmaps.out 2>&1 &
	vmm=$!
	n=0
	while ! grep -q AIRLOCK-CANARY-PLANTED /tmp/sbmaps.out && [ $n -lt 200 ]; do sleep 1; n=$((n + 1)); done
	tok=$(sed -n 's/.*AIRLOCK-CANARY-PLANTED //p' /tmp/sbmaps.out | tr -d '\r')
	ram=$(grep 'memfd:airlock-ram' /proc/$vmm/maps | head -n1 | awk '{print $4, $5}')
	echo "@@SB-RAM-MAPPING $ram"
	"$MEMSCAN" "$vmm" "$tok" airlock-ram | tail -n1 | grep -q ' hits [1-9]' && found=found || found=absent
	echo "@@SB-RAM-TOKEN $found"
	for c in $(children "$vmm"); do
		name=$(cat /proc/$c/comm)
		if awk -v r="$ram" '($4 " " $5) == r' /proc/$c/maps | grep -q .; then maps=guest-ram; else maps=clean; fi
		hits=$("$MEMSCAN" "$c" "$tok" | sed -n 's/^mappings [0-9]* hits //p')
		echo "@@SB-CHILD $name uid=$(awk '/^Uid:/ {print $2}' /proc/$c/status) seccomp=$(awk '/^Seccomp:/ {print $2}' /proc/$c/status) nnp=$(awk '/^NoNewPrivs:/ {print $2}' /proc/$c/status) maps=$maps token-hits=$hits fds=$(ls /proc/$c/fd | wc -l)"
	done
	n=0
	while kill -0 "$vmm" 2>/dev/null && [ $n -lt "$BOOT_TIMEOUT" ]; do sleep 1; n=$((n + 1)); done
	kill -9 "$vmm" 2>/dev/null
	wait "$vmm"
	rc=$?
	cat /tmp/sbmaps.out
	echo "@@CASE sbmaps RC=$rc"
fi
# A device process that makes a forbidden system call dies of SIGSYS;
# airlock says so and ends with status 4.
(export AIRLOCK_TEST_HOOK=sandbox-forbidden-syscall
run_case sbsigsys run --kernel "$KERNEL" --initrd "$L2DIR/initrd-av.gz" --mem 128M --rng \
	--cmdline "$CMD airlock.action=poweroff")
# A host that does not offer VIRTIO_F_ACCESS_PLATFORM would have Linux's
# virtio ring hand it raw guest addresses: the guest driver refuses the
# device, and the guest boots without it.
(export AIRLOCK_TEST_HOOK=host-hides-access-platform
run_case noaccplat run --kernel "$KERNEL" --initrd "$L2DIR/initrd-av.gz" --mem 256M \
	--disk "$L2DIR/diskB.img,ro" --cmdline "$CMD airlock.test=blk airlock.action=poweroff")
# A host whose dmb_shm_id names a region no capability describes: the
# guest driver refuses the device (it does not guess a region), and the
# guest boots without it.
(export AIRLOCK_TEST_HOOK=host-dmb-names-no-region
run_case hostdmb run --kernel "$KERNEL" --initrd "$L2DIR/initrd-av.gz" --mem 256M \
	--disk "$L2DIR/diskB.img,ro" --log-level info --cmdline "$CMD airlock.test=blk airlock.action=poweroff")
# Killing a device process mid-I/O: status 4 within seconds.
if want sbkill; then
	echo "@@CASE sbkill BEGIN"
	"$AIRLOCK" run --kernel "$KERNEL" --initrd "$L2DIR/initrd-av.gz" --mem 128M \
		--disk "$L2DIR/diskB.img,ro" \
		--cmdline "$CMD airlock.test=canary airlock.iosecs=200 airlock.action=poweroff" \
		</dev/null > /tmp/sbkill.out 2>&1 &
	vmm=$!
	n=0
	while ! grep -q AIRLOCK-CANARY-PLANTED /tmp/sbkill.out && [ $n -lt 200 ]; do sleep 1; n=$((n + 1)); done
	sleep 2
	for c in $(children "$vmm"); do
		[ "$(cat /proc/$c/comm)" = airlock-blk ] && kill -9 "$c"
	done
	t0=$(date +%s)
	n=0
	while kill -0 "$vmm" 2>/dev/null && [ $n -lt 60 ]; do sleep 1; n=$((n + 1)); done
	kill -9 "$vmm" 2>/dev/null
	wait "$vmm"
	rc=$?
	cat /tmp/sbkill.out
	echo "@@SBKILL-SECONDS $(($(date +%s) - t0))"
	echo "@@CASE sbkill RC=$rc"
fi
# --sandbox off: one process, with a warning; the disk still works.
run_case sboff run --kernel "$KERNEL" --initrd "$L2DIR/initrd-av.gz" --mem 128M --sandbox off \
	--disk "$L2DIR/diskB.img,ro" --cmdline "$CMD airlock.test=blk airlock.action=poweroff"
# arm64: the device tree airlock would give the guest, written to a file.
if want dumpdtb; then
	echo "@@CASE dumpdtb BEGIN"
	"$AIRLOCK" dump-dtb /tmp/guest.dtb --kernel "$KERNEL" --initrd "$INITRD" --cpus 2 </dev/null 2>&1
	rc=$?
	echo "@@DTB-MAGIC $(od -A n -t x1 -N 4 /tmp/guest.dtb 2>/dev/null | tr -d ' ')"
	names=$(tr -c 'a-z0-9@-' '\n' < /tmp/guest.dtb 2>/dev/null)
	has=""
	for n in pcie@10000000 intc@8000000 uart@9000000 psci; do
		echo "$names" | grep -qx "$n" && has="$has $n"
	done
	echo "@@DTB-HAS$has"
	echo "@@CASE dumpdtb RC=$rc"
fi
# No /dev/kvm: a private mount namespace with an empty /dev.
if want nokvm; then
	echo "@@CASE nokvm BEGIN"
	unshare -m sh -c "mount -t tmpfs none /dev && exec $AIRLOCK run --kernel $KERNEL" </dev/null 2>&1
	echo "@@CASE nokvm RC=$?"
fi
