#!/bin/bash
# make demo: boot Debian's stock kernel with the airlock test initramfs,
# directly on /dev/kvm when it runs at hardware speed, otherwise nested inside
# an emulated KVM host (QEMU TCG). The guest prints what it sees and powers off.
set -eu
TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/tests/boot/lib.sh"

guest_prepare
args="run --kernel \$KERNEL --initrd \$INITRD --cpus 2 --mem 256M"
cmd="console=ttyS0 quiet panic=-1 airlock.action=${DEMO_ACTION:-poweroff}"
script=$(mktemp /tmp/airlock-demo.XXXXXX)
trap 'rm -f "$script"' EXIT
cat > "$script" <<SCRIPT
echo "+ airlock $args --cmdline '$cmd'"
\$AIRLOCK $args --cmdline "$cmd"
echo "airlock exited with status \$?"
SCRIPT

make -s -C "$TOP" build/tools/kvm-probe >/dev/null
if kvm_is_fast; then
	echo "demo: booting directly on /dev/kvm"
	AIRLOCK=$TOP/airlock KERNEL=$KERNEL INITRD=$GUEST_INITRD sh "$script"
else
	echo "demo: /dev/kvm missing or slow here; booting inside an emulated KVM host (about a minute)"
	make -s -C "$TOP" STATIC=1 build/x86_64-static/airlock
	cpio=$(l1_build "$script")
	log=$(mktemp /tmp/airlock-demo-log.XXXXXX)
	l1_run "$cpio" "$log" &
	tail -n +1 -f --pid=$! "$log" | cut -d' ' -f2- | tr -d '\r' |
		grep --line-buffered -v -e '^@@L' -e 'Unhandled WRMSR' -e 'SeaBIOS' -e 'Booting from ROM' |
		sed -u 's/\x1b\[[0-9;?]*[a-zA-Z]//g; s/^c//'
	rm -f "$cpio" "$log"
fi
