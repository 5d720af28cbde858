package detail

import (
	"strconv"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/rtmpscope/rtmpscope/export/tree"
)

// View renders exactly height lines of at most width cells.
func (m Model) View() string {
	if m.height <= 0 {
		return ""
	}
	out := make([]string, 0, m.height)
	if m.width > 0 {
		if m.root == nil {
			out = append(out, m.theme.Dim.Render(ansi.Truncate("no event selected", m.width, "")))
		}
		for i := m.top; i < len(m.lines) && len(out) < m.height; i++ {
			out = append(out, m.renderLine(i))
		}
	}
	for len(out) < m.height {
		out = append(out, "")
	}
	return strings.Join(out, "\n")
}

// renderLine draws one node: cursor mark, indentation, expander, label,
// value. The plain text is laid out and truncated first and styled after,
// so truncation never cuts an escape sequence and widths stay exact.
func (m *Model) renderLine(i int) string {
	l := m.lines[i]
	n := l.node
	cur := i == m.cursor
	ell := m.theme.Ellipsis()

	mark := "  "
	if cur {
		mark = "> "
		if !m.theme.ASCII {
			mark = "› "
		}
	}
	indent := strings.Repeat("  ", l.depth)
	exp := "  "
	if len(n.Children) > 0 {
		open := i == 0 || m.isOpen(n, l.path)
		switch {
		case open && m.theme.ASCII:
			exp = "- "
		case open:
			exp = "▾ "
		case m.theme.ASCII:
			exp = "+ "
		default:
			exp = "▸ "
		}
	}
	prefix := mark + indent + exp
	label := tree.OneLine(n.Label)
	value := tree.OneLine(n.Value)
	suffix := ""
	if len(n.Children) > 0 && i != 0 && !m.isOpen(n, l.path) {
		suffix = " [" + strconv.Itoa(len(n.Children)) + "]"
	}
	sep := ""
	if value != "" {
		sep = ": "
	}

	// Fit: prefix is kept, then label, separator, value, suffix in order,
	// the first that overflows cut with an ellipsis.
	room := m.width
	parts := []string{prefix, label, sep, value, suffix}
	for k := range parts {
		w := lipgloss.Width(parts[k])
		if w <= room {
			room -= w
			continue
		}
		parts[k] = ansi.Truncate(parts[k], room, ell)
		room = 0
		for j := k + 1; j < len(parts); j++ {
			parts[j] = ""
		}
		break
	}

	if cur {
		// One style over the whole line, padded, so the selection bar is
		// solid; what the severity style sets and the selection style does
		// not (bold, underline) still shows.
		text := strings.Join(parts, "")
		text += strings.Repeat(" ", max(m.width-lipgloss.Width(text), 0))
		st := m.theme.SelectedBlur
		if m.focused {
			st = m.theme.Selected
		}
		if n.Severity > 0 {
			st = st.Inherit(m.theme.Severity(n.Severity))
		}
		return st.Render(text)
	}
	var b strings.Builder
	b.WriteString(m.theme.Dim.Render(parts[0]))
	valStyle := m.theme.Value
	labStyle := m.theme.Label
	if n.Severity > 0 {
		valStyle = m.theme.Severity(n.Severity)
		if n.Value == "" {
			labStyle = valStyle
		}
	}
	if i == 0 {
		labStyle = m.theme.Title
	}
	if parts[1] != "" {
		b.WriteString(labStyle.Render(parts[1]))
	}
	if parts[2] != "" {
		b.WriteString(m.theme.Dim.Render(parts[2]))
	}
	if parts[3] != "" {
		b.WriteString(valStyle.Render(parts[3]))
	}
	if parts[4] != "" {
		b.WriteString(m.theme.Dim.Render(parts[4]))
	}
	return b.String()
}
