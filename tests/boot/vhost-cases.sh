# The vhost-user boot cases (tests/boot/vhost.sh judges them): devices
# served by Debian's own backends, qemu-storage-daemon (vhost-user-blk) and
# virtiofsd (virtio-fs), in L1 (busybox sh, the backends staged into its
# root) or directly on a host with a fast /dev/kvm. Runs as root: virtiofsd
# needs it. Each case prints @@CASE <name> BEGIN ... @@CASE <name> RC=<n>.
# Needs AIRLOCK, KERNEL, L2DIR (initrd-av.gz, rw.img, ro.img, in.bin), MEMSCAN.
CMD="console=ttyS0 quiet panic=-1"
BOOT_TIMEOUT=${BOOT_TIMEOUT:-300}
CASES=${CASES:-$(cat "$L2DIR/cases.list" 2>/dev/null)}
want() { case " $CASES " in *" $1 "*) return 0 ;; esac; return 1; }
T=/tmp/vh
mkdir -p $T

# virtiofsd's namespace sandbox pivots into the shared directory, which
# the initramfs root cannot be pivoted from: L1 runs these cases chrooted
# into a tmpfs (vhost.sh does that before calling this script).

# qsd NAME IMAGE WRITABLE: a qemu-storage-daemon exporting IMAGE on
# $T/NAME.sock; its pid in $T/NAME.pid.
qsd() {
	rm -f "$T/$1.sock"
	qemu-storage-daemon --blockdev "driver=file,node-name=$1,filename=$2,cache.direct=off" \
		--export "type=vhost-user-blk,id=e$1,node-name=$1,addr.type=unix,addr.path=$T/$1.sock,writable=$3" \
		> "$T/$1.log" 2>&1 &
	echo $! > "$T/$1.pid"
	n=0
	while [ ! -S "$T/$1.sock" ] && [ $n -lt 100 ]; do sleep 0.2; n=$((n + 1)); done
	[ -S "$T/$1.sock" ] || { echo "@@QSD $1 did not start: $(tail -n1 "$T/$1.log")"; return 1; }
}
qsd_stop() { kill "$(cat "$T/$1.pid")" 2>/dev/null; wait "$(cat "$T/$1.pid")" 2>/dev/null; }

# until_line PATTERN FILE: waits (200 s at most) for such a line.
until_line() {
	n=0
	while ! grep -q "$1" "$2" && [ $n -lt 200 ]; do sleep 1; n=$((n + 1)); done
}
# vm_end PID: waits for that airlock to end (BOOT_TIMEOUT at most, then
# SIGKILL); its status in rc.
vm_end() {
	n=0
	while kill -0 "$1" 2>/dev/null && [ $n -lt "$BOOT_TIMEOUT" ]; do sleep 1; n=$((n + 1)); done
	kill -9 "$1" 2>/dev/null
	wait "$1"
	rc=$?
}

# share: a directory for virtio-fs with in.bin and many/ (1000 files).
share() {
	rm -rf "$1"
	mkdir -p "$1/many"
	cp "$L2DIR/in.bin" "$1/in.bin"
	i=1
	while [ $i -le 1000 ]; do : > "$1/many/f$i"; i=$((i + 1)); done
}
share_report() {   # DIR TOKEN: what the guest left in the share
	[ "$(cat "$1/out-$2" 2>/dev/null)" = "$2" ] && echo "@@FS-HOST-SEES out-$2"
	[ -f "$1/many/renamed" ] && [ ! -e "$1/many/f1" ] && [ ! -e "$1/many/f2" ] && echo "@@FS-HOST-SEES rename-delete"
	echo "@@FS-HOST-FILES $(ls "$1/many" | wc -l)"
}

# The backends' processes (by name) and what they map: the guest-RAM memfd
# or not, and how often the token the guest planted shows up.
scan_backends() {   # TOKEN RAM-MAPPING
	for d in /proc/[0-9]*; do
		c=$(cat "$d/comm" 2>/dev/null)
		case $c in qemu-storage-d* | virtiofsd) ;; *) continue ;; esac
		p=${d#/proc/}
		if grep -q 'memfd:airlock-ram' "$d/maps" 2>/dev/null; then maps=guest-ram; else maps=clean; fi
		hits=$("$MEMSCAN" "$p" "$1" | sed -n 's/^mappings [0-9]* hits //p')
		echo "@@BACKEND $c maps=$maps token-hits=$hits"
	done
}

# blk_case NAME ISOLATION-ARGS APPEND: both exports, the guest's blk test,
# the host looks for the mark the guest wrote.
blk_case() {
	want "$1" || return 0
	echo "@@CASE $1 BEGIN"
	cp "$L2DIR/rw.img" $T/rw.img
	qsd rw $T/rw.img on && qsd ro "$L2DIR/ro.img" off
	# shellcheck disable=SC2086
	timeout "$BOOT_TIMEOUT" "$AIRLOCK" run --kernel "$KERNEL" --initrd "$L2DIR/initrd-av.gz" --mem 256M \
		--vhost-user-blk socket=$T/rw.sock --vhost-user-blk socket=$T/ro.sock,ro --log-level info $2 \
		--cmdline "$CMD airlock.test=blk airlock.action=poweroff $3" </dev/null 2>&1
	rc=$?
	dd if=$T/rw.img bs=512 skip=100 count=1 2>/dev/null | grep -q AIRLOCK-BLK-MARK && echo "@@HOST-SEES-WRITE yes"
	qsd_stop rw
	qsd_stop ro
	echo "@@CASE $1 RC=$rc"
}
blk_case vublk "" ""
blk_case vublk27 "" "airlock_virtio.mode=swiotlb"
blk_case vublkoff "--isolation off" ""

# fs_case NAME HOW ISOLATION-ARGS APPEND: HOW is dir (airlock starts
# virtiofsd) or socket (the test does, as a user would).
fs_case() {
	want "$1" || return 0
	echo "@@CASE $1 BEGIN"
	share $T/share
	tok=$1.$(head -c 4 /dev/urandom | od -A n -t x1 | tr -d ' \n')
	if [ "$2" = socket ]; then
		rm -f $T/fs.sock
		/usr/lib/qemu/virtiofsd -f --socket-path=$T/fs.sock -o source=$T/share -o cache=auto > $T/fs.log 2>&1 &
		fsd=$!
		n=0
		while [ ! -S $T/fs.sock ] && [ $n -lt 100 ]; do sleep 0.2; n=$((n + 1)); done
		fs=socket=$T/fs.sock
	else
		fs=dir=$T/share
	fi
	# shellcheck disable=SC2086
	timeout "$BOOT_TIMEOUT" "$AIRLOCK" run --kernel "$KERNEL" --initrd "$L2DIR/initrd-av.gz" --mem 256M \
		--fs tag=share,$fs --log-level info $3 \
		--cmdline "$CMD airlock.test=fs airlock.token=$tok airlock.action=poweroff $4" </dev/null 2>&1
	rc=$?
	[ "$2" = socket ] && { kill $fsd 2>/dev/null; wait $fsd 2>/dev/null; }
	share_report $T/share "$tok"
	echo "@@FS-LEFT $(ls -d /tmp/airlock-fs.* 2>/dev/null | wc -l) $(ps | grep -c '[v]irtiofsd')"
	echo "@@CASE $1 RC=$rc"
}
fs_case fs dir "" ""
fs_case fs27 dir "" "airlock_virtio.mode=swiotlb"
fs_case fsoff socket "--isolation off" ""

# scan_case NAME ISOLATION-ARGS: a vhost-user-blk disk and a virtio-fs
# share; while the guest reads both, look into the backends.
scan_case() {
	want "$1" || return 0
	echo "@@CASE $1 BEGIN"
	cp "$L2DIR/rw.img" $T/rw.img
	share $T/share
	qsd rw $T/rw.img on
	# shellcheck disable=SC2086
	"$AIRLOCK" run --kernel "$KERNEL" --initrd "$L2DIR/initrd-av.gz" --mem 256M $2 \
		--vhost-user-blk socket=$T/rw.sock --fs tag=share,dir=$T/share --log-level info \
		--cmdline "$CMD airlock.test=fs,canary airlock.iosecs=20 airlock.action=poweroff" \
		</dev/null > $T/scan.out 2>&1 &
	vmm=$!
	until_line AIRLOCK-CANARY-PLANTED $T/scan.out
	sleep 3
	scan_backends "$(sed -n 's/.*AIRLOCK-CANARY-PLANTED //p' $T/scan.out | tr -d '\r')"
	vm_end "$vmm"
	qsd_stop rw
	cat $T/scan.out
	echo "@@CASE $1 RC=$rc"
}
scan_case vuscan ""
scan_case vuscanoff "--isolation off"

# The backend killed mid-I/O: the device needs a reset, the VM and the
# other disk (airlock's own) keep working, the guest powers off cleanly.
if want vukill; then
	echo "@@CASE vukill BEGIN"
	cp "$L2DIR/rw.img" $T/rw.img
	qsd rw $T/rw.img on
	"$AIRLOCK" run --kernel "$KERNEL" --initrd "$L2DIR/initrd-av.gz" --mem 256M \
		--vhost-user-blk socket=$T/rw.sock --disk "$L2DIR/ro.img,ro" --log-level info \
		--cmdline "$CMD airlock.test=vukill airlock.action=poweroff" </dev/null > $T/kill.out 2>&1 &
	vmm=$!
	until_line AIRLOCK-VUKILL-READY $T/kill.out
	sleep 2
	kill -9 "$(cat $T/rw.pid)"
	echo "@@KILLED qemu-storage-daemon"
	vm_end "$vmm"
	cat $T/kill.out
	echo "@@CASE vukill RC=$rc"
fi

# The hostile suite (guest/hostile, VIRTIO_F_DMB cases) against a
# vhost-user-blk disk: airlock hands the backend only the region, so every
# address outside it fails in the backend, which has no mapping for it.
if want vuhostile; then
	echo "@@CASE vuhostile BEGIN"
	cp "$L2DIR/rw.img" $T/rw.img
	qsd rw $T/rw.img on
	timeout "$BOOT_TIMEOUT" "$AIRLOCK" run --kernel "$KERNEL" --initrd "$L2DIR/initrd-av.gz" --mem 256M \
		--bounce 16M --disk "$L2DIR/ro.img,ro" --vhost-user-blk socket=$T/rw.sock --log-level info \
		--cmdline "$CMD airlock.test=hsuite airlock.htarget=0000:00:02.0 airlock.hmode=dmb airlock.action=poweroff" \
		</dev/null 2>&1
	rc=$?
	if grep -q AIRLOCK-CANARY-RAM $T/rw.img; then echo "@@CANARY-IN-IMAGE yes"; else echo "@@CANARY-IN-IMAGE no"; fi
	kill -0 "$(cat $T/rw.pid)" 2>/dev/null && echo "@@QSD-ALIVE yes"
	echo "@@QSD-REFUSED $(grep -c 'vu_panic' $T/rw.log)"
	head -n 5 $T/rw.log | sed 's/^/@@QSD-SAYS /'
	qsd_stop rw
	echo "@@CASE vuhostile RC=$rc"
fi
