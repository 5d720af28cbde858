#!/bin/sh
# Extracts the first audio and video message bodies of the project's real
# RTMP captures (testdata/pcaps, made by ffmpeg publishing to nginx-rtmp)
# with tshark, one message per line: "<type id>\t<body hex>". tshark shows
# the first body byte as rtmpt.{audio,video}.control and the rest as .data.
set -eu
cd "$(dirname "$0")"
PCAPS=../../../testdata/pcaps
for cap in publish ipv6; do
	tshark -r "$PCAPS/$cap.pcap" -Y 'rtmpt.header.typeid==8 || rtmpt.header.typeid==9' \
		-T fields -E occurrence=a -e rtmpt.audio.control -e rtmpt.audio.data \
		-e rtmpt.video.control -e rtmpt.video.data 2>/dev/null |
		awk -F'\t' '
		function emit(typ, ctl, data,   n, c, d, i) {
			n = split(ctl, c, ","); split(data, d, ",")
			for (i = 1; i <= n; i++) {
				sub(/^0x/, "", c[i]); if (length(c[i]) < 2) c[i] = "0" c[i]
				printf "%d\t%s%s\n", typ, c[i], d[i]
			}
		}
		{ if ($1 != "") emit(8, $1, $2); if ($3 != "") emit(9, $3, $4) }' |
		awk -F'\t' '{ if (count[$1]++ < 8) print }' >"$cap.media.tsv"
done
