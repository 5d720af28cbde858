package tui

import (
	"path/filepath"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/rtmpscope/rtmpscope/dissect/rtmpe"
	"github.com/rtmpscope/rtmpscope/dissect/tlsrec"
	"github.com/rtmpscope/rtmpscope/event"
	"github.com/rtmpscope/rtmpscope/pipeline"
	"github.com/rtmpscope/rtmpscope/tui/theme"
)

// The rough edges of issue #16 item 5, each on a real capture.

// modelOn returns a sized root model over a capture.
func modelOn(t *testing.T, name string, w, h int) Model {
	t.Helper()
	st := loadStore(t, name)
	m := New(st, Options{Source: name, Compile: compile, Theme: theme.Plain()})
	m = send(m, tea.WindowSizeMsg{Width: w, Height: h})
	return send(m, tickMsg{}) // the first tick reads the connections
}

// run performs a background command's work synchronously: the search's
// result message goes back into the model.
func run(t *testing.T, m Model, msg tea.Msg) Model {
	t.Helper()
	nm, cmd := m.Update(msg)
	m = nm.(Model)
	for cmd != nil {
		out := cmd()
		if b, ok := out.(tea.BatchMsg); ok {
			cmd = nil
			for _, c := range b {
				if c == nil {
					continue
				}
				if r, ok := c().(searchDoneMsg); ok {
					m = send(m, r)
				}
			}
			continue
		}
		cmd = nil
		if r, ok := out.(searchDoneMsg); ok {
			m = send(m, r)
		}
	}
	return m
}

// The connections pane has a line per connection once they are known
// (it was sized once, at the first window size, when there were none).
func TestConnectionsPaneGrows(t *testing.T) {
	m := modelOn(t, "multi.pcap", 80, 30)
	n := len(m.conns.conns)
	if n < 2 {
		t.Fatalf("multi.pcap has %d connections", n)
	}
	if m.conns.height != min(n+1, 29/4) {
		t.Errorf("connections pane %d rows for %d connections", m.conns.height, n)
	}
	frame := m.Render()
	for _, c := range m.conns.conns[:min(n, m.conns.height-1)] {
		if !strings.Contains(frame, c.ID.String()+" ") {
			t.Errorf("%s not on screen", c.ID)
		}
	}
	golden.RequireEqual(t, frame)
}

// Each connection says its variant, and an encrypted one whether it was
// decrypted (RTMPE needs no keys; RTMPS without its key log stays
// encrypted).
func TestConnectionsVariant(t *testing.T) {
	rk, err := rtmpe.LoadKeys(filepath.Join(pcaps, "rtmpe-play.keys"))
	if err != nil {
		t.Fatal(err)
	}
	tk, err := tlsrec.LoadKeyLog(filepath.Join(pcaps, "rtmpts-publish.keys"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		pcap string
		keys pipeline.Keys
		want string
	}{
		{"publish.pcap", pipeline.Keys{}, " rtmp "},
		{"rtmpe-play.pcap", pipeline.Keys{}, "rtmpe encrypted"},
		{"rtmpe-play.pcap", pipeline.Keys{RTMPE: rk}, "rtmpe decrypted"},
		{"rtmps-tls13-publish.pcap", pipeline.Keys{}, "rtmps encrypted"},
		{"rtmpt-publish.pcap", pipeline.Keys{}, "rtmpt"},
		// The TLS connection of RTMPTS has no messages of its own (they are
		// its tunnelled session's) and is decrypted all the same.
		{"rtmpts-publish.pcap", pipeline.Keys{TLS: tlsrec.Options{KeyLog: tk}}, "4438  rtmpts decrypted -"},
	} {
		t.Run(c.pcap, func(t *testing.T) {
			st := loadStoreKeys(t, c.pcap, c.keys)
			m := New(st, Options{Source: c.pcap, Theme: theme.Plain()})
			m = send(m, tea.WindowSizeMsg{Width: 120, Height: 30}, tickMsg{})
			if got := m.conns.View(); !strings.Contains(got, c.want) {
				t.Errorf("connections pane lacks %q:\n%s", c.want, got)
			}
		})
	}
}

// Help fits 80x24 (every line in 80 cells) and scrolls to its last key.
func TestHelpScrollsAndFits(t *testing.T) {
	m := newModel(t, 80, 24)
	h := send(m, press("?"))
	frame := h.Render()
	lines := strings.Split(frame, "\n")
	if len(lines) != 24 {
		t.Fatalf("help is %d lines", len(lines))
	}
	for i, l := range lines {
		if w := ansi.StringWidth(l); w > 80 {
			t.Errorf("line %d is %d cells", i, w)
		}
	}
	last := m.stream.KeyMap.FullHelp()
	lastKey := last[len(last)-1][len(last[len(last)-1])-1].Help().Desc
	if strings.Contains(frame, lastKey) {
		t.Fatalf("the help fits without scrolling; the test needs a longer help")
	}
	end := send(h, press("G"))
	if !end.showHelp || !strings.Contains(end.Render(), lastKey) {
		t.Errorf("G did not scroll the help to %q", lastKey)
	}
	golden.RequireEqual(t, end.Render())
	if up := send(end, press("k")); up.helpTop != end.helpTop-1 || up.Render() == end.Render() {
		t.Errorf("k after G: top %d, was %d", up.helpTop, end.helpTop)
	}
	if back := send(end, press("g")); !strings.Contains(back.Render(), "rtmpscope keys") {
		t.Error("g did not scroll back to the top")
	}
	if closed := send(end, press("x")); closed.showHelp {
		t.Error("x did not close help")
	}
}

// / starts an empty query; n and N go to the next and previous match and
// wrap around; diagnostics have e/E.
func TestSearchNextPrevious(t *testing.T) {
	m := newModel(t, 80, 24)
	m = run(t, typeText(send(m, press("/")), "_result#"), press("enter"))
	first := m.tl.cursor
	if s := m.st.Summary(m.tl.selected(), false); !strings.HasPrefix(s, "_result") {
		t.Fatalf("search landed on %q", s)
	}
	m = run(t, m, press("n"))
	second := m.tl.cursor
	if second <= first || !strings.HasPrefix(m.st.Summary(m.tl.selected(), false), "_result") {
		t.Fatalf("n went from %d to %d (%q)", first, second, m.st.Summary(m.tl.selected(), false))
	}
	m = run(t, m, press("N"))
	if m.tl.cursor != first {
		t.Errorf("N went to %d, want %d", m.tl.cursor, first)
	}
	// From the last row, n wraps to the first match.
	m = run(t, send(m, press("G")), press("n"))
	if m.tl.cursor != first || !strings.Contains(m.searchMsg, "wrapped") {
		t.Errorf("n from the end: cursor %d (%q), want %d wrapped", m.tl.cursor, m.searchMsg, first)
	}
	// Backwards from the first match wraps to the last one.
	m = run(t, m, press("N"))
	if m.tl.cursor < second || !strings.Contains(m.searchMsg, "wrapped") {
		t.Errorf("N from the first match: cursor %d (%q)", m.tl.cursor, m.searchMsg)
	}
	// / opens an empty query, not the last one.
	if s := send(m, press("/")); s.input.Value() != "" {
		t.Errorf("/ opened with %q", s.input.Value())
	}
}

// A search finds what only a detail field says: the AVC configuration's
// "Profile compatibility" is in no summary.
func TestSearchCoversFields(t *testing.T) {
	m := newModel(t, 80, 24)
	m = run(t, typeText(send(m, press("/")), "profile compatibility"), press("enter"))
	r := m.tl.selected()
	if strings.Contains(m.searchMsg, "not found") || r < 0 {
		t.Fatalf("not found: %q", m.searchMsg)
	}
	if row := m.st.Row(r); row.Kind != event.KindMessage || event.MsgType(row.TypeID) != event.TypeVideo {
		t.Errorf("landed on %v type %d", row.Kind, row.TypeID)
	}
	if m.searchProg.percent() == 0 {
		t.Error("the search counted no progress")
	}
	if s := m.st.Summary(r, false); strings.Contains(strings.ToLower(s), "profile compatibility") {
		t.Errorf("the summary has it too (%q): not a test of the fields", s)
	}
}

// :N goes to frame N, or to the next frame that has a row.
func TestGoToFrame(t *testing.T) {
	m := newModel(t, 80, 24)
	m = send(typeText(send(m, press(":")), "30"), press("enter"))
	if f := m.st.Row(m.tl.selected()).Frame; f != 30 {
		t.Errorf(":30 landed on frame %d", f)
	}
	m = send(typeText(send(m, press(":")), "13"), press("enter")) // no row completes in frame 13
	if f := m.st.Row(m.tl.selected()).Frame; f != 14 {
		t.Errorf(":13 landed on frame %d, want 14 (%s)", f, m.searchMsg)
	}
	if !strings.Contains(m.searchMsg, "frame 14 is the next") {
		t.Errorf("status %q", m.searchMsg)
	}
	m = send(typeText(send(m, press(":")), "x"), press("enter"))
	if !strings.Contains(m.searchMsg, "not a frame number") {
		t.Errorf("status %q", m.searchMsg)
	}
}

// Up and down in the filter bar walk the filters applied before.
func TestFilterHistory(t *testing.T) {
	m := newModel(t, 80, 24)
	for _, f := range []string{"video.keyframe", "audio"} {
		m = send(typeText(send(m, press("F"), press("ctrl+u")), f), press("enter"))
	}
	m = send(m, press("F"))
	steps := []struct{ key, want string }{{"up", "audio"}, {"up", "video.keyframe"}, {"up", "video.keyframe"}, {"down", "audio"}, {"down", ""}}
	for _, s := range steps {
		m = send(m, press(s.key))
		if got := m.input.Value(); got != s.want {
			t.Fatalf("after %s: %q, want %q", s.key, got, s.want)
		}
	}
}

// z gives the focused pane the whole screen.
func TestZoom(t *testing.T) {
	m := newModel(t, 80, 24)
	z := send(m, press("j"), press("j"), press("tab"), press("z"))
	if z.focus != paneDetail || z.detail.Len() == 0 {
		t.Fatal("detail not focused")
	}
	frame := z.Render()
	if strings.Contains(frame, "Timeline") || strings.Contains(frame, "Connections") {
		t.Error("zoomed frame still shows other panes")
	}
	golden.RequireEqual(t, frame)
	if back := send(z, press("z")); strings.Count(back.Render(), "─ ") < 3 {
		t.Error("z did not restore the panes")
	}
}

// c shows the connection's conversation: commands and their answers with
// latency, media folded into counted runs; enter goes to the row.
func TestConversation(t *testing.T) {
	m := newModel(t, 100, 30)
	c := send(m, press("c"))
	if c.conv == nil {
		t.Fatal("no conversation")
	}
	frame := c.Render()
	for _, want := range []string{"connect#1", "_result#1", "+44.026 ms", "media messages", "publish#"} {
		if !strings.Contains(frame, want) {
			t.Errorf("conversation lacks %q", want)
		}
	}
	golden.RequireEqual(t, frame)
	// R reveals the stream key in the conversation too.
	if r := send(c, press("R")); r.conv == nil || strings.Contains(r.Render(), "live_****") || !r.reveal {
		t.Error("R did not reveal the conversation")
	}
	// Go to the line of the publish command.
	k := -1
	for i, l := range c.conv.lines {
		if strings.Contains(l.text, "publish#") {
			k = i
		}
	}
	c.conv.cursor = k
	back := send(c, press("enter"))
	if back.conv != nil || !strings.Contains(back.st.Summary(back.tl.selected(), false), "publish#") {
		t.Errorf("enter went to %q", back.st.Summary(back.tl.selected(), false))
	}
}

// The streams view names streams redacted, and R reveals them there too.
func TestStreamsReveal(t *testing.T) {
	m := newModel(t, 160, 48)
	s := send(m, press("s"))
	if !strings.Contains(s.Render(), "****") {
		t.Fatal("stream name not redacted")
	}
	r := send(s, press("R"))
	if strings.Contains(r.Render(), "live_****") || !strings.Contains(r.Render(), "token=") {
		t.Errorf("R did not reveal the stream name:\n%s", r.Render())
	}
}

// The streams view draws the selected stream's charts beside it.
func TestStreamsCharts(t *testing.T) {
	m := newModel(t, 160, 48)
	s := send(m, press("s"))
	frame := s.Render()
	for _, want := range []string{"video bitrate (bit/s)", "frame rate (fps)", "GOP (frames)", "request latency (ms)"} {
		if !strings.Contains(frame, want) {
			t.Errorf("charts lack %q", want)
		}
	}
	if !strings.ContainsAny(frame, "⡀⠄⠂⠁⢀⠠⠐⠈⣀⠤⠒⠉") {
		t.Error("no braille dots drawn")
	}
	golden.RequireEqual(t, frame)
	// Tab to the charts; j scrolls them when they do not all fit.
	c := send(s, press("tab"))
	if c.focus != paneCharts {
		t.Fatal("tab did not focus the charts")
	}
	// 80x24: the charts under the streams, two at a time, j scrolling.
	n := send(newModel(t, 80, 24), press("s"), press("tab"))
	first := n.Render()
	if !strings.Contains(first, "video bitrate") || !strings.Contains(first, "charts 1-2 of 6; j/k to scroll") {
		t.Errorf("narrow charts:\n%s", first)
	}
	t.Run("80x24", func(t *testing.T) { golden.RequireEqual(t, first) })
	if j := send(n, press("j")); j.charts.top != 1 || strings.Contains(j.Render(), "video bitrate (") {
		t.Errorf("j did not scroll the charts (top %d)", j.charts.top)
	}
}

// The status bar never counts fewer packets than the rows it shows have.
func TestPacketCountNeverLags(t *testing.T) {
	m := newModel(t, 80, 24)
	m.st.SetProgress(3, 0, 0) // the pipeline's periodic counter, behind
	var max uint32
	for i := range m.st.Len() {
		max = maxU(max, m.st.Row(i).Frame)
	}
	if c := m.st.Counts(); c.Packets < uint64(max) {
		t.Errorf("status counts %d packets, rows reach frame %d", c.Packets, max)
	}
	if !strings.Contains(m.statusLine(), itoa(int(max))+" pkts") {
		t.Errorf("status %q", m.statusLine())
	}
	// Live, the kernel's counter (published periodically) is behind too.
	m.opts.Live = true
	m.st.SetLive(3, 0)
	if !strings.Contains(m.statusLine(), itoa(int(max))+" pkts 0 dropped") {
		t.Errorf("live status %q", m.statusLine())
	}
}

func maxU(a, b uint32) uint32 {
	if a > b {
		return a
	}
	return b
}

// p goes from a request to its response and back; the detail title says
// the link and its latency (#15 item 7).
func TestPairJump(t *testing.T) {
	m := newModel(t, 80, 24)
	m = send(m, press("j"), press("j")) // connect
	if !strings.Contains(m.paneTitle(paneDetail), "answered by _result#1 (frame 16) after 44.") {
		t.Errorf("detail title %q", m.paneTitle(paneDetail))
	}
	connect := m.tl.cursor
	m = send(m, press("p"))
	if s := m.st.Summary(m.tl.selected(), false); !strings.HasPrefix(s, "_result#1") {
		t.Fatalf("p went to %q", s)
	}
	if !strings.Contains(m.paneTitle(paneDetail), "answers connect (frame 12) after 44.") {
		t.Errorf("detail title %q", m.paneTitle(paneDetail))
	}
	m = send(m, press("p"))
	if m.tl.cursor != connect {
		t.Errorf("p from the response went to %d, want %d", m.tl.cursor, connect)
	}
}

// A played stream whose publisher is in the capture charts its relay
// latency (relay.pcap: one publisher, two players through nginx-rtmp).
func TestStreamsRelayChart(t *testing.T) {
	m := modelOn(t, "relay.pcap", 160, 60)
	m = send(m, press("s"))
	found := false
	for i := range m.reportDirs {
		if strings.Contains(m.reportDirs[i], "/s2c/") && strings.Contains(m.Render(), "relay latency (ms)") {
			found = true
			break
		}
		m = send(m, press("j"))
	}
	if !found {
		t.Errorf("no relay latency chart on any played stream (streams %v)", m.reportDirs)
	}
}
