// Package tui is rtmpscope's terminal UI: a connection list, a virtualized
// message timeline, the selected event's detail tree and hex bytes, and a
// per-stream statistics view, over a store that the capture pipeline fills
// while the UI runs. The split follows soft-serve's pkg/ui: each pane is a
// component with Update/View/SetSize and a key map, panes return strings,
// and only this root model lays out the frame.
package tui

import (
	"context"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/rtmpscope/rtmpscope/dissect/session"
	"github.com/rtmpscope/rtmpscope/event"
	"github.com/rtmpscope/rtmpscope/export/tree"
	"github.com/rtmpscope/rtmpscope/tui/detail"
	"github.com/rtmpscope/rtmpscope/tui/hexview"
	"github.com/rtmpscope/rtmpscope/tui/store"
	"github.com/rtmpscope/rtmpscope/tui/streams"
	"github.com/rtmpscope/rtmpscope/tui/theme"
)

// FilterError is a display filter's compile error, with the 1-based column
// it points at (0 when unknown), so the filter bar can put a caret there.
type FilterError struct {
	Column int
	Msg    string
}

func (e *FilterError) Error() string { return e.Msg }

// Options configure the UI.
type Options struct {
	Source string // what the status bar names: the file or the interface
	Live   bool   // capturing live: follow the tail, show kernel counters
	Reveal bool   // start with secrets shown (--show-secrets)
	Filter string // display filter applied at start (-Y)
	// Compile compiles a display filter; nil disables the filter bar.
	Compile func(src string) (Matcher, error)
	Theme   theme.Theme
}

// pane identifies a focusable pane.
type pane int

const (
	paneConns pane = iota
	paneTimeline
	paneDetail
	paneHex
	paneStreams
	paneCharts
)

// inputMode says what the bottom text input is editing.
type inputMode int

const (
	inputNone inputMode = iota
	inputFilter
	inputSearch
	inputGoTo
)

// rect is a pane's place on screen, for mouse hits.
type rect struct{ x, y, w, h int }

func (r rect) has(x, y int) bool { return x >= r.x && x < r.x+r.w && y >= r.y && y < r.y+r.h }

// Model is the root model.
type Model struct {
	opts Options
	st   *store.Store
	th   theme.Theme
	keys KeyMap
	help help.Model

	width, height int
	focus         pane
	streamsView   bool
	showHelp      bool
	helpTop       int // first help line shown
	reveal        bool
	follow        bool
	zoom          bool          // the focused pane fills the screen
	conv          *conversation // the conversation view, nil when closed

	conns  connList
	tl     timeline
	detail detail.Model
	hex    hexview.Model
	stream streams.Model
	charts chartPane

	reportDirs  []string          // the streams view's streams, by index
	reportNames map[string]string // and their names

	input        textinput.Model
	mode         inputMode
	filterSrc    string
	filterErr    *FilterError
	matcher      Matcher
	searchGen    int
	searchMsg    string
	lastQuery    string
	searchCancel context.CancelFunc
	searchProg   *searchProgress // the running search's, shared with its goroutine

	// history holds the display filters applied, oldest first; histPos
	// is the entry the filter bar shows while browsing it with up/down
	// (len(history) when editing a new one).
	history []string
	histPos int

	pair pairInfo // the shown row's request/response peer

	shown int // store row shown in detail/hex, -1 none
	rects map[pane]rect
}

// New returns the root model over st. The store may still be filling.
func New(st *store.Store, opts Options) Model {
	m := Model{
		opts: opts, st: st, th: opts.Theme, keys: DefaultKeyMap(), help: help.New(),
		focus: paneTimeline, reveal: opts.Reveal, follow: opts.Live,
		detail: detail.New(), hex: hexview.New(), stream: streams.New(),
		input: textinput.New(), shown: -1, rects: map[pane]rect{},
	}
	m.tl = timeline{st: st, sel: selectAll()}
	m.setTheme(opts.Theme)
	m.input.Prompt = "filter: "
	if opts.Filter != "" && opts.Compile != nil {
		m.applyFilter(opts.Filter)
	}
	m.focusPane(paneTimeline)
	return m
}

func (m *Model) setTheme(t theme.Theme) {
	m.th = t
	m.tl.theme, m.conns.theme = t, t
	m.detail.SetTheme(t)
	m.hex.SetTheme(t)
	m.stream.SetTheme(t)
	m.help.Styles.ShortKey = t.HelpKey
	m.help.Styles.FullKey = t.HelpKey
	m.help.Styles.ShortDesc = t.HelpDesc
	m.help.Styles.FullDesc = t.HelpDesc
}

// Init implements tea.Model.
func (m Model) Init() tea.Cmd { return tick() }

// Update implements tea.Model.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	var cmds []tea.Cmd
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.layout()
	case tickMsg:
		m.refresh()
		cmds = append(cmds, tick())
	case searchDoneMsg:
		if msg.gen == m.searchGen {
			if msg.pos < 0 {
				m.searchMsg = "not found: " + msg.query
			} else {
				m.searchMsg = "found: " + msg.query
				if msg.wrapped {
					m.searchMsg += " (wrapped)"
				}
				m.follow = false
				m.tl.goTo(msg.pos)
			}
		}
	case detail.SelectMsg:
		if msg.Node != nil {
			m.hex.Highlight(msg.Node.Space, msg.Node.Off, msg.Node.Len)
		}
	case tea.KeyPressMsg:
		cmds = append(cmds, m.key(msg))
	case tea.MouseClickMsg:
		cmds = append(cmds, m.click(msg.Mouse()))
	case tea.MouseWheelMsg:
		cmds = append(cmds, m.wheel(msg.Mouse()))
	default:
		if m.mode != inputNone {
			var c tea.Cmd
			m.input, c = m.input.Update(msg)
			cmds = append(cmds, c)
		}
	}
	cmds = append(cmds, m.syncSelection())
	return m, tea.Batch(cmds...)
}

// refresh picks up what the pipeline added since the last tick.
func (m *Model) refresh() {
	before := len(m.conns.conns)
	m.conns.conns = m.st.Conns()
	if len(m.conns.conns) != before {
		m.layout() // the connections pane grows with its rows
	}
	if m.streamsView {
		m.setReports()
	}
	if m.follow {
		m.tl.goTo(m.tl.count() - 1)
	}
}

// key handles a key press.
func (m *Model) key(msg tea.KeyPressMsg) tea.Cmd {
	if m.mode != inputNone {
		return m.inputKey(msg)
	}
	if m.showHelp {
		return m.helpKey(msg)
	}
	if m.conv != nil {
		return m.convKey(msg)
	}
	k := m.keys
	switch {
	case key.Matches(msg, k.Quit):
		return tea.Quit
	case key.Matches(msg, k.Help):
		m.showHelp, m.helpTop = true, 0
		return nil
	case key.Matches(msg, k.NextPane):
		m.cycle(1)
		return nil
	case key.Matches(msg, k.PrevPane):
		m.cycle(-1)
		return nil
	case key.Matches(msg, k.Zoom):
		m.zoom = !m.zoom
		m.layout()
		return nil
	case key.Matches(msg, k.Streams):
		m.streamsView = !m.streamsView
		if m.streamsView {
			m.setReports()
			m.focusPane(paneStreams)
		} else {
			m.focusPane(paneTimeline)
		}
		m.layout()
		return nil
	case key.Matches(msg, k.Conversation) && !m.streamsView:
		m.openConversation()
		return nil
	case key.Matches(msg, k.Search):
		// A search starts afresh; n and N repeat the last one.
		return m.startInput(inputSearch, "/", "")
	case key.Matches(msg, k.NextMatch), key.Matches(msg, k.PrevMatch):
		if m.lastQuery == "" {
			m.searchMsg = "no search yet: / starts one"
			return nil
		}
		dir := 1
		if key.Matches(msg, k.PrevMatch) {
			dir = -1
		}
		return m.search(m.lastQuery, dir)
	case key.Matches(msg, k.Filter) && m.opts.Compile != nil:
		m.histPos = len(m.history)
		return m.startInput(inputFilter, "filter: ", m.filterSrc)
	case key.Matches(msg, k.GoTo):
		return m.startInput(inputGoTo, ":", "")
	case key.Matches(msg, k.ClearFilter):
		m.searchMsg = ""
		if m.zoom {
			m.zoom = false
			m.layout()
			return nil
		}
		if m.filterSrc != "" {
			m.applyFilter("")
		}
		return nil
	case key.Matches(msg, k.Pair):
		m.jumpPair()
		return nil
	case key.Matches(msg, k.NextDiag):
		m.jumpDiag(1)
		return nil
	case key.Matches(msg, k.PrevDiag):
		m.jumpDiag(-1)
		return nil
	case key.Matches(msg, k.Follow):
		m.follow = !m.follow
		if m.follow {
			m.tl.goTo(m.tl.count() - 1)
		}
		return nil
	case key.Matches(msg, k.Reveal):
		m.reveal = !m.reveal
		m.tl.reveal, m.conns.reveal = m.reveal, m.reveal
		m.shown = -1 // show the record again, redacted or not
		if m.streamsView {
			m.setReports()
		}
		return nil
	}
	switch m.focus {
	case paneTimeline:
		m.listKey(msg, m.tl.height, func(d int) { m.tl.move(d) }, func(end bool) {
			if end {
				m.tl.goTo(m.tl.count() - 1)
			} else {
				m.tl.goTo(0)
			}
		})
		if msg.String() == "enter" {
			m.focusPane(paneDetail)
			m.layout()
		}
		if m.opts.Live {
			// Moving away from the tail pauses following; G resumes.
			m.follow = m.tl.cursor >= m.tl.count()-1
		}
	case paneConns:
		before := m.conns.cursor
		m.listKey(msg, m.conns.height, m.conns.move, func(end bool) {
			if end {
				m.conns.cursor = len(m.conns.conns)
			} else {
				m.conns.cursor = 0
			}
			m.conns.clamp()
		})
		if m.conns.cursor != before {
			m.applySelection()
		}
		if msg.String() == "enter" {
			m.focusPane(paneTimeline)
		}
	case paneDetail:
		var c tea.Cmd
		m.detail, c = m.detail.Update(msg)
		return c
	case paneHex:
		var c tea.Cmd
		m.hex, c = m.hex.Update(msg)
		return c
	case paneStreams:
		var c tea.Cmd
		m.stream, c = m.stream.Update(msg)
		m.setCharts()
		return c
	case paneCharts:
		switch {
		case key.Matches(msg, k.Up):
			m.charts.scroll(-1)
		case key.Matches(msg, k.Down):
			m.charts.scroll(1)
		case key.Matches(msg, k.Top):
			m.charts.scroll(-len(m.charts.charts))
		case key.Matches(msg, k.Bottom):
			m.charts.scroll(len(m.charts.charts))
		}
	}
	return nil
}

// helpKey scrolls the help (it is longer than a small terminal) or closes
// it on any other key.
func (m *Model) helpKey(msg tea.KeyPressMsg) tea.Cmd {
	k := m.keys
	page := max(m.height-4, 1)
	switch {
	case key.Matches(msg, k.Quit):
		return tea.Quit
	case key.Matches(msg, k.Down):
		m.helpTop++
	case key.Matches(msg, k.Up):
		m.helpTop--
	case key.Matches(msg, k.PageDown), msg.String() == "space":
		m.helpTop += page
	case key.Matches(msg, k.PageUp):
		m.helpTop -= page
	case key.Matches(msg, k.Top):
		m.helpTop = 0
	case key.Matches(msg, k.Bottom):
		m.helpTop = 1 << 20
	default:
		m.showHelp = false
	}
	m.helpTop = min(max(m.helpTop, 0), m.helpMaxTop())
	return nil
}

// openConversation opens the conversation of the chosen connection, or of
// the selected row's.
func (m *Model) openConversation() {
	ci := m.conns.chosen()
	if r := m.tl.selected(); ci < 0 && r >= 0 {
		ci = int(m.st.Row(r).Conn)
	}
	if ci < 0 {
		m.searchMsg = "no connection selected"
		return
	}
	m.conv = newConversation(m.st, ci, m.reveal, m.th.ASCII)
	// Start on the line of the selected row (or the run holding it).
	if r := m.tl.selected(); r >= 0 {
		for k, l := range m.conv.lines {
			if l.row <= r {
				m.conv.cursor = k
			}
		}
	}
	m.conv.top = max(m.conv.cursor-3, 0)
}

// convKey moves in the conversation; enter goes to the line's row.
func (m *Model) convKey(msg tea.KeyPressMsg) tea.Cmd {
	k := m.keys
	c := m.conv
	switch {
	case msg.String() == "ctrl+c":
		return tea.Quit
	case key.Matches(msg, k.Quit), key.Matches(msg, k.ClearFilter), key.Matches(msg, k.Conversation):
		m.conv = nil
	case key.Matches(msg, k.Reveal):
		// Reveal or redact here too; the conversation is built again,
		// on the same line (it also picks up rows a live capture added).
		m.reveal = !m.reveal
		m.tl.reveal, m.conns.reveal = m.reveal, m.reveal
		m.shown = -1
		cur, top := c.cursor, c.top
		m.conv = newConversation(m.st, c.conn, m.reveal, m.th.ASCII)
		m.conv.cursor, m.conv.top = cur, top
	case msg.String() == "enter":
		if c.cursor < len(c.lines) {
			r := c.lines[c.cursor].row
			if p, ok := m.tl.sel.position(r, m.st.Len()); ok {
				m.tl.goTo(p)
			} else {
				// Outside the filter: show every row of the connection.
				m.applyFilter("")
				m.conns.cursor = c.conn + 1
				m.applySelection()
				if p, ok := m.tl.sel.position(r, m.st.Len()); ok {
					m.tl.goTo(p)
				}
			}
			m.follow = false
		}
		m.conv = nil
		m.focusPane(paneTimeline)
	default:
		m.listKey(msg, c.height, c.move, func(end bool) {
			if end {
				c.move(len(c.lines))
			} else {
				c.move(-len(c.lines))
			}
		})
	}
	return nil
}

// setReports gives the streams view the store's streams (names revealed
// or not) and the charts the selected one's series.
func (m *Model) setReports() {
	reps, names := m.st.StreamReports(m.reveal)
	m.stream.SetReports(reps, names)
	m.reportDirs = m.reportDirs[:0]
	for _, r := range reps {
		m.reportDirs = append(m.reportDirs, r.Dir)
	}
	m.reportNames = names
	m.setCharts()
}

// setCharts points the charts at the stream selected in the streams view.
func (m *Model) setCharts() {
	i, n := m.stream.Selected()
	dir := ""
	if i < n && i < len(m.reportDirs) {
		dir = m.reportDirs[i]
	}
	st, conns := m.st.Series()
	m.charts.set(dir, m.reportNames[dir], st, conns)
}

// listKey applies the list movement keys to a list pane.
func (m *Model) listKey(msg tea.KeyPressMsg, page int, move func(int), ends func(bool)) {
	k := m.keys
	page = max(page-1, 1)
	switch {
	case key.Matches(msg, k.Up):
		move(-1)
	case key.Matches(msg, k.Down):
		move(1)
	case key.Matches(msg, k.PageUp):
		move(-page)
	case key.Matches(msg, k.PageDown):
		move(page)
	case key.Matches(msg, k.Top):
		ends(false)
	case key.Matches(msg, k.Bottom):
		ends(true)
	}
}

// panes returns the focus order of the visible panes.
func (m *Model) panes() []pane {
	if m.streamsView {
		return []pane{paneStreams, paneCharts}
	}
	return []pane{paneConns, paneTimeline, paneDetail, paneHex}
}

func (m *Model) cycle(d int) {
	ps := m.panes()
	i := 0
	for j, p := range ps {
		if p == m.focus {
			i = j
		}
	}
	m.focusPane(ps[(i+d+len(ps))%len(ps)])
	m.layout()
}

func (m *Model) focusPane(p pane) {
	m.focus = p
	m.tl.focused, m.conns.focused = p == paneTimeline, p == paneConns
	m.charts.focused = p == paneCharts
	m.detail.Blur()
	m.hex.Blur()
	m.stream.Blur()
	switch p {
	case paneDetail:
		m.detail.Focus()
	case paneHex:
		m.hex.Focus()
	case paneStreams:
		m.stream.Focus()
	}
}

// startInput opens the bottom input for a filter or a search.
func (m *Model) startInput(mode inputMode, prompt, value string) tea.Cmd {
	m.mode = mode
	m.input.Prompt = prompt
	m.input.SetValue(value)
	m.input.CursorEnd()
	m.layout()
	return m.input.Focus()
}

func (m *Model) inputKey(msg tea.KeyPressMsg) tea.Cmd {
	switch msg.String() {
	case "esc":
		m.mode = inputNone
		m.input.Blur()
		m.filterErr = nil
		m.layout()
		return nil
	case "enter":
		v := strings.TrimSpace(m.input.Value())
		mode := m.mode
		if mode == inputFilter {
			if !m.applyFilter(v) {
				return nil // keep editing; the error shows under the bar
			}
			m.remember(v)
		}
		m.mode = inputNone
		m.input.Blur()
		m.layout()
		switch {
		case mode == inputSearch && v != "":
			m.lastQuery = v
			return m.search(v, 1)
		case mode == inputGoTo && v != "":
			m.goToFrame(v)
		}
		return nil
	case "up", "down":
		if m.mode == inputFilter && len(m.history) > 0 {
			if msg.String() == "up" {
				m.histPos = max(m.histPos-1, 0)
			} else {
				m.histPos = min(m.histPos+1, len(m.history))
			}
			v := ""
			if m.histPos < len(m.history) {
				v = m.history[m.histPos]
			}
			m.input.SetValue(v)
			m.input.CursorEnd()
			m.filterErr = nil
			return nil
		}
	}
	var c tea.Cmd
	m.input, c = m.input.Update(msg)
	return c
}

// remember adds a filter to the history (once, most recent last).
func (m *Model) remember(src string) {
	if src == "" {
		return
	}
	if i := len(m.history) - 1; i >= 0 && m.history[i] == src {
		return
	}
	m.history = append(m.history, src)
	if len(m.history) > maxHistory {
		m.history = m.history[len(m.history)-maxHistory:]
	}
}

// maxHistory bounds the filter history.
const maxHistory = 100

// applyFilter compiles src and starts the selection scan; it returns false
// (and keeps the error for the bar) when src does not compile.
func (m *Model) applyFilter(src string) bool {
	m.filterErr = nil
	var match Matcher
	if src != "" {
		var err error
		match, err = m.opts.Compile(src)
		if err != nil {
			fe, ok := err.(*FilterError)
			if !ok {
				fe = &FilterError{Msg: err.Error()}
			}
			m.filterErr = fe
			return false
		}
	}
	m.filterSrc, m.matcher = src, match
	m.applySelection()
	return true
}

// applySelection restarts the timeline's selection from the chosen
// connection and the display filter, keeping the cursor on the same row
// when it is still selected.
func (m *Model) applySelection() {
	cur := m.tl.selected()
	m.tl.sel.stop()
	conn := m.conns.chosen()
	if conn < 0 && m.matcher == nil {
		m.tl.sel = selectAll()
	} else {
		small := m.st.Len() < 20000
		m.tl.sel = newSelection(m.st, conn, m.matcher, m.reveal, small)
	}
	if cur >= 0 {
		p, _ := m.tl.sel.position(cur, m.st.Len())
		m.tl.goTo(p)
	} else {
		m.tl.goTo(0)
	}
}

// jumpDiag moves to the next (d=1) or previous (d=-1) diagnostic in the
// timeline's selection.
func (m *Model) jumpDiag(d int) {
	cur := m.tl.selected()
	diags := m.st.Diagnostics()
	n := m.st.Len()
	try := func(r int) bool {
		if p, ok := m.tl.sel.position(r, n); ok {
			m.follow = false
			m.tl.goTo(p)
			return true
		}
		return false
	}
	if d > 0 {
		for _, r := range diags {
			if r > cur && try(r) {
				return
			}
		}
		return
	}
	for i := len(diags) - 1; i >= 0; i-- {
		if diags[i] < cur && try(diags[i]) {
			return
		}
	}
}

// syncSelection shows the timeline's selected row in the detail and hex
// panes when it changed.
func (m *Model) syncSelection() tea.Cmd {
	r := m.tl.selected()
	if r == m.shown || r < 0 {
		return nil
	}
	m.shown = r
	rec, err := m.st.Record(r, m.reveal)
	if err != nil {
		rec = &session.Record{Event: event.Event{Kind: event.KindDiagnostic, Diag: &event.Diagnostic{Severity: event.Error, Code: "tui.store", Text: err.Error()}}}
	}
	root := tree.Build(rec)
	m.detail.SetRecord(rec, root)
	m.pair = m.pairOf(r, rec)
	if msg := rec.Message; msg != nil {
		headers := make([][]byte, len(msg.Chunks))
		for i, c := range msg.Chunks {
			headers[i] = c.Header
		}
		m.hex.SetMessage(msg, msg.Body, headers)
		var mask []hexview.Range
		if !m.reveal {
			for _, sec := range rec.Secrets {
				mask = append(mask, hexview.Range{Off: int64(sec.Off), Len: int64(sec.Len)})
			}
		}
		m.hex.SetMask(mask)
		// The detail pane keeps its cursor on the same field across
		// records; SetMessage cleared the highlight, so restore it.
		if n := m.detail.Selected(); n != nil {
			m.hex.Highlight(n.Space, n.Off, n.Len)
		}
	} else {
		m.hex.SetMessage(nil, nil, nil)
		m.hex.SetMask(nil)
	}
	return nil
}

// click focuses the pane under the mouse and, in a list, selects the row.
func (m *Model) click(ms tea.Mouse) tea.Cmd {
	if ms.Button != tea.MouseLeft || m.showHelp {
		return nil
	}
	if m.conv != nil {
		// A click picks a line of the conversation (one title line).
		if row := ms.Y - 1; row >= 0 {
			m.conv.cursor = m.conv.top + row
			m.conv.move(0)
		}
		return nil
	}
	for p, r := range m.rects {
		if !r.has(ms.X, ms.Y) {
			continue
		}
		m.focusPane(p)
		switch p {
		case paneTimeline:
			// One title line and one column header above the rows.
			if row := ms.Y - r.y - 2; row >= 0 {
				m.tl.goTo(m.tl.top + row)
				m.follow = false
			}
		case paneConns:
			if row := ms.Y - r.y - 1; row >= 0 {
				m.conns.cursor = m.conns.top + row
				m.conns.clamp()
				m.applySelection()
			}
		case paneDetail:
			// One title line above the tree.
			return m.detail.SelectLine(ms.Y - r.y - 1)
		}
		return nil
	}
	return nil
}

// wheel scrolls the pane under the mouse.
func (m *Model) wheel(ms tea.Mouse) tea.Cmd {
	d := 0
	switch ms.Button {
	case tea.MouseWheelUp:
		d = -3
	case tea.MouseWheelDown:
		d = 3
	default:
		return nil
	}
	switch {
	case m.showHelp:
		m.helpTop = min(max(m.helpTop+d, 0), m.helpMaxTop())
		return nil
	case m.conv != nil:
		m.conv.top = min(max(m.conv.top+d, 0), max(len(m.conv.lines)-m.conv.height, 0))
		m.conv.cursor = min(max(m.conv.cursor, m.conv.top), m.conv.top+max(m.conv.height-1, 0))
		return nil
	}
	for p, r := range m.rects {
		if !r.has(ms.X, ms.Y) {
			continue
		}
		switch p {
		case paneTimeline:
			m.tl.move(d)
			if d < 0 {
				m.follow = false
			}
		case paneConns:
			m.conns.move(d / 3)
			m.applySelection()
		case paneCharts:
			m.charts.scroll(d / 3)
		default:
			code := tea.KeyDown
			if d < 0 {
				code = tea.KeyUp
			}
			var cmds []tea.Cmd
			for range 3 {
				k := tea.KeyPressMsg{Code: code}
				var c tea.Cmd
				switch p {
				case paneDetail:
					m.detail, c = m.detail.Update(k)
				case paneHex:
					m.hex, c = m.hex.Update(k)
				case paneStreams:
					m.stream, c = m.stream.Update(k)
				}
				cmds = append(cmds, c)
			}
			return tea.Batch(cmds...)
		}
	}
	return nil
}

// wideBottom says whether detail and hex sit side by side.
func (m *Model) wideBottom() bool { return m.width >= 120 }

// barLines is how many lines the filter/search bar takes.
func (m *Model) barLines() int {
	n := 0
	if m.mode != inputNone {
		n++
		if m.filterErr != nil {
			n++
		}
	}
	return n
}

// layout sizes every pane for the window and records where each is.
func (m *Model) layout() {
	w, h := m.width, m.height
	body := max(h-1-m.barLines(), 0) // status line at the bottom
	m.rects = map[pane]rect{}
	m.help.SetWidth(w)
	if m.streamsView {
		m.layoutStreams(w, body)
		return
	}
	if m.zoom {
		// The focused pane takes the whole body, under its title.
		inner := max(body-1, 0)
		switch m.focus {
		case paneConns:
			m.conns.setSize(w, inner)
		case paneTimeline:
			m.tl.setSize(w, inner)
		case paneDetail:
			m.detail.SetSize(w, inner)
		case paneHex:
			m.hex.SetSize(w, inner)
		}
		m.rects[m.focus] = rect{0, 0, w, body}
		return
	}
	// The connections pane grows with its rows ("all" and one line per
	// connection) up to a quarter of the screen, and scrolls beyond.
	connRows := min(max(len(m.conns.conns)+1, 2), max(body/4, 2))
	connH := 1 + connRows
	rest := max(body-connH, 0)
	tlH := rest * 45 / 100
	if h >= 40 {
		tlH = rest / 2
	}
	botH := max(rest-tlH, 0)
	m.conns.setSize(w, connRows)
	m.tl.setSize(w, max(tlH-1, 0))
	m.rects[paneConns] = rect{0, 0, w, connH}
	m.rects[paneTimeline] = rect{0, connH, w, tlH}
	y := connH + tlH
	if m.wideBottom() {
		dw := w * 45 / 100
		m.detail.SetSize(dw, max(botH-1, 0))
		m.hex.SetSize(w-dw-1, max(botH-1, 0))
		m.rects[paneDetail] = rect{0, y, dw, botH}
		m.rects[paneHex] = rect{dw + 1, y, w - dw - 1, botH}
		return
	}
	m.detail.SetSize(w, max(botH-1, 0))
	m.hex.SetSize(w, max(botH-1, 0))
	if m.focus == paneHex {
		m.rects[paneHex] = rect{0, y, w, botH}
	} else {
		m.rects[paneDetail] = rect{0, y, w, botH}
	}
}

// layoutStreams sizes the streams view: the stream list and its charts side
// by side when the window is wide, one above the other when not; zoom
// gives the focused one the whole body.
func (m *Model) layoutStreams(w, body int) {
	inner := max(body-1, 0)
	switch {
	case m.zoom && m.focus == paneCharts:
		m.charts.width, m.charts.height = w, inner
		m.rects[paneCharts] = rect{0, 0, w, body}
	case m.zoom:
		m.stream.SetSize(w, inner)
		m.rects[paneStreams] = rect{0, 0, w, body}
	case w >= 120:
		sw := w / 2
		m.stream.SetSize(sw, inner)
		m.charts.width, m.charts.height = w-sw-1, inner
		m.rects[paneStreams] = rect{0, 0, sw, body}
		m.rects[paneCharts] = rect{sw + 1, 0, w - sw - 1, body}
	default:
		top := body / 2
		m.stream.SetSize(w, max(top-1, 0))
		m.charts.width, m.charts.height = w, max(body-top-1, 0)
		m.rects[paneStreams] = rect{0, 0, w, top}
		m.rects[paneCharts] = rect{0, top, w, body - top}
	}
	m.charts.scroll(0)
}

// title renders a pane's title rule.
func (m *Model) title(text string, focused bool, w int) string {
	rule := "─"
	if m.th.ASCII {
		rule = "-"
	}
	s := rule + " " + text + " "
	s = fit(s+strings.Repeat(rule, max(w-lipgloss.Width(s), 0)), w, m.th.Ellipsis())
	if focused {
		return m.th.BorderFocused.Render(s)
	}
	return m.th.Border.Render(s)
}

// View implements tea.Model.
func (m Model) View() tea.View {
	v := tea.NewView(m.Render())
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	v.WindowTitle = "rtmpscope " + m.opts.Source
	return v
}

// Render returns the frame as a string (View without the terminal modes;
// golden tests compare it).
func (m Model) Render() string {
	if m.width <= 0 || m.height <= 0 {
		return ""
	}
	body := max(m.height-1-m.barLines(), 0)
	var parts []string
	switch {
	case m.showHelp:
		parts = append(parts, m.helpView(body))
	case m.conv != nil:
		parts = append(parts, m.title(m.conv.titleText(), true, m.width), m.convView(m.width, max(body-1, 0)))
	case m.streamsView:
		parts = append(parts, m.streamsRender(body))
	case m.zoom:
		parts = append(parts, m.title(m.paneTitle(m.focus)+" · z: restore", true, m.width))
		switch m.focus {
		case paneConns:
			parts = append(parts, m.conns.View())
		case paneTimeline:
			parts = append(parts, m.tl.View())
		case paneDetail:
			parts = append(parts, m.detail.View())
		case paneHex:
			parts = append(parts, m.hex.View())
		}
	default:
		parts = append(parts,
			m.title(m.paneTitle(paneConns), m.focus == paneConns, m.width), m.conns.View(),
			m.title(m.paneTitle(paneTimeline), m.focus == paneTimeline, m.width), m.tl.View())
		r := m.rects[paneDetail]
		if m.wideBottom() {
			hr := m.rects[paneHex]
			sep := m.th.Border.Render(strings.Repeat("│\n", max(r.h-1, 0)) + "│")
			if m.th.ASCII {
				sep = m.th.Border.Render(strings.Repeat("|\n", max(r.h-1, 0)) + "|")
			}
			left := m.title(m.paneTitle(paneDetail), m.focus == paneDetail, r.w) + "\n" + m.detail.View()
			right := m.title("Hex", m.focus == paneHex, hr.w) + "\n" + m.hex.View()
			parts = append(parts, lipgloss.JoinHorizontal(lipgloss.Top, left, sep, right))
		} else if m.focus == paneHex {
			parts = append(parts, m.title("Hex (tab: next pane)", true, m.width), m.hex.View())
		} else {
			parts = append(parts, m.title(m.paneTitle(paneDetail)+" (tab: hex)", m.focus == paneDetail, m.width), m.detail.View())
		}
	}
	frame := strings.Join(parts, "\n")
	lines := strings.Split(frame, "\n")
	frame = block(lines, m.width, body, m.th.Ellipsis())
	if m.mode != inputNone {
		frame += "\n" + fit(m.input.View(), m.width, m.th.Ellipsis())
		if m.filterErr != nil {
			col := max(m.filterErr.Column-1, 0) + lipgloss.Width(m.input.Prompt)
			frame += "\n" + m.th.Error.Render(fit(strings.Repeat(" ", col)+"^ "+m.filterErr.Msg, m.width, m.th.Ellipsis()))
		}
	}
	return frame + "\n" + m.statusLine()
}

// streamsRender draws the streams view: the stream list and the charts of
// the selected stream.
func (m *Model) streamsRender(body int) string {
	if m.zoom {
		if m.focus == paneCharts {
			return m.title(m.charts.title+" · z: restore", true, m.width) + "\n" + m.chartsView()
		}
		return m.title("Streams · z: restore", true, m.width) + "\n" + m.stream.View()
	}
	sr, cr := m.rects[paneStreams], m.rects[paneCharts]
	left := m.title("Streams", m.focus == paneStreams, sr.w) + "\n" + m.stream.View()
	right := m.title(m.charts.title, m.focus == paneCharts, cr.w) + "\n" + m.chartsView()
	if cr.x > 0 {
		bar := "│"
		if m.th.ASCII {
			bar = "|"
		}
		sep := m.th.Border.Render(strings.Repeat(bar+"\n", max(body-1, 0)) + bar)
		return lipgloss.JoinHorizontal(lipgloss.Top, block(strings.Split(left, "\n"), sr.w, body, ""), sep, block(strings.Split(right, "\n"), cr.w, body, ""))
	}
	return block(strings.Split(left, "\n"), sr.w, sr.h, "") + "\n" + right
}

// paneTitle is the title line text of a pane.
func (m *Model) paneTitle(p pane) string {
	switch p {
	case paneConns:
		return fmt.Sprintf("Connections (%d)", len(m.conns.conns))
	case paneTimeline:
		return m.timelineTitle()
	case paneDetail:
		if m.pair.text != "" {
			s := "Detail · " + m.pair.text
			if m.pair.peer >= 0 {
				s += " · p: go"
			}
			return s
		}
		return "Detail"
	case paneHex:
		return "Hex"
	}
	return ""
}

func (m *Model) timelineTitle() string {
	n := m.st.Len()
	c := m.tl.count()
	s := "Timeline " + itoa(min(m.tl.cursor+1, c)) + "/" + itoa(c)
	if c != n {
		s += " of " + itoa(n)
	}
	if ch := m.conns.chosen(); ch >= 0 && ch < len(m.conns.conns) {
		s += " · " + m.conns.conns[ch].ID.String()
	}
	if m.filterSrc != "" {
		s += " · " + m.filterSrc
	}
	return s
}

// helpView is the help overlay: every pane's full key map, in two columns
// when they fit, scrolled by helpTop when it is taller than h.
func (m *Model) helpView(h int) string {
	head := m.th.Title.Render("rtmpscope keys") + "  (j/k pgup/pgdn scroll, any other key closes)"
	lines := m.helpLines()
	rows := max(h-1, 0)
	top := min(m.helpTop, max(len(lines)-rows, 0))
	end := min(top+rows, len(lines))
	if top > 0 || end < len(lines) {
		head += fmt.Sprintf("  [%d-%d of %d]", top+1, end, len(lines))
	}
	return block(append([]string{head}, lines[top:end]...), m.width, h, m.th.Ellipsis())
}

// helpMaxTop is the last useful help scroll position.
func (m *Model) helpMaxTop() int {
	return max(len(m.helpLines())-max(m.height-1-m.barLines()-1, 0), 0)
}

// helpLines lays out every key map's help, in two columns when wide.
func (m *Model) helpLines() []string {
	var groups [][]key.Binding
	groups = append(groups, m.keys.FullHelp()...)
	groups = append(groups, m.detail.KeyMap.FullHelp()...)
	groups = append(groups, m.hex.KeyMap.FullHelp()...)
	groups = append(groups, m.stream.KeyMap.FullHelp()...)
	var lines []string
	names := []string{"lists", "panes and views", "find and go", "detail", "", "hex", "", "streams", ""}
	for i, g := range groups {
		if i < len(names) && names[i] != "" {
			lines = append(lines, m.th.Heading.Render(names[i]))
		}
		for _, k := range g {
			hp := k.Help()
			lines = append(lines, "  "+m.th.HelpKey.Render(fit(hp.Key, 12, ""))+m.th.HelpDesc.Render(hp.Desc))
		}
	}
	if m.width >= 72 {
		// Two columns when there is room, split at a group heading near
		// the middle so no group is cut in two.
		half := (len(lines) + 1) / 2
		for i := half; i < len(lines); i++ {
			if !strings.HasPrefix(lines[i], " ") {
				half = i
				break
			}
		}
		n := max(half, len(lines)-half)
		left := block(lines[:half], m.width/2, n, m.th.Ellipsis())
		right := block(lines[half:], m.width-m.width/2, n, m.th.Ellipsis())
		lines = strings.Split(lipgloss.JoinHorizontal(lipgloss.Top, left, right), "\n")
	}
	return lines
}
