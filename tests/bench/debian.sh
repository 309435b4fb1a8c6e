#!/bin/bash
# Benchmark: the Debian 12 systemd image (scripts/mkrootfs.sh) booted to
# multi-user.target under airlock strict, airlock --isolation off and QEMU
# (-M pc / -M virt, KVM, virtio-blk-pci), same image, same kernel, same L1,
# ROUNDS rounds (default 3), interleaved. Per VMM: launch -> the guest's
# "running" report on L0's clock, and systemd-analyze's total in the guest.
#   GARCH=amd64|arm64 [ROUNDS=3] tests/bench/debian.sh
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
rounds=${ROUNDS:-3}
cases=""
for r in $(seq 1 "$rounds"); do cases="$cases strict.$r off.$r qemu.$r"; done
log=$(mktemp /tmp/airlock-bench-debian.XXXXXX)
trap 'rm -f "$log"' EXIT
DEBIAN_CASES=$cases AIRLOCK_BOOT_LOG=$log "$TOP/tests/boot/debian.sh" | grep -e '^not ok' -e '^debian:'
tr -d '\r' < "$log" | awk '
	/@@CASE .* BEGIN/ { c = $3; t0[c] = $1 }
	/AIRLOCK-SYSTEM running/ && c != "" { launch[c] = $1 - t0[c] }
	/AIRLOCK-ANALYZE Startup finished/ && c != "" {
		# systemd writes "= 25.249s" or "= 1min 832ms": seconds
		v = 0; on = 0
		for (i = 1; i <= NF; i++) {
			if ($i == "=") { on = 1; continue }
			if (!on) continue
			t = $i
			if (t ~ /min$/) { sub(/min$/, "", t); v += t * 60 }
			else if (t ~ /ms$/) { sub(/ms$/, "", t); v += t / 1000 }
			else if (t ~ /s$/) { sub(/s$/, "", t); v += t }
		}
		an[c] = v }
	END {
		split("strict off qemu", vmms, " ")
		for (k = 1; k <= 3; k++) {
			m = vmms[k]; n = 0; l = ""; a = ""
			for (c in launch) if (c ~ "^" m "\\.") { n++; L[n] = launch[c]; A[n] = an[c] + 0 }
			if (!n) { printf "%-7s no completed round\n", m; continue }
			# medians
			for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) {
				if (L[j] < L[i]) { t = L[i]; L[i] = L[j]; L[j] = t }
				if (A[j] < A[i]) { t = A[i]; A[i] = A[j]; A[j] = t } }
			for (i = 1; i <= n; i++) { l = l sprintf(" %.1f", L[i]); a = a sprintf(" %.1f", A[i]) }
			med[m] = L[int((n + 1) / 2)]
			printf "%-7s launch->running median %.1f s (%s ), systemd-analyze median %.1f s (%s )\n",
				m, med[m], l, A[int((n + 1) / 2)], a
		}
		if (med["qemu"] > 0) printf "ratios (launch->running): strict/qemu %.2f, off/qemu %.2f, strict/off %.2f\n",
			med["strict"] / med["qemu"], med["off"] / med["qemu"], med["strict"] / med["off"]
	}'
