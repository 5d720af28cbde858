package tree

import (
	"io"
	"testing"

	"github.com/rtmpscope/rtmpscope/dissect/decode"
	"github.com/rtmpscope/rtmpscope/dissect/session"
	"github.com/rtmpscope/rtmpscope/event"
)

// FuzzBuild decodes random bodies as every message type, as the session
// layer does, and checks Build never panics (the recover in Build would
// hide a panic, so the fuzz target calls build directly), every range it
// returns lies inside the message, Write renders it, and an Arena builds
// the same tree.
func FuzzBuild(f *testing.F) {
	seen := map[uint8]int{}
	for _, r := range records(f, "publish.pcap") {
		if r.Kind == event.KindMessage && seen[uint8(r.Message.TypeID)] < 3 {
			seen[uint8(r.Message.TypeID)]++
			f.Add(uint8(r.Message.TypeID), r.Message.Body)
		}
	}
	f.Add(uint8(22), []byte{9, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0x17, 0, 0, 0, 0, 0, 0, 0, 16})
	f.Add(uint8(17), []byte{0, 0x11, 0x0a, 0x0b, 0x01, 0x03, 0x61, 0x04, 0x05, 0x01})
	var arena Arena // reused as the -V sink reuses it
	f.Fuzz(func(t *testing.T, typ uint8, body []byte) {
		m := &event.Message{
			TypeID: event.MsgType(typ), Length: uint32(len(body)), Body: body,
			Offset: 100, ChunkCount: 1,
			Chunks: []event.ChunkInfo{{Offset: 100, HeaderLen: 12, PayloadLen: len(body)}},
		}
		ev := event.Event{Kind: event.KindMessage, Message: m}
		r := session.Record{Event: ev, Body: decode.Message(m)}
		root := build(&r)
		lo, hi := wireExtent(m)
		root.Walk(func(n *Node, _ int) bool {
			switch n.Space {
			case Body:
				if n.Off < 0 || n.Len < 0 || n.Off+n.Len > int64(len(body)) {
					t.Fatalf("node %q: body range %d+%d outside %d", n.Label, n.Off, n.Len, len(body))
				}
			case Wire:
				if n.Off < lo || n.Off+n.Len > hi {
					t.Fatalf("node %q: wire range %d+%d outside [%d,%d)", n.Label, n.Off, n.Len, lo, hi)
				}
			}
			return true
		})
		if err := Write(io.Discard, root, WriteOptions{Bytes: true, Color: true}); err != nil {
			t.Fatal(err)
		}
		arena.reset()
		if diff := firstDiff(arena.build(&r), root, ""); diff != "" {
			t.Fatalf("the arena's tree differs: %s", diff)
		}
	})
}
