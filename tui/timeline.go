package tui

import (
	"fmt"
	"strings"
	"time"

	"github.com/rtmpscope/rtmpscope/event"
	"github.com/rtmpscope/rtmpscope/tui/store"
	"github.com/rtmpscope/rtmpscope/tui/theme"
)

// timeline is the message list. It is virtualized: only the rows on screen
// are read from the store and formatted, so paging a million-row capture
// costs the same as paging a small one.
type timeline struct {
	st      *store.Store
	sel     *selection
	theme   theme.Theme
	width   int
	height  int // rows, excluding the column header
	focused bool
	reveal  bool

	cursor int // position in the selection
	top    int // first visible position
	base   time.Time
}

func (t *timeline) setSize(w, h int) {
	t.width, t.height = w, max(h-1, 0)
	t.clamp(t.count())
}

func (t *timeline) count() int { return t.sel.count(t.st.Len()) }

// clamp keeps the cursor within n rows and on screen.
func (t *timeline) clamp(n int) {
	t.cursor = min(max(t.cursor, 0), max(n-1, 0))
	if t.cursor < t.top {
		t.top = t.cursor
	}
	if t.height > 0 && t.cursor >= t.top+t.height {
		t.top = t.cursor - t.height + 1
	}
	t.top = min(max(t.top, 0), max(n-t.height, 0))
}

// move moves the cursor by d rows.
func (t *timeline) move(d int) {
	t.cursor += d
	t.clamp(t.count())
}

// goTo puts the cursor on position p.
func (t *timeline) goTo(p int) {
	t.cursor = p
	t.clamp(t.count())
}

// selected returns the store row under the cursor, or -1.
func (t *timeline) selected() int {
	r := t.sel.rows(t.cursor, 1, t.st.Len())
	if len(r) == 0 {
		return -1
	}
	return r[0]
}

// wide says whether the csid/msid/timestamp columns fit.
func (t *timeline) wide() bool { return t.width >= 110 }

func (t *timeline) header() string {
	if t.wide() {
		return fmt.Sprintf("%7s %10s %-4s %-3s %4s %4s %10s %-5s %7s %s", "Frame", "Time", "Conn", "Dir", "CSID", "MSID", "Timestamp", "Type", "Length", "Summary")
	}
	return fmt.Sprintf("%6s %9s %-4s %-3s %-5s %6s %s", "Frame", "Time", "Conn", "Dir", "Type", "Length", "Summary")
}

// line formats store row i.
func (t *timeline) line(i int) (string, store.Row) {
	row := t.st.Row(i)
	if t.base.IsZero() {
		t.base = t.st.Row(0).When()
	}
	rel := row.When().Sub(t.base).Seconds()
	dir := "   "
	if row.Has(store.FlagHasDir) {
		dir = "C→S"
		if event.Dir(row.Dir) == event.S2C {
			dir = "S→C"
		}
	}
	if t.theme.ASCII {
		dir = strings.NewReplacer("→", ">").Replace(dir)
	}
	conn := t.st.ConnID(row.Conn)
	sum := t.st.Summary(i, t.reveal)
	typ, length, ts := "", "", ""
	switch row.Kind {
	case event.KindMessage:
		typ, length = event.MsgType(row.TypeID).Short(), itoa(int(row.Length))
		ts = itoa(int(row.Timestamp))
		if row.Has(store.FlagInferred) {
			ts += "?"
		}
	case event.KindDiagnostic:
		typ = "!" + row.Severity.String()
	case event.KindGap:
		typ = "~gap"
	case event.KindHandshake:
		typ = "hshk"
	case event.KindConn:
		typ = "conn"
	}
	frame := ""
	if row.Frame > 0 {
		frame = itoa(int(row.Frame))
	}
	if t.wide() {
		csid, msid := "", ""
		if row.Kind == event.KindMessage {
			csid, msid = itoa(int(row.CSID)), itoa(int(row.MSID))
		}
		return fmt.Sprintf("%7s %10.6f %-4s %s %4s %4s %10s %-5s %7s %s", frame, rel, conn, dir, csid, msid, ts, typ, length, sum), row
	}
	return fmt.Sprintf("%6s %9.4f %-4s %s %-5s %6s %s", frame, rel, conn, dir, typ, length, sum), row
}

// View renders the header and the visible rows: exactly height+1 lines.
func (t *timeline) View() string {
	n := t.count()
	t.clamp(n)
	ell := t.theme.Ellipsis()
	lines := []string{t.theme.Label.Render(fit(t.header(), t.width, ell))}
	for k, i := range t.sel.rows(t.top, t.height, t.st.Len()) {
		s, row := t.line(i)
		s = fit(s, t.width, ell)
		switch {
		case t.top+k == t.cursor && t.focused:
			s = t.theme.Selected.Render(s)
		case t.top+k == t.cursor:
			s = t.theme.SelectedBlur.Render(s)
		case row.Kind == event.KindDiagnostic:
			s = t.theme.Severity(int(row.Severity)).Render(s)
		case row.Kind != event.KindMessage:
			s = t.theme.Dim.Render(s)
		}
		lines = append(lines, s)
	}
	return block(lines, t.width, t.height+1, ell)
}
