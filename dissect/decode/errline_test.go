package decode_test

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rtmpscope/rtmpscope/dissect/amf"
	"github.com/rtmpscope/rtmpscope/dissect/decode"
	"github.com/rtmpscope/rtmpscope/event"
	"github.com/rtmpscope/rtmpscope/internal/capturetest"
	"github.com/rtmpscope/rtmpscope/internal/pcapsplice"
	"github.com/rtmpscope/rtmpscope/pipeline"
)

// TestBodyErrorOnTheLine (#14 item 6): publish.pcap (a real ffmpeg publish
// through nginx) with three broken bodies spliced in after its publish
// command: an AMF3 data message cut inside its object, an AMF3 command cut
// inside its argument, and an aggregate whose second record claims more
// bytes than the message holds. Before, their one-line summaries read like
// good messages ("onBroken3 {title: ...}", "Aggregate of 2"); now each
// says its body did not decode, and where, as commands already did.
func TestBodyErrorOnTheLine(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(capturetest.Pcaps(), "publish.pcap"))
	if err != nil {
		t.Skip(err)
	}
	c, err := pcapsplice.Read(b)
	if err != nil {
		t.Fatal(err)
	}
	at := c.Find(0, []byte("\x02\x00\x07publish"))
	if at < 0 {
		t.Fatal("no publish")
	}
	obj := amf.In3(amf.Object(amf.P("title", amf.String("a title long enough to cut")), amf.P("n", amf.Number(3))))
	data3, _ := amf.Encode0(amf.String("onBroken3"), obj)
	data3 = append([]byte{0}, data3[:len(data3)-12]...)
	cmd3, _ := amf.Encode0(amf.String("onBrokenCall"), amf.Number(0), amf.Null(), amf.In3(amf.String("an argument cut short")))
	cmd3 = append([]byte{0}, cmd3[:len(cmd3)-6]...)
	meta, _ := amf.Encode0(amf.String("onMetaData"), amf.ECMAArray(amf.P("width", amf.Number(320))))
	var agg []byte
	agg = append(agg, 18, 0, 0, byte(len(meta)), 0, 0, 0, 0, 0, 0, 0)
	agg = append(agg, meta...)
	agg = binary.BigEndian.AppendUint32(agg, uint32(11+len(meta)))
	agg = append(agg, 9, 0, 0x40, 0, 0, 0, 0, 0, 0, 0, 0, 0x17, 0) // claims 16384 bytes
	ins := pcapsplice.SetChunkSize(1 << 16)
	ins = append(ins, pcapsplice.Message(10, 15, 1, 0, data3)...)
	ins = append(ins, pcapsplice.Message(10, 17, 1, 0, cmd3)...)
	ins = append(ins, pcapsplice.Message(10, 22, 1, 0, agg)...)
	ins = append(ins, pcapsplice.SetChunkSize(4096)...)
	if err := c.InsertAfter(at, ins); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "broken.pcap")
	if err := os.WriteFile(path, c.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	seen := map[event.MsgType]string{}
	for _, r := range capturetest.Records(t, path, pipeline.Config{}) {
		if r.Kind == event.KindMessage && r.Message.CSID == 10 {
			seen[r.Message.TypeID] = decode.Summary(r.Message, r.Body)
		}
	}
	for _, typ := range []event.MsgType{event.TypeDataAMF3, event.TypeCommandAMF3, event.TypeAggregate} {
		s, ok := seen[typ]
		if !ok {
			t.Errorf("no %s message", typ.Name())
			continue
		}
		if !strings.Contains(s, "[error: ") || !strings.Contains(s, "offset") {
			t.Errorf("%s: summary %q does not say its body failed to decode", typ.Name(), s)
		}
	}
}
