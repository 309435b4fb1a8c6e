# The Debian-system boot cases (tests/boot/debian.sh judges them). Runs in
# the nested L1 host (busybox sh) or directly on a host with a fast /dev/kvm.
# Each case prints @@CASE <name> BEGIN ... @@CASE <name> RC=<status>.
# Needs AIRLOCK, L2DIR (vmlinuz, initrd: the image's default kernel;
# vmlinuz2, initrd2: its second kernel; initrd.nodkms: the default kernel's
# initrd without the airlock package), ROOTDISK, DATADISK, TOKEN.
# DEBIAN_APPEND: more kernel parameters for every case (e.g. ignore_loglevel).
# Case names: strict (with a tap), off, upgraded, nodkms, qemu; NAME.N runs
# NAME again.
BOOT_TIMEOUT=${BOOT_TIMEOUT:-900}
CMD="console=ttyS0 root=/dev/vda rw quiet panic=-1 airlock.check${DEBIAN_APPEND:+ $DEBIAN_APPEND}"
CASES=${CASES:-$(cat "$L2DIR/cases.list" 2>/dev/null)}

# with_tap CMD...: runs CMD in a network namespace of its own that has a
# tap0 (192.168.77.1/24, up); traffic never leaves that namespace.
with_tap() {
	unshare -n sh -c 'tunctl -t tap0 >/dev/null && ip link set lo up &&
		ip addr add 192.168.77.1/24 dev tap0 && ip link set tap0 up && exec "$@"' sh "$@"
}

boot() {
	name=$1 kernel=$2 initrd=$3
	echo "@@CASE $name BEGIN"
	# shellcheck disable=SC2086
	$WRAP timeout "$BOOT_TIMEOUT" "$AIRLOCK" run --kernel "$L2DIR/$kernel" --initrd "$L2DIR/$initrd" \
		--mem 1G --cpus 2 --log-level info --disk "$ROOTDISK" --disk "$DATADISK,ro" \
		$EXTRA --cmdline "$CMD airlock.token=$name.$TOKEN $APPEND" </dev/null 2>&1
	echo "@@CASE $name RC=$?"
}

# A guest without the driver in its initramfs: the root disk is refused,
# the initramfs gives up waiting for it; then the VM is stopped (no panic=:
# with it Debian's initramfs reboots instead of offering its shell).
nodkms() {
	echo "@@CASE $1 BEGIN"
	out=/tmp/nodkms.out
	"$AIRLOCK" run --kernel "$L2DIR/vmlinuz" --initrd "$L2DIR/initrd.nodkms" --mem 1G \
		--disk "$ROOTDISK" --cmdline "console=ttyS0 root=/dev/vda rw quiet rootdelay=10" \
		</dev/null > "$out" 2>&1 &
	pid=$!
	n=0
	while [ "$n" -lt "$BOOT_TIMEOUT" ] && kill -0 "$pid" 2>/dev/null; do
		grep -q 'does not exist.*Dropping to a shell' "$out" && break
		sleep 2
		n=$((n + 2))
	done
	sleep 2
	kill "$pid" 2>/dev/null
	wait "$pid"
	rc=$?
	cat "$out"
	echo "@@CASE $1 RC=$rc"
}

# The same system under QEMU with KVM and virtio-blk-pci, for the
# benchmark (tests/bench/debian.sh stages QEMU into L1).
qemu() {
	echo "@@CASE $1 BEGIN"
	case $(uname -m) in
	aarch64) q="qemu-system-aarch64 -M virt,gic-version=host" con=ttyAMA0 ;;
	*) q="qemu-system-x86_64 -M pc" con=ttyS0 ;;
	esac
	# shellcheck disable=SC2086
	timeout "$BOOT_TIMEOUT" $q -enable-kvm -cpu host -m 1G -smp 2 -nodefaults -no-user-config \
		-nographic -serial stdio -no-reboot -kernel "$L2DIR/vmlinuz" -initrd "$L2DIR/initrd" \
		-drive "file=$ROOTDISK,format=raw,if=none,id=root" -device virtio-blk-pci,drive=root \
		-drive "file=$DATADISK,format=raw,if=none,id=data,readonly=on" -device virtio-blk-pci,drive=data \
		-append "${CMD%% *} console=$con ${CMD#* } airlock.token=$1.$TOKEN" </dev/null 2>&1
	echo "@@CASE $1 RC=$?"
}

for c in $CASES; do
	EXTRA="" APPEND="" WRAP=""
	case ${c%%.*} in
	strict) EXTRA="--net tap=tap0,mac=52:54:00:12:34:58" APPEND="airlock.net=192.168.77.1" WRAP=with_tap
		boot "$c" vmlinuz initrd ;;
	off) EXTRA="--isolation off"; boot "$c" vmlinuz initrd ;;
	upgraded) boot "$c" vmlinuz2 initrd2 ;;
	qemu) qemu "$c" ;;
	nodkms) nodkms "$c" ;;
	*) echo "@@CASE $c BEGIN"; echo "unknown case $c"; echo "@@CASE $c RC=255" ;;
	esac
done
