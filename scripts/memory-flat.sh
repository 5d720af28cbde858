#!/usr/bin/env bash
# Shows that rtmpscope's streaming outputs hold memory flat in the capture's
# length: it runs each job on a ~100 MB and a ~1 GB capture of the same
# stream and prints wall time and peak RSS for both, and their ratio (about
# 1.0 when memory does not grow with the capture).
#
# The captures are made by the capture script, not committed:
#   sudo testdata/pcaps/make-captures.sh --large
# Usage: scripts/memory-flat.sh [SMALL LARGE]
set -euo pipefail
cd "$(dirname "$0")/.."
small=${1:-testdata/pcaps/large/large-100M.pcap}
large=${2:-testdata/pcaps/large/large-1G.pcap}
for f in "$small" "$large"; do
	[[ -e $f ]] || { echo "$f is missing: run sudo testdata/pcaps/make-captures.sh --large" >&2; exit 1; }
done
bin=$(mktemp -d)/rtmpscope
CGO_ENABLED=0 go build -o "$bin" ./cmd/rtmpscope

# measure CMD...: wall seconds, peak RSS in MiB, and the largest live heap
# after a garbage collection in MiB (from GODEBUG=gctrace=1: "gc N ... A->B->C
# MB"; C is what survived). Peak RSS also counts garbage not yet collected
# and freed pages not yet returned, so it varies by ±10 MiB from run to run;
# the live heap is the exact measure of what the program holds.
measure() {
	local tf ef t m h
	tf=$(mktemp)
	ef=$(mktemp)
	GODEBUG=gctrace=1 /usr/bin/time -o "$tf" -f '%e %M' "$@" >/dev/null 2>"$ef" || true
	read -r t m < <(tail -1 "$tf")
	h=$(grep '^gc ' "$ef" | sed -n 's/.*->\([0-9]*\) MB.*/\1/p' | sort -n | tail -1 || true)
	rm -f "$tf" "$ef"
	echo "$t $((m / 1024)) ${h:-0}"
}

printf 'small: %s (%s)\nlarge: %s (%s)\n\n' "$small" "$(du -h "$small" | cut -f1)" "$large" "$(du -h "$large" | cut -f1)"
printf '%-22s %8s %8s %10s %10s %6s %11s %11s\n' job "t small" "t large" "rss small" "rss large" ratio "heap small" "heap large"
row() {
	local job=$1 ts ms hs tl ml hl
	shift
	read -r ts ms hs < <(measure "$bin" "$@" -r "$small")
	read -r tl ml hl < <(measure "$bin" "$@" -r "$large")
	printf '%-22s %7ss %7ss %7sMiB %7sMiB %6s %8sMiB %8sMiB\n' "$job" "$ts" "$tl" "$ms" "$ml" "$(awk "BEGIN{printf \"%.2f\", $ml / $ms}")" "$hs" "$hl"
}
row "text (-T text)" -T text
row "ndjson (-T ndjson)" -T ndjson
row "json array (-T json)" -T json
row "tree (-V)" -V
row "conns" conns
[[ -n $("$bin" help 2>/dev/null | grep -w stats) ]] && row "stats" stats
exit 0
