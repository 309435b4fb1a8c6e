#!/bin/sh
# Runs each libFuzzer target for SECONDS from its checked-in seeds.
#   tests/fuzz/run.sh SECONDS TARGET...
# The working corpus is build/fuzz/corpus/TARGET (seeds + what the fuzzer
# found; the checked-in seeds are never modified); a crash is saved under
# build/fuzz/crashes and makes this script fail. Prints, per target,
# executions, coverage (edges) and the corpus size.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
secs=$1
shift
fail=0
mkdir -p "$top/build/fuzz/crashes"
for t in "$@"; do
	corpus=$top/build/fuzz/corpus/$t
	mkdir -p "$corpus"
	cp -n "$top/tests/fuzz/corpus/$t"/* "$corpus/" 2>/dev/null
	log=$top/build/fuzz/$t.log
	# FUZZ_RUNS=N also stops a target after N executions.
	"$top/build/fuzz/fuzz_$t" -max_total_time="$secs" ${FUZZ_RUNS:+-runs=$FUZZ_RUNS} \
		-print_final_stats=1 -timeout=10 \
		-rss_limit_mb=1024 -artifact_prefix="$top/build/fuzz/crashes/$t-" "$corpus" > "$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n1 | cut -d' ' -f2)
	n=$(ls "$corpus" | wc -l)
	if [ "$rc" -eq 0 ]; then
		printf 'fuzz %-12s ok     %10s execs  %5s edges  corpus %s\n' "$t" "${execs:-?}" "${cov:-?}" "$n"
	else
		printf 'fuzz %-12s FAILED (exit %s) after %s execs; see %s\n' "$t" "$rc" "${execs:-?}" "$log"
		grep -m3 -e 'ERROR: ' -e 'SUMMARY' -e 'runtime error' "$log" | sed 's/^/    /'
		fail=1
	fi
done
exit $fail
