// Package tree turns one session.Record into a tree of labelled fields —
// the detail view shared by `rtmpscope messages -V` (text, like tshark -V)
// and the TUI's detail pane (which highlights each node's bytes in the hex
// pane using Space/Off/Len).
package tree

// Space says what a Node's byte range is relative to.
type Space uint8

const (
	// NoBytes: the node has no bytes of its own (a computed value or a
	// group whose children carry the ranges).
	NoBytes Space = iota
	// Body: Off/Len are relative to the message body (payload) start.
	Body
	// Wire: Off/Len are absolute stream offsets in the message's
	// direction (chunk headers, handshake packets).
	Wire
)

// Severity levels for Node.Severity, used for colouring.
const (
	SevNormal = 0
	SevWarn   = 1
	SevError  = 2
)

// Node is one line of the detail tree.
type Node struct {
	Label    string // "Command name", "width", "Chunk 2"
	Value    string // rendered value, "" for pure groups
	Space    Space
	Off, Len int64
	Children []*Node
	// Expanded is the default expansion in views: top level groups
	// expanded, big arrays collapsed.
	Expanded bool
	// Severity is 0 normal, 1 warn, 2 error (a diagnostic or a malformed
	// field).
	Severity int
}

// Small constructors keep the builders readable: most nodes are a label, a
// value and at most a byte range. They are methods of the arena the tree
// is built in (nil: the heap), as is every builder, so that one set of
// builders serves both Build and (*Arena).Build.

// field is a node with no bytes of its own.
func (a *Arena) field(label, value string) *Node {
	n := a.node()
	n.Label, n.Value = label, value
	return n
}

// bodyField is a node covering body[off:off+n].
func (a *Arena) bodyField(label, value string, off, n int) *Node {
	f := a.node()
	f.Label, f.Value, f.Space, f.Off, f.Len = label, value, Body, int64(off), int64(n)
	return f
}

// wireField is a node covering stream bytes [off, off+n) of the message's
// direction.
func (a *Arena) wireField(label, value string, off int64, n int) *Node {
	f := a.node()
	f.Label, f.Value, f.Space, f.Off, f.Len = label, value, Wire, off, int64(n)
	return f
}

// add appends the non-nil kids to n's children and returns n, for building
// trees in one expression.
func (a *Arena) add(n *Node, kids ...*Node) *Node {
	for _, k := range kids {
		if k != nil {
			n.Children = a.appendKids(n.Children, k)
		}
	}
	return n
}

// app is append for the node lists builders return, in the arena's
// memory like child lists.
func (a *Arena) app(list []*Node, nodes ...*Node) []*Node {
	return a.appendKids(list, nodes...)
}

// expand marks n expanded by default and returns it.
func (n *Node) expand() *Node { n.Expanded = true; return n }

// sev sets n's severity and returns it.
func (n *Node) sev(s int) *Node { n.Severity = s; return n }

// Walk calls fn for n and every descendant, depth first, with its depth
// (0 for n). It stops descending below a node when fn returns false.
func (n *Node) Walk(fn func(node *Node, depth int) bool) {
	n.walk(fn, 0)
}

func (n *Node) walk(fn func(*Node, int) bool, depth int) {
	if n == nil || !fn(n, depth) {
		return
	}
	for _, c := range n.Children {
		c.walk(fn, depth+1)
	}
}
