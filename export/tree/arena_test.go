package tree

import (
	"bytes"
	"encoding/binary"
	"math"
	"testing"

	"github.com/rtmpscope/rtmpscope/dissect/decode"
	"github.com/rtmpscope/rtmpscope/dissect/session"
	"github.com/rtmpscope/rtmpscope/event"
)

// TestArenaBuildsTheSameTree builds every event of every committed capture
// with one Arena, reused event after event as the -V sink does, and checks
// each tree equals Build's (every field of every node) and writes the
// same text.
func TestArenaBuildsTheSameTree(t *testing.T) {
	var a, untitled Arena
	untitled.NoSummary = true
	for _, name := range captures {
		t.Run(name, func(t *testing.T) {
			recs := records(t, name)
			for i := range recs {
				r := &recs[i]
				want := Build(r)
				got := a.Build(r)
				if diff := firstDiff(got, want, ""); diff != "" {
					t.Fatalf("event %d (%s): %s", i, r.Kind, diff)
				}
				// NoSummary leaves out a message's summary and nothing else.
				u := untitled.Build(r)
				if r.Kind == event.KindMessage {
					if u.Value != "" {
						t.Fatalf("event %d: NoSummary root value %q", i, u.Value)
					}
					u.Value = want.Value
				}
				if diff := firstDiff(u, want, ""); diff != "" {
					t.Fatalf("event %d (%s), NoSummary: %s", i, r.Kind, diff)
				}
				var wt, gt bytes.Buffer
				opts := WriteOptions{Width: -1, MaxChildren: -1, Bytes: true}
				if err := Write(&wt, want, opts); err != nil {
					t.Fatal(err)
				}
				if err := Write(&gt, got, opts); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(gt.Bytes(), wt.Bytes()) {
					t.Fatalf("event %d: arena tree writes\n%s\nwant\n%s", i, gt.Bytes(), wt.Bytes())
				}
			}
		})
	}
}

// firstDiff describes the first difference between two trees, or "".
func firstDiff(got, want *Node, path string) string {
	path += "/" + want.Label
	if got.Label != want.Label || got.Value != want.Value || got.Space != want.Space || got.Off != want.Off ||
		got.Len != want.Len || got.Expanded != want.Expanded || got.Severity != want.Severity {
		return path + ": got " + nodeText(got) + ", want " + nodeText(want)
	}
	if len(got.Children) != len(want.Children) {
		return path + ": children differ in number"
	}
	for i := range want.Children {
		if d := firstDiff(got.Children[i], want.Children[i], path); d != "" {
			return d
		}
	}
	return ""
}

func nodeText(n *Node) string {
	var b bytes.Buffer
	_ = Write(&b, &Node{Label: n.Label, Value: n.Value, Space: n.Space, Off: n.Off, Len: n.Len, Severity: n.Severity},
		WriteOptions{Width: -1, Bytes: true})
	return b.String()
}

// TestArenaReusesItsMemory checks the point of the Arena: once its slabs
// have grown to an event's size, building the tree of a common message
// again, without the summary as the -V sink does, allocates nothing.
func TestArenaReusesItsMemory(t *testing.T) {
	kinds := map[string]func(r *session.Record) bool{
		"audio frame": func(r *session.Record) bool { return r.Body.Audio != nil && r.Body.Audio.AAC == nil },
		"video frame": func(r *session.Record) bool {
			return r.Body.Video != nil && !r.Body.Video.IsSequenceHeader()
		},
		"control":      func(r *session.Record) bool { return r.Message.Control != nil },
		"user control": func(r *session.Record) bool { return r.Message.UserControl != nil },
	}
	recs := records(t, "play.pcap")
	var a Arena
	a.NoSummary = true
	for name, pick := range kinds {
		t.Run(name, func(t *testing.T) {
			for i := range recs {
				r := &recs[i]
				if r.Kind != event.KindMessage || !pick(r) {
					continue
				}
				a.Build(r)
				if n := testing.AllocsPerRun(10, func() { a.Build(r) }); n != 0 {
					t.Errorf("%v allocations with an arena (%v without)", n, testing.AllocsPerRun(10, func() { Build(r) }))
				}
				return
			}
			t.Fatal("no such message")
		})
	}
}

// TestConnIDText: the tree writes connection ids itself, as ConnID.String
// does.
func TestConnIDText(t *testing.T) {
	var a Arena
	for _, id := range []event.ConnID{0, 1, 9, 10, 99, 100, 12345, 1<<64 - 1} {
		if got, want := a.connID(id), id.String(); got != want {
			t.Errorf("connID(%d) = %q, want %q", uint64(id), got, want)
		}
	}
}

// TestClean checks the word-at-a-time test of OneLine against the byte
// loop it replaces, for every byte value at every position of a word
// and in the tail, among bytes of either kind.
func TestClean(t *testing.T) {
	slow := func(s string) bool {
		for i := 0; i < len(s); i++ {
			if c := s[i]; c < 0x20 || c == 0x7f || c == 0xc2 {
				return false
			}
		}
		return true
	}
	for _, fill := range []byte{'a', 0x80, 0xff, 0x20, 0x7e, 0xc3, 0x1f} {
		for n := 0; n <= 19; n++ {
			for pos := 0; pos < n; pos++ {
				for c := 0; c < 256; c++ {
					b := bytes.Repeat([]byte{fill}, n)
					b[pos] = byte(c)
					if got, want := clean(string(b)), slow(string(b)); got != want {
						t.Fatalf("clean(%q) = %v, want %v", b, got, want)
					}
				}
			}
		}
	}
}

// TestArenaBigTree builds a tree bigger than every slab the Arena keeps
// (an AMF0 strict array of 20000 numbers, bytes built by hand after the
// AMF0 specification: no capture here has one), between small ones, and
// checks each equals Build's: slabs grow, are dropped, and start small
// again without a tree overwriting the one being built.
func TestArenaBigTree(t *testing.T) {
	const n = 20000
	body := []byte{0x02, 0, 3, 'o', 'n', 'X', 0x0a, 0, 0, n >> 8, n & 0xff}
	for i := range n {
		body = append(body, 0x00)
		body = binary.BigEndian.AppendUint64(body, math.Float64bits(float64(i)))
	}
	big := message(event.MsgType(18), body)
	small := message(event.MsgType(18), []byte{0x02, 0, 3, 'o', 'n', 'Y', 0x05})
	var a Arena
	for i, r := range []*session.Record{small, big, small, big, small} {
		want := Build(r)
		if diff := firstDiff(a.Build(r), want, ""); diff != "" {
			t.Fatalf("tree %d: %s", i, diff)
		}
	}
	most := 0
	a.Build(big).Walk(func(node *Node, _ int) bool {
		most = max(most, len(node.Children))
		return true
	})
	if most != n {
		t.Fatalf("the biggest node has %d children, want the array's %d", most, n)
	}
}

// message is the record of one message with the given body, as the
// session layer would make it.
func message(typ event.MsgType, body []byte) *session.Record {
	m := &event.Message{
		TypeID: typ, Length: uint32(len(body)), Body: body, Offset: 100, ChunkCount: 1,
		Chunks: []event.ChunkInfo{{Offset: 100, HeaderLen: 12, PayloadLen: len(body)}},
	}
	return &session.Record{Event: event.Event{Kind: event.KindMessage, Message: m}, Body: decode.Message(m)}
}
