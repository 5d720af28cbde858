#!/usr/bin/env bash
# Runs rtmpscope and tshark side by side on the same captures, in one run,
# and prints wall time, peak RSS and their ratios for every job issue #17
# sets a goal for:
#
#   text      rtmpscope -T text        vs tshark -Y rtmpt -T fields (frame.number, typeid, bodysize, amf.string)  goal >= 20x
#   fields    rtmpscope -T fields with the same four fields, vs the same tshark run                     (like for like)
#   ndjson/f  rtmpscope -T ndjson      vs the same tshark fields run                                            goal >= 20x
#   ndjson/j  rtmpscope -T ndjson      vs tshark -Y rtmpt -T json                                                 goal >= 100x
#   -V        rtmpscope -V             vs tshark -Y rtmpt -V                                                      goal >= 20x
#   conns     rtmpscope conns -q       vs tshark -q -z conv,tcp                                                   goal >= 50x
#
# and for every job rtmpscope's peak RSS against tshark's (goal: <= 1/10).
# Each figure is the best of RUNS runs (default 3); the two programs run in
# turn, so a slower or busier machine moves both.
#
# The big captures are made, not committed:
#   sudo testdata/pcaps/make-captures.sh --large   large/large-100M.pcap, large/large-1G.pcap (loopback, 64 KiB segments)
#   sudo testdata/pcaps/make-stdmtu.sh             large/stdmtu.pcap (veth, MTU 1500: what a real NIC sees)
# Usage: scripts/vs-tshark.sh [-n RUNS] [CAPTURE ...]   (default: the three above that exist)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=3
if [[ ${1:-} == -n ]]; then runs=$2; shift 2; fi
caps=("$@")
if ((${#caps[@]} == 0)); then
	for f in testdata/pcaps/large/stdmtu.pcap testdata/pcaps/large/large-100M.pcap testdata/pcaps/large/large-1G.pcap; do
		[[ -e $f ]] && caps+=("$f")
	done
fi
((${#caps[@]})) || { echo "no capture: make them with testdata/pcaps/make-stdmtu.sh and make-captures.sh --large" >&2; exit 1; }
command -v tshark >/dev/null || { echo "tshark is not installed (apt-get install tshark)" >&2; exit 1; }
bin=$(mktemp -d)/rtmpscope
CGO_ENABLED=0 go build -o "$bin" ./cmd/rtmpscope

# measure CMD...: best wall seconds (to the millisecond: /usr/bin/time's
# hundredths made a 0.02 s run anything from 0.015 to 0.025 s, and its ratio
# +-25%) and peak RSS (KiB) over $runs runs.
measure() {
	local best_t="" best_m=0 t m tf t0 t1
	tf=$(mktemp)
	for _ in $(seq "$runs"); do
		t0=$EPOCHREALTIME
		/usr/bin/time -o "$tf" -f '%M' "$@" >/dev/null 2>&1 || true
		t1=$EPOCHREALTIME
		t=$(awk "BEGIN{printf \"%.3f\", $t1 - $t0}")
		m=$(tail -1 "$tf")
		if [[ -z $best_t ]] || awk "BEGIN{exit !($t < $best_t)}"; then best_t=$t; fi
		((m > best_m)) && best_m=$m
	done
	rm -f "$tf"
	echo "$best_t $best_m"
}

fields=(-e frame.number -e rtmpt.header.typeid -e rtmpt.header.bodysize -e amf.string)
for cap in "${caps[@]}"; do
	# tshark dissects RTMP only on port 1935: tell it about the other
	# server ports rtmpscope found, so that both do the same work.
	decode=()
	for port in $("$bin" conns -T ndjson -q -r "$cap" 2>/dev/null | grep '"rtmp":true' | grep -o '"server":"[^"]*"' | sed 's/.*:\([0-9]*\)"$/\1/' | sort -u); do
		[[ $port != 1935 ]] && decode+=(-d "tcp.port==$port,rtmpt")
	done
	printf '\ncapture: %s (%s, %s packets)\n' "$cap" "$(du -h "$cap" | cut -f1)" "$(capinfos -c -M "$cap" 2>/dev/null | awk '/Number of packets/ {print $NF}')"
	printf '%-9s %10s %10s %8s %6s %12s %12s %8s %6s\n' job rtmpscope tshark speedup goal "rss rtmpscope" "rss tshark" "mem" goal
	row() {
		local job=$1 goal=$2 rt rm tt tm
		shift 2
		read -r rt rm < <(measure "$bin" "${RS_ARGS[@]}" -r "$cap")
		read -r tt tm < <(measure tshark -r "$cap" "${TS_ARGS[@]}")
		printf '%-9s %9ss %9ss %7.1fx %5sx %10sMB %10sMB %7.1fx %5sx\n' "$job" "$rt" "$tt" \
			"$(awk "BEGIN{print ($rt>0)? $tt/$rt : 0}")" "$goal" "$((rm / 1024))" "$((tm / 1024))" \
			"$(awk "BEGIN{print ($rm>0)? $tm/$rm : 0}")" 10
	}
	RS_ARGS=(-T text); TS_ARGS=("${decode[@]}" -Y rtmpt -T fields "${fields[@]}"); row text 20
	# The same four fields, from our own -T fields (no goal of the issue:
	# the like-for-like comparison).
	RS_ARGS=(-T fields "${fields[@]}"); row fields -
	RS_ARGS=(-T ndjson); row ndjson/f 20
	RS_ARGS=(-T ndjson); TS_ARGS=("${decode[@]}" -Y rtmpt -T json); row ndjson/j 100
	RS_ARGS=(-V); TS_ARGS=("${decode[@]}" -Y rtmpt -V); row -V 20
	RS_ARGS=(conns -q); TS_ARGS=(-q -z conv,tcp); row conns 50
done
