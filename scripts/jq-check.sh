#!/usr/bin/env bash
# jq-check.sh CAPTURE [NDJSON]
#
# Checks rtmpscope's NDJSON export with jq against tshark: for every TCP
# connection of CAPTURE, the names of its AMF messages in order — command
# names (command.name) and data handlers (data.handler: @setDataFrame,
# onMetaData, |RtmpSampleAccess, ...) — must equal those in tshark's Info
# column of the reference CAPTURE's base name + .messages.tsv beside it
# (testdata/pcaps/README.md: entries "name(args)" joined by "|").
# Connections are matched by their two TCP ports.
#
# NDJSON is rtmpscope's output for CAPTURE; without it the script runs
# $RTMPSCOPE (default: "go run ./cmd/rtmpscope" from the repository root).
# Exit 0 when every connection agrees, 1 with a diff otherwise, 2 on usage.
#
# Example: scripts/jq-check.sh testdata/pcaps/reject.pcap
set -euo pipefail

if [[ $# -lt 1 || $# -gt 2 ]]; then
	echo "usage: $0 CAPTURE [NDJSON]" >&2
	exit 2
fi
capture=$1
ref="${capture%.*}.messages.tsv"
[[ -r $capture ]] || { echo "$0: cannot read $capture" >&2; exit 2; }
[[ -r $ref ]] || { echo "$0: no tshark reference $ref" >&2; exit 2; }
command -v jq >/dev/null || { echo "$0: jq not installed" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [[ $# -eq 2 ]]; then
	ndjson=$2
else
	ndjson=$tmp/events.ndjson
	root=$(cd "$(dirname "$0")/.." && pwd)
	# shellcheck disable=SC2086 # RTMPSCOPE may be a command with arguments
	(cd "$root" && ${RTMPSCOPE:-go run ./cmd/rtmpscope} -r "$(realpath "$capture")" -T ndjson 2>/dev/null) >"$ndjson"
fi

# rtmpscope: "lowport-highport<TAB>name name ..." per connection. A
# connection's ports come from its conn event ("ip:port", IPv6 in brackets).
jq -r -s '
	def port: capture("(?<p>[0-9]+)$").p | tonumber;
	(map(select(.kind == "conn" and .state == "open"))
	 | map({key: .conn, value: ([(.client | port), (.server | port)] | sort | map(tostring) | join("-"))})
	 | from_entries) as $ports
	| map(select(.kind == "message" and (.command or .data)))
	| group_by(.conn)[]
	| ($ports[.[0].conn]) + "\t" + (sort_by(.frame, .offset) | map(.command.name // .data.handler) | join(" "))
' "$ndjson" | sort >"$tmp/rtmpscope.txt"

# tshark: the same from the Info column; a data handler may itself start
# with "|" (|RtmpSampleAccess), so entries are found as "name(" after the
# start or a "|" separator.
awk -F'\t' '
	NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
	{
		s = $col["tcp.stream"]; a = $col["tcp.srcport"] + 0; b = $col["tcp.dstport"] + 0
		key[s] = (a < b) ? a "-" b : b "-" a
		info = $col["_ws.col.Info"]; first = 1
		while (match(info, /(^|\|)\|?[@A-Za-z_][A-Za-z0-9_]*\(/)) {
			name = substr(info, RSTART, RLENGTH - 1)
			# Past the start of the column a leading "|" is the separator.
			if (!(first && RSTART == 1)) name = substr(name, 2)
			names[s] = names[s] (names[s] == "" ? "" : " ") name
			info = substr(info, RSTART + RLENGTH); first = 0
		}
	}
	END { for (s in names) print key[s] "\t" names[s] }
' "$ref" | sort >"$tmp/tshark.txt"

if diff -u --label "tshark $ref" --label "rtmpscope" "$tmp/tshark.txt" "$tmp/rtmpscope.txt"; then
	echo "$(basename "$capture"): $(wc -l <"$tmp/rtmpscope.txt") connection(s), AMF message names agree with tshark"
	exit 0
fi
exit 1
