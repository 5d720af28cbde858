package streams

import (
	"fmt"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/rtmpscope/rtmpscope/dissect/media"
	"github.com/rtmpscope/rtmpscope/tui/theme"
)

func newView(th theme.Theme, w, h int, reports []media.StreamReport, names map[string]string) Model {
	m := New()
	m.SetTheme(th)
	m.SetSize(w, h)
	m.SetReports(reports, names)
	m.Focus()
	return m
}

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

func mustContain(t *testing.T, view string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(view, w) {
			t.Errorf("view lacks %q:\n%s", w, view)
		}
	}
}

// The expectations come from what make-captures.sh told ffmpeg to send
// (testdata/pcaps/README.md): publish.pcap is the default publisher,
// H.264 Constrained Baseline 320x240 25 fps, GOP 50 (2 s), AAC-LC 44100 Hz
// stereo.
func TestPublish(t *testing.T) {
	m := newView(theme.Plain(), 80, 24, loadReports(t, "publish.pcap"), map[string]string{"c1 c2s": "live/****"})
	v := m.View()
	checkShape(t, v, 80, 24)
	mustContain(t, v, "c1 c2s  live/****", "AVC Constrained Baseline@L1.3 320x240 25fps",
		"GOP 50 frames (2.00 s)", "AAC LC 44100Hz stereo", "  A/V    drift avg")
	for _, sz := range []struct{ w, h int }{{80, 24}, {160, 48}} {
		t.Run(fmt.Sprintf("%dx%d", sz.w, sz.h), func(t *testing.T) {
			m.SetSize(sz.w, sz.h)
			checkShape(t, m.View(), sz.w, sz.h)
			golden.RequireEqual(t, m.View())
		})
	}
}

// multi.pcap: cam1 (defaults), cam2 (H.264 Main with B-frames, 20 fps, GOP
// 40, AAC 48000 Hz stereo) and a player of cam1.
func TestMulti(t *testing.T) {
	reports := loadReports(t, "multi.pcap")
	if len(reports) != 3 {
		t.Fatalf("%d streams, want 3 (two publishers, one player)", len(reports))
	}
	m := newView(theme.Plain(), 160, 48, reports, nil)
	v := m.View()
	checkShape(t, v, 160, 48)
	mustContain(t, v, "Main@", "48000Hz stereo", "GOP 40 frames (2.00 s)", "composition time", "20fps")
	golden.RequireEqual(t, v)

	t.Run("color_80x24", func(t *testing.T) {
		m := newView(theme.New(true), 80, 24, reports, nil)
		m, _ = m.Update(press("j"))
		checkShape(t, m.View(), 80, 24)
		golden.RequireEqual(t, m.View())
	})
}

// extts.pcap jumps +20000 s at 2 s: the video jump is an extended delta of
// 20000040 ms (README), the audio one 20000023 ms. ffmpeg sends the
// sequence headers at timestamp 0 and the first media at 16790000 (video)
// and 16789977 (audio, its extended delta), so each track has a second jump.
func TestTimestampJump(t *testing.T) {
	th := theme.Plain()
	th.ASCII = true
	m := newView(th, 80, 24, loadReports(t, "extts.pcap"), nil)
	v := m.View()
	checkShape(t, v, 80, 24)
	mustContain(t, v, "timestamps: 0 backwards, 2 jumps", "jump 0 -> 16790000 ms", "(+20000040)",
		"jump 0 -> 16789977 ms", "(+20000023)")
	for _, r := range v {
		if r >= 0x80 {
			t.Fatalf("ASCII view has %q:\n%s", r, v)
		}
	}
	golden.RequireEqual(t, v)
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
	return tea.KeyPressMsg{Code: []rune(s)[0], Text: s}
}

func TestKeys(t *testing.T) {
	reports := loadReports(t, "multi.pcap")
	base := newView(theme.Plain(), 80, 10, reports, nil)
	last := len(reports) - 1
	for _, tc := range []struct {
		start      int
		keys       []string
		wantCursor int
	}{
		{0, []string{"down"}, 1},
		{0, []string{"j", "j"}, 2},
		{0, []string{"j", "j", "j"}, last},
		{2, []string{"up"}, 1},
		{1, []string{"k"}, 0},
		{0, []string{"k"}, 0},
		{0, []string{"G"}, last},
		{0, []string{"end"}, last},
		{2, []string{"g"}, 0},
		{2, []string{"home"}, 0},
		{0, []string{"pgdown"}, 1}, // a 9-line page: the second block reaches the top
		{0, []string{"pgdown", "pgdown", "pgdown", "pgdown", "pgdown"}, last},
		{last, []string{"pgup", "pgup", "pgup", "pgup", "pgup"}, 0},
	} {
		m := base
		m.cursor = tc.start
		m.scrollToCursor()
		for _, k := range tc.keys {
			m, _ = m.Update(press(k))
		}
		if c, _ := m.Selected(); c != tc.wantCursor {
			t.Errorf("from %d keys %v: cursor %d, want %d", tc.start, tc.keys, c, tc.wantCursor)
		}
		// The selected stream's heading is always on screen.
		if h := m.starts[m.cursor]; h < m.Top() || h >= m.Top()+10 {
			t.Errorf("from %d keys %v: heading line %d outside view top %d", tc.start, tc.keys, h, m.Top())
		}
		checkShape(t, m.View(), 80, 10)
	}
	m := base
	m.Blur()
	if m, _ = m.Update(press("j")); func() int { c, _ := m.Selected(); return c }() != 0 {
		t.Errorf("blurred view moved on a key")
	}
	m, _ = m.Update(tea.MouseWheelMsg{Button: tea.MouseWheelDown})
	if m.Top() != 3 {
		t.Errorf("wheel: top %d, want 3", m.Top())
	}
}

// Refreshing the reports (live capture) keeps the selected stream.
func TestRefreshKeepsSelection(t *testing.T) {
	reports := loadReports(t, "multi.pcap")
	m := newView(theme.Plain(), 80, 24, reports, nil)
	m, _ = m.Update(press("G"))
	m.SetReports(reports, nil)
	if c, _ := m.Selected(); c != len(reports)-1 {
		t.Fatalf("refresh moved the cursor to %d", c)
	}
	m.SetReports(reports[:1], nil)
	if c, n := m.Selected(); c != 0 || n != 1 {
		t.Fatalf("shrunk: cursor %d of %d", c, n)
	}
}

func TestEmptyAndTiny(t *testing.T) {
	m := newView(theme.Plain(), 30, 2, nil, nil)
	if v := m.View(); v != "no audio or video yet\n" {
		t.Fatalf("empty view %q", v)
	}
	reports := loadReports(t, "publish.pcap")
	for w := 0; w < 40; w++ {
		for h := 0; h < 4; h++ {
			m := newView(theme.New(false), w, h, reports, nil)
			if h == 0 {
				if m.View() != "" {
					t.Fatalf("%dx%d: non-empty view", w, h)
				}
				continue
			}
			checkShape(t, m.View(), w, h)
		}
	}
}

func TestSparkline(t *testing.T) {
	for _, tc := range []struct {
		series []float64
		width  int
		ascii  bool
		want   string
		per    int
	}{
		{[]float64{0, 1, 2, 4, 8}, 10, false, " ▁▂▄█", 1},
		{[]float64{0, 1, 2, 4, 8}, 10, true, " .:=@", 1},
		{[]float64{8, 8, 0, 0, 4, 4}, 3, false, "█ ▄", 2},
		{[]float64{5}, 1, false, "█", 1},
		{[]float64{-1, 0}, 4, false, "  ", 1},
	} {
		got, per := sparkline(tc.series, tc.width, tc.ascii)
		if got != tc.want || per != tc.per {
			t.Errorf("sparkline(%v, %d) = %q/%d, want %q/%d", tc.series, tc.width, got, per, tc.want, tc.per)
		}
	}
}

func TestRate(t *testing.T) {
	for in, want := range map[float64]string{0: "0 b/s", 999: "999 b/s", 351604: "352 kb/s", 2.5e6: "2.5 Mb/s", 25e6: "25 Mb/s", -1: "? b/s"} {
		if got := rate(in); got != want {
			t.Errorf("rate(%v) = %q, want %q", in, got, want)
		}
	}
}

func TestHelp(t *testing.T) {
	k := DefaultKeyMap()
	if len(k.ShortHelp()) == 0 || len(k.FullHelp()) == 0 {
		t.Fatal("empty help")
	}
}
