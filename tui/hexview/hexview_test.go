package hexview

import (
	"fmt"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/rtmpscope/rtmpscope/dissect/session"
	"github.com/rtmpscope/rtmpscope/event"
	"github.com/rtmpscope/rtmpscope/export/tree"
	"github.com/rtmpscope/rtmpscope/tui/theme"
)

// findMessage returns the first message of a capture that satisfies ok.
func findMessage(t *testing.T, capture string, ok func(*event.Message) bool) *event.Message {
	t.Helper()
	for _, m := range messages(loadRecords(t, capture)) {
		if ok(m) {
			return m
		}
	}
	t.Fatalf("%s: no such message", capture)
	return nil
}

// twoChunkVideo is publish.pcap's first video message that spans two chunks
// (ffmpeg sends 4096-byte chunks after echoing nginx's Set Chunk Size 4096).
func twoChunkVideo(t *testing.T) *event.Message {
	return findMessage(t, "publish.pcap", func(m *event.Message) bool {
		return m.TypeID == 9 && len(m.Chunks) == 2
	})
}

func newPane(th theme.Theme, w, h int, msg *event.Message) Model {
	m := New()
	m.SetTheme(th)
	m.SetSize(w, h)
	m.Focus()
	if msg != nil {
		m.SetMessage(msg, msg.Body, nil)
	}
	return m
}

// checkShape asserts the pane contract: exactly h lines of at most w cells.
func checkShape(t testing.TB, view string, w, h int) {
	t.Helper()
	lines := strings.Split(view, "\n")
	if len(lines) != h {
		t.Fatalf("view has %d lines, want %d", len(lines), h)
	}
	for i, l := range lines {
		if lw := lipgloss.Width(l); lw > w {
			t.Fatalf("line %d is %d cells wide, want <= %d: %q", i, lw, w, l)
		}
	}
}

// highlightedWire walks every byte the pane lays out and returns the stream
// offsets of the highlighted ones.
func highlightedWire(m *Model) []int64 {
	var out []int64
	for _, r := range m.rows {
		if r.pos == markerRow {
			continue
		}
		c := &m.chunks[r.chunk]
		for p := int(r.pos); p < rowEnd(c, r, m.bpl); p++ {
			if ce := c.cell(p, m.body); m.highlighted(c, ce) {
				out = append(out, ce.wireOff)
			}
		}
	}
	return out
}

func TestBodyHighlightCrossesChunkBoundary(t *testing.T) {
	msg := twoChunkVideo(t)
	c0, c1 := msg.Chunks[0], msg.Chunks[1]
	if c0.PayloadLen != 4096 {
		t.Fatalf("first chunk carries %d payload bytes, want 4096 (ffmpeg's chunk size in publish.pcap)", c0.PayloadLen)
	}
	m := newPane(theme.Plain(), 80, 24, msg)
	// 6 bytes before the boundary, 14 after.
	m.Highlight(tree.Body, 4090, 20)
	var want []int64
	for b := int64(4090); b < 4096; b++ {
		want = append(want, c0.Offset+int64(c0.HeaderLen)+b)
	}
	for b := int64(0); b < 14; b++ {
		want = append(want, c1.Offset+int64(c1.HeaderLen)+b)
	}
	if got := highlightedWire(&m); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("highlighted stream offsets\n got %v\nwant %v", got, want)
	}
	// The chunk-2 header byte between them is not part of the body range.
	for _, off := range highlightedWire(&m) {
		if off == c1.Offset {
			t.Fatalf("body highlight covers chunk 2's header byte at %d", off)
		}
	}
	// Scrolled into view: the first highlighted row is on screen.
	first, last := m.highlightRows()
	if first < m.Top() || first >= m.Top()+24 || last >= m.Top()+24 {
		t.Fatalf("highlight rows %d..%d not within view top %d", first, last, m.Top())
	}
	// The bytes shown are the body's: the line at the boundary shows the
	// body's bytes 4090.. in hex.
	view := m.View()
	wantHex := fmt.Sprintf("%02x %02x", msg.Body[4094], msg.Body[4095])
	if !strings.Contains(view, wantHex) {
		t.Fatalf("view lacks body bytes %q around the boundary:\n%s", wantHex, view)
	}
	if !strings.Contains(view, fmt.Sprintf("chunk 2/2 fmt3 csid %d", c1.CSID)) {
		t.Fatalf("view lacks the chunk-2 marker:\n%s", view)
	}
}

func TestWireHighlightCoversHeaders(t *testing.T) {
	msg := twoChunkVideo(t)
	c1 := msg.Chunks[1]
	m := newPane(theme.Plain(), 80, 24, msg)
	// The second chunk's header plus its first two payload bytes.
	m.Highlight(tree.Wire, c1.Offset, int64(c1.HeaderLen)+2)
	got := highlightedWire(&m)
	want := []int64{c1.Offset, c1.Offset + 1, c1.Offset + 2}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("wire highlight: got %v, want %v", got, want)
	}
	// fmt 3, csid 6: the one-byte basic header 0xc6 as on the wire.
	if c1.Header[0] != 0xc0|byte(c1.CSID) {
		t.Fatalf("chunk 2 header byte %#x, want %#x", c1.Header[0], 0xc0|byte(c1.CSID))
	}
	if !strings.Contains(m.View(), fmt.Sprintf("%08x  c6", c1.Offset)) {
		t.Fatalf("view lacks chunk 2's header line:\n%s", m.View())
	}
}

// TestLargeChunk uses chunksize.pcap, where both sides raise the chunk size
// to 8000: a 7296-byte keyframe travels in one chunk, so a body range deep
// inside it maps to stream offsets past the 4096 a default-sized view of
// publish.pcap would split at, and scrolls far down.
func TestLargeChunk(t *testing.T) {
	msg := findMessage(t, "chunksize.pcap", func(m *event.Message) bool {
		return m.TypeID == 9 && len(m.Chunks) == 1 && m.Chunks[0].PayloadLen > 4096
	})
	c0 := msg.Chunks[0]
	m := newPane(theme.Plain(), 160, 48, msg)
	m.Highlight(tree.Body, 7000, 3)
	base := c0.Offset + int64(c0.HeaderLen)
	want := []int64{base + 7000, base + 7001, base + 7002}
	if got := highlightedWire(&m); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	if m.BytesPerLine() != 16 {
		t.Fatalf("160 columns: %d bytes per line, want 16", m.BytesPerLine())
	}
	if m.Top() == 0 {
		t.Fatalf("highlight deep in the chunk did not scroll")
	}
	// The row holding body byte 7000 starts at a multiple of 16 from the
	// payload start and shows the body's bytes.
	rowOff := base + 7000/16*16
	wantLine := fmt.Sprintf("%08x  %02x %02x", rowOff, msg.Body[7000/16*16], msg.Body[7000/16*16+1])
	if !strings.Contains(m.View(), wantLine) {
		t.Fatalf("view lacks %q:\n%s", wantLine, m.View())
	}
	checkShape(t, m.View(), 160, 48)
}

func TestHighlightOutsideClears(t *testing.T) {
	msg := twoChunkVideo(t)
	m := newPane(theme.Plain(), 80, 24, msg)
	for _, tc := range []struct {
		space  tree.Space
		off, n int64
	}{
		{tree.NoBytes, 0, 10},
		{tree.Body, 0, 0},
		{tree.Body, 0, -5},
		{tree.Body, int64(len(msg.Body)), 10},
		{tree.Wire, 0, 10}, // before the message
		{tree.Body, -1 << 62, 1},
	} {
		m.Highlight(tree.Body, 3, 4)
		m.Highlight(tc.space, tc.off, tc.n)
		if sp, _, _ := m.Highlighted(); sp != tree.NoBytes {
			t.Errorf("Highlight(%v,%d,%d) left a highlight", tc.space, tc.off, tc.n)
		}
	}
}

func TestMask(t *testing.T) {
	msg := findMessage(t, "publish.pcap", func(m *event.Message) bool { return m.TypeID == 20 })
	m := newPane(theme.Plain(), 80, 24, msg)
	m.SetMask([]Range{{Off: 0, Len: 3}})
	v := m.View()
	if !strings.Contains(v, "** ** **") {
		t.Fatalf("masked bytes not drawn as **:\n%s", v)
	}
	if !strings.Contains(v, "***") {
		t.Fatalf("masked bytes not * in the ASCII column:\n%s", v)
	}
	m.SetMask(nil)
	if strings.Contains(m.View(), "** ** **") {
		t.Fatalf("mask not cleared")
	}
}

func TestUnknownHeaders(t *testing.T) {
	msg := *twoChunkVideo(t)
	msg.Chunks = append([]event.ChunkInfo(nil), msg.Chunks...)
	for i := range msg.Chunks {
		msg.Chunks[i].Header = nil
	}
	m := newPane(theme.Plain(), 80, 24, &msg)
	v := m.View()
	if !strings.Contains(v, "·· ·· ··") || !strings.Contains(v, "header bytes not kept") {
		t.Fatalf("unknown header bytes not shown as placeholders:\n%s", v)
	}
	// Headers passed explicitly win over the missing ones.
	hdrs := [][]byte{twoChunkVideo(t).Chunks[0].Header}
	m.SetSize(80, 300)
	m.SetMessage(&msg, msg.Body, hdrs)
	if strings.Count(m.View(), "header bytes not kept") != 1 {
		t.Fatalf("explicit header for chunk 1 not used:\n%s", m.View())
	}
}

func TestNarrowLayout(t *testing.T) {
	msg := twoChunkVideo(t)
	m := newPane(theme.Plain(), 50, 10, msg)
	if m.BytesPerLine() != 8 {
		t.Fatalf("50 columns: %d bytes per line, want 8", m.BytesPerLine())
	}
	checkShape(t, m.View(), 50, 10)
	// Scrolled into the second chunk, the relayout keeps it in view.
	m.Highlight(tree.Body, 4096, 1)
	m.SetSize(100, 10)
	if m.BytesPerLine() != 16 {
		t.Fatalf("100 columns: %d bytes per line", m.BytesPerLine())
	}
	if !strings.Contains(m.View(), fmt.Sprintf("%08x", msg.Chunks[1].Offset+int64(msg.Chunks[1].HeaderLen))) {
		t.Fatalf("relayout lost the scroll position:\n%s", m.View())
	}
	for w := 0; w < 90; w++ {
		m.SetSize(w, 5)
		checkShape(t, m.View(), max(w, 0), 5)
	}
}

func TestEmpty(t *testing.T) {
	m := newPane(theme.Plain(), 40, 3, nil)
	if v := m.View(); v != "no message selected\n\n" {
		t.Fatalf("empty view %q", v)
	}
	m.SetMessage(nil, nil, nil)
	m, _ = m.Update(tea.KeyPressMsg{Code: 'G', Text: "G"})
	checkShape(t, m.View(), 40, 3)
}

func press(s string) tea.KeyPressMsg {
	switch s {
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "pgup":
		return tea.KeyPressMsg{Code: tea.KeyPgUp}
	case "pgdown":
		return tea.KeyPressMsg{Code: tea.KeyPgDown}
	case "home":
		return tea.KeyPressMsg{Code: tea.KeyHome}
	case "end":
		return tea.KeyPressMsg{Code: tea.KeyEnd}
	}
	r := []rune(s)[0]
	return tea.KeyPressMsg{Code: r, Text: s}
}

func TestKeys(t *testing.T) {
	msg := twoChunkVideo(t)
	base := newPane(theme.Plain(), 80, 10, msg)
	rows := base.Rows()
	// Rows: marker, 1 header row, 256 payload rows; marker, 1 header row, 200 payload rows.
	if want := 1 + 1 + 4096/16 + 1 + 1 + 3200/16; msg.Chunks[1].PayloadLen == 3200 && rows != want {
		t.Fatalf("rows %d, want %d", rows, want)
	}
	maxTop := rows - 10
	chunk2 := 1 + 1 + 4096/16
	for _, tc := range []struct {
		start int
		keys  []string
		want  int
	}{
		{0, []string{"down"}, 1},
		{0, []string{"j", "j"}, 2},
		{5, []string{"up"}, 4},
		{5, []string{"k"}, 4},
		{0, []string{"up"}, 0},
		{0, []string{"pgdown"}, 9},
		{0, []string{" "}, 9},
		{20, []string{"pgup"}, 11},
		{3, []string{"pgup"}, 0},
		{0, []string{"G"}, maxTop},
		{0, []string{"end"}, maxTop},
		{50, []string{"g"}, 0},
		{50, []string{"home"}, 0},
		{0, []string{"]"}, chunk2},
		{chunk2, []string{"]"}, min(chunk2, maxTop)},
		{100, []string{"["}, 0},
		{chunk2 + 5, []string{"["}, chunk2},
		{maxTop, []string{"down"}, maxTop},
	} {
		m := base
		m.top = tc.start
		for _, k := range tc.keys {
			m, _ = m.Update(press(k))
		}
		if m.Top() != tc.want {
			t.Errorf("from %d keys %v: top %d, want %d", tc.start, tc.keys, m.Top(), tc.want)
		}
	}
	// Blurred panes ignore keys but still scroll with the wheel.
	m := base
	m.Blur()
	m, _ = m.Update(press("j"))
	if m.Top() != 0 {
		t.Errorf("blurred pane moved on a key")
	}
	m, _ = m.Update(tea.MouseWheelMsg{Button: tea.MouseWheelDown})
	if m.Top() != 3 {
		t.Errorf("wheel down: top %d, want 3", m.Top())
	}
	m, _ = m.Update(tea.MouseWheelMsg{Button: tea.MouseWheelUp})
	if m.Top() != 0 {
		t.Errorf("wheel up: top %d, want 0", m.Top())
	}
}

func TestHelp(t *testing.T) {
	k := DefaultKeyMap()
	if len(k.ShortHelp()) == 0 || len(k.FullHelp()) == 0 {
		t.Fatal("empty help")
	}
}

// Golden views: publish.pcap's connect command (two chunks: ffmpeg's
// 128-byte default chunk size) and its first two-chunk video message with a
// body highlight across the chunk boundary.
func TestGolden(t *testing.T) {
	connect := findMessage(t, "publish.pcap", func(m *event.Message) bool { return m.TypeID == 20 })
	video := twoChunkVideo(t)
	for _, sz := range []struct{ w, h int }{{80, 24}, {160, 48}} {
		t.Run(fmt.Sprintf("connect_%dx%d", sz.w, sz.h), func(t *testing.T) {
			m := newPane(theme.Plain(), sz.w, sz.h, connect)
			m.Highlight(tree.Body, 120, 16) // across the 128-byte boundary
			checkShape(t, m.View(), sz.w, sz.h)
			golden.RequireEqual(t, m.View())
		})
		t.Run(fmt.Sprintf("video_%dx%d", sz.w, sz.h), func(t *testing.T) {
			m := newPane(theme.Plain(), sz.w, sz.h, video)
			m.Highlight(tree.Body, 4090, 20)
			checkShape(t, m.View(), sz.w, sz.h)
			golden.RequireEqual(t, m.View())
		})
	}
	// Narrow: 8 bytes per line.
	t.Run("connect_48x24", func(t *testing.T) {
		m := newPane(theme.Plain(), 48, 24, connect)
		checkShape(t, m.View(), 48, 24)
		golden.RequireEqual(t, m.View())
	})
	// With colours, to catch style regressions (header vs payload bytes,
	// highlight, mask).
	t.Run("connect_color_80x24", func(t *testing.T) {
		m := newPane(theme.New(true), 80, 24, connect)
		m.Highlight(tree.Body, 120, 16)
		m.SetMask([]Range{{Off: 20, Len: 4}})
		checkShape(t, m.View(), 80, 24)
		golden.RequireEqual(t, m.View())
	})
}

// TestTreeRanges highlights every node export/tree builds for the
// multi-chunk messages of publish.pcap (the command split at 128 bytes,
// the 2-chunk video messages) and extts.pcap (keyframes in 7-8 chunks of
// 1024 with extended-timestamp continuation headers): each Body or Wire
// node lights exactly Len bytes, the ones its range names, and is scrolled
// into view.
func TestTreeRanges(t *testing.T) {
	var recs []session.Record
	for _, c := range []string{"publish.pcap", "extts.pcap"} {
		recs = append(recs, loadRecords(t, c)...)
	}
	checked := 0
	for i := range recs {
		r := &recs[i]
		if r.Kind != event.KindMessage || len(r.Message.Chunks) < 2 {
			continue
		}
		msg := r.Message
		m := newPane(theme.Plain(), 80, 24, msg)
		var walk func(n *tree.Node)
		walk = func(n *tree.Node) {
			for _, c := range n.Children {
				walk(c)
			}
			if n.Space == tree.NoBytes || n.Len <= 0 {
				return
			}
			m.Highlight(n.Space, n.Off, n.Len)
			got := highlightedWire(&m)
			if int64(len(got)) != n.Len {
				t.Fatalf("frame %d node %q (%v %d+%d): %d bytes lit, want %d", msg.Frame, n.Label, n.Space, n.Off, n.Len, len(got), n.Len)
			}
			if n.Space == tree.Wire && (got[0] != n.Off || got[len(got)-1] != n.Off+n.Len-1) {
				t.Fatalf("node %q: wire bytes %d..%d lit, want %d..%d", n.Label, got[0], got[len(got)-1], n.Off, n.Off+n.Len-1)
			}
			first, _ := m.highlightRows()
			if first < m.Top() || first >= m.Top()+24 {
				t.Fatalf("node %q: first lit row %d not in view (top %d)", n.Label, first, m.Top())
			}
			checked++
		}
		walk(tree.Build(r))
	}
	if checked < 10 {
		t.Fatalf("only %d nodes with bytes checked", checked)
	}
	t.Logf("%d nodes checked", checked)
}
