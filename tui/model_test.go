package tui

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/rtmpscope/rtmpscope/dissect"
	"github.com/rtmpscope/rtmpscope/event"
	"github.com/rtmpscope/rtmpscope/export/displayfilter"
	"github.com/rtmpscope/rtmpscope/internal/capturetest"
	"github.com/rtmpscope/rtmpscope/pipeline"
	"github.com/rtmpscope/rtmpscope/tui/store"
	"github.com/rtmpscope/rtmpscope/tui/theme"
)

const pcaps = "../testdata/pcaps"

// loadStore fills a store from a capture synchronously, so views are
// deterministic.
func loadStore(t testing.TB, name string) *store.Store {
	t.Helper()
	return loadStoreKeys(t, name, pipeline.Keys{})
}

// loadStoreKeys is loadStore with the keys of the encrypted variants.
func loadStoreKeys(t testing.TB, name string, keys pipeline.Keys) *store.Store {
	t.Helper()
	path := filepath.Join(pcaps, name)
	if _, err := os.Stat(path); err != nil {
		t.Skip(err)
	}
	st, err := store.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	f, fcfg := event.Receiver(st.Tracker()), pipeline.Config{Dissect: dissect.Options{KeepChunkHeaders: true}, Keys: keys}
	if _, err := capturetest.Run(path, f, fcfg); err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(path)
	st.SetProgress(0, fi.Size(), fi.Size())
	st.Finish(nil)
	return st
}

func compile(src string) (Matcher, error) {
	f, err := displayfilter.Compile(src)
	if err != nil {
		if se, ok := err.(*displayfilter.SyntaxError); ok {
			return nil, &FilterError{Column: se.Column, Msg: se.Msg}
		}
		return nil, err
	}
	return f.Match, nil
}

// newModel returns a sized root model over publish.pcap with the plain
// theme (no escape sequences, so goldens stay readable).
func newModel(t testing.TB, w, h int) Model {
	st := loadStore(t, "publish.pcap")
	m := New(st, Options{Source: "publish.pcap", Compile: compile, Theme: theme.Plain()})
	m.conns.conns = st.Conns()
	return send(m, tea.WindowSizeMsg{Width: w, Height: h})
}

func send(m Model, msgs ...tea.Msg) Model {
	for _, msg := range msgs {
		nm, _ := m.Update(msg)
		m = nm.(Model)
	}
	return m
}

// press builds a key press from a key name as bubbles/key spells it.
func press(k string) tea.KeyPressMsg {
	switch k {
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
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "shift+tab":
		return tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift}
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "ctrl+c":
		return tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	}
	r := []rune(k)[0]
	return tea.KeyPressMsg{Code: r, Text: k}
}

func typeText(m Model, s string) Model {
	for _, r := range s {
		m = send(m, tea.KeyPressMsg{Code: r, Text: string(r)})
	}
	return m
}

// Golden frames of the root layout on publish.pcap.
func TestGoldenLayout(t *testing.T) {
	for _, sz := range [][2]int{{80, 24}, {160, 48}} {
		t.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]), func(t *testing.T) {
			m := newModel(t, sz[0], sz[1])
			m = send(m, press("j"), press("j")) // the connect command
			golden.RequireEqual(t, m.Render())
		})
	}
}

func TestGoldenHelpAndFilter(t *testing.T) {
	m := newModel(t, 80, 24)
	t.Run("help", func(t *testing.T) { golden.RequireEqual(t, send(m, press("?")).Render()) })
	t.Run("filter-error", func(t *testing.T) {
		f := typeText(send(m, press("F")), "video.keyframe &&")
		golden.RequireEqual(t, send(f, press("enter")).Render())
	})
	t.Run("filtered", func(t *testing.T) {
		f := typeText(send(m, press("F")), "video.keyframe")
		golden.RequireEqual(t, send(f, press("enter")).Render())
	})
}

// Every root key binding, as a pure function of the model.
func TestKeys(t *testing.T) {
	base := newModel(t, 80, 24)
	total := base.tl.count()
	page := max(base.tl.height-1, 1)
	cases := []struct {
		name  string
		keys  []string
		check func(Model) string
	}{
		{"down", []string{"down"}, cursorIs(1)},
		{"j", []string{"j"}, cursorIs(1)},
		{"up", []string{"j", "j", "up"}, cursorIs(1)},
		{"k", []string{"j", "k"}, cursorIs(0)},
		{"pgdown", []string{"pgdown"}, cursorIs(page)},
		{"pgup", []string{"pgdown", "pgdown", "pgup"}, cursorIs(page)},
		{"G", []string{"G"}, cursorIs(total - 1)},
		{"end", []string{"end"}, cursorIs(total - 1)},
		{"g", []string{"G", "g"}, cursorIs(0)},
		{"home", []string{"G", "home"}, cursorIs(0)},
		{"tab", []string{"tab"}, focusIs(paneDetail)},
		{"tab tab", []string{"tab", "tab"}, focusIs(paneHex)},
		{"shift+tab", []string{"shift+tab"}, focusIs(paneConns)},
		{"enter", []string{"enter"}, focusIs(paneDetail)},
		{"s", []string{"s"}, func(m Model) string { return want(m.streamsView && m.focus == paneStreams, "streams view") }},
		{"s s", []string{"s", "s"}, func(m Model) string { return want(!m.streamsView && m.focus == paneTimeline, "back from streams") }},
		{"?", []string{"?"}, func(m Model) string { return want(m.showHelp, "help shown") }},
		{"? x", []string{"?", "x"}, func(m Model) string { return want(!m.showHelp, "help closed") }},
		{"/", []string{"/"}, func(m Model) string { return want(m.mode == inputSearch, "search input") }},
		{"F", []string{"F"}, func(m Model) string { return want(m.mode == inputFilter, "filter input") }},
		{"F esc", []string{"F", "esc"}, func(m Model) string { return want(m.mode == inputNone, "input closed") }},
		{"n", []string{"n"}, cursorIs(0)}, // no search yet
		{"e", []string{"e"}, cursorIs(0)}, // publish.pcap has no diagnostics
		{"E", []string{"G", "E"}, cursorIs(total - 1)},
		{"z", []string{"z"}, func(m Model) string { return want(m.zoom && m.tl.height > base.tl.height, "timeline zoomed") }},
		{"z z", []string{"z", "z"}, func(m Model) string { return want(!m.zoom && m.tl.height == base.tl.height, "zoom restored") }},
		{":", []string{":"}, func(m Model) string { return want(m.mode == inputGoTo, "go-to input") }},
		{"c", []string{"c"}, func(m Model) string { return want(m.conv != nil, "conversation open") }},
		{"c esc", []string{"c", "esc"}, func(m Model) string { return want(m.conv == nil, "conversation closed") }},
		{"f", []string{"f"}, func(m Model) string { return want(m.follow, "following") }},
		{"f f", []string{"f", "f"}, func(m Model) string { return want(!m.follow, "paused") }},
		{"R", []string{"R"}, func(m Model) string { return want(m.reveal && m.tl.reveal, "secrets revealed") }},
		{"shift+tab down", []string{"shift+tab", "down"}, func(m Model) string {
			return want(m.conns.chosen() == 0 && m.tl.count() == total-0 && !m.tl.sel.all, "timeline filtered to c1")
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := base
			for _, k := range c.keys {
				m = send(m, press(k))
			}
			if msg := c.check(m); msg != "" {
				t.Error(msg)
			}
		})
	}
	for _, k := range []string{"q", "ctrl+c"} {
		if _, cmd := base.Update(press(k)); cmd == nil {
			t.Errorf("%s: no quit command", k)
		} else if _, ok := cmd().(tea.QuitMsg); !ok {
			t.Errorf("%s: command is not quit", k)
		}
	}
}

func cursorIs(p int) func(Model) string {
	return func(m Model) string { return want(m.tl.cursor == p, fmt.Sprintf("cursor %d, want %d", m.tl.cursor, p)) }
}

func focusIs(p pane) func(Model) string {
	return func(m Model) string { return want(m.focus == p, fmt.Sprintf("focus %d, want %d", m.focus, p)) }
}

func want(ok bool, what string) string {
	if ok {
		return ""
	}
	return "not " + what
}

// The search and the diagnostic jump find what the store holds.
func TestSearchAndDiagnostics(t *testing.T) {
	m := newModel(t, 80, 24)
	m = typeText(send(m, press("/")), "publish")
	_, cmd := m.Update(press("enter"))
	m = send(m, press("esc")) // leave the input as Update's copy did
	m.searchGen = 1
	res := cmd().(searchDoneMsg)
	if res.pos < 0 {
		t.Fatal("publish not found")
	}
	m = send(m, res)
	if s := m.st.Summary(m.tl.selected(), false); !strings.Contains(strings.ToLower(s), "publish") {
		t.Errorf("search landed on %q", s)
	}
	mid := newModel(t, 80, 24)
	mid.st = loadStore(t, "midstream.pcap")
	mid.tl.st = mid.st
	mid = send(mid, press("e"))
	if r := mid.st.Row(mid.tl.selected()); r.Kind != event.KindDiagnostic {
		t.Errorf("n landed on a %s row", r.Kind)
	}
}

// BenchmarkViewMillion renders the timeline over a million-message store
// (testdata/pcaps/large/million.pcap, made by the capture script, not
// committed) while paging down.
func BenchmarkViewMillion(b *testing.B) {
	st := loadStore(b, "large/million.pcap")
	m := New(st, Options{Source: "million", Theme: theme.Plain()})
	m = send(m, tea.WindowSizeMsg{Width: 160, Height: 48})
	b.ReportMetric(float64(st.Len()), "rows")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m = send(m, press("pgdown"))
		_ = m.Render()
	}
}
