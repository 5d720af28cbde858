package detail

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

func newPane(th theme.Theme, w, h int, r *session.Record) Model {
	m := New()
	m.SetTheme(th)
	m.SetSize(w, h)
	m.Focus()
	if r != nil {
		m.SetRecord(r, tree.Build(r))
	}
	return m
}

func isCommand(name string) func(*session.Record) bool {
	return func(r *session.Record) bool {
		return r.Kind == event.KindMessage && r.Body.Command != nil && r.Body.Command.Name == name
	}
}

func videoSeqHeader(r *session.Record) bool {
	return r.Kind == event.KindMessage && r.Body.Video != nil && r.Message.TypeID == event.TypeVideo &&
		strings.Contains(r.Body.Video.Summary(), "seq hdr")
}

func press(s string) tea.KeyPressMsg {
	switch s {
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "left":
		return tea.KeyPressMsg{Code: tea.KeyLeft}
	case "right":
		return tea.KeyPressMsg{Code: tea.KeyRight}
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "space":
		return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
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

// Goldens: publish.pcap's connect command (AMF command object), the video
// sequence header (AVC configuration with SPS fields) and a diagnostic
// from midstream.pcap (resync.found: the chunk size it inferred), at both
// sizes; one with colours.
func TestGolden(t *testing.T) {
	pub := loadRecords(t, "publish.pcap")
	mid := loadRecords(t, "midstream.pcap")
	cases := map[string]*session.Record{
		"connect": find(t, pub, "connect", isCommand("connect")),
		"avcseq":  find(t, pub, "video sequence header", videoSeqHeader),
		"diag": find(t, mid, "diagnostic", func(r *session.Record) bool {
			return r.Kind == event.KindDiagnostic && r.Diag.Code == "resync.found"
		}),
	}
	for name, r := range cases {
		for _, sz := range []struct{ w, h int }{{80, 24}, {160, 48}} {
			t.Run(fmt.Sprintf("%s_%dx%d", name, sz.w, sz.h), func(t *testing.T) {
				m := newPane(theme.Plain(), sz.w, sz.h, r)
				checkShape(t, m.View(), sz.w, sz.h)
				golden.RequireEqual(t, m.View())
			})
		}
	}
	t.Run("connect_color_80x24", func(t *testing.T) {
		m := newPane(theme.New(true), 80, 24, cases["connect"])
		m, _ = m.Update(press("j"))
		checkShape(t, m.View(), 80, 24)
		golden.RequireEqual(t, m.View())
	})
}

// The connect command's tree shows what ffmpeg sent (make-captures.sh
// publishes to rtmp://127.0.0.1:1935/live): app "live", the tcUrl.
func TestConnectContent(t *testing.T) {
	r := find(t, loadRecords(t, "publish.pcap"), "connect", isCommand("connect"))
	m := newPane(theme.Plain(), 160, 200, r)
	m, _ = m.Update(press("*")) // everything open
	v := m.View()
	for _, want := range []string{"connect", "live", "rtmp://127.0.0.1:1935/live"} {
		if !strings.Contains(v, want) {
			t.Errorf("tree lacks %q:\n%s", want, v)
		}
	}
}

// fixture is a small hand-made tree: every key's effect is easy to state.
//
//	root
//	  a (open)      a1, a2
//	  b (closed)    b1 (closed: b1x)
//	  c
func fixture() *tree.Node {
	leaf := func(l string) *tree.Node { return &tree.Node{Label: l, Value: "v" + l} }
	b1 := &tree.Node{Label: "b1", Children: []*tree.Node{leaf("b1x")}}
	return &tree.Node{Label: "root", Expanded: true, Children: []*tree.Node{
		{Label: "a", Expanded: true, Children: []*tree.Node{leaf("a1"), leaf("a2")}},
		{Label: "b", Children: []*tree.Node{b1}},
		leaf("c"),
	}}
}

func labels(m *Model) string {
	var s []string
	for _, l := range m.lines {
		s = append(s, l.node.Label)
	}
	return strings.Join(s, " ")
}

func TestKeys(t *testing.T) {
	for _, tc := range []struct {
		keys   []string
		cursor string // label under the cursor afterwards
		lines  string // visible labels afterwards
	}{
		{nil, "root", "root a a1 a2 b c"},
		{[]string{"down"}, "a", "root a a1 a2 b c"},
		{[]string{"j", "j"}, "a1", "root a a1 a2 b c"},
		{[]string{"j", "j", "k"}, "a", "root a a1 a2 b c"},
		{[]string{"up"}, "root", "root a a1 a2 b c"},
		{[]string{"G"}, "c", "root a a1 a2 b c"},
		{[]string{"end"}, "c", "root a a1 a2 b c"},
		{[]string{"G", "g"}, "root", "root a a1 a2 b c"},
		{[]string{"G", "home"}, "root", "root a a1 a2 b c"},
		{[]string{"pgdown"}, "b", "root a a1 a2 b c"}, // height 5: a page is 4 lines
		{[]string{"G", "pgup"}, "a", "root a a1 a2 b c"},
		{[]string{"j", "enter"}, "a", "root a b c"},
		{[]string{"j", "space"}, "a", "root a b c"},
		{[]string{"j", "enter", "enter"}, "a", "root a a1 a2 b c"},
		{[]string{"j", "left"}, "a", "root a b c"},
		{[]string{"j", "h"}, "a", "root a b c"},
		{[]string{"j", "j", "left"}, "a", "root a a1 a2 b c"}, // leaf: step out to the parent
		{[]string{"j", "h", "l"}, "a", "root a a1 a2 b c"},
		{[]string{"j", "right"}, "a1", "root a a1 a2 b c"}, // open: step in
		{[]string{"j", "j", "j", "j", "right"}, "b", "root a a1 a2 b b1 c"},
		{[]string{"j", "j", "j", "j", "l", "l", "l"}, "b1", "root a a1 a2 b b1 b1x c"},
		{[]string{"j", "j", "j", "j", "*"}, "b", "root a a1 a2 b b1 b1x c"},
		{[]string{"g", "left"}, "root", "root a a1 a2 b c"}, // the root stays open
	} {
		m := New()
		m.SetTheme(theme.Plain())
		m.SetSize(40, 5)
		m.Focus()
		m.SetRecord(nil, fixture())
		for _, k := range tc.keys {
			m, _ = m.Update(press(k))
		}
		if got := m.Selected().Label; got != tc.cursor {
			t.Errorf("keys %v: cursor on %q, want %q", tc.keys, got, tc.cursor)
		}
		if got := labels(&m); got != tc.lines {
			t.Errorf("keys %v: lines %q, want %q", tc.keys, got, tc.lines)
		}
		c, top := m.Cursor()
		if c < top || c >= top+5 {
			t.Errorf("keys %v: cursor %d outside view from %d", tc.keys, c, top)
		}
		checkShape(t, m.View(), 40, 5)
	}
}

func TestSelectMsg(t *testing.T) {
	m := New()
	m.SetSize(40, 10)
	m.Focus()
	root := fixture()
	m.SetRecord(nil, root)
	m, cmd := m.Update(press("j"))
	if cmd == nil {
		t.Fatal("cursor move returned no command")
	}
	if sel, ok := cmd().(SelectMsg); !ok || sel.Node != root.Children[0] {
		t.Fatalf("command emitted %#v, want SelectMsg for node a", cmd())
	}
	// No move, no message: toggling keeps the cursor.
	if _, cmd := m.Update(press("enter")); cmd != nil {
		t.Fatalf("toggle emitted %#v", cmd())
	}
	if _, cmd := m.Update(press("k")); cmd == nil {
		t.Fatal("moving back emitted nothing")
	}
	// A blurred pane ignores keys.
	m.Blur()
	if m2, cmd := m.Update(press("j")); cmd != nil || m2.Selected() != m.Selected() {
		t.Fatal("blurred pane moved")
	}
	// A click selects the line clicked.
	m.Focus()
	if cmd := m.SelectLine(5); cmd == nil || m.Selected().Label != "c" {
		t.Fatalf("click on line 5 selected %q", m.Selected().Label)
	}
	if cmd := m.SelectLine(50); cmd != nil {
		t.Fatal("click below the tree emitted a selection")
	}
}

// Stepping from one video message to the next keeps the fields the user
// opened or closed, and the cursor on the same field.
func TestExpansionFollowsRecords(t *testing.T) {
	var vids []*session.Record
	recs := loadRecords(t, "publish.pcap")
	for i := range recs {
		if r := &recs[i]; r.Kind == event.KindMessage && r.Message.TypeID == event.TypeVideo {
			vids = append(vids, r)
		}
	}
	// Two consecutive inter frames: their trees have the same fields.
	var a, b *session.Record
	for i := 1; i+1 < len(vids) && a == nil; i++ {
		x, y := newPane(theme.Plain(), 80, 24, vids[i]), newPane(theme.Plain(), 80, 24, vids[i+1])
		if labels(&x) == labels(&y) && !strings.Contains(vids[i].Body.Video.Summary(), "seq hdr") {
			a, b = vids[i], vids[i+1]
		}
	}
	if a == nil {
		t.Fatal("no two video messages with the same fields")
	}
	m := newPane(theme.Plain(), 80, 24, a)
	// Collapse the second top-level group and put the cursor on it.
	m, _ = m.Update(press("j"))
	m, _ = m.Update(press("j"))
	label := m.Selected().Label
	before := m.Len()
	m, _ = m.Update(press("enter"))
	if m.Len() >= before {
		t.Fatalf("collapsing %q did not shorten the tree (%d -> %d)", label, before, m.Len())
	}
	collapsed := m.Len()
	m.SetRecord(b, tree.Build(b))
	if m.Selected().Label != label {
		t.Fatalf("cursor moved to %q, want %q", m.Selected().Label, label)
	}
	if m.Len() != collapsed {
		t.Fatalf("next video message's tree has %d lines, want %d (same fields collapsed)", m.Len(), collapsed)
	}
}

func TestEmptyAndHostile(t *testing.T) {
	m := newPane(theme.Plain(), 30, 3, nil)
	if v := m.View(); v != "no event selected\n\n" {
		t.Fatalf("empty view %q", v)
	}
	for _, k := range []string{"j", "k", "enter", "l", "h", "*", "G", "g", "pgdown"} {
		m, _ = m.Update(press(k))
	}
	checkShape(t, m.View(), 30, 3)
	// Control characters and very long values stay on one line, cut at
	// the width; nil children are skipped; deep nesting is bounded.
	deep := &tree.Node{Label: "d", Expanded: true}
	n := deep
	for range 200 {
		c := &tree.Node{Label: "d", Expanded: true}
		n.Children = []*tree.Node{c, nil}
		n = c
	}
	root := &tree.Node{Label: "r\nx", Value: strings.Repeat("é\t", 500), Severity: 2, Expanded: true,
		Children: []*tree.Node{nil, deep, {Label: "warn", Value: "\x1b[31mred", Severity: 1}}}
	for _, w := range []int{0, 1, 2, 5, 17, 80} {
		m := newPane(theme.New(false), w, 6, nil)
		m.SetRecord(nil, root)
		m, _ = m.Update(press("*"))
		m, _ = m.Update(press("G"))
		v := m.View()
		checkShape(t, v, w, 6)
		if strings.Contains(v, "\x1b[31mred") {
			t.Fatalf("raw escape from a value reached the view")
		}
	}
}

func TestHelp(t *testing.T) {
	k := DefaultKeyMap()
	if len(k.ShortHelp()) == 0 || len(k.FullHelp()) == 0 {
		t.Fatal("empty help")
	}
}
