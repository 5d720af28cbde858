package tui

import (
	"fmt"
	"strings"

	"github.com/rtmpscope/rtmpscope/dissect/session"
	"github.com/rtmpscope/rtmpscope/event"
	"github.com/rtmpscope/rtmpscope/tui/store"
)

// conversation is the full-screen view of one connection's exchange, as
// termshark's "follow stream": every command, control message and
// diagnostic of the connection in order, client to server on the left and
// server to client indented, each answer with its latency, and each run of
// media messages folded into one line that counts it. Enter goes to the
// line's row in the timeline.
type conversation struct {
	conn   int // index into the store's connections
	title  string
	lines  []convLine
	cursor int
	top    int
	height int
	capped bool // maxConvLines reached
}

// convLine is one line of the conversation and the store row it stands for
// (the first row of a folded media run).
type convLine struct {
	row  int
	dir  int // 0 C→S, 1 S→C, -1 none
	text string
	kind event.Kind
	warn bool
}

// maxConvLines bounds the lines kept (media runs fold, so only a
// capture of millions of commands reaches it).
const maxConvLines = 50000

// isMedia says whether a message type is folded into media runs.
func isMedia(t uint8) bool {
	return t == uint8(event.TypeAudio) || t == uint8(event.TypeVideo) || t == uint8(event.TypeAggregate)
}

// newConversation builds the conversation of connection ci from the store.
func newConversation(st *store.Store, ci int, reveal, ascii bool) *conversation {
	conns := st.Conns()
	c := &conversation{conn: ci}
	if ci < 0 || ci >= len(conns) {
		return c
	}
	x := conns[ci]
	arrow := "→"
	arrows := [2]string{"C→S", "    S→C"} // the server's side indented, as a dialogue
	if ascii {
		arrow = ">"
		arrows = [2]string{"C>S", "    S>C"}
	}
	// who is the direction column of a line: its arrow, or blanks.
	who := func(d int) string {
		if d < 0 {
			return "       "
		}
		return fmt.Sprintf("%-7s", arrows[d])
	}
	c.title = fmt.Sprintf("Conversation %s %s %s %s (%s)", x.ID, x.Client, arrow, x.Server, x.Variant)
	n := st.Len()
	base := st.Row(0).When()
	// run is the media run being folded, per direction.
	type run struct {
		first, msgs, video, audio, agg int
		bytes                          int64
		fFrame, lFrame                 uint32
		at                             float64 // seconds since the capture's start
	}
	var open [2]*run
	flush := func(d int) {
		r := open[d]
		if r == nil {
			return
		}
		open[d] = nil
		var kinds []string
		for _, k := range []struct {
			n    int
			what string
		}{{r.video, "video"}, {r.audio, "audio"}, {r.agg, "aggregate"}} {
			if k.n > 0 {
				kinds = append(kinds, fmt.Sprintf("%d %s", k.n, k.what))
			}
		}
		dots := "···"
		if ascii {
			dots = "..."
		}
		c.add(convLine{row: r.first, dir: d, kind: event.KindMessage, text: fmt.Sprintf("%6d %9.3f %11s  %s %s %d media messages (%s), %s, frames %d-%d",
			r.fFrame, r.at, "", who(d), dots, r.msgs, strings.Join(kinds, ", "), humanBytes(r.bytes), r.fFrame, r.lFrame)})
	}
	for i := x.First; i < n && len(c.lines) < maxConvLines; i++ {
		row := st.Row(i)
		if int(row.Conn) != ci {
			continue
		}
		d := -1
		if row.Has(store.FlagHasDir) && row.Dir < 2 {
			d = int(row.Dir)
		}
		if row.Kind == event.KindMessage && isMedia(row.TypeID) && d >= 0 {
			r := open[d]
			if r == nil {
				r = &run{first: i, fFrame: row.Frame, at: row.When().Sub(base).Seconds()}
				open[d] = r
			}
			r.msgs++
			r.bytes += int64(row.Length)
			r.lFrame = row.Frame
			switch event.MsgType(row.TypeID) {
			case event.TypeVideo:
				r.video++
			case event.TypeAudio:
				r.audio++
			default:
				r.agg++
			}
			continue
		}
		// Anything else ends the media runs before it, so the order of
		// the exchange stays true.
		flush(0)
		flush(1)
		// An answer's latency leads its line, before a long summary
		// can push it off screen.
		lat := ""
		if p := st.Pair(i); p != nil && p.Role == session.RoleResponse {
			lat = "+" + latency(p)
		}
		frame := ""
		// A conn row carries the connection's first frame; only the
		// opening one says so here.
		if row.Frame > 0 && (row.Kind != event.KindConn || i == x.First) {
			frame = itoa(int(row.Frame))
		}
		text := fmt.Sprintf("%6s %9.3f %11s  %s %s", frame, row.When().Sub(base).Seconds(), lat, who(d), st.Summary(i, reveal))
		c.add(convLine{row: i, dir: d, text: text, kind: row.Kind, warn: row.Kind == event.KindDiagnostic && row.Severity > 0})
	}
	flush(0)
	flush(1)
	c.capped = len(c.lines) >= maxConvLines
	return c
}

func (c *conversation) add(l convLine) { c.lines = append(c.lines, l) }

func (c *conversation) move(d int) {
	c.cursor = min(max(c.cursor+d, 0), max(len(c.lines)-1, 0))
	if c.cursor < c.top {
		c.top = c.cursor
	}
	if c.height > 0 && c.cursor >= c.top+c.height {
		c.top = c.cursor - c.height + 1
	}
}

// view renders the conversation in w×h cells (h includes no title).
func (m *Model) convView(w, h int) string {
	c := m.conv
	c.height = h
	c.move(0)
	c.top = min(c.top, max(len(c.lines)-h, 0)) // fill the screen
	ell := m.th.Ellipsis()
	var out []string
	for k := c.top; k < len(c.lines) && len(out) < h; k++ {
		l := c.lines[k]
		s := fit(l.text, w, ell)
		switch {
		case k == c.cursor:
			s = m.th.Selected.Render(s)
		case l.warn:
			s = m.th.Warn.Render(s)
		case l.kind != event.KindMessage:
			s = m.th.Dim.Render(s)
		case l.dir == 1:
			s = m.th.Value.Render(s)
		default:
			s = m.th.Label.Render(s)
		}
		out = append(out, s)
	}
	if len(c.lines) == 0 {
		out = append(out, m.th.Dim.Render(fit("no rows for this connection yet", w, ell)))
	}
	return block(out, w, h, ell)
}

// convTitle is the conversation's title line text.
func (c *conversation) titleText() string {
	s := fmt.Sprintf("%s · %d/%d", c.title, min(c.cursor+1, len(c.lines)), len(c.lines))
	if c.capped {
		s += fmt.Sprintf(" (first %d lines)", maxConvLines)
	}
	return s + " · enter: go to · esc: back"
}
