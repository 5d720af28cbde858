// Package streams is the terminal UI's stream view: per media stream the
// codecs and their configuration, frame rate, keyframe interval, bitrate
// over time as a sparkline, A/V drift, timestamps that jumped or went
// backwards, and sequence headers that changed — the same accumulator
// (dissect/media.Stats) `rtmpscope stats` reports from.
//
// A stream is one media.StreamReport. Stats keys its reports by whatever
// string the caller passes to Stats.Add as the direction; the TUI's store
// uses "CONN DIR" ("c1 c2s"), one stream per connection and direction. The
// names map given to SetReports is keyed by that same StreamReport.Dir
// string and holds the stream's display name ("live/****"); a missing name
// shows the key alone.
package streams

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/rtmpscope/rtmpscope/dissect/media"
	"github.com/rtmpscope/rtmpscope/tui/theme"
)

// Model is the stream view.
type Model struct {
	KeyMap KeyMap

	theme   theme.Theme
	width   int
	height  int
	focused bool

	reports []media.StreamReport
	names   map[string]string

	lines  []styledLine // every stream's block, laid out for the width
	starts []int        // first line of each stream's block
	cursor int          // selected stream
	top    int          // first visible line
}

// New returns an empty stream view with the default key map and colour theme.
func New() Model {
	return Model{KeyMap: DefaultKeyMap(), theme: theme.New(true)}
}

// SetTheme replaces the styles the view draws with.
func (m *Model) SetTheme(t theme.Theme) {
	m.theme = t
	m.layout()
}

// SetSize sets the view's size in cells.
func (m *Model) SetSize(w, h int) {
	m.width, m.height = max(w, 0), max(h, 0)
	m.layout()
	m.scrollToCursor()
}

// Focus gives the view the keyboard.
func (m *Model) Focus() { m.focused = true }

// Blur takes the keyboard away.
func (m *Model) Blur() { m.focused = false }

// Focused reports whether the view has the keyboard.
func (m Model) Focused() bool { return m.focused }

// SetReports replaces the streams shown (as returned by media.Stats.Report)
// and their display names keyed by StreamReport.Dir. The selected stream
// stays selected when it is still there, so a live capture's periodic
// refresh does not move the cursor.
func (m *Model) SetReports(reports []media.StreamReport, names map[string]string) {
	var sel string
	if m.cursor < len(m.reports) {
		sel = m.reports[m.cursor].Dir
	}
	m.reports, m.names = reports, names
	m.cursor = 0
	for i, r := range reports {
		if r.Dir == sel {
			m.cursor = i
		}
	}
	m.layout()
	m.clamp()
}

// Selected returns the index of the selected stream and the stream count.
func (m Model) Selected() (i, n int) { return m.cursor, len(m.reports) }

// Top returns the first visible line.
func (m Model) Top() int { return m.top }

// Update handles keys (when focused) and the mouse wheel.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		if !m.focused {
			return m, nil
		}
		page := max(m.height-1, 1)
		switch {
		case key.Matches(msg, m.KeyMap.Up):
			m.cursor--
			m.scrollToCursor()
		case key.Matches(msg, m.KeyMap.Down):
			m.cursor++
			m.scrollToCursor()
		case key.Matches(msg, m.KeyMap.PageUp):
			m.top -= page
			m.cursorFollowsView()
		case key.Matches(msg, m.KeyMap.PageDown):
			m.top += page
			m.cursorFollowsView()
		case key.Matches(msg, m.KeyMap.Top):
			m.cursor = 0
			m.scrollToCursor()
		case key.Matches(msg, m.KeyMap.Bottom):
			m.cursor = len(m.reports) - 1
			m.scrollToCursor()
		}
	case tea.MouseWheelMsg:
		switch msg.Button {
		case tea.MouseWheelUp:
			m.top -= 3
		case tea.MouseWheelDown:
			m.top += 3
		}
		m.cursorFollowsView()
	}
	m.clamp()
	return m, nil
}

func (m *Model) clamp() {
	m.cursor = min(max(m.cursor, 0), max(len(m.reports)-1, 0))
	m.top = min(max(m.top, 0), max(len(m.lines)-m.height, 0))
}

// scrollToCursor shows the selected stream's block: its end when it fits,
// always its heading line.
func (m *Model) scrollToCursor() {
	m.clamp()
	if m.cursor >= len(m.starts) || m.height <= 0 {
		return
	}
	start := m.starts[m.cursor]
	end := len(m.lines)
	if m.cursor+1 < len(m.starts) {
		end = m.starts[m.cursor+1]
	}
	if end > m.top+m.height {
		m.top = end - m.height
	}
	if start < m.top || start >= m.top+m.height {
		m.top = start
	}
	m.clamp()
}

// cursorFollowsView selects the stream whose block is at the top of the
// view after a page or wheel scroll.
func (m *Model) cursorFollowsView() {
	m.clamp()
	for i, s := range m.starts {
		if s <= m.top {
			m.cursor = i
		}
	}
	if m.top+m.height >= len(m.lines) && len(m.starts) > 0 && m.top > 0 {
		// Scrolled to the end: the last block is the one in full view.
		for i := len(m.starts) - 1; i >= 0; i-- {
			if m.starts[i] >= m.top {
				m.cursor = i
				break
			}
		}
	}
}
