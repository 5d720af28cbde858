#!/usr/bin/env bash
# Runs rtmpscope and tshark side by side on the same capture and prints wall
# time, peak RSS and their ratios for three jobs:
#   conns:    rtmpscope conns -q            vs  tshark -q -z conv,tcp
#   messages: rtmpscope -T text             vs  tshark -Y rtmpt -T fields (per-message fields)
#   ndjson:   rtmpscope -T ndjson           vs  tshark -Y rtmpt -T json
# Usage: scripts/vs-tshark.sh CAPTURE [RUNS]
set -euo pipefail
cap=${1:?usage: vs-tshark.sh CAPTURE [RUNS]}
runs=${2:-3}
cd "$(dirname "$0")/.."
bin=$(mktemp -d)/rtmpscope
CGO_ENABLED=0 go build -o "$bin" ./cmd/rtmpscope
command -v tshark >/dev/null || { echo "tshark is not installed (apt-get install tshark)"; exit 1; }

# measure CMD...: best wall seconds and peak RSS (KiB) over $runs runs.
measure() {
	local best_t="" best_m=0 t m tf
	tf=$(mktemp)
	for _ in $(seq "$runs"); do
		/usr/bin/time -o "$tf" -f '%e %M' "$@" >/dev/null 2>&1 || true
		read -r t m < <(tail -1 "$tf")
		if [[ -z $best_t ]] || awk "BEGIN{exit !($t < $best_t)}"; then best_t=$t; fi
		(( m > best_m )) && best_m=$m
	done
	rm -f "$tf"
	echo "$best_t $best_m"
}

# tshark dissects RTMP only on port 1935: tell it about the other server
# ports rtmpscope found, so that both do the same work.
decode=()
for port in $("$bin" conns -T ndjson -q -r "$cap" 2>/dev/null | grep '"rtmp":true' | grep -o '"server":"[^"]*"' | sed 's/.*:\([0-9]*\)"$/\1/' | sort -u); do
	[[ $port != 1935 ]] && decode+=(-d "tcp.port==$port,rtmpt")
done
fields=(-e frame.number -e tcp.stream -e rtmpt.header.csid -e rtmpt.header.timestamp -e rtmpt.header.typeid -e rtmpt.header.bodysize -e rtmpt.header.streamid)
printf 'capture: %s (%s)\n' "$cap" "$(du -h "$cap" | cut -f1)"
printf '%-9s %10s %10s %8s %12s %12s %8s\n' job rtmpscope tshark speedup "rss rtmpscope" "rss tshark" "mem"
row() {
	local job=$1; shift
	read -r rt rm < <(measure "$bin" "$@" -r "$cap")
	read -r tt tm < <(measure tshark -r "$cap" "${TSHARK_ARGS[@]}")
	printf '%-9s %9ss %9ss %7.1fx %10sMB %10sMB %7.1fx\n' "$job" "$rt" "$tt" \
		"$(awk "BEGIN{print ($rt>0)? $tt/$rt : 0}")" "$((rm/1024))" "$((tm/1024))" "$(awk "BEGIN{print ($rm>0)? $tm/$rm : 0}")"
}
TSHARK_ARGS=(-q -z conv,tcp); row conns conns -q
TSHARK_ARGS=("${decode[@]}" -Y rtmpt -T fields "${fields[@]}"); row messages -T text
TSHARK_ARGS=("${decode[@]}" -Y rtmpt -T json); row ndjson -T ndjson
