package hexview

import (
	"strings"
	"testing"

	"github.com/rtmpscope/rtmpscope/event"
	"github.com/rtmpscope/rtmpscope/export/tree"
	"github.com/rtmpscope/rtmpscope/tui/theme"
)

// bigMessage is a 4 MiB video message in 4096-byte chunks, bigger than any
// keyframe in the captures, to bound the cost of laying out and drawing.
func bigMessage() *event.Message {
	const size, chunk = 4 << 20, 4096
	m := &event.Message{TypeID: 9, CSID: 6, Length: size, Body: make([]byte, size)}
	var off int64 = 1 << 20
	for p := 0; p < size; p += chunk {
		hl := 1
		if p == 0 {
			hl = 12
		}
		m.Chunks = append(m.Chunks, event.ChunkInfo{Offset: off, HeaderLen: hl, PayloadLen: chunk, Fmt: 3, CSID: 6, Header: make([]byte, hl)})
		off += int64(hl + chunk)
	}
	m.ChunkCount = len(m.Chunks)
	return m
}

func BenchmarkSetMessage(b *testing.B) {
	msg := bigMessage()
	m := New()
	m.SetSize(100, 40)
	b.ReportAllocs()
	for b.Loop() {
		m.SetMessage(msg, msg.Body, nil)
	}
}

func BenchmarkHighlightAndView(b *testing.B) {
	msg := bigMessage()
	m := New()
	m.SetSize(100, 40)
	m.SetMessage(msg, msg.Body, nil)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		m.Highlight(tree.Body, int64(i*7919)%int64(len(msg.Body)), 64)
		_ = m.View()
	}
}

// NO_COLOR: the highlight and header bytes stay distinguishable with
// attributes alone (reverse video, faint).
func TestNoColorHighlight(t *testing.T) {
	msg := twoChunkVideo(t)
	m := newPane(theme.NoColor(), 80, 24, msg)
	m.Highlight(tree.Body, 0, 4)
	v := m.View()
	if !strings.Contains(v, "\x1b[7m") {
		t.Errorf("no reverse video for the highlight:\n%q", v)
	}
	if strings.Contains(v, "38;") || strings.Contains(v, "48;") {
		t.Errorf("NO_COLOR view carries colours")
	}
}
