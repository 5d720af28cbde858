package tree

import (
	"unsafe"

	"github.com/rtmpscope/rtmpscope/dissect/session"
)

// Arena lends the memory of one tree at a time: its nodes, their child
// lists and the text of their values come out of slabs that the next
// Build reuses. A caller that writes each tree at once and then forgets it
// (the -V sink, which builds one tree per event) makes no garbage per
// event this way; a tree from Build, which uses no arena, is the
// caller's to keep (the TUI keeps the tree it shows).
//
// The tree an Arena builds is valid until that Arena's next Build: then
// its nodes, child lists and value strings are overwritten. It must not
// be kept, handed on, or read by another goroutine after that. An Arena is
// for one goroutine at a time; its zero value is ready to use.
//
// Nothing else differs: Build and (*Arena).Build run the same builders,
// which take their memory from the arena when there is one (a nil *Arena
// is the heap).
type Arena struct {
	// NoSummary leaves the root Value of a message's tree (its one-line
	// summary) empty, for a caller that writes a line of its own in the
	// root's place (WriteOptions.Header, as -V does): the decoders'
	// summaries are the costliest text of a tree, and Write would not
	// show this one.
	NoSummary bool

	_     noCopyer // an Arena copied would hand out the same memory twice
	nodes []Node   // the current slab; nodes[len(nodes):cap(nodes)] is free
	kids  []*Node  // child lists, handed out as capacity-limited slices
	text  []byte   // value text, read through strings that alias it
}

// noCopyer makes go vet's copylocks check flag a copied Arena.
type noCopyer struct{}

func (*noCopyer) Lock()   {}
func (*noCopyer) Unlock() {}

// Slab sizes: the first slabs fit the trees of nearly every event (a media
// message is about 30 nodes, a connect command 60), and slabs grow for the
// rare big tree (an AMF array of thousands of members). Slabs bigger than
// these are dropped at the next Build (about 400 KB of nodes), so one
// huge event does not pin its memory for the rest of the run.
const (
	firstNodes, maxNodes = 256, 4 << 10
	firstKids, maxKids   = 512, 8 << 10
	firstText, maxText   = 8 << 10, 64 << 10
)

// Build returns the detail tree of r as the package's Build does, in the
// arena's memory, after reclaiming the memory of the tree it built before.
func (a *Arena) Build(r *session.Record) *Node {
	a.reset()
	return a.buildSafe(r)
}

// reset makes the slabs free again, keeping the last (biggest) of each
// unless it is too big to keep.
func (a *Arena) reset() {
	if cap(a.nodes) > maxNodes {
		a.nodes = nil
	}
	if cap(a.kids) > maxKids {
		a.kids = nil
	}
	if cap(a.text) > maxText {
		a.text = nil
	}
	a.nodes, a.kids, a.text = a.nodes[:0], a.kids[:0], a.text[:0]
}

// node returns a zeroed Node: from the node slab, or new without an arena.
func (a *Arena) node() *Node {
	if a == nil {
		return new(Node)
	}
	if len(a.nodes) == cap(a.nodes) {
		// A full slab stays referenced by the nodes taken from it; the
		// next one is as big as the slab it replaces, or twice.
		a.nodes = make([]Node, 0, max(firstNodes, 2*cap(a.nodes)))
	}
	a.nodes = a.nodes[:len(a.nodes)+1]
	n := &a.nodes[len(a.nodes)-1]
	*n = Node{}
	return n
}

// appendKids is append(s, k...) for child lists: in the arena's pointer
// slab when s must grow, so that a child list costs no allocation of its
// own. Slices are handed out with their capacity limited, so a list that
// grows moves on instead of writing over its neighbour.
func (a *Arena) appendKids(s []*Node, k ...*Node) []*Node {
	if a == nil || len(s)+len(k) <= cap(s) {
		return append(s, k...)
	}
	n := max(2*cap(s), len(s)+len(k), 4)
	if len(a.kids)+n > cap(a.kids) {
		a.kids = make([]*Node, 0, max(firstKids, 2*cap(a.kids), n))
	}
	lo := len(a.kids)
	a.kids = a.kids[:lo+n]
	grown := a.kids[lo : lo : lo+n]
	grown = append(grown, s...)
	return append(grown, k...)
}

// str returns b as a string: a copy in the arena's text slab (the string
// aliases the slab and is overwritten after the next Build), or on the
// heap without an arena. b is not kept, so callers format into a buffer
// on their stack.
func (a *Arena) str(b []byte) string {
	if a == nil || len(b) > maxText {
		return string(b)
	}
	if len(b) == 0 {
		return ""
	}
	if len(a.text)+len(b) > cap(a.text) {
		// Strings already handed out keep the full slab alive.
		a.text = make([]byte, 0, max(firstText, 2*cap(a.text), len(b)))
	}
	lo := len(a.text)
	a.text = append(a.text, b...)
	return unsafe.String(&a.text[lo], len(b))
}
