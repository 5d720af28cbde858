#!/bin/sh
# Regenerates the test captures and the tcpdump oracle for package filter.
# Needs root, tcpdump and python3. Run from anywhere:
#   sudo sh capture/filter/testdata/make.sh          # new captures, then the oracle
#   sh capture/filter/testdata/make.sh oracle        # only redo oracle.tsv and bpf/ (after
#                                                    # editing expressions.txt)
# Outputs (all committed):
#   lo.pcap        Ethernet (DLT 1), `tcpdump -i lo -s 256` during gen_traffic.py
#   any_sll.pcap   Linux cooked v1 (113), `tcpdump -i any -y LINUX_SLL`, loopback frames only
#   any_sll2.pcap  Linux cooked v2 (276), `tcpdump -i any -y LINUX_SLL2`, loopback frames only
#   crafted*.pcap  edge cases (VLAN, IPv4 fragments and options, IPv6 extension headers,
#                  ARP/RARP, SCTP, a truncated frame) as Ethernet, SLL and SLL2
#   null.pcap loop.pcap raw.pcap ipv4.pcap ipv6.pcap
#                  the IP frames of lo.pcap+crafted.pcap re-encapsulated as DLT_NULL (0),
#                  DLT_LOOP (108), LINKTYPE_RAW (101), LINKTYPE_IPV4 (228), LINKTYPE_IPV6 (229)
#   oracle.tsv     for every capture and every line of expressions.txt, the frame
#                  numbers tcpdump selects (or ERROR and tcpdump's message)
#   bpf/*.txt      `tcpdump -d` listings for a few expressions, for reference only
set -eu
cd "$(dirname "$0")"
tmp=$(mktemp -d)
p1= p2= p3=
trap 'for p in $p1 $p2 $p3; do kill -INT $p 2>/dev/null || true; done; rm -rf "$tmp"' EXIT

if [ "${1:-}" != oracle ]; then
tcpdump -i lo -s 256 -U -w "$tmp/lo.pcap" 2>"$tmp/lo.err" & p1=$!
tcpdump -i any -y LINUX_SLL -s 256 -U -w "$tmp/sll.pcap" 2>"$tmp/sll.err" & p2=$!
tcpdump -i any -y LINUX_SLL2 -s 256 -U -w "$tmp/sll2.pcap" 2>"$tmp/sll2.err" & p3=$!
for f in lo sll sll2; do
	i=0
	until grep -q listening "$tmp/$f.err" 2>/dev/null; do
		i=$((i + 1)); [ $i -lt 50 ] || { cat "$tmp/$f.err"; exit 1; }
		sleep 0.1
	done
done
python3 gen_traffic.py
sleep 1
kill -INT $p1 $p2 $p3
wait $p1 $p2 $p3 || true
p1= p2= p3=

# Other people's loopback traffic (e.g. an RTMP server under test) is trimmed to
# a few frames by pcaptool.py trim, which looks only at addresses and ports.
python3 pcaptool.py trim "$tmp/lo.pcap" lo.pcap
python3 pcaptool.py keeplo "$tmp/sll.pcap" "$tmp/sll.lo.pcap"
python3 pcaptool.py trim "$tmp/sll.lo.pcap" any_sll.pcap
python3 pcaptool.py keeplo "$tmp/sll2.pcap" "$tmp/sll2.lo.pcap"
python3 pcaptool.py trim "$tmp/sll2.lo.pcap" any_sll2.pcap
python3 pcaptool.py craft crafted.pcap 1
python3 pcaptool.py craft crafted_sll.pcap 113
python3 pcaptool.py craft crafted_sll2.pcap 276
python3 pcaptool.py convert null.pcap 0 lo.pcap crafted.pcap
python3 pcaptool.py convert loop.pcap 108 lo.pcap crafted.pcap
python3 pcaptool.py convert raw.pcap 101 lo.pcap crafted.pcap
python3 pcaptool.py convert ipv4.pcap 228 lo.pcap crafted.pcap
python3 pcaptool.py convert ipv6.pcap 229 lo.pcap crafted.pcap
fi

python3 pcaptool.py oracle expressions.txt lo.pcap any_sll.pcap any_sll2.pcap \
	crafted.pcap crafted_sll.pcap crafted_sll2.pcap \
	null.pcap loop.pcap raw.pcap ipv4.pcap ipv6.pcap >oracle.tsv

mkdir -p bpf
for e in 'port 1935' 'tcp' 'host 10.0.0.1' 'net 2001:db8::/32' 'portrange 1935-1940' 'ip6 and tcp'; do
	n=$(printf %s "$e" | tr -c 'A-Za-z0-9.-' _)
	for f in crafted.pcap null.pcap raw.pcap any_sll2.pcap; do
		printf '# tcpdump -r %s -d %s\n' "$f" "$e"
		tcpdump -r "$f" -d "$e" 2>/dev/null
	done >"bpf/$n.txt"
done
