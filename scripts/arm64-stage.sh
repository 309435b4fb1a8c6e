#!/bin/sh
# Stages arm64 programs from Debian's arm64 packages, with every library
# they load (found in the packages' dependencies), into a directory cached
# by the package's version and the programs; prints the directory, to merge
# into an emulated arm64 L1's root (the benchmarks' QEMU, the vhost-user
# backends of tests/boot/vhost.sh).
#   scripts/arm64-stage.sh PACKAGE /path/of/program...
set -eu
pkg=$1
shift
cache=${AIRLOCK_CACHE:-/var/cache/airlock}
ver=$(apt-cache policy "$pkg:arm64" 2>/dev/null | sed -n 's/^ *Candidate: //p')
[ -n "$ver" ] && [ "$ver" != "(none)" ] || { echo "arm64-stage: $pkg:arm64 unknown (make deps)" >&2; exit 1; }
key=$(echo "$pkg $ver $*" | sha256sum | cut -c1-16)
root=$cache/arm64-stage/$pkg-$key
if [ ! -f "$root/.done" ]; then
	dl=$(mktemp -d)
	trap 'rm -rf "$dl"' EXIT
	pkgs=$(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
		--no-replaces --no-enhances "$pkg:arm64" 2>/dev/null | grep -v '^ ' |
		grep ':arm64$' | sort -u)
	# shellcheck disable=SC2086
	(cd "$dl" && apt-get download -q $pkgs >/dev/null 2>&1) ||
		{ echo "arm64-stage: download failed" >&2; exit 1; }
	mkdir -p "$dl/x"
	for d in "$dl"/*.deb; do dpkg-deb -x "$d" "$dl/x"; done
	rm -rf "$root"
	mkdir -p "$root/lib"
	need=""
	for b in "$@"; do
		[ -f "$dl/x$b" ] || { echo "arm64-stage: $pkg has no $b" >&2; exit 1; }
		mkdir -p "$root$(dirname "$b")"
		cp "$dl/x$b" "$root$b"
		need="$need $(aarch64-linux-gnu-readelf -d "$root$b" | sed -n 's/.*NEEDED.*\[\(.*\)\]/\1/p')"
	done
	# The libraries they need, transitively.
	seen=""
	while [ -n "$(echo $need)" ]; do
		next=""
		for so in $need; do
			case " $seen " in *" $so "*) continue ;; esac
			seen="$seen $so"
			f=$(find "$dl/x/lib" "$dl/x/usr/lib" -name "$so" 2>/dev/null | head -n1)
			[ -n "$f" ] || { echo "arm64-stage: $so not found" >&2; exit 1; }
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
