#!/usr/bin/env bash
# derive-tunnels.sh — derive the tunnel captures under tunnels/ from the real
# plain capture vxlan-inner.pcap (made by make-vxlan.sh), and check each with
# tshark: its RTMP dissector must find as many RTMP frames in every derived
# capture as in the plain one (an independent reading of the headers we
# build). Needs Go and tshark.
#
#   ./derive-tunnels.sh
#
# tunnels/gtpu.pcap     802.1Q 300 / IPv4 / UDP 2152 / GTP-U (uplink with a PDU
#                       Session Container extension header) / IPv4 / TCP
# tunnels/pppoe.pcap    PPPoE session 0x2a / PPP / IPv4 / TCP
# tunnels/gre.pcap      IPv4 / GRE key 7 / IPv4 / TCP
# tunnels/erspan2.pcap  IPv4 / GRE seq / ERSPAN type II session 5 / Ethernet / ...
# tunnels/erspan3.pcap  IPv4 / GRE seq / ERSPAN type III session 6 / Ethernet / ...
# tunnels/mpls.pcap     MPLS 1000 / MPLS 16 / IPv4 / TCP
# tunnels/geneve.pcap   IPv4 / UDP 6081 / Geneve VNI 7 (one option) / Ethernet / ...
# tunnels/qinq.pcap     802.1ad 200 / 802.1Q 100 / IPv4 / TCP
# tunnels/rtmfp-gtpu.pcap  the real rtmfp-play.pcap (RTMFP, UDP) inside GTP-U as gtpu.pcap
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
PCAPS=$HERE/..
mkdir -p "$HERE/tunnels"
(cd "$ROOT" && go run ./testdata/pcaps/wild/derive-tunnels "$HERE/vxlan-inner.pcap" "$HERE/tunnels")
# RTMFP (UDP) inside GTP-U: the real rtmfp-play.pcap wrapped the same way.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$ROOT" && go run ./testdata/pcaps/wild/derive-tunnels "$PCAPS/rtmfp-play.pcap" "$tmp")
cp "$tmp/gtpu.pcap" "$HERE/tunnels/rtmfp-gtpu.pcap"
want=$(tshark -r "$HERE/vxlan-inner.pcap" -Y rtmpt 2>/dev/null | wc -l)
rc=0
for f in "$HERE"/tunnels/*.pcap; do
    [[ $f == */rtmfp-* ]] && continue # tshark has no RTMFP dissector; the test compares with rtmfp-play.pcap
    got=$(tshark -r "$f" -Y rtmpt 2>/dev/null | wc -l)
    printf '%-14s %s RTMP frames (plain: %s) %s\n' "$(basename "$f")" "$got" "$want" \
        "$(tshark -r "$f" -c 4 -T fields -e frame.protocols 2>/dev/null | tail -1)"
    [[ $got == "$want" ]] || rc=1
done
exit $rc
