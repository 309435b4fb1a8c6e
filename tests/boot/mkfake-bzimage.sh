#!/bin/sh
# Writes small images that look like bzImages for the error-path boot tests:
#   mkfake-bzimage.sh triplefault OUT   valid header; the 64-bit entry runs
#                                       ud2 with no IDT, so the CPU triple-faults
#   mkfake-bzimage.sh spin OUT          valid header; the 64-bit entry spins
#                                       forever (jmp .): a guest that never ends
#   mkfake-bzimage.sh oldproto OUT      boot protocol 2.02
#   mkfake-bzimage.sh text OUT          not a kernel at all
set -eu
kind=$1 out=$2

# put OFFSET HEXBYTES...: patch bytes into $out.
put() {
	off=$1
	shift
	for b in "$@"; do
		printf "\\$(printf %03o "0x$b")" | dd of="$out" bs=1 seek="$off" conv=notrunc status=none
		off=$((off + 1))
	done
}

case $kind in
text)
	printf 'this is not a kernel\n' > "$out"
	exit 0 ;;
triplefault|spin) ver_lo=0f ;;
oldproto) ver_lo=02 ;;
*) echo "mkfake-bzimage: unknown kind $kind" >&2; exit 2 ;;
esac

# One setup sector plus the boot sector, then an 8 KiB payload.
dd if=/dev/zero of="$out" bs=512 count=18 status=none
put $((0x1f1)) 01                       # setup_sects
put $((0x1fe)) 55 aa                    # boot_flag
put $((0x200)) eb 66                    # jump over the header (ends 0x268)
put $((0x202)) 48 64 72 53              # "HdrS"
put $((0x206)) "$ver_lo" 02             # protocol version
put $((0x211)) 01                       # loadflags: LOADED_HIGH
put $((0x22c)) ff ff ff 7f              # initrd_addr_max
put $((0x230)) 00 00 20 00              # kernel_alignment 2 MiB
put $((0x234)) 01                       # relocatable
put $((0x236)) 01 00                    # xloadflags: XLF_KERNEL_64
put $((0x238)) ff 07 00 00              # cmdline_size 2047
put $((0x258)) 00 00 00 01 00 00 00 00  # pref_address 16 MiB
put $((0x260)) 00 00 10 00              # init_size 1 MiB
# Payload at 0x400: startup_64 is 0x200 into it.
if [ "$kind" = spin ]; then
	put $((0x400 + 0x200)) eb fe        # jmp .
else
	put $((0x400 + 0x200)) 0f 0b        # ud2
fi
