package hexview

import (
	"fmt"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

// wideWidth is the width a 16-byte line needs: offset, two spaces, 16 hex
// pairs with a gap after the eighth, two spaces, 16 ASCII characters.
func wideWidth(offsetDigits int) int { return offsetDigits + 2 + 16*3 + 2 + 16 }

// offsetDigits is the width of the offset column: 8 hex digits, more for
// streams past 4 GiB.
func (m *Model) offsetDigits() int {
	var maxOff int64
	for _, c := range m.chunks {
		maxOff = max(maxOff, c.info.Offset+int64(c.info.HeaderLen+c.info.PayloadLen))
	}
	return max(8, len(fmt.Sprintf("%x", maxOff)))
}

// View renders exactly height lines of at most width cells.
func (m Model) View() string {
	if m.height <= 0 {
		return ""
	}
	lines := make([]string, 0, m.height)
	switch {
	case m.width <= 0:
	case m.msg == nil:
		lines = append(lines, m.theme.Dim.Render(ansi.Truncate("no message selected", m.width, "")))
	default:
		digits := m.offsetDigits()
		for i := m.top; i < len(m.rows) && len(lines) < m.height; i++ {
			lines = append(lines, ansi.Truncate(m.renderRow(m.rows[i], digits), m.width, m.theme.Ellipsis()))
		}
	}
	for len(lines) < m.height {
		lines = append(lines, "")
	}
	return strings.Join(lines, "\n")
}

func (m *Model) renderRow(r row, digits int) string {
	c := &m.chunks[r.chunk]
	if r.pos == markerRow {
		return m.renderMarker(int(r.chunk), c)
	}
	var b strings.Builder
	if c.wire {
		b.WriteString(m.theme.Offset.Render(fmt.Sprintf("%0*x", digits, c.info.Offset+int64(r.pos))))
	} else {
		// Bytes past the listed chunks have no known stream offset: show
		// their body offset, marked with +.
		off := c.bodyStart + int64(int(r.pos)-c.info.HeaderLen)
		b.WriteString(m.theme.Offset.Render(fmt.Sprintf("+%0*x", digits-1, off)))
	}
	b.WriteString("  ")

	end := rowEnd(c, r, m.bpl)
	hex := runs{theme: m}
	asc := runs{theme: m}
	for p := int(r.pos); p < int(r.pos)+m.bpl; p++ {
		if i := p - int(r.pos); i > 0 {
			sep := " "
			if i == 8 {
				sep = "  "
			}
			hex.plain(sep)
		}
		if p >= end {
			hex.plain("  ")
			continue
		}
		ce := c.cell(p, m.body)
		st := m.cellStyle(c, ce)
		switch {
		case !ce.known:
			hex.add(st, m.unknownPair())
			asc.add(st, " ")
		case st == styleMasked:
			hex.add(st, "**")
			asc.add(st, "*")
		default:
			hex.add(st, fmt.Sprintf("%02x", ce.b))
			asc.add(st, printable(ce.b))
		}
	}
	b.WriteString(hex.String())
	b.WriteString("  ")
	b.WriteString(asc.String())
	return b.String()
}

func (m *Model) unknownPair() string {
	if m.theme.ASCII {
		return ".."
	}
	return "··"
}

func printable(b byte) string {
	if b >= 0x20 && b < 0x7f {
		return string(rune(b))
	}
	return "."
}

// renderMarker draws the rule line that opens a chunk: which chunk, its
// fmt, chunk stream and frame, and its header and payload sizes.
func (m *Model) renderMarker(i int, c *chunk) string {
	var label string
	if c.wire {
		total := m.msg.ChunkCount
		if total < len(m.msg.Chunks) {
			total = len(m.msg.Chunks)
		}
		label = fmt.Sprintf("chunk %d/%d fmt%d csid %d frame %d  %d+%d B",
			i+1, total, c.info.Fmt, c.info.CSID, c.info.Frame, c.info.HeaderLen, c.info.PayloadLen)
		if c.header == nil && c.info.HeaderLen > 0 {
			label += "  (header bytes not kept)"
		}
	} else {
		label = fmt.Sprintf("%d more body bytes (chunks not listed)", c.info.PayloadLen)
	}
	rule := "─"
	if m.theme.ASCII {
		rule = "-"
	}
	s := rule + rule + " " + label + " "
	if fill := m.width - lipgloss.Width(s); fill > 0 {
		s += strings.Repeat(rule, fill)
	}
	return m.theme.Boundary.Render(ansi.Truncate(s, m.width, ""))
}

// cellStyle classes, in priority order: highlight, masked, header, payload.
type styleClass uint8

const (
	stylePayload styleClass = iota
	styleHeader
	styleMasked
	styleHighlight
	styleHighlightMasked
)

func (m *Model) cellStyle(c *chunk, ce cell) styleClass {
	hl := m.highlighted(c, ce)
	mk := m.masked(ce)
	switch {
	case hl && mk:
		return styleHighlightMasked
	case hl:
		return styleHighlight
	case mk:
		return styleMasked
	case ce.header:
		return styleHeader
	}
	return stylePayload
}

func (m *Model) render(st styleClass, s string) string {
	switch st {
	case styleHighlight, styleHighlightMasked:
		return m.theme.Highlight.Render(s)
	case styleMasked:
		return m.theme.Masked.Render(s)
	case styleHeader:
		return m.theme.HeaderByte.Render(s)
	}
	return m.theme.PayloadByte.Render(s)
}

// runs batches consecutive text of one style into a single Render call, so
// a line carries a handful of escape sequences rather than one per byte.
// Separators between two bytes of the same style join their run.
type runs struct {
	theme   *Model
	b       strings.Builder
	cur     strings.Builder
	curSt   styleClass
	pending string // separator waiting to see the next byte's style
	open    bool
}

func (r *runs) add(st styleClass, s string) {
	if st == styleHighlightMasked {
		s = strings.Repeat("*", len(s))
	}
	if r.open && st == r.curSt {
		r.cur.WriteString(r.pending)
	} else {
		r.flush()
		r.b.WriteString(r.pending)
		r.curSt, r.open = st, true
	}
	r.pending = ""
	r.cur.WriteString(s)
}

func (r *runs) plain(s string) { r.pending += s }

func (r *runs) flush() {
	if r.open {
		r.b.WriteString(r.theme.render(r.curSt, r.cur.String()))
		r.cur.Reset()
		r.open = false
	}
}

func (r *runs) String() string {
	r.flush()
	r.b.WriteString(r.pending)
	r.pending = ""
	return r.b.String()
}
