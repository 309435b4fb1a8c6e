#!/bin/sh
# Host-only virtqueue benchmark: throughput against memcpy and bare preadv,
# and the user-space instruction count per 4 KiB request (callgrind).
set -eu
TOP=$(cd "$(dirname "$0")/../.." && pwd)
make -s -C "$TOP" build/tools/bench-virtq
"$TOP/build/tools/bench-virtq" 200000
if command -v valgrind >/dev/null; then
	n=20000
	out=$(mktemp /tmp/airlock-cg.XXXXXX)
	valgrind --tool=callgrind --callgrind-out-file="$out" "$TOP/build/tools/bench-virtq" $n 4096 >/dev/null 2>&1
	total=$(callgrind_annotate "$out" 2>/dev/null | sed -n 's/^ *\([0-9,]*\) .*PROGRAM TOTALS.*/\1/p' | tr -d ,)
	# Subtract the memcpy and preadv baselines the binary also runs: count
	# only the device loop via its inclusive cost.
	dev=$(callgrind_annotate --inclusive=yes "$out" 2>/dev/null | sed -n 's/^ *\([0-9,]*\) .*\brun\b.*/\1/p' | head -n1 | tr -d ,)
	rm -f "$out"
	# run() serves n requests three times: isolation off, bit 27, DMB.
	echo "callgrind: ${dev:-?} instructions in the device loop for 3 x $n x 4 KiB requests" \
		"-> $(( ${dev:-0} / (3 * n) )) per request (user space; the kernel's copy is not counted)"
	echo "(program total ${total:-?})"
fi
