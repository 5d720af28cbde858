package tree

import (
	"bytes"
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
	var a Arena
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
// again allocates nothing of the tree (what is left is the root's
// summary, which the decoders format).
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
	for name, pick := range kinds {
		t.Run(name, func(t *testing.T) {
			for i := range recs {
				r := &recs[i]
				if r.Kind != event.KindMessage || !pick(r) {
					continue
				}
				a.Build(r)
				heap := testing.AllocsPerRun(10, func() { Build(r) })
				arena := testing.AllocsPerRun(10, func() { a.Build(r) })
				summary := testing.AllocsPerRun(10, func() { summaryOf(r) })
				if arena > summary {
					t.Errorf("%v allocations with an arena, %v of them the summary (%v without the arena)", arena, summary, heap)
				}
				return
			}
			t.Fatal("no such message")
		})
	}
}

func summaryOf(r *session.Record) string { return decode.Summary(r.Message, r.Body) }

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
