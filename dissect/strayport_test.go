package dissect_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/gopacket/gopacket/pcapgo"

	"github.com/rtmpscope/rtmpscope/capture"
	"github.com/rtmpscope/rtmpscope/event"
	"github.com/rtmpscope/rtmpscope/internal/capturetest"
	"github.com/rtmpscope/rtmpscope/pipeline"
)

// TestStrayPortSegmentIsNotRTMP (issue #14 item 1): one data segment of
// the real publish capture gets its client port changed (a flipped bit),
// so it forms a flow of its own with server port 1935 and one packet. It
// must be counted as an "other" flow, not become an RTMP connection with
// a mid-stream diagnosis; the real connection is unchanged.
func TestStrayPortSegmentIsNotRTMP(t *testing.T) {
	src, err := capture.OpenFile(filepath.Join(capturetest.Pcaps(), "publish.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	path := filepath.Join(t.TempDir(), "stray.pcap")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := pcapgo.NewWriter(f)
	if err := w.WriteFileHeader(262144, src.LinkType()); err != nil {
		t.Fatal(err)
	}
	var dec capture.Decoder
	var seg capture.Segment
	n, flipped := 0, 0
	for {
		p, err := src.Next()
		if err != nil {
			break
		}
		data := append([]byte(nil), p.Data...)
		n++
		if dec.Decode(p, &seg) == capture.OutcomeTCP && len(seg.TCP.Payload) > 1000 && seg.Dst.Port() == 1935 && n > 200 && flipped == 0 {
			// Ethernet + IPv4 without options: the TCP source port.
			data[14+20] ^= 0x40
			flipped = n
		}
		if err := w.WritePacket(p.Info, data); err != nil {
			t.Fatal(err)
		}
	}
	f.Close()
	if flipped == 0 {
		t.Fatal("no segment to flip")
	}
	var rtmp, other int
	for _, ev := range capturetest.Events(t, path, pipeline.Config{}) {
		if ev.Kind != event.KindConn || !ev.Conn.Closed {
			continue
		}
		if ev.Conn.Info.Variant == event.VariantOther {
			other++
		} else {
			rtmp++
		}
	}
	if rtmp != 1 || other != 1 {
		t.Fatalf("%d RTMP and %d other flows, want 1 and 1 (the stray segment of frame %d)", rtmp, other, flipped)
	}
}
