package tree

import "io"

// WriteOptions controls the -V text rendering.
type WriteOptions struct {
	// Color enables ANSI colours (labels dim, warnings yellow, errors red).
	Color bool
	// Width is the column budget for wrapping/truncating values; 0 means 80.
	Width int
	// Bytes appends each node's byte range.
	Bytes bool
	// MaxChildren summarises arrays beyond this many elements; 0 means 20.
	MaxChildren int
}

// Write renders root as an indented text tree, two spaces per level.
func Write(w io.Writer, root *Node, opts WriteOptions) error {
	return nil
}
