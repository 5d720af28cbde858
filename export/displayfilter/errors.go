package displayfilter

import (
	"errors"
	"fmt"
	"strings"
)

// SyntaxError is a filter that does not compile. Line and Column (both
// 1-based, Column counted in runes) say where, so a command line can
// point a caret under the spot.
type SyntaxError struct {
	Filter string
	Line   int
	Column int
	Msg    string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("display filter %q: column %d: %s", e.Filter, e.Column, e.Msg)
}

// Caret renders the filter's line with a caret under the error column:
//
//	type == "command" && comand.name == "publish"
//	                     ^ unknown field "comand"
func (e *SyntaxError) Caret() string {
	lines := strings.Split(e.Filter, "\n")
	line := ""
	if e.Line >= 1 && e.Line <= len(lines) {
		line = lines[e.Line-1]
	}
	col := max(e.Column, 1)
	return line + "\n" + strings.Repeat(" ", col-1) + "^ " + e.Msg
}

// errMismatch is a comparison of values that cannot be ordered.
var errMismatch = errors.New("values cannot be compared")
