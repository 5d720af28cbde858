package event

import (
	"net/netip"
	"testing"
)

// The vectors are the Community ID specification's published ones: its
// baseline (baseline/baseline_deflt.json, computed from its pcaps) and the
// examples of its README and of Zeek's reference implementation's tests
// (seed 0 and seed 1). Each is checked in both directions.
func TestCommunityIDVectors(t *testing.T) {
	for _, tc := range []struct {
		seed      uint16
		proto     uint8
		src, dst  string
		want      string
		transport Transport
		viaPublic bool // also through CommunityID (seed 0, TCP or UDP)
	}{
		{0, 6, "1.2.3.4:1122", "5.6.7.8:3344", "1:wCb3OG7yAFWelaUydu0D+125CLM=", TransportTCP, true},
		{0, 17, "1.2.3.4:1122", "5.6.7.8:3344", "1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg=", TransportUDP, true},
		{1, 6, "1.2.3.4:1122", "5.6.7.8:3344", "1:HhA1B+6CoLbiKPEs5nhNYN4XWfk=", TransportTCP, false},
		{1, 17, "1.2.3.4:1122", "5.6.7.8:3344", "1:OShq+iKDAMVouh/4bMxB9Sz4amw=", TransportUDP, false},
		{0, 6, "128.232.110.120:34855", "66.35.250.204:80", "1:LQU9qZlK+B5F3KDmev6m5PMibrg=", TransportTCP, true},
		{0, 17, "192.168.1.52:54585", "8.8.8.8:53", "1:d/FP5EW3wiY1vCndhwleRRKHowQ=", TransportUDP, true},
		{0, 6, "[2001:470:e5bf:dead:4957:2174:e82c:4887]:63943", "[2607:f8b0:400c:c03::1a]:25", "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=", TransportTCP, true},
		// ICMPv6 carries type and code where ports go; the hash input is the
		// same shape, so these check the IPv6 byte order (and 58 as proto).
		{0, 58, "[3ffe:507:0:1:200:86ff:fe05:80da]:128", "[3ffe:501:0:1001::2]:129", "1:+TW+HtLHvV1xnGhV1lv7XoJrqQg=", 0, false},
		{0, 132, "192.168.170.8:7", "192.168.170.56:7", "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs=", 0, false},
	} {
		a, b := netip.MustParseAddrPort(tc.src), netip.MustParseAddrPort(tc.dst)
		if got := communityID(tc.seed, tc.proto, a, b); got != tc.want {
			t.Errorf("communityID(%d, %d, %s, %s) = %s, want %s", tc.seed, tc.proto, a, b, got, tc.want)
		}
		if got := communityID(tc.seed, tc.proto, b, a); got != tc.want {
			t.Errorf("communityID(%d, %d, %s, %s) reversed = %s, want %s", tc.seed, tc.proto, b, a, got, tc.want)
		}
		if tc.viaPublic {
			if got := CommunityID(tc.transport, a, b); got != tc.want {
				t.Errorf("CommunityID(%s, %s, %s) = %s, want %s", tc.transport, a, b, got, tc.want)
			}
		}
	}
	// IPv4-mapped IPv6 addresses hash as IPv4 (a dual-stack socket's view).
	m := netip.AddrPortFrom(netip.MustParseAddr("::ffff:1.2.3.4"), 1122)
	if got := CommunityID(TransportTCP, m, netip.MustParseAddrPort("5.6.7.8:3344")); got != "1:wCb3OG7yAFWelaUydu0D+125CLM=" {
		t.Errorf("mapped address: %s", got)
	}
	if got := CommunityID(TransportTCP, netip.AddrPort{}, m); got != "" {
		t.Errorf("invalid endpoint gave %q, want empty", got)
	}
}
