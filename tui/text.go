package tui

import (
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

// fit cuts s to w cells (with an ellipsis when cut) and pads it to w.
func fit(s string, w int, ellipsis string) string {
	if w <= 0 {
		return ""
	}
	if lipgloss.Width(s) > w {
		s = ansi.Truncate(s, w, ellipsis)
	}
	if pad := w - lipgloss.Width(s); pad > 0 {
		s += strings.Repeat(" ", pad)
	}
	return s
}

// block makes lines exactly h lines of w cells each.
func block(lines []string, w, h int, ellipsis string) string {
	out := make([]string, h)
	for i := range out {
		if i < len(lines) {
			out[i] = fit(lines[i], w, ellipsis)
		} else {
			out[i] = strings.Repeat(" ", max(w, 0))
		}
	}
	return strings.Join(out, "\n")
}

// shortType is a compact type name for the timeline's type column.
func shortType(id uint8) string {
	switch id {
	case 1:
		return "SCS"
	case 2:
		return "Abort"
	case 3:
		return "Ack"
	case 4:
		return "UCM"
	case 5:
		return "WAS"
	case 6:
		return "SPB"
	case 8:
		return "Audio"
	case 9:
		return "Video"
	case 15:
		return "Data3"
	case 16:
		return "SO3"
	case 17:
		return "Cmd3"
	case 18:
		return "Data"
	case 19:
		return "SO"
	case 20:
		return "Cmd"
	case 22:
		return "Aggr"
	}
	return "T" + itoa(int(id))
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	neg := n < 0
	if neg {
		n = -n
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}
