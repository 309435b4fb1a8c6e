#!/bin/sh
# Fetch Debian's stock kernel package for an architecture and unpack it into
# the cache. Prints the directory that holds vmlinuz and lib/modules.
#   scripts/guest-kernel.sh amd64|arm64
# The ABI name (e.g. 6.1.0-56) is resolved from the metapackage every time,
# because Debian's archive keeps only the newest build; the cache is keyed by it.
set -eu
arch=${1:-amd64}
cache=${AIRLOCK_CACHE:-/var/cache/airlock}

case $arch in
amd64) meta=linux-image-amd64 suffix= ;;
arm64) meta=linux-image-arm64:arm64 suffix=:arm64 ;;
*) echo "guest-kernel: unknown arch '$arch'" >&2; exit 2 ;;
esac

abi_pkg() {
	apt-cache depends "$meta" 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | head -n1
}
pkg=$(abi_pkg)
if [ -z "$pkg" ]; then
	apt-get update -qq >/dev/null 2>&1 || true
	pkg=$(abi_pkg)
fi
[ -n "$pkg" ] || { echo "guest-kernel: cannot resolve $meta (apt-get update?)" >&2; exit 1; }
pkg=${pkg%:arm64}
dir=$cache/kernel/$pkg
if [ ! -f "$dir/.done" ]; then
	mkdir -p "$dir/dl"
	rm -rf "$dir/root"
	(cd "$dir/dl" && rm -f ./*.deb && apt-get download -q "$pkg$suffix" >/dev/null)
	dpkg-deb -x "$dir"/dl/*.deb "$dir/root"
	ver=$(ls "$dir/root/lib/modules")
	ln -sf "root/boot/vmlinuz-$ver" "$dir/vmlinuz"
	echo "$ver" > "$dir/version"
	rm -rf "$dir/dl"
	touch "$dir/.done"
fi
echo "$dir"
