#!/bin/bash
# make demo: boot Debian's stock kernel with the airlock test initramfs,
# directly on /dev/kvm when it runs at hardware speed, otherwise nested inside
# an emulated KVM host (QEMU TCG). The guest prints what it sees and powers off.
set -eu
TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/tests/boot/lib.sh"

guest_prepare
# Strict isolation (the default): the guest initramfs carries the airlock
# driver, and the disk and rng reach nothing but their bounce BARs.
args="run --kernel \$KERNEL --initrd \$L2DIR/initrd-av.gz --cpus 2 --mem 256M --disk /tmp/demo.img --rng --log-level info"
cmd="console=ttyS0 quiet panic=-1 airlock.test=blk airlock.action=${DEMO_ACTION:-poweroff}"
script=$(mktemp /tmp/airlock-demo.XXXXXX)
trap 'rm -f "$script"' EXIT
cat > "$script" <<SCRIPT
dd if=/dev/urandom of=/tmp/demo.img bs=1M count=4 2>/dev/null
echo "+ airlock $args --cmdline '$cmd'"
\$AIRLOCK $args --cmdline "$cmd"
echo "airlock exited with status \$?"
SCRIPT

make -s -C "$TOP" build/tools/kvm-probe >/dev/null
if kvm_is_fast; then
	echo "demo: booting directly on /dev/kvm"
	d=$(mktemp -d)
	cp "$GUEST_INITRD_AV" "$d/initrd-av.gz"
	AIRLOCK=$TOP/airlock KERNEL=$KERNEL L2DIR=$d sh "$script"
	rm -rf "$d"
else
	echo "demo: /dev/kvm missing or slow here; booting inside an emulated KVM host (about a minute)"
	static_airlock_build
	cp "$GUEST_INITRD_AV" "/tmp/initrd-av.gz"
	cpio=$(l1_build "$script" /tmp/initrd-av.gz)
	rm -f /tmp/initrd-av.gz
	log=$(mktemp /tmp/airlock-demo-log.XXXXXX)
	l1_run "$cpio" "$log" &
	tail -n +1 -f --pid=$! "$log" | cut -d' ' -f2- | tr -d '\r' |
		grep --line-buffered -v -e '^@@L' -e 'Unhandled WRMSR' -e 'SeaBIOS' -e 'Booting from ROM' |
		sed -u 's/\x1b\[[0-9;?]*[a-zA-Z]//g; s/^c//'
	rm -f "$cpio" "$log"
fi
