#!/bin/bash
# vhost-user against QEMU with the same backend, in-guest, in one KVM host
# (nested under QEMU TCG here), RUNS rounds of one run each:
# - a disk: dd reads and writes 256 MiB (1 MiB blocks, direct I/O) on
#   airlock's own virtio-blk (strict, off), on --vhost-user-blk with
#   qemu-storage-daemon's export (strict, off), and under QEMU with
#   vhost-user-blk-pci on the same export;
# - a share: the guest reads a 256 MiB file and writes one (fsync'd)
#   through --fs with virtiofsd (strict, off) and under QEMU with
#   vhost-user-fs-pci on the same virtiofsd.
# MB/s from L0 timestamps of the guest's marker lines.
#   GARCH=amd64|arm64 RUNS=3 tests/bench/vhost.sh
set -eu
TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/tests/boot/lib.sh"
RUNS=${RUNS:-3}

# The round itself (as /l2/vb-round.sh in L1).
body() {
	cat <<'SCRIPT'
CMD="console=ttyS0 quiet panic=-1 airlock.action=poweroff"
T=/tmp/vb
mkdir -p $T/share
IMG=$T/b.img
dd if=/dev/zero of=$IMG bs=1M count=256 2>/dev/null
dd if=/dev/urandom of=$T/share/big.bin bs=1M count=256 2>/dev/null
case $(uname -m) in
aarch64) Q="qemu-system-aarch64 -M virt,gic-version=host" con=ttyAMA0 ;;
*) Q="qemu-system-x86_64 -M pc" con=ttyS0 ;;
esac
QEMU="$Q -enable-kvm -cpu host -m 384M -smp 1 -nodefaults -no-user-config -nographic -serial stdio
 -no-reboot -kernel $KERNEL -initrd $INITRD -object memory-backend-memfd,id=mem,size=384M,share=on
 -machine memory-backend=mem"
QCMD=$(echo "$CMD" | sed "s/ttyS0/$con/")
AL="$AIRLOCK run --kernel $KERNEL --mem 384M"
wait_sock() { n=0; while [ ! -S "$1" ] && [ $n -lt 100 ]; do sleep 0.2; n=$((n + 1)); done; }
run() {
	name=$1
	shift
	echo "@@BENCH $name START"
	# shellcheck disable=SC2086
	timeout 900 "$@" </dev/null 2>&1
	echo "@@BENCH $name END rc=$?"
	sleep 2
}
# virtiofsd serves one connection, then exits: one per run.
fsd() {
	rm -f $T/fs.sock
	/usr/lib/qemu/virtiofsd -f --socket-path=$T/fs.sock -o source=$T/share -o cache=auto >/dev/null 2>&1 &
	wait_sock $T/fs.sock
}
# shellcheck disable=SC2086
run own-strict $AL --initrd $L2DIR/initrd-av.gz --disk $IMG --cmdline "$CMD airlock.test=ddbench"
# shellcheck disable=SC2086
run own-off $AL --initrd $INITRD --isolation off --disk $IMG --cmdline "$CMD airlock.test=ddbench"
qemu-storage-daemon --blockdev driver=file,node-name=d0,filename=$IMG \
	--export type=vhost-user-blk,id=e0,node-name=d0,addr.type=unix,addr.path=$T/b.sock,writable=on >/dev/null 2>&1 &
qsd=$!
wait_sock $T/b.sock
# shellcheck disable=SC2086
run vu-strict $AL --initrd $L2DIR/initrd-av.gz --vhost-user-blk socket=$T/b.sock --cmdline "$CMD airlock.test=ddbench"
# shellcheck disable=SC2086
run vu-off $AL --initrd $INITRD --isolation off --vhost-user-blk socket=$T/b.sock --cmdline "$CMD airlock.test=ddbench"
# shellcheck disable=SC2086
run vu-qemu $QEMU -chardev socket,id=c0,path=$T/b.sock -device vhost-user-blk-pci,chardev=c0 \
	-append "$QCMD airlock.test=ddbench"
kill $qsd
wait $qsd
fsd
# shellcheck disable=SC2086
run fs-strict $AL --initrd $L2DIR/initrd-av.gz --fs tag=share,socket=$T/fs.sock --cmdline "$CMD airlock.test=fsbench"
fsd
# shellcheck disable=SC2086
run fs-off $AL --initrd $INITRD --isolation off --fs tag=share,socket=$T/fs.sock --cmdline "$CMD airlock.test=fsbench"
fsd
# shellcheck disable=SC2086
run fs-qemu $QEMU -chardev socket,id=f0,path=$T/fs.sock -device vhost-user-fs-pci,chardev=f0,tag=share \
	-append "$QCMD airlock.test=fsbench"
rm -rf $T
SCRIPT
}

# What L1 runs: the round, chrooted (virtiofsd's sandbox); directly on a
# fast /dev/kvm, the round as it is.
round() {
	if [ "$BENCH_MODE" = direct ]; then body; else l1_chroot_script /l2/vb-round.sh; fi
}

bench_setup
"$TOP/tests/boot/stage-backends.sh" "$GARCH" "$work/root"
body > "$work/vb-round.sh"
cp "$GUEST_INITRD_AV" "$work/initrd-av.gz"
BENCH_FILES="$work/initrd-av.gz $work/vb-round.sh"
bench_rounds round "$work/log" $(seq 1 "$RUNS")
tr -d '\r' < "$work/log" > "$work/log2"
awk '
	$2 == "@@BENCH" && $4 == "START" { who = $3; next }
	$2 == "@@BENCH" && $4 == "END" { who = ""; next }
	$2 == "AIRLOCK-DD" && $4 == "START" { t0[$3] = $1; next }
	$2 == "AIRLOCK-DD" && $4 == "END" && who != "" { printf "%s %s %.1f\n", who, $3, 256 / ($1 - t0[$3]) }
' "$work/log2" > "$work/rates"
rate() { awk -v w="$1" -v o="$2" '$1 == w && $2 == o { print $3 }' "$work/rates" | bench_median; }
echo
echo "In-guest, 256 MiB, MB/s on L0's clock, median of $RUNS rounds ($GARCH, nested; target: within 10% of QEMU with the same backend):"
for op in read write; do
	s=$(rate vu-strict $op) o=$(rate vu-off $op) q=$(rate vu-qemu $op)
	printf '  blk %-5s vhost-user-blk (qemu-storage-daemon): airlock strict %7s  off %7s  QEMU %7s | strict/QEMU %s  off/QEMU %s\n' \
		"$op" "$s" "$o" "$q" "$(bench_ratio "$s" "$q")" "$(bench_ratio "$o" "$q")"
	printf '  blk %-5s airlock'"'"'s own virtio-blk:                 strict %7s  off %7s | vhost-user/own: strict %s  off %s\n' \
		"$op" "$(rate own-strict $op)" "$(rate own-off $op)" "$(bench_ratio "$s" "$(rate own-strict $op)")" \
		"$(bench_ratio "$o" "$(rate own-off $op)")"
done
for op in read write; do
	s=$(rate fs-strict $op) o=$(rate fs-off $op) q=$(rate fs-qemu $op)
	printf '  fs  %-5s virtio-fs (virtiofsd):                 airlock strict %7s  off %7s  QEMU %7s | strict/QEMU %s  off/QEMU %s\n' \
		"$op" "$s" "$o" "$q" "$(bench_ratio "$s" "$q")" "$(bench_ratio "$o" "$q")"
done
echo "  runs: $(tr '\n' ';' < "$work/rates")"
