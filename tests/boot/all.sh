#!/bin/sh
# Every boot-test suite: the x86_64 guest, the arm64 guest, and the arm64
# guest again on a GICv2 host (the vGIC fallback) and on a pKVM host
# (kvm-arm.mode=protected). The last two need the emulated L1 host; on a
# host that runs arm64 guests directly they are reported as not run.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/tests/boot/lib.sh"
fail=0
suite() {
	echo "=== boot suite: $1"
	shift
	env "$@" "$TOP/tests/boot/run.sh" || fail=1
}
suite "x86_64 guest" GARCH=amd64
suite "arm64 guest (GICv3 + ITS)" GARCH=arm64
mode=${AIRLOCK_BOOT_MODE:-auto}
if [ "$mode" = auto ] && GARCH=arm64 kvm_is_fast; then mode=direct; fi
if [ "$mode" = direct ]; then
	echo "=== boot suites arm64 on GICv2 and on pKVM: NOT RUN (they need the emulated L1 host;" \
		"AIRLOCK_BOOT_MODE=nested runs them)"
else
	suite "arm64 guest on a GICv2 host (fallback: GICv2 + v2m)" GARCH=arm64 L1_GIC=2 \
		BOOT_CASES="cpus2 rng strict"
	suite "arm64 guest on a pKVM host (kvm-arm.mode=protected)" GARCH=arm64 \
		L1_APPEND=kvm-arm.mode=protected BOOT_CASES="cpus2 rng strict"
fi
# Devices served by Debian's vhost-user backends (qemu-storage-daemon,
# virtiofsd), confined to their regions.
echo "=== boot suite: vhost-user backends, x86_64 guest"
GARCH=amd64 "$TOP/tests/boot/vhost.sh" || fail=1
echo "=== boot suite: vhost-user backends, arm64 guest"
# arm64: the cases whose code differs by arch (the rest is the same C).
GARCH=arm64 VHOST_CASES=${VHOST_CASES_ARM64:-"vublk vublk27 fs fsoff vuscan vukill"} "$TOP/tests/boot/vhost.sh" || fail=1
# A real Debian 12 system (systemd, DKMS) from a virtio root disk.
echo "=== boot suite: Debian 12 system, amd64"
GARCH=amd64 "$TOP/tests/boot/debian.sh" || fail=1
echo "=== boot suite: Debian 12 system, arm64"
GARCH=arm64 "$TOP/tests/boot/debian.sh" || fail=1
[ "$fail" -eq 0 ] && echo "boot: every suite passed" || echo "boot: FAILED"
exit "$fail"
