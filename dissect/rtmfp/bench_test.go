package rtmfp

import (
	"testing"

	"github.com/rtmpscope/rtmpscope/event"
)

// BenchmarkHandler decrypts, verifies and decodes every datagram of the
// real publish capture (HMAC + session sequence numbers), reassembles its
// flows and emits its messages: MB/s of UDP payload.
func BenchmarkHandler(b *testing.B) {
	for _, name := range []string{"rtmfp-publish", "rtmfp-checksum"} {
		b.Run(name, func(b *testing.B) {
			f := udpFlows(readUDP(b, name+".pcap"))[0]
			keys := loadKeys(b, name+".keys")
			var n int64
			for _, p := range f.Packets {
				n += int64(len(p.Payload))
			}
			dirs := make([]event.Dir, len(f.Packets))
			for i, p := range f.Packets {
				if p.Src != f.Client {
					dirs[i] = event.S2C
				}
			}
			b.SetBytes(n)
			b.ReportAllocs()
			for b.Loop() {
				h := newHandler(discard{}, Options{Keys: keys})
				for i, p := range f.Packets {
					h.Datagram(dirs[i], p.Payload, event.FrameRef{Frame: p.Frame, Time: p.Time})
				}
				h.Close(&event.ConnEvent{})
			}
		})
	}
}

// BenchmarkOpen is the packet layer alone: AES-CBC, HMAC and the header.
func BenchmarkOpen(b *testing.B) {
	f := udpFlows(readUDP(b, "rtmfp-publish.pcap"))[0]
	kl := loadKeys(b, "rtmfp-publish.keys").all()
	// The publisher's line: its encrypt key protects client->server.
	var c *Cipher
	var pkts [][]byte
	for _, l := range kl {
		cc, _ := NewCipher(l.Encrypt, l.SendHMAC)
		for _, p := range f.Packets[4:] {
			if p.Src == f.Client {
				if _, err := cc.Open(p.Payload, Integrity{HMACLen: 16, SSeq: true}); err == nil {
					c = cc
					pkts = append(pkts, p.Payload)
				}
			}
		}
		if c != nil {
			break
		}
	}
	if c == nil {
		b.Fatal("no key verifies the client's packets")
	}
	var n int64
	for _, p := range pkts {
		n += int64(len(p))
	}
	b.SetBytes(n)
	b.ReportAllocs()
	for b.Loop() {
		for _, p := range pkts {
			if _, err := c.Open(p, Integrity{HMACLen: 16, SSeq: true}); err != nil {
				b.Fatal(err)
			}
		}
	}
}

type discard struct{}

func (discard) Emit(event.Event) {}
