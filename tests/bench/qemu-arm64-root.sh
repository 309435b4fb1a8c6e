#!/bin/sh
# Stages Debian's arm64 qemu-system-aarch64 with the libraries it loads into
# a directory (cached by QEMU's version), so the arm64 boot benchmark can run
# QEMU with KVM inside the same emulated arm64 host as airlock. Prints the
# directory; merge it into L1's root.
set -eu
cache=${AIRLOCK_CACHE:-/var/cache/airlock}
ver=$(apt-cache policy qemu-system-arm:arm64 2>/dev/null | sed -n 's/^ *Candidate: //p')
[ -n "$ver" ] && [ "$ver" != "(none)" ] || { echo "qemu-arm64-root: qemu-system-arm:arm64 unknown (make deps)" >&2; exit 1; }
root=$cache/qemu-arm64/$(echo "$ver" | tr : _)
if [ ! -f "$root/.done" ]; then
	dl=$(mktemp -d)
	trap 'rm -rf "$dl"' EXIT
	pkgs=$(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
		--no-replaces --no-enhances qemu-system-arm:arm64 2>/dev/null | grep -v '^ ' |
		grep ':arm64$' | sort -u)
	(cd "$dl" && apt-get download -q $pkgs >/dev/null 2>&1) ||
		{ echo "qemu-arm64-root: download failed" >&2; exit 1; }
	mkdir -p "$dl/x"
	for d in "$dl"/*.deb; do dpkg-deb -x "$d" "$dl/x"; done
	rm -rf "$root"
	mkdir -p "$root/usr/bin" "$root/lib"
	cp "$dl/x/usr/bin/qemu-system-aarch64" "$root/usr/bin/"
	# The libraries it needs, transitively, found in the unpacked packages.
	need=$(aarch64-linux-gnu-readelf -d "$root/usr/bin/qemu-system-aarch64" | sed -n 's/.*NEEDED.*\[\(.*\)\]/\1/p')
	seen=""
	while [ -n "$need" ]; do
		next=""
		for so in $need; do
			case " $seen " in *" $so "*) continue ;; esac
			seen="$seen $so"
			f=$(find "$dl/x/lib" "$dl/x/usr/lib" -name "$so" 2>/dev/null | head -n1)
			[ -n "$f" ] || { echo "qemu-arm64-root: $so not found" >&2; exit 1; }
			dest=$root${f#"$dl/x"}
			mkdir -p "$(dirname "$dest")"
			cp -L "$f" "$dest"
			next="$next $(aarch64-linux-gnu-readelf -d "$f" | sed -n 's/.*NEEDED.*\[\(.*\)\]/\1/p')"
		done
		need=$next
	done
	cp -L "$dl/x/lib/ld-linux-aarch64.so.1" "$root/lib/" 2>/dev/null ||
		cp -L "$dl/x/usr/lib/ld-linux-aarch64.so.1" "$root/lib/"
	touch "$root/.done"
fi
echo "$root"
