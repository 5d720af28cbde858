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
