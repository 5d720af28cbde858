package tree

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"golang.org/x/term"
)

// WriteOptions controls the -V text rendering.
type WriteOptions struct {
	// Header replaces the root's own line (Label: Value); the -V output
	// puts the event's one-line summary (export.TextLine) there.
	Header string
	// Color enables ANSI colours: labels dim, values normal, warnings
	// yellow, errors red. See ColorFor.
	Color bool
	// Width is the column budget: longer lines have their value cut with
	// "…". 0 means 80; negative means no limit.
	Width int
	// MaxChildren summarises a node's children beyond this many with a
	// count line. 0 means 24; negative means no limit.
	MaxChildren int
	// Bytes appends each node's byte range ("[body 12+4]", "[wire
	// 3073+12]").
	Bytes bool
}

// Defaults for WriteOptions.
const (
	DefaultWidth       = 80
	DefaultMaxChildren = 24
)

// ANSI SGR sequences for the colours of Write.
const (
	ansiReset  = "\x1b[0m"
	ansiDim    = "\x1b[2m"
	ansiYellow = "\x1b[33m"
	ansiRed    = "\x1b[31m"
)

// ColorFor reports whether output to w should be coloured: w is a terminal
// and the NO_COLOR environment variable is unset or empty (no-color.org).
func ColorFor(w io.Writer) bool {
	if os.Getenv("NO_COLOR") != "" {
		return false
	}
	// A character device is not enough: /dev/null is one, and a run
	// redirected there (a benchmark) would pay for colour nobody sees.
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// Write renders root as an indented text tree, two spaces per level, one
// "Label: Value" per line, every node shown whatever its Expanded flag
// (like tshark -V). It returns the first write error.
func Write(w io.Writer, root *Node, opts WriteOptions) error {
	if opts.Width == 0 {
		opts.Width = DefaultWidth
	}
	if opts.MaxChildren == 0 {
		opts.MaxChildren = DefaultMaxChildren
	}
	// A buffered writer is written to directly (the -V sink's): a new
	// bufio.Writer per event cost an allocation and a flush each.
	bw, buffered := w.(*bufio.Writer)
	if !buffered {
		bw = bufio.NewWriter(w)
	}
	if root == nil {
		root = &Node{Label: "no event"}
	}
	tw := textWriter{w: bw, opts: opts}
	if opts.Header != "" {
		tw.line(0, &Node{Label: opts.Header})
	} else {
		tw.line(0, root)
	}
	tw.children(root, 1)
	var err error
	if buffered {
		_, err = bw.Write(nil) // the writer's sticky error, if any
	} else {
		err = bw.Flush()
	}
	if err != nil {
		return fmt.Errorf("write detail tree: %w", err)
	}
	return nil
}

// indents holds the indentation of every depth Write goes to.
var indents = strings.Repeat("  ", maxWriteDepth+1)

type textWriter struct {
	w    *bufio.Writer
	opts WriteOptions
}

// maxWriteDepth stops runaway trees (Build bounds AMF nesting; this is a
// guard for trees made elsewhere).
const maxWriteDepth = 100

func (t *textWriter) children(n *Node, depth int) {
	if depth > maxWriteDepth {
		return
	}
	for i, c := range n.Children {
		if c == nil {
			continue
		}
		if t.opts.MaxChildren > 0 && i >= t.opts.MaxChildren {
			more := len(n.Children) - i
			t.line(depth, &Node{Label: "…", Value: fmt.Sprintf("%d more not shown (%d in all)", more, len(n.Children))})
			return
		}
		t.line(depth, c)
		t.children(c, depth+1)
	}
}

// line writes one node. The label is kept whole; the value is cut to fit
// the width, since values (AMF strings, hex) are what grows.
func (t *textWriter) line(depth int, n *Node) {
	indent := indents[:2*min(depth, maxWriteDepth+1)]
	label := OneLine(n.Label)
	value := OneLine(n.Value)
	suffix := ""
	if t.opts.Bytes {
		switch n.Space {
		case Body:
			suffix = fmt.Sprintf(" [body %d+%d]", n.Off, n.Len)
		case Wire:
			suffix = fmt.Sprintf(" [wire %d+%d]", n.Off, n.Len)
		}
	}
	var more []string // continuation lines of a wrapped value
	if t.opts.Width > 0 {
		used := utf8.RuneCountInString(indent) + utf8.RuneCountInString(label) + utf8.RuneCountInString(suffix)
		if value != "" {
			used += 2
			value, more = wrap(value, max(t.opts.Width-used, 12), max(t.opts.Width-len(indent)-4, 12))
		} else if used > t.opts.Width {
			label = cut(label, max(t.opts.Width-utf8.RuneCountInString(indent)-utf8.RuneCountInString(suffix), 12))
		}
	}
	t.w.WriteString(indent)
	colour := ""
	switch {
	case !t.opts.Color:
	case n.Severity >= SevError:
		colour = ansiRed
	case n.Severity == SevWarn:
		colour = ansiYellow
	}
	if t.opts.Color {
		// Piece by piece: a concatenation would allocate per line.
		if colour != "" {
			t.w.WriteString(colour)
			t.w.WriteString(label)
		} else {
			t.w.WriteString(ansiDim)
			t.w.WriteString(label)
			t.w.WriteString(ansiReset)
		}
	} else {
		t.w.WriteString(label)
	}
	if value != "" {
		t.w.WriteString(": ")
		t.w.WriteString(value)
	}
	if colour != "" {
		t.w.WriteString(ansiReset)
	}
	t.w.WriteString(suffix)
	t.w.WriteByte('\n')
	for _, m := range more {
		t.w.WriteString(indent)
		t.w.WriteString("    ")
		if colour != "" {
			t.w.WriteString(colour)
			t.w.WriteString(m)
			t.w.WriteString(ansiReset)
		} else {
			t.w.WriteString(m)
		}
		t.w.WriteByte('\n')
	}
}

// maxWrapLines bounds a wrapped value: prose (diagnostic text, status
// descriptions) reads best whole, but a 64 KB AMF string should not fill
// the screen, so beyond this many lines the value is cut with "…".
const maxWrapLines = 4

// wrap splits s into a first line of at most first runes and continuation
// lines of at most rest runes, breaking at spaces where it can, and cuts
// with "…" after maxWrapLines lines.
func wrap(s string, first, rest int) (string, []string) {
	if utf8.RuneCountInString(s) <= first {
		return s, nil
	}
	r := []rune(s)
	var lines []string
	width := first
	for len(r) > 0 {
		if len(lines) == maxWrapLines-1 {
			lines = append(lines, cut(string(r), width))
			break
		}
		if len(r) <= width {
			lines = append(lines, string(r))
			break
		}
		brk := width
		for i := width; i > width/2; i-- {
			if r[i] == ' ' {
				brk = i
				break
			}
		}
		lines = append(lines, strings.TrimRight(string(r[:brk]), " "))
		r = r[brk:]
		for len(r) > 0 && r[0] == ' ' {
			r = r[1:]
		}
		width = rest
	}
	return lines[0], lines[1:]
}

// OneLine replaces line breaks and other control characters with '·': they
// would break a one-line layout (AMF strings may hold anything), here and
// in the terminal UI's detail pane.
func OneLine(s string) string {
	if clean(s) || !strings.ContainsFunc(s, isControl) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if isControl(r) {
			return '·'
		}
		return r
	}, s)
}

// clean reports whether s has no byte that may be part of a control
// character: control characters are ASCII or, encoded, start with 0xC2
// (U+0080..U+009F), so any other byte leaves the string as it is. Every
// label and value Write prints passes here, so it looks at eight bytes
// at a time (the byte tests of "Bit Twiddling Hacks": hasless, haszero).
func clean(s string) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	i := 0
	for ; i+8 <= len(s); i += 8 {
		w := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
			uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
		del, c2 := w^(ones*0x7f), w^(ones*0xc2)
		below := (w - ones*0x20) &^ w // a byte < 0x20
		is7f := (del - ones) &^ del   // a byte == 0x7f
		isC2 := (c2 - ones) &^ c2     // a byte == 0xc2
		if (below|is7f|isC2)&highs != 0 {
			return false
		}
	}
	for ; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f || c == 0xc2 {
			return false
		}
	}
	return true
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) }

// cut shortens s to at most n runes, ending with "…" when it cut.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
