// Package detail is the terminal UI's detail pane: the decoded tree of the
// selected event (export/tree) with expand/collapse, a cursor, scrolling
// and severity colours. Moving the cursor emits a SelectMsg so the root can
// highlight the node's bytes in the hex pane.
//
// Expansion follows the user from message to message: a node the user
// opened or closed stays so in the next record whose tree has a node with
// the same label at the same place (stepping through video messages keeps
// the codec configuration open), and the cursor stays on the same field.
package detail

import (
	"strconv"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/rtmpscope/rtmpscope/dissect/session"
	"github.com/rtmpscope/rtmpscope/export/tree"
	"github.com/rtmpscope/rtmpscope/tui/theme"
)

// SelectMsg says the cursor is on Node (nil when the pane is empty).
type SelectMsg struct {
	Node *tree.Node
}

// Model is the detail pane.
type Model struct {
	KeyMap KeyMap

	theme   theme.Theme
	width   int
	height  int
	focused bool

	record *session.Record
	root   *tree.Node

	// open holds the expansion the user chose, by node path (see pathKey);
	// nodes not in it use their Node.Expanded default. It outlives
	// SetRecord on purpose.
	open map[string]bool

	lines  []line // the visible (flattened) tree
	cursor int
	top    int

	cursorPath string // path of the node under the cursor, kept across records
}

// line is one visible node.
type line struct {
	node   *tree.Node
	depth  int
	path   string
	parent int // index of the parent line, -1 for the root
}

// New returns an empty detail pane with the default key map and colour theme.
func New() Model {
	return Model{KeyMap: DefaultKeyMap(), theme: theme.New(true), open: map[string]bool{}}
}

// SetTheme replaces the styles the pane draws with.
func (m *Model) SetTheme(t theme.Theme) { m.theme = t }

// SetSize sets the pane's size in cells.
func (m *Model) SetSize(w, h int) {
	m.width, m.height = max(w, 0), max(h, 0)
	m.scrollToCursor()
}

// Focus gives the pane the keyboard.
func (m *Model) Focus() { m.focused = true }

// Blur takes the keyboard away.
func (m *Model) Blur() { m.focused = false }

// Focused reports whether the pane has the keyboard.
func (m Model) Focused() bool { return m.focused }

// SetRecord shows the tree of a record (root as made by tree.Build(r); r
// may be nil, and is kept only for Record). The cursor stays on the field
// it was on when the new tree has it, else goes to the root. Call Selected
// afterwards to learn which node to highlight.
func (m *Model) SetRecord(r *session.Record, root *tree.Node) {
	m.record, m.root = r, root
	m.flatten()
	m.cursor = 0
	if i := m.indexOfPath(m.cursorPath); i >= 0 {
		m.cursor = i
	}
	m.top = 0
	m.scrollToCursor()
	m.rememberCursor()
}

// Record returns the record shown, or nil.
func (m Model) Record() *session.Record { return m.record }

// Selected returns the node under the cursor, or nil.
func (m Model) Selected() *tree.Node {
	if m.cursor >= 0 && m.cursor < len(m.lines) {
		return m.lines[m.cursor].node
	}
	return nil
}

// Cursor returns the cursor's line index and the first visible line.
func (m Model) Cursor() (cursor, top int) { return m.cursor, m.top }

// Len returns the number of visible lines in the tree.
func (m Model) Len() int { return len(m.lines) }

// Update handles keys (when focused) and the mouse wheel. A cursor move
// returns a command that emits SelectMsg.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	before := m.Selected()
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		if !m.focused {
			return m, nil
		}
		m.handleKey(msg)
	case tea.MouseWheelMsg:
		switch msg.Button {
		case tea.MouseWheelUp:
			m.top = max(m.top-3, 0)
		case tea.MouseWheelDown:
			m.top = max(min(m.top+3, m.maxTop()), 0)
		}
		// The cursor follows the wheel only when it would leave the view.
		m.cursor = min(max(m.cursor, m.top), max(m.lastVisible(), 0))
		m.cursor = min(m.cursor, max(len(m.lines)-1, 0))
	}
	m.rememberCursor()
	if after := m.Selected(); after != before {
		return m, selectCmd(after)
	}
	return m, nil
}

// SelectLine moves the cursor to line y of the pane (0 is the top line), as
// a mouse click would; the root translates screen coordinates. It returns
// the SelectMsg command when the cursor moved.
func (m *Model) SelectLine(y int) tea.Cmd {
	if y < 0 {
		return nil
	}
	// Screen line y belongs to the node whose (maybe wrapped) lines
	// cover it.
	i := m.top
	for ; i < len(m.lines); i++ {
		n := m.rowsOf(i)
		if y < n {
			break
		}
		y -= n
	}
	if i >= len(m.lines) {
		return nil
	}
	before := m.Selected()
	m.cursor = i
	m.rememberCursor()
	if n := m.Selected(); n != before {
		return selectCmd(n)
	}
	return nil
}

func selectCmd(n *tree.Node) tea.Cmd {
	return func() tea.Msg { return SelectMsg{Node: n} }
}

func (m *Model) handleKey(k tea.KeyPressMsg) {
	page := max(m.height-1, 1)
	switch {
	case key.Matches(k, m.KeyMap.Up):
		m.cursor--
	case key.Matches(k, m.KeyMap.Down):
		m.cursor++
	case key.Matches(k, m.KeyMap.PageUp):
		m.cursor -= page
		m.top -= page
	case key.Matches(k, m.KeyMap.PageDown):
		m.cursor += page
		m.top += page
	case key.Matches(k, m.KeyMap.Top):
		m.cursor = 0
	case key.Matches(k, m.KeyMap.Bottom):
		m.cursor = len(m.lines) - 1
	case key.Matches(k, m.KeyMap.Toggle):
		if l, ok := m.current(); ok && len(l.node.Children) > 0 {
			m.setOpen(l, !m.isOpen(l.node, l.path))
		}
	case key.Matches(k, m.KeyMap.Expand):
		if l, ok := m.current(); ok && len(l.node.Children) > 0 {
			if m.isOpen(l.node, l.path) {
				m.cursor++ // already open: step to the first child
			} else {
				m.setOpen(l, true)
			}
		}
	case key.Matches(k, m.KeyMap.Collapse):
		if l, ok := m.current(); ok {
			if len(l.node.Children) > 0 && m.isOpen(l.node, l.path) {
				m.setOpen(l, false)
			} else if l.parent >= 0 {
				m.cursor = l.parent
			}
		}
	case key.Matches(k, m.KeyMap.ExpandAll):
		if l, ok := m.current(); ok {
			m.openAll(l.node, l.path, 0)
			m.relayout()
		}
	}
	m.clamp()
	m.scrollToCursor()
}

func (m *Model) current() (line, bool) {
	if m.cursor >= 0 && m.cursor < len(m.lines) {
		return m.lines[m.cursor], true
	}
	return line{}, false
}

func (m *Model) setOpen(l line, open bool) {
	m.open[l.path] = open
	m.relayout()
}

func (m *Model) openAll(n *tree.Node, path string, depth int) {
	if len(n.Children) == 0 || depth > maxDepth {
		return
	}
	m.open[path] = true
	for i, c := range n.Children {
		if c != nil {
			m.openAll(c, childPath(path, i, c), depth+1)
		}
	}
}

// relayout re-flattens the tree, keeping the cursor on its node.
func (m *Model) relayout() {
	p := m.cursorPath
	if l, ok := m.current(); ok {
		p = l.path
	}
	m.flatten()
	if i := m.indexOfPath(p); i >= 0 {
		m.cursor = i
	}
}

func (m *Model) clamp() {
	m.cursor = min(max(m.cursor, 0), max(len(m.lines)-1, 0))
	m.top = min(max(m.top, 0), m.maxTop())
}

// maxTop is the first node from which the rest of the tree fits the pane:
// the view never scrolls past its end. Nodes take more than one screen
// line when their values wrap.
func (m *Model) maxTop() int {
	rows := 0
	for i := len(m.lines) - 1; i >= 0; i-- {
		rows += m.rowsOf(i)
		if rows > m.height {
			return i + 1
		}
	}
	return 0
}

// lastVisible is the last node whose first line is on screen.
func (m *Model) lastVisible() int {
	rows := 0
	for i := m.top; i < len(m.lines); i++ {
		rows += m.rowsOf(i)
		if rows >= m.height {
			return i
		}
	}
	return len(m.lines) - 1
}

// scrollToCursor moves the view the least needed to show the cursor's
// node, all of its lines when they fit.
func (m *Model) scrollToCursor() {
	m.clamp()
	if m.height <= 0 {
		return
	}
	if m.cursor < m.top {
		m.top = m.cursor
	}
	for m.top < m.cursor {
		rows := 0
		for i := m.top; i <= m.cursor; i++ {
			rows += m.rowsOf(i)
		}
		if rows <= m.height {
			break
		}
		m.top++
	}
}

func (m *Model) rememberCursor() {
	if l, ok := m.current(); ok {
		m.cursorPath = l.path
	}
}

func (m *Model) indexOfPath(p string) int {
	if p == "" {
		return -1
	}
	for i, l := range m.lines {
		if l.path == p {
			return i
		}
	}
	return -1
}

func (m *Model) isOpen(n *tree.Node, path string) bool {
	if v, ok := m.open[path]; ok {
		return v
	}
	return n.Expanded
}

// childPath names a node by the position and label of every node from the
// root, so the same field of two messages of one kind has the same path.
func childPath(parent string, i int, n *tree.Node) string {
	return parent + "/" + strconv.Itoa(i) + ":" + n.Label
}

// flatten lists the visible nodes. The root is always open: a collapsed
// root would leave the pane one line long.
func (m *Model) flatten() {
	m.lines = m.lines[:0]
	if m.root == nil {
		return
	}
	rootPath := ":" + m.root.Label
	m.lines = append(m.lines, line{node: m.root, path: rootPath, parent: -1})
	m.walk(m.root, rootPath, 1, 0, 0)
}

// maxDepth bounds the recursion on a pathological tree (AMF nesting is
// bounded by the decoder, but a pane must not trust that).
const maxDepth = 64

func (m *Model) walk(n *tree.Node, path string, depth, parent, guard int) {
	if guard > maxDepth {
		return
	}
	for i, c := range n.Children {
		if c == nil {
			continue
		}
		p := childPath(path, i, c)
		m.lines = append(m.lines, line{node: c, depth: depth, path: p, parent: parent})
		if len(c.Children) > 0 && m.isOpen(c, p) {
			m.walk(c, p, depth+1, len(m.lines)-1, guard+1)
		}
	}
}
