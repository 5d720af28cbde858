package detail

import (
	"strconv"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/rtmpscope/rtmpscope/export/tree"
)

// View renders exactly height lines of at most width cells. A value too
// long for its line wraps onto the lines below it (up to maxWrap lines).
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
			for _, r := range m.renderLine(i) {
				if len(out) < m.height {
					out = append(out, r)
				}
			}
		}
	}
	for len(out) < m.height {
		out = append(out, "")
	}
	return strings.Join(out, "\n")
}

// maxWrap bounds the screen lines of one node: a kilobyte of hex does not
// push every other field off the pane.
const maxWrap = 8

// layoutLine splits node line i into its parts (prefix, label, separator,
// value, suffix) per screen line: the first line keeps the prefix and the
// label, and a value too long for it continues on lines indented to the
// label's column, the last one cut with an ellipsis when even maxWrap
// lines are not enough.
func (m *Model) layoutLine(i int) [][]string {
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
	head := lipgloss.Width(prefix) + lipgloss.Width(label) + lipgloss.Width(sep)
	room := m.width - head
	if value != "" && room >= 8 && lipgloss.Width(value)+lipgloss.Width(suffix) > room {
		// Wrap the value: the first piece after the label, the rest on
		// continuation lines as wide as the pane allows.
		cont := strings.Repeat(" ", lipgloss.Width(prefix)+2)
		contRoom := max(m.width-lipgloss.Width(cont), 8)
		pieces := wrap(value+suffix, room, contRoom, maxWrap, ell)
		rows := [][]string{{prefix, label, sep, pieces[0], ""}}
		for _, p := range pieces[1:] {
			rows = append(rows, []string{cont, "", "", p, ""})
		}
		return rows
	}

	// Fit on one line: prefix is kept, then label, separator, value,
	// suffix in order, the first that overflows cut with an ellipsis.
	room = m.width
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
	return [][]string{parts}
}

// rowsOf is how many screen lines node line i takes.
func (m *Model) rowsOf(i int) int {
	if i < 0 || i >= len(m.lines) || m.width <= 0 {
		return 1
	}
	return len(m.layoutLine(i))
}

// renderLine draws one node's screen lines: cursor mark, indentation,
// expander, label, value. The plain text is laid out and truncated first
// and styled after, so truncation never cuts an escape sequence and widths
// stay exact.
func (m *Model) renderLine(i int) []string {
	n := m.lines[i].node
	rows := m.layoutLine(i)
	out := make([]string, 0, len(rows))
	for _, parts := range rows {
		out = append(out, m.styleParts(i, n, parts))
	}
	return out
}

func (m *Model) styleParts(i int, n *tree.Node, parts []string) string {
	if i == m.cursor {
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

// wrap splits s into lines of at most first cells, then rest cells, at
// most n lines, the last cut with ell when s does not fit. A line breaks
// after the last space or comma in its second half when there is one, so
// words stay whole.
func wrap(s string, first, rest, n int, ell string) []string {
	var out []string
	r := []rune(s)
	for len(r) > 0 {
		w := first
		if len(out) > 0 {
			w = rest
		}
		if len(out) == n-1 {
			out = append(out, ansi.Truncate(string(r), w, ell))
			break
		}
		k, cells := 0, 0
		for k < len(r) {
			cw := lipgloss.Width(string(r[k]))
			if cells+cw > w {
				break
			}
			cells += cw
			k++
		}
		k = max(k, 1)
		if k < len(r) {
			for j := k - 1; j > k/2; j-- {
				if r[j] == ' ' || r[j] == ',' {
					k = j + 1
					break
				}
			}
		}
		out = append(out, string(r[:k]))
		r = r[k:]
	}
	if len(out) == 0 {
		out = append(out, "")
	}
	return out
}
