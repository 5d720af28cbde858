package tree

import (
	"encoding/binary"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/rtmpscope/rtmpscope/dissect/session"
	"github.com/rtmpscope/rtmpscope/event"
	"github.com/rtmpscope/rtmpscope/internal/capturetest"
	"github.com/rtmpscope/rtmpscope/pipeline"
)

// TestRangesInsideMessage checks the contract the TUI's hex highlight
// relies on: every Body range of every node of every message of every
// committed capture lies inside the body, and every Wire range inside the
// message's chunks. It runs build (no sanitising), so a builder that
// computes a wrong offset fails here instead of being silently dropped.
func TestRangesInsideMessage(t *testing.T) {
	for _, name := range captures {
		t.Run(name, func(t *testing.T) {
			var msgs, nodes, ranged int
			for _, r := range records(t, name) {
				root := build(&r)
				if r.Kind != event.KindMessage {
					continue
				}
				msgs++
				m := r.Message
				lo, hi := wireExtent(m)
				root.Walk(func(n *Node, _ int) bool {
					nodes++
					var bad string
					switch n.Space {
					case Body:
						ranged++
						if n.Off < 0 || n.Len < 0 || n.Off+n.Len > int64(len(m.Body)) {
							bad = fmt.Sprintf("body range %d+%d outside body of %d", n.Off, n.Len, len(m.Body))
						}
					case Wire:
						ranged++
						if n.Off < lo || n.Len < 0 || n.Off+n.Len > hi {
							bad = fmt.Sprintf("wire range %d+%d outside [%d,%d)", n.Off, n.Len, lo, hi)
						}
					}
					if bad != "" {
						t.Errorf("frame %d %s, node %q: %s", m.Frame, m.TypeID.Name(), n.Label, bad)
					}
					return true
				})
			}
			if msgs == 0 {
				t.Fatal("no messages")
			}
			t.Logf("%d messages, %d nodes, %d with ranges", msgs, nodes, ranged)
		})
	}
}

// TestWireRangesAreHeaderBytes: one chunk node per listed chunk, covering
// exactly the header bytes the dissector reported for it (the payload
// bytes between headers belong to the body, not to the chunk node).
func TestWireRangesAreHeaderBytes(t *testing.T) {
	for _, r := range records(t, "publish.pcap") {
		if r.Kind != event.KindMessage {
			continue
		}
		m := r.Message
		root := build(&r)
		var chunkNodes int
		root.Walk(func(n *Node, _ int) bool {
			if n.Space == Wire && strings.HasPrefix(n.Label, "Chunk ") && n.Label != "Chunk stream ID" {
				c := m.Chunks[chunkNodes]
				chunkNodes++
				if n.Off != c.Offset || n.Len != int64(c.HeaderLen) {
					t.Errorf("frame %d: %s covers %d+%d, chunk header is %d+%d", m.Frame, n.Label, n.Off, n.Len, c.Offset, c.HeaderLen)
				}
			}
			return true
		})
		if chunkNodes != len(m.Chunks) {
			t.Errorf("frame %d: %d chunk nodes for %d chunks", m.Frame, chunkNodes, len(m.Chunks))
		}
	}
}

// TestBuildEveryEvent: every record of every capture gets a non-empty tree
// whose nodes all have labels.
func TestBuildEveryEvent(t *testing.T) {
	for _, name := range captures {
		for _, r := range records(t, name) {
			root := Build(&r)
			if root == nil || len(root.Children) == 0 {
				t.Fatalf("%s: %v event: empty tree", name, r.Kind)
			}
			root.Walk(func(n *Node, _ int) bool {
				if n.Label == "" {
					t.Errorf("%s: %v event: node with empty label (value %q)", name, r.Kind, n.Value)
				}
				return true
			})
		}
	}
}

// TestBodyRangesHoldTheirValues reads the bytes under fixed-size numeric
// fields and AMF strings and checks they encode the value the node shows,
// so ranges are not merely inside the body but on the right bytes.
func TestBodyRangesHoldTheirValues(t *testing.T) {
	byteFields := map[string]bool{"AVC packet type": true, "AAC packet type": true, "Version": true,
		"Profile": true, "Level": true, "Limit type": true, "SPS count": false}
	u32Fields := map[string]bool{"Chunk size": true, "Window size": true, "Sequence number": true,
		"Stream ID": true, "Buffer length": true, "Timestamp": true}
	var checked int
	for _, name := range []string{"publish.pcap", "play.pcap", "rtmpdump-play.pcap", "reject.pcap"} {
		// Show secrets: redacted strings would not match their bytes.
		var recs []session.Record
		tr := session.New(session.Options{ShowSecrets: true}, func(r session.Record) { recs = append(recs, r) })
		if _, err := capturetest.Run(filepath.Join(pcapDir, name), tr, pipeline.Config{}); err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			if r.Kind != event.KindMessage {
				continue
			}
			body := r.Message.Body
			build(&r).Walk(func(n *Node, _ int) bool {
				if n.Space != Body {
					return true
				}
				b := body[n.Off : n.Off+n.Len]
				num, _, _ := strings.Cut(n.Value, " ")
				switch {
				case byteFields[n.Label] && n.Len == 1:
					if want := fmt.Sprint(b[0]); num != want {
						t.Errorf("%s frame %d: %s = %q, byte is %s", name, r.Message.Frame, n.Label, n.Value, want)
					}
					checked++
				case u32Fields[n.Label] && n.Len == 4:
					if want := fmt.Sprint(binary.BigEndian.Uint32(b)); num != want {
						t.Errorf("%s frame %d: %s = %q, bytes hold %s", name, r.Message.Frame, n.Label, n.Value, want)
					}
					checked++
				case strings.HasPrefix(n.Value, `"`) && !strings.Contains(n.Value, "(") && len(b) >= 3 && b[0] == 0x02:
					// An AMF0 string value: marker, 16-bit length, bytes.
					if want := strconv.Quote(string(b[3:])); n.Value != want {
						t.Errorf("%s frame %d: %s = %s, bytes hold %s", name, r.Message.Frame, n.Label, n.Value, want)
					}
					checked++
				}
				return true
			})
		}
	}
	if checked < 100 {
		t.Fatalf("only %d fields checked", checked)
	}
	t.Logf("%d fields checked against their bytes", checked)
}
