package dissect

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/rtmpscope/rtmpscope/event"
	"github.com/rtmpscope/rtmpscope/flow"
)

// With KeepChunkHeaders each event.ChunkInfo carries its header bytes exactly as
// sent, also when a header arrives split across deliveries (one byte at a
// time here). The bytes are built from the specification's header layout.
func TestKeepChunkHeaders(t *testing.T) {
	first := chunkHdr(0, 70, 0x1000000, 300, event.TypeVideo, 1) // 2-byte csid, extended timestamp
	w := chunked(first, 70, body(300, 7), 128, true, 0x1000000)
	for _, split := range []bool{false, true} {
		s := newSession(t, Options{KeepChunkHeaders: true})
		if split {
			for i := range w {
				s.send(0, w[i:i+1])
			}
		} else {
			s.send(0, w)
		}
		ms := s.close().messages()
		if len(ms) != 1 || len(ms[0].Chunks) != 3 {
			t.Fatalf("split %v: %d messages", split, len(ms))
		}
		cont := append(basicHeader(3, 70), 0x01, 0, 0, 0)
		for i, want := range [][]byte{first, cont, cont} {
			if got := ms[0].Chunks[i].Header; !bytes.Equal(got, want) {
				t.Errorf("split %v chunk %d header % x, want % x", split, i, got, want)
			}
		}
	}
	s := newSession(t, Options{})
	s.send(0, w)
	if h := s.close().messages()[0].Chunks[0].Header; h != nil {
		t.Errorf("header kept without the option: % x", h)
	}
}

// streamKeeper keeps every byte of both directions so headers can be
// checked against the stream at their offsets.
type streamKeeper struct {
	*Conn
	streams *[2][]byte
}

func (k streamKeeper) Data(dir event.Dir, off int64, data []byte, refs []event.FrameRef) {
	if int64(len(k.streams[dir])) == off {
		k.streams[dir] = append(k.streams[dir], data...)
	}
	k.Conn.Data(dir, off, data, refs)
}

// On a real capture every kept header equals the stream's bytes at the
// chunk's offset.
func TestKeepChunkHeadersCapture(t *testing.T) {
	path := filepath.Join(pcapDir, "publish.pcap")
	if _, err := os.Stat(path); err != nil {
		t.Skip(err)
	}
	col := &collector{}
	streams := map[event.ConnID]*[2][]byte{}
	p := Protocol(Options{})
	p.Stream = func(ctx *flow.Context) flow.StreamHandler {
		s := &[2][]byte{}
		streams[ctx.ID()] = s
		return streamKeeper{NewConn(ctx, Options{KeepChunkHeaders: true}), s}
	}
	if _, err := flow.ProcessFile(path, col, []flow.Protocol{p}, flow.RunOptions{}); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range col.events {
		if e.Kind != event.KindMessage {
			continue
		}
		st := streams[e.ConnID][e.Message.Dir]
		for _, c := range e.Message.Chunks {
			end := c.Offset + int64(c.HeaderLen)
			if end > int64(len(st)) || !bytes.Equal(c.Header, st[c.Offset:end]) {
				t.Fatalf("chunk at %d: header % x does not match the stream", c.Offset, c.Header)
			}
			n++
		}
	}
	if n == 0 {
		t.Fatal("no chunks checked")
	}
}

// SkipChunkList leaves every message's chunk list empty and changes
// nothing else: the same messages, bodies, chunk counts and diagnostics as
// with the list, on a real capture of several connections.
func TestSkipChunkList(t *testing.T) {
	run := func(o Options) []event.Event {
		col := &collector{}
		p := Protocol(o)
		if _, err := flow.ProcessFile(filepath.Join(pcapDir, "multi.pcap"), col, []flow.Protocol{p}, flow.RunOptions{}); err != nil {
			t.Fatal(err)
		}
		return col.events
	}
	with, without := run(Options{}), run(Options{SkipChunkList: true})
	if len(with) != len(without) {
		t.Fatalf("%d events with the chunk list, %d without", len(with), len(without))
	}
	listed := 0
	for i := range with {
		a, b := with[i], without[i]
		if a.Kind != b.Kind {
			t.Fatalf("event %d: kind %v, then %v", i, a.Kind, b.Kind)
		}
		if a.Message == nil {
			continue
		}
		if len(b.Message.Chunks) != 0 {
			t.Fatalf("event %d: %d chunks listed with SkipChunkList", i, len(b.Message.Chunks))
		}
		listed += len(a.Message.Chunks)
		ma, mb := *a.Message, *b.Message
		ma.Chunks = nil
		if !reflect.DeepEqual(ma, mb) {
			t.Fatalf("event %d: message differs besides its chunk list:\n%+v\n%+v", i, ma, mb)
		}
	}
	if listed < 100 {
		t.Fatalf("only %d chunks listed without the option", listed)
	}
}
