package tui

import (
	"fmt"
	"strings"

	"github.com/rtmpscope/rtmpscope/tui/store"
	"github.com/rtmpscope/rtmpscope/tui/theme"
)

// connList lists the connections; its first line, "all connections",
// removes the timeline's connection filter. Choosing a line filters the
// timeline to that connection.
type connList struct {
	conns   []store.Conn
	theme   theme.Theme
	width   int
	height  int
	focused bool
	reveal  bool
	cursor  int // 0 is "all", k is conns[k-1]
	top     int
}

func (c *connList) setSize(w, h int) { c.width, c.height = w, h; c.clamp() }

func (c *connList) clamp() {
	c.cursor = min(max(c.cursor, 0), len(c.conns))
	if c.cursor < c.top {
		c.top = c.cursor
	}
	if c.height > 0 && c.cursor >= c.top+c.height {
		c.top = c.cursor - c.height + 1
	}
}

func (c *connList) move(d int) { c.cursor += d; c.clamp() }

// chosen returns the index of the chosen connection, -1 for all.
func (c *connList) chosen() int { return c.cursor - 1 }

func (c *connList) line(k int) string {
	if k == 0 {
		msgs, warns := 0, 0
		for _, x := range c.conns {
			msgs += x.Messages
			warns += x.Warnings
		}
		return fmt.Sprintf("%-4s all connections (%d): %d messages, %d warnings", "*", len(c.conns), msgs, warns)
	}
	x := c.conns[k-1]
	name := x.App
	stream := x.Stream
	if c.reveal {
		stream = x.StreamPlain
	}
	if stream != "" {
		name += "/" + stream
	}
	if name == "" {
		name = "-"
	}
	if r := []rune(name); len(r) > 28 {
		// Keep the columns after it in place; the detail pane has it whole.
		name = string(r[:27]) + c.theme.Ellipsis()
	}
	state := "closed"
	if !x.Closed {
		state = "open"
	} else if !x.RTMP && !strings.HasSuffix(variantLabel(x), " encrypted") {
		state = "not rtmp" // (what stayed encrypted is not known not to be)
	}
	arrow := "→"
	if c.theme.ASCII {
		arrow = ">"
	}
	return fmt.Sprintf("%-4s %s %s %s  %-16s %-28s %d msgs  %d warn  %s/%s bytes  %s", x.ID, x.Client, arrow, x.Server,
		variantLabel(x), name, x.Messages, x.Warnings, itoa(int(x.Bytes[0])), itoa(int(x.Bytes[1])), state)
}

// variantLabel names the connection's variant and, for the encrypted ones
// (RTMPS, RTMPE, RTMPTE, RTMPTS, RTMFP), whether rtmpscope decrypted it:
// messages came out of it, or bytes stayed encrypted (no keys).
func variantLabel(x store.Conn) string {
	v := x.Variant
	if v == "" || strings.HasPrefix(v, "unknown") {
		v = "-" // the router has not decided yet
	}
	switch v {
	case "rtmps", "rtmpe", "rtmpte", "rtmpts", "rtmfp":
		switch {
		case x.Messages > 0 || x.Decrypted:
			return v + " decrypted"
		case x.Undecrypted > 0 || x.Closed:
			return v + " encrypted"
		}
	}
	return v
}

// View renders exactly height lines.
func (c *connList) View() string {
	c.clamp()
	ell := c.theme.Ellipsis()
	var lines []string
	for k := c.top; k <= len(c.conns) && len(lines) < c.height; k++ {
		s := fit(c.line(k), c.width, ell)
		switch {
		case k == c.cursor && c.focused:
			s = c.theme.Selected.Render(s)
		case k == c.cursor:
			s = c.theme.SelectedBlur.Render(s)
		case k > 0 && c.conns[k-1].Warnings > 0:
			s = c.theme.Warn.Render(s)
		}
		lines = append(lines, s)
	}
	return block(lines, c.width, c.height, ell)
}
