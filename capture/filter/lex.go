package filter

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// SyntaxError reports a filter expression that cannot be compiled. Col is
// the 1-based column (in characters) of the offending token, or one past the
// end of the expression when more input was expected.
type SyntaxError struct {
	Col int
	Msg string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("filter: column %d: %s", e.Col, e.Msg)
}

type tokKind int

const (
	tEOF    tokKind = iota
	tWord           // keyword, number, address, name
	tLParen         // (
	tRParen         // )
	tNot            // ! or not
	tAnd            // && or and
	tOr             // || or or
	tSlash          // /
)

type token struct {
	kind tokKind
	text string
	col  int // 1-based column in characters
}

func (t token) String() string {
	if t.kind == tEOF {
		return "end of expression"
	}
	return fmt.Sprintf("%q", t.text)
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '.' || c == ':' || c == '-' || c == '_'
}

// lex splits expr into tokens. Words are runs of letters, digits and . : - _
// (so 10.0.0.1, ::1, 1935-1940 and host are single words).
func lex(expr string) ([]token, error) {
	var toks []token
	col := 1
	for i := 0; i < len(expr); {
		c := expr[i]
		start := col
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
			col++
			continue
		case c == '(':
			toks = append(toks, token{tLParen, "(", start})
		case c == ')':
			toks = append(toks, token{tRParen, ")", start})
		case c == '/':
			toks = append(toks, token{tSlash, "/", start})
		case c == '!':
			toks = append(toks, token{tNot, "!", start})
		case c == '&' || c == '|':
			if i+1 >= len(expr) || expr[i+1] != c {
				return nil, &SyntaxError{start, fmt.Sprintf("unexpected %q (use %c%c or %s)", c, c, c, map[byte]string{'&': "and", '|': "or"}[c])}
			}
			k := tAnd
			if c == '|' {
				k = tOr
			}
			toks = append(toks, token{k, expr[i : i+2], start})
			i += 2
			col += 2
			continue
		case isWordByte(c):
			j := i
			for j < len(expr) && isWordByte(expr[j]) {
				j++
			}
			w := expr[i:j]
			k := tWord
			switch strings.ToLower(w) {
			case "and":
				k = tAnd
			case "or":
				k = tOr
			case "not":
				k = tNot
			}
			toks = append(toks, token{k, w, start})
			col += j - i
			i = j
			continue
		case c == '[':
			return nil, &SyntaxError{start, "byte-offset expressions such as tcp[13] are not supported"}
		case strings.IndexByte("<>=+*^", c) >= 0:
			return nil, &SyntaxError{start, fmt.Sprintf("arithmetic and comparisons (%q) are not supported", c)}
		default:
			r, _ := utf8.DecodeRuneInString(expr[i:])
			return nil, &SyntaxError{start, fmt.Sprintf("unexpected character %q", r)}
		}
		i++
		col++
	}
	toks = append(toks, token{tEOF, "", col})
	return toks, nil
}
