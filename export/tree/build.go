package tree

import "github.com/rtmpscope/rtmpscope/dissect/session"

// Build returns the detail tree of one record: the root (one per event,
// labelled with the event's one-line summary). It never returns nil and
// never panics.
func Build(r *session.Record) *Node {
	return &Node{Label: "event", Expanded: true}
}
