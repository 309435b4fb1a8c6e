#!/bin/busybox sh
# /init of the airlock test guest. Prints facts the boot tests check, then
# does what airlock.action= on the kernel command line says:
#   poweroff (default), reboot, shell, panic (sysrq c), or none (stay up).
/bin/busybox --install -s /bin
mkdir -p /proc /sys /dev /tmp
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null

# Kernel modules shipped in the initramfs, in dependency order.
# Parameters given on the command line as module.param=value are passed on.
# airlock.avlate=1: the airlock driver last, once virtio_pci has bound every
# device (it must take those with a bounce region over).
load() {
	name=$(echo "${1%.ko}" | tr - _)
	params=
	for arg in $(cat /proc/cmdline); do
		case $arg in "$name".*=*) params="$params ${arg#"$name".}" ;; esac
	done
	# shellcheck disable=SC2086
	insmod "/lib/modules/$1" $params 2>/dev/null
}
avlate=
case " $(cat /proc/cmdline) " in *" airlock.avlate=1 "*) avlate=1 ;; esac
if [ -f /lib/modules/order ]; then
	for m in $(cat /lib/modules/order); do
		[ -n "$avlate" ] && [ "$m" = airlock_virtio.ko ] && continue
		load "$m"
	done
fi
if [ -n "$avlate" ]; then
	for d in /sys/bus/pci/devices/*; do
		[ -e "$d/driver" ] && echo "AIRLOCK-EARLYDRV ${d##*/} $(readlink "$d/driver" | sed 's|.*/||')"
	done
	load airlock_virtio.ko
	n=0
	while [ ! -b /dev/vda ] && [ $n -lt 20 ]; do sleep 1; n=$((n + 1)); done
	dmesg | grep 'taking the device over' | sed 's/^[^]]*] /AIRLOCK-TAKEOVER /'
fi

# console=hvc0: once virtio_console is loaded, talk on hvc0 (the kernel
# had no hvc0 yet when it opened our first console).
case " $(cat /proc/cmdline) " in *" console=hvc0 "*)
	n=0
	while [ ! -c /dev/hvc0 ] && [ $n -lt 10 ]; do sleep 1; n=$((n + 1)); done
	[ -c /dev/hvc0 ] && exec </dev/hvc0 >/dev/hvc0 2>&1
	;;
esac

action=poweroff
tests=
for arg in $(cat /proc/cmdline); do
	case $arg in
	airlock.action=*) action=${arg#airlock.action=} ;;
	airlock.test=*) tests=${arg#airlock.test=} ;;
	airlock.iosecs=*) iosecs=${arg#airlock.iosecs=} ;;
	esac
done

echo "AIRLOCK-GUEST-UP"
echo "AIRLOCK-CPUS $(grep -c ^processor /proc/cpuinfo)"
echo "AIRLOCK-MEMTOTAL-KB $(sed -n 's/^MemTotal: *\([0-9]*\) kB/\1/p' /proc/meminfo)"
echo "AIRLOCK-KERNEL $(uname -r)"
echo "AIRLOCK-TTY $(readlink /proc/$$/fd/0)"
for d in /sys/bus/pci/devices/*; do
	[ -e "$d/vendor" ] && echo "AIRLOCK-PCI ${d##*/} $(cat "$d/vendor") $(cat "$d/device") $(cat "$d/class")"
	[ -e "$d/driver" ] && echo "AIRLOCK-PCIDRV ${d##*/} $(readlink "$d/driver" | sed 's|.*/||')"
done
if [ -x /usr/bin/lspci ]; then
	/usr/bin/lspci -n 2>/dev/null | sed 's/^/AIRLOCK-LSPCI /'
fi
for d in /sys/bus/virtio/devices/*; do
	[ -e "$d/device" ] && echo "AIRLOCK-VIRTIO ${d##*/} $(cat "$d/device") $(readlink "$d/driver" | sed 's|.*/||')"
done
# How the first virtio device interrupts (MSI-X through which controller, or INTx).
irq=$(grep -m1 virtio /proc/interrupts | tr -s ' ')
[ -n "$irq" ] && echo "AIRLOCK-IRQ$irq"
if [ -e /dev/hwrng ]; then
	echo "AIRLOCK-HWRNG $(cat /sys/class/misc/hw_random/rng_current) $(dd if=/dev/hwrng bs=64 count=1 2>/dev/null | wc -c)"
fi

# airlock.test=blk: read both disks whole, write a marker to the first
# (the host checks it after power-off), try to write the second (read-only).
# pool_lines [-e PATTERN]...: the airlock driver's pool lines from the
# kernel log (and those PATTERNs), as AIRLOCK-POOL lines.
pool_lines() {
	dmesg | grep -e 'area.*, mappings up to' "$@" | sed 's/^[^]]*] /AIRLOCK-POOL /'
}
case ",$tests," in *,blk,*)
	for d in vda vdb; do
		[ -b /dev/$d ] && echo "AIRLOCK-SHA256 $d $(sha256sum /dev/$d | cut -d' ' -f1)"
		[ -b /dev/$d ] && echo "AIRLOCK-DISK $d ro=$(cat /sys/block/$d/ro) serial=$(cat /sys/block/$d/serial)"
	done
	if printf 'AIRLOCK-BLK-MARK' | dd of=/dev/vda bs=512 seek=100 conv=notrunc,fsync 2>/dev/null; then
		sync
		echo "AIRLOCK-WROTE vda"
	fi
	if [ ! -b /dev/vdb ]; then
		:
	elif printf 'x' | dd of=/dev/vdb bs=512 seek=1 conv=notrunc,fsync 2>/dev/null; then
		echo "AIRLOCK-RO-WRITE accepted"
	else
		echo "AIRLOCK-RO-WRITE refused"
	fi
	pool_lines
	;;
esac

# airlock.test=kaslr: where the kernel's text is (KASLR moves it).
case ",$tests," in *,kaslr,*)
	echo "AIRLOCK-TEXT $(grep -m1 ' _text$' /proc/kallsyms | cut -d' ' -f1)"
	;;
esac
# airlock.test=clock: the guest's uptime across a 10 s sleep (the host
# stamps both lines with its own and compares).
case ",$tests," in *,clock,*)
	echo "AIRLOCK-CLOCK1 $(cut -d' ' -f1 /proc/uptime)"
	sleep 10
	echo "AIRLOCK-CLOCK2 $(cut -d' ' -f1 /proc/uptime)"
	;;
esac

# airlock.test=fs: mount the virtio-fs tag airlock.fstag (default share),
# read in.bin (sha256), write out-TOKEN (airlock.token), list many/ (the
# host made its files), rename and delete in it.
case ",$tests," in *,fs,*)
	tag=share token=none
	for arg in $(cat /proc/cmdline); do
		case $arg in airlock.fstag=*) tag=${arg#airlock.fstag=} ;; airlock.token=*) token=${arg#airlock.token=} ;; esac
	done
	mkdir -p /mnt
	if mount -t virtiofs "$tag" /mnt; then
		echo "AIRLOCK-FS-MOUNTED $tag"
		echo "AIRLOCK-FS-SHA256 $(sha256sum /mnt/in.bin | cut -d' ' -f1)"
		echo "$token" > "/mnt/out-$token" && sync && echo "AIRLOCK-FS-WROTE out-$token"
		echo "AIRLOCK-FS-LIST $(ls /mnt/many | wc -l)"
		mv /mnt/many/f1 /mnt/many/renamed && [ -f /mnt/many/renamed ] && [ ! -e /mnt/many/f1 ] &&
			rm /mnt/many/f2 && [ ! -e /mnt/many/f2 ] && echo "AIRLOCK-FS-RENAME-DELETE ok"
		# With canary, the share stays mounted for its I/O.
		case ",$tests," in *,canary,*) ;; *) umount /mnt && echo "AIRLOCK-FS-UMOUNT ok" ;; esac
	else
		echo "AIRLOCK-FS-MOUNT failed"
	fi
	;;
esac

# airlock.test=vukill: reads from vdb (a vhost-user-blk disk) in the
# background while the host kills its backend; then the other disk (vda,
# airlock's own) must still read whole.
case ",$tests," in *,vukill,*)
	(while dd if=/dev/vdb of=/dev/null bs=64k iflag=direct 2>/dev/null; do :; done) &
	echo "AIRLOCK-VUKILL-READY"
	sleep 15
	echo "AIRLOCK-AFTER vda $(sha256sum /dev/vda | cut -d' ' -f1)"
	;;
esac

# airlock.test=net: address eth0 and ping the host end of the tap.
case ",$tests," in *,net,*)
	ip link set lo up
	ip link set eth0 up && ip addr add 192.168.77.2/24 dev eth0
	echo "AIRLOCK-MAC $(cat /sys/class/net/eth0/address)"
	if ping -c 3 -W 10 192.168.77.1 >/dev/null 2>&1; then
		echo "AIRLOCK-PING ok"
	else
		echo "AIRLOCK-PING failed"
	fi
	;;
esac

# airlock.test=hostile (strict isolation, airlock driver with test_hooks=1):
# post requests whose buffers lie in ordinary RAM on the first disk and on
# the rng, then show that the second disk still works (direct I/O).
case ",$tests," in *,hostile,*)
	for d in /sys/bus/pci/devices/*; do
		[ -e "$d/airlock_hostile" ] || continue
		dev=$(cat "$d/device")
		[ "$dev" = 0x1042 ] && [ "${d##*/}" != 0000:00:01.0 ] && continue
		echo ram > "$d/airlock_hostile"
		echo "AIRLOCK-HOSTILE ${d##*/} $dev $(cat "$d/airlock_hostile")"
	done
	echo "AIRLOCK-AFTER vdb $(dd if=/dev/vdb bs=64k iflag=direct 2>/dev/null | sha256sum | cut -d' ' -f1)"
	;;
esac

# airlock.test=hsuite (strict, airlock driver): the hostile-guest suite.
# The first disk is taken from the airlock driver and driven by
# /bin/airlock-hostile (guest/hostile/hostile.c) through sysfs, case after
# case; the second disk must keep working throughout.
# airlock.htarget=BDF picks another function, airlock.hmode=swiotlb|dmb
# one mode; AIRLOCK-AFTER reads every disk left.
case ",$tests," in *,hsuite,*)
	t=0000:00:01.0 hmode=
	for arg in $(cat /proc/cmdline); do
		case $arg in airlock.htarget=*) t=${arg#airlock.htarget=} ;; airlock.hmode=*) hmode=${arg#airlock.hmode=} ;; esac
	done
	echo "$t" > /sys/bus/pci/drivers/airlock_virtio/unbind
	# shellcheck disable=SC2086
	/bin/airlock-hostile "$t" $hmode
	echo "AIRLOCK-HOSTILE-RC $?"
	for d in vda vdb; do
		[ -b /dev/$d ] && echo "AIRLOCK-AFTER $d $(dd if=/dev/$d bs=64k iflag=direct 2>/dev/null | sha256sum | cut -d' ' -f1)"
	done
	;;
esac

# airlock.test=canary (sandbox tests): a random token planted many times in
# guest RAM (a tmpfs file), then disk reads for a while, so the host can
# look for the token in the device processes while they work.
case ",$tests," in *,canary,*)
	tok=AIRLOCKTOKEN$(head -c 12 /dev/urandom | od -A n -t x1 | tr -d ' \n')
	i=0
	while [ $i -lt 2000 ]; do echo "$tok$tok$tok$tok"; i=$((i + 1)); done > /tmp/canary
	echo "AIRLOCK-CANARY-PLANTED $tok"
	end=$(($(date +%s) + ${iosecs:-40}))
	while [ "$(date +%s)" -lt "$end" ] && [ ! -e /tmp/stop ]; do
		[ -b /dev/vda ] && dd if=/dev/vda of=/dev/null bs=64k iflag=direct 2>/dev/null
		[ -f /mnt/in.bin ] && echo 3 > /proc/sys/vm/drop_caches && cat /mnt/in.bin > /dev/null
	done
	echo "AIRLOCK-IO-DONE $(grep -c "$tok" /tmp/canary)"
	;;
esac

# airlock.test=lifecycle (strict, airlock driver, a disk with a tiny bounce
# region): read through a pool far smaller than the data (back-pressure),
# unbind and rebind the disk driver (a device reset), then unload every
# virtio module and the airlock driver; the kernel must not complain.
case ",$tests," in *,lifecycle,*)
	echo "AIRLOCK-SMALLPOOL $(dd if=/dev/vda bs=1M count=4 iflag=direct 2>/dev/null | sha256sum | cut -d' ' -f1)"
	v=$(basename "$(readlink /sys/block/vda/device)")
	echo "$v" > /sys/bus/virtio/drivers/virtio_blk/unbind
	echo "$v" > /sys/bus/virtio/drivers/virtio_blk/bind
	n=0
	while [ ! -b /dev/vda ] && [ $n -lt 20 ]; do sleep 1; n=$((n + 1)); done
	echo "AIRLOCK-REBOUND $(dd if=/dev/vda bs=1M count=4 iflag=direct 2>/dev/null | sha256sum | cut -d' ' -f1)"
	for m in virtio_blk virtio_rng virtio_net virtio_console net_failover failover airlock_virtio; do
		rmmod $m 2>/dev/null
	done
	if lsmod | grep -q airlock_virtio; then echo "AIRLOCK-UNLOAD failed"; else echo "AIRLOCK-UNLOAD ok"; fi
	pool_lines -e 'bounce pool was full'
	if dmesg | grep -q -e 'BUG:' -e 'Oops' -e 'WARNING: CPU' -e 'Call Trace'; then
		echo "AIRLOCK-DMESG trouble"
		dmesg | grep -A5 -e 'BUG:' -e Oops -e 'WARNING: CPU' | head -20
	else
		echo "AIRLOCK-DMESG clean"
	fi
	;;
esac

# dd_op read|write DISK: 256 MiB of sequential direct I/O, 1 MiB blocks
# (a write only to a block device that exists).
dd_op() {
	if [ "$1" = read ]; then
		dd if="/dev/$2" of=/dev/null bs=1M count=256 iflag=direct 2>/dev/null
	else
		[ -b "/dev/$2" ] && dd if=/dev/zero of="/dev/$2" bs=1M count=256 oflag=direct 2>/dev/null
	fi
}
# airlock.test=ddbench: dd_op on vda; the host times the marker lines on
# its own clock.
case ",$tests," in *,ddbench,*)
	for op in read write; do
		echo "AIRLOCK-DD $op START"
		if dd_op $op vda; then echo "AIRLOCK-DD $op END"; else echo "AIRLOCK-DD $op FAILED"; fi
	done
	;;
esac
# airlock.test=fsbench: the same through virtio-fs (tag share): read the
# share's 256 MiB big.bin, write 256 MiB (fsync'd), remove it.
case ",$tests," in *,fsbench,*)
	mkdir -p /mnt
	if mount -t virtiofs share /mnt; then
		echo "AIRLOCK-DD read START"
		if dd if=/mnt/big.bin of=/dev/null bs=1M 2>/dev/null; then echo "AIRLOCK-DD read END"; else echo "AIRLOCK-DD read FAILED"; fi
		echo "AIRLOCK-DD write START"
		if dd if=/dev/zero of=/mnt/w.bin bs=1M count=256 conv=fsync 2>/dev/null; then echo "AIRLOCK-DD write END"; else echo "AIRLOCK-DD write FAILED"; fi
		rm -f /mnt/w.bin
		umount /mnt
	else
		echo "AIRLOCK-FS-MOUNT failed"
	fi
	;;
esac
# airlock.test=dd2bench: the same on vda and vdb at once, one dd each
# (with 2 vCPUs, the scheduler spreads them): both disks' pools busy from
# two CPUs, for the per-CPU areas against one lock (pool_areas=1).
case ",$tests," in *,dd2bench,*)
	pool_lines
	for op in read write; do
		echo "AIRLOCK-DD2 $op START"
		pids=""
		for d in vda vdb; do
			dd_op $op $d &
			pids="$pids $!"
		done
		st=END
		for pid in $pids; do wait "$pid" || st=FAILED; done
		echo "AIRLOCK-DD2 $op $st"
	done
	;;
esac

case $action in
poweroff) echo "AIRLOCK-ACTION poweroff"; poweroff -f ;;
reboot) echo "AIRLOCK-ACTION reboot"; reboot -f ;;
panic) echo "AIRLOCK-ACTION panic"; echo c > /proc/sysrq-trigger ;;
shell) echo "AIRLOCK-SHELL-READY"; exec setsid cttyhack sh ;;
none) while :; do sleep 3600; done ;;
esac
echo "AIRLOCK-ACTION-FAILED $action"
while :; do sleep 3600; done
