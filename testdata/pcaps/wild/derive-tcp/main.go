// Command derive-tcp derives the damaged-TCP captures of issue #14 item 1
// from a real capture (Ethernet, IPv4 without options, as publish.pcap):
//
//	go run ./testdata/pcaps/wild/derive-tcp -case CASE IN.pcap OUT.pcap
//
//	rst        the RST bit set on one data segment in the middle of the
//	           connection (its sender goes on in sequence)
//	seq        one segment's sequence number with bit 30 flipped (1 GiB
//	           ahead), another's moved 256 MiB before the stream's start
//	conflict   one data segment sent again right after itself with its
//	           last byte changed
//	strayport  one data segment's source port with bit 14 flipped (a lone
//	           segment of a flow that does not exist)
//
// The TCP checksum is left as it is: loopback and offloading NICs write
// unverifiable checksums, so nothing that reads captures can rely on it.
package main

import (
	"encoding/binary"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/pcapgo"
)

type pkt struct {
	ci   gopacket.CaptureInfo
	data []byte
}

// tcpAt returns the TCP header offset and payload length of an
// Ethernet/IPv4/TCP frame, or -1.
func tcpAt(d []byte) (int, int) {
	if len(d) < 54 || d[12] != 0x08 || d[13] != 0x00 || d[23] != 6 {
		return -1, 0
	}
	ihl := int(d[14]&0x0f) * 4
	tot := int(binary.BigEndian.Uint16(d[16:]))
	t := 14 + ihl
	if len(d) < t+20 {
		return -1, 0
	}
	return t, tot - ihl - int(d[t+12]>>4)*4
}

func main() {
	which := flag.String("case", "", "rst, seq, conflict or strayport")
	flag.Parse()
	if flag.NArg() != 2 {
		fmt.Fprintln(os.Stderr, "usage: derive-tcp -case CASE IN.pcap OUT.pcap")
		os.Exit(2)
	}
	in, err := os.Open(flag.Arg(0))
	check(err)
	r, err := pcapgo.NewReader(in)
	check(err)
	var pkts []pkt
	var data []int // indexes of segments with payload
	for {
		d, ci, err := r.ReadPacketData()
		if err == io.EOF {
			break
		}
		check(err)
		if t, n := tcpAt(d); t >= 0 && n > 0 {
			data = append(data, len(pkts))
		}
		pkts = append(pkts, pkt{ci, append([]byte(nil), d...)})
	}
	if len(data) < 10 {
		check(fmt.Errorf("%s: too few data segments", flag.Arg(0)))
	}
	mid := data[len(data)/2]
	switch *which {
	case "rst":
		t, _ := tcpAt(pkts[mid].data)
		pkts[mid].data[t+13] |= 0x04
	case "seq":
		for i, at := range []int{data[len(data)/3], data[2*len(data)/3]} {
			t, _ := tcpAt(pkts[at].data)
			seq := binary.BigEndian.Uint32(pkts[at].data[t+4:])
			if i == 0 {
				seq ^= 1 << 30
			} else {
				seq -= 1 << 28
			}
			binary.BigEndian.PutUint32(pkts[at].data[t+4:], seq)
		}
	case "conflict":
		dup := pkt{pkts[mid].ci, append([]byte(nil), pkts[mid].data...)}
		dup.data[len(dup.data)-1] ^= 0xff
		pkts = append(pkts[:mid+1], append([]pkt{dup}, pkts[mid+1:]...)...)
	case "strayport":
		t, _ := tcpAt(pkts[mid].data)
		pkts[mid].data[t] ^= 0x40
	default:
		check(fmt.Errorf("unknown case %q", *which))
	}
	out, err := os.Create(flag.Arg(1))
	check(err)
	w := pcapgo.NewWriter(out)
	check(w.WriteFileHeader(262144, r.LinkType()))
	for _, p := range pkts {
		check(w.WritePacket(p.ci, p.data))
	}
	check(out.Close())
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "derive-tcp:", err)
		os.Exit(1)
	}
}
