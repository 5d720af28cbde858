// Package hexview is the terminal UI's hex pane: one RTMP message's bytes
// as they were on the wire — each chunk's header bytes, then its slice of
// the message body — with stream offsets, an ASCII column, chunk boundary
// markers, a highlighted range (the field selected in the detail pane) and
// masked secrets.
//
// Like every pane it returns exactly the lines it was sized to; the root
// model draws frames and titles.
package hexview

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/rtmpscope/rtmpscope/event"
	"github.com/rtmpscope/rtmpscope/export/tree"
	"github.com/rtmpscope/rtmpscope/tui/theme"
)

// Range is a byte range of the message body, [Off, Off+Len).
type Range struct {
	Off, Len int64
}

// Model is the hex pane.
type Model struct {
	KeyMap KeyMap

	theme   theme.Theme
	width   int
	height  int
	focused bool

	msg    *event.Message
	body   []byte
	chunks []chunk
	rows   []row
	bpl    int // bytes per line for the current width

	top int // first visible row

	hlSpace tree.Space
	hlLo    int64 // highlighted range [hlLo, hlHi) in hlSpace; empty when hlSpace is NoBytes
	hlHi    int64

	mask []Range
}

// New returns an empty hex pane with the default key map and colour theme.
func New() Model {
	return Model{KeyMap: DefaultKeyMap(), theme: theme.New(true), bpl: 16}
}

// SetTheme replaces the styles the pane draws with.
func (m *Model) SetTheme(t theme.Theme) { m.theme = t }

// SetSize sets the pane's size in cells. The layout switches between 16
// bytes per line (wide) and 8 (narrow) here.
func (m *Model) SetSize(w, h int) {
	m.width, m.height = max(w, 0), max(h, 0)
	bpl := 16
	if m.width < wideWidth(m.offsetDigits()) {
		bpl = 8
	}
	if bpl != m.bpl || m.rows == nil {
		anchor := m.anchor()
		m.bpl = bpl
		m.rows = buildRows(m.chunks, m.bpl)
		m.restoreAnchor(anchor)
	}
	m.clampTop()
}

// Focus gives the pane the keyboard.
func (m *Model) Focus() { m.focused = true }

// Blur takes the keyboard away.
func (m *Model) Blur() { m.focused = false }

// Focused reports whether the pane has the keyboard.
func (m Model) Focused() bool { return m.focused }

// SetMessage shows a message: m's chunk list, its body, and the chunks'
// header bytes in chunk order (headers[i] may be nil when unknown; when
// headers is shorter than the chunk list, m.Chunks[i].Header is used). The
// highlight and mask are cleared and the view scrolls to the top. A nil
// message empties the pane.
func (m *Model) SetMessage(msg *event.Message, body []byte, headers [][]byte) {
	m.msg, m.body = msg, body
	m.chunks = buildChunks(msg, body, headers)
	m.hlSpace, m.hlLo, m.hlHi = tree.NoBytes, 0, 0
	m.mask = nil
	m.top = 0
	m.rows = nil
	m.SetSize(m.width, m.height)
}

// SetMask marks body ranges whose bytes are secret (a redacted stream key):
// they are drawn as ** until SetMask(nil). Ranges outside the body are
// ignored.
func (m *Model) SetMask(ranges []Range) {
	m.mask = append(m.mask[:0], ranges...)
}

// Highlight marks [off, off+n) in space (Body: relative to the body start,
// mapped across chunk boundaries; Wire: absolute stream offsets, covering
// chunk headers too) and scrolls the range into view. NoBytes, n <= 0, or a
// range that touches no byte of the message clears the highlight.
func (m *Model) Highlight(space tree.Space, off, n int64) {
	m.hlSpace, m.hlLo, m.hlHi = tree.NoBytes, 0, 0
	if space != tree.Body && space != tree.Wire || n <= 0 {
		return
	}
	hi := off + n
	if hi < off { // overflow: clamp to the largest offset
		hi = 1<<63 - 1
	}
	m.hlSpace, m.hlLo, m.hlHi = space, off, hi
	first, last := m.highlightRows()
	if first < 0 {
		m.hlSpace = tree.NoBytes
		return
	}
	m.scrollInto(first, last)
}

// Highlighted returns the highlighted range; space is NoBytes when none.
func (m Model) Highlighted() (space tree.Space, off, n int64) {
	return m.hlSpace, m.hlLo, m.hlHi - m.hlLo
}

// Top returns the first visible row (for tests and the root's scroll bar).
func (m Model) Top() int { return m.top }

// Rows returns the number of rows the message takes at the current width.
func (m Model) Rows() int { return len(m.rows) }

// BytesPerLine returns 16 or 8, depending on the width.
func (m Model) BytesPerLine() int { return m.bpl }

// Update handles keys (when focused) and the mouse wheel.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		if !m.focused {
			return m, nil
		}
		switch {
		case key.Matches(msg, m.KeyMap.Up):
			m.top--
		case key.Matches(msg, m.KeyMap.Down):
			m.top++
		case key.Matches(msg, m.KeyMap.PageUp):
			m.top -= max(m.height-1, 1)
		case key.Matches(msg, m.KeyMap.PageDown):
			m.top += max(m.height-1, 1)
		case key.Matches(msg, m.KeyMap.Top):
			m.top = 0
		case key.Matches(msg, m.KeyMap.Bottom):
			m.top = len(m.rows)
		case key.Matches(msg, m.KeyMap.NextChunk):
			m.top = m.nextMarker(m.top + 1)
		case key.Matches(msg, m.KeyMap.PrevChunk):
			m.top = m.prevMarker(m.top - 1)
		}
	case tea.MouseWheelMsg:
		switch msg.Button {
		case tea.MouseWheelUp:
			m.top -= 3
		case tea.MouseWheelDown:
			m.top += 3
		}
	}
	m.clampTop()
	return m, nil
}

func (m *Model) clampTop() {
	maxTop := max(len(m.rows)-m.height, 0)
	m.top = min(max(m.top, 0), maxTop)
}

func (m *Model) nextMarker(from int) int {
	for i := max(from, 0); i < len(m.rows); i++ {
		if m.rows[i].pos == markerRow {
			return i
		}
	}
	return m.top
}

func (m *Model) prevMarker(from int) int {
	for i := min(from, len(m.rows)-1); i >= 0; i-- {
		if m.rows[i].pos == markerRow {
			return i
		}
	}
	return 0
}

// anchor remembers which chunk and position the top row shows, so a
// relayout (8 <-> 16 bytes per line) keeps the same bytes in view.
func (m *Model) anchor() row {
	if m.top >= 0 && m.top < len(m.rows) {
		return m.rows[m.top]
	}
	return row{chunk: -1}
}

func (m *Model) restoreAnchor(a row) {
	m.top = 0
	if a.chunk < 0 {
		return
	}
	for i, r := range m.rows {
		if r.chunk == a.chunk && r.header == a.header && (r.pos == a.pos ||
			r.pos != markerRow && a.pos != markerRow && r.pos <= a.pos && a.pos < r.pos+int32(m.bpl)) {
			m.top = i
			return
		}
	}
}

// highlightRows returns the first and last rows holding a highlighted byte,
// or -1, -1.
func (m *Model) highlightRows() (first, last int) {
	first, last = -1, -1
	for i, r := range m.rows {
		if r.pos == markerRow {
			continue
		}
		c := &m.chunks[r.chunk]
		lo, hi, ok := m.rowSpan(c, r)
		if ok && lo < m.hlHi && m.hlLo < hi {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	return first, last
}

// rowSpan is the range a data row covers in the highlight's space.
func (m *Model) rowSpan(c *chunk, r row) (lo, hi int64, ok bool) {
	end := rowEnd(c, r, m.bpl)
	switch m.hlSpace {
	case tree.Wire:
		if !c.wire {
			return 0, 0, false
		}
		return c.info.Offset + int64(r.pos), c.info.Offset + int64(end), true
	case tree.Body:
		if r.header {
			return 0, 0, false
		}
		base := c.bodyStart - int64(c.info.HeaderLen)
		return base + int64(r.pos), base + int64(end), true
	}
	return 0, 0, false
}

// scrollInto brings rows first..last into view: untouched when already
// visible, else the first row goes near the top (after its chunk's marker
// when that fits, so the reader sees which chunk the bytes are in).
func (m *Model) scrollInto(first, last int) {
	if m.height <= 0 {
		m.top = first
		return
	}
	if first >= m.top && last < m.top+m.height {
		return
	}
	m.top = first
	if first > 0 && m.rows[first-1].pos == markerRow && last-first+1 < m.height {
		m.top = first - 1
	}
	m.clampTop()
}

// highlighted reports whether a cell is in the highlighted range.
func (m *Model) highlighted(c *chunk, ce cell) bool {
	switch m.hlSpace {
	case tree.Wire:
		return c.wire && ce.wireOff >= m.hlLo && ce.wireOff < m.hlHi
	case tree.Body:
		return !ce.header && ce.bodyOff >= m.hlLo && ce.bodyOff < m.hlHi
	}
	return false
}

func (m *Model) masked(ce cell) bool {
	if ce.header {
		return false
	}
	for _, r := range m.mask {
		if r.Len > 0 && ce.bodyOff >= r.Off && ce.bodyOff-r.Off < r.Len {
			return true
		}
	}
	return false
}
