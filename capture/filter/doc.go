// Package filter compiles tcpdump (pcap-filter(7)) expressions to classic
// BPF in pure Go — no cgo, no libpcap — for AF_PACKET's SO_ATTACH_FILTER
// (CompileRaw) and for filtering saved captures (Matcher).
//
// # Supported syntax
//
// Primitives, with an optional protocol, direction and type qualifier:
//
//	[ip|arp|rarp] [DIR] host A        IPv4 address A (without "ip", ARP and RARP sender/target addresses count too)
//	[ip6] [DIR] host A6               IPv6 address
//	[ip|arp|rarp] [DIR] net N/LEN     IPv4 network; also "net N mask M" and the
//	                                  short forms "net 10", "net 10.1" (= 10.1.0.0/16)
//	[ip6] [DIR] net N6/LEN            IPv6 network
//	[tcp|udp|sctp] [DIR] port P       TCP, UDP or SCTP port (all three without a qualifier), IPv4 and IPv6
//	[tcp|udp|sctp] [DIR] portrange A-B
//	ip  ip6  arp  rarp  tcp  udp  sctp  icmp  icmp6
//
// DIR is src, dst, "src or dst" (the default) or "src and dst"; a DIR with no
// type ("src 10.0.0.1") means host. Numbers may be decimal, 0x hex or 0-prefixed
// octal, as in libpcap. Primitives combine with and/&&, or/||, not/! and
// parentheses. As in libpcap, "and" and "or" have the SAME precedence and group
// left to right ("tcp or udp and port 53" is "(tcp or udp) and port 53"); not
// binds tightest.
//
// A bare value after and/or/not inherits the qualifiers of the primitive
// before it, as in libpcap: "port 1935 or 8080" is "port 1935 or port 8080",
// "host 10.0.0.1 and not 10.0.0.2" and "port 1935 and (8080 or not 53)" work,
// while "tcp and 80" and a bare "10.0.0.1" are errors (as in tcpdump). A
// parenthesised expression passes on the qualifiers in force before its "(".
//
// An empty expression matches every packet. Errors are *SyntaxError values
// carrying the 1-based column: "filter: column 12: expected port number after "port"".
//
// # Link types
//
// Ethernet (1), Null (0), Loop (108), Raw (101, and DLT_RAW 12), IPv4 (228),
// IPv6 (229), Linux SLL (113) and SLL2 (276), with libpcap's offsets and
// link-layer tests: Null/Loop carry a BSD AF_ value (IPv6 is any of 24, 28,
// 30); Raw looks at the IP version nibble; on IPv4/IPv6 link types "ip"/"ip6"
// are constant. ARP and RARP exist only on Ethernet and SLL/SLL2.
//
// # Semantics shared with libpcap (checked against tcpdump 4.99 / libpcap 1.10)
//
//   - 802.1Q: tcpdump looks inside VLAN tags only when "vlan" is given; neither
//     does this package (which has no "vlan"), so a tagged frame matches no ip,
//     ip6, host, port, ... primitive, only their negations.
//   - IPv4 port tests require a fragment offset of 0 (non-first fragments carry
//     no ports) and find the transport header through the IHL field.
//   - IPv6: tcp/udp/sctp/icmp6 look at the first next-header, or past a single
//     fragment header; port tests look only at the first next-header. No other
//     extension header is skipped (an IPv6 packet with a hop-by-hop header is
//     not "udp" and has no port).
//   - A test that reads past the captured bytes rejects the whole packet.
//
// # Known differences from libpcap
//
//   - Host names, port names (port http), network names and Ethernet addresses
//     are not resolved or supported: write literal addresses and numbers.
//   - Not implemented: vlan, mpls, ether, proto, protochain, gateway, broadcast,
//     multicast, less/greater/len, inbound/outbound, byte-offset and arithmetic
//     expressions (tcp[13] & 2 != 0), igmp/pim/... keywords and the other link
//     types. They are reported as errors.
//   - "host 80" (a bare number as an address, which libpcap reads as 0.0.0.80)
//     is refused; "net 10/8" is refused, as by tcpdump.
//   - There is no libpcap-style optimizer. The program is correct but longer
//     (34 instructions for "port 1935", tcpdump's 24). Because libpcap's
//     optimizer reorders tests, a frame truncated in the middle of the
//     headers can get a different verdict: tcpdump may decide before the
//     load that is out of range here (the tests found 5 such verdicts in
//     75,000).
//   - Null (0): libpcap compares the AF_ value in the byte order of the file
//     it reads; this package does not know it, so it accepts both orders.
//   - An expression that can never match (arp on a Null link) compiles to
//     "ret #0" instead of tcpdump's "expression rejects all packets" error.
package filter
