#!/bin/sh
# No include circles: every module (a .c with its .h) of lib/, vmm/, devices/,
# boot/ and arch/ may include only modules below it. Prints the circle and
# exits 1 if there is one.
set -eu
cd "$(dirname "$0")/.."
edges=$(mktemp)
trap 'rm -f "$edges"' EXIT
for f in lib/*.[ch] vmm/*.[ch] devices/*.[ch] boot/*.[ch] arch/*.h arch/*/*.[ch]; do
	[ -e "$f" ] || continue
	from=${f%.*}
	dir=$(dirname "$f")
	sed -n 's/^#include "\(.*\)"/\1/p' "$f" | while read -r inc; do
		to=$(realpath -m --relative-to=. "$dir/$inc")
		to=${to%.*}
		[ "$to" = "$from" ] || echo "$from $to"
	done
done > "$edges"
if ! out=$(tsort "$edges" 2>&1 >/dev/null) || [ -n "$out" ]; then
	echo "check-includes: an include circle:"
	echo "$out" | grep -v 'input contains a loop' | sed 's/^tsort: /  /'
	exit 1
fi
echo "check-includes: $(wc -l < "$edges") includes between modules, no circle"
