package displayfilter

import (
	"net/netip"
	"strings"
	"unicode"
)

// translated is a filter rewritten from the tshark spellings expr does not
// know into expr, with the way back for error columns.
type translated struct {
	src string
	// orig[i] is the rune offset in the user's filter of the translated
	// filter's rune i (one more entry for the end).
	orig []int
}

// origin maps a rune offset of the translated filter to the user's.
func (t *translated) origin(i int) int {
	if i < 0 {
		return 0
	}
	if i >= len(t.orig) {
		return t.orig[len(t.orig)-1]
	}
	return t.orig[i]
}

// tsharkOps are tshark's word operators and their expr spelling.
var tsharkOps = map[string]string{
	"eq": "==", "ne": "!=", "gt": ">", "lt": "<", "ge": ">=", "le": "<=",
	"any_eq": "==", "all_ne": "!=", "~": "matches",
}

// translate rewrites, outside string literals:
//
//   - the word operators eq, ne, gt, lt, ge, le and ~ (tshark's matches);
//   - tshark's set "in {a b c}" (space or comma separated) into expr's list;
//   - the dotted tshark names of aliases (rtmpt.header.typeid, frame.number,
//     ...) into identifiers expr reads as one name;
//   - unquoted IPv4 and IPv6 addresses (ip.addr == 127.0.0.1) into strings.
//
// It returns a *SyntaxError for an unterminated set or string.
func translate(src string) (*translated, error) {
	rs := []rune(src)
	t := &translated{}
	emit := func(s string, at int) {
		for range []rune(s) {
			t.orig = append(t.orig, at)
		}
		t.src += s
	}
	inSet := false // inside tshark's { }
	setStart := 0
	lastWasElem := false
	for i := 0; i < len(rs); {
		r := rs[i]
		switch {
		case r == '"' || r == '\'' || r == '`':
			j := i + 1
			for j < len(rs) && rs[j] != r {
				if rs[j] == '\\' && r != '`' {
					j++
				}
				j++
			}
			if j >= len(rs) {
				return nil, errAt(src, i, "string not terminated")
			}
			if inSet && lastWasElem {
				emit(",", i)
			}
			for k := i; k <= j; k++ {
				emit(string(rs[k]), k)
			}
			lastWasElem = inSet
			i = j + 1
		case r == '{':
			if !precededByIn(rs, i) {
				return nil, errAt(src, i, "a set { } follows \"in\": field in {1 2 3}")
			}
			inSet, setStart, lastWasElem = true, i, false
			emit("[", i)
			i++
		case r == '}' && inSet:
			inSet = false
			emit("]", i)
			i++
		case r == ',' && inSet:
			lastWasElem = false
			emit(",", i)
			i++
		case unicode.IsSpace(r):
			emit(string(r), i)
			i++
		case r == '~' && (i+1 >= len(rs) || rs[i+1] != '=') && (i == 0 || rs[i-1] != '!'):
			emit(" matches ", i)
			i++
		default:
			// A word: identifier, number or address.
			j := i
			for j < len(rs) && isWordRune(rs[j]) {
				j++
			}
			if j == i {
				if inSet && lastWasElem && r != '.' {
					emit(",", i)
				}
				emit(string(r), i)
				lastWasElem = false
				i++
				continue
			}
			word := string(rs[i:j])
			out := word
			if op, ok := tsharkOps[word]; ok && !inSet {
				out = op
			} else if alias, ok := aliasIdent(word); ok {
				out = alias
			} else if a, ok := addressLiteral(word); ok {
				out = `"` + a + `"`
			}
			if inSet && lastWasElem {
				emit(",", i)
			}
			lastWasElem = inSet
			for k, r2 := range []rune(out) {
				if out == word {
					emit(string(r2), i+k)
				} else {
					emit(string(r2), i)
				}
			}
			i = j
		}
	}
	if inSet {
		return nil, errAt(src, setStart, "set { not closed with }")
	}
	t.orig = append(t.orig, len(rs))
	return t, nil
}

// isWordRune is a rune of an identifier, number, dotted name or address.
func isWordRune(r rune) bool {
	return r == '_' || r == '.' || r == ':' || r == '$' || unicode.IsLetter(r) || unicode.IsDigit(r)
}

// precededByIn reports whether the '{' at i follows the word "in".
func precededByIn(rs []rune, i int) bool {
	j := i - 1
	for j >= 0 && unicode.IsSpace(rs[j]) {
		j--
	}
	return j >= 1 && rs[j] == 'n' && rs[j-1] == 'i' && (j < 2 || !isWordRune(rs[j-2]))
}

// addressLiteral recognises an unquoted IPv4 or IPv6 address, as tshark
// users write them, and returns its canonical form. "1.5" (a number) and
// "a:b" (not an address) are not addresses.
func addressLiteral(w string) (string, bool) {
	if strings.Count(w, ".") != 3 && strings.Count(w, ":") < 2 {
		return "", false
	}
	a, err := netip.ParseAddr(w)
	if err != nil {
		return "", false
	}
	return a.String(), true
}

// errAt is a SyntaxError at rune offset i of src.
func errAt(src string, i int, msg string) *SyntaxError {
	e := &SyntaxError{Filter: src, Msg: msg}
	e.locate(i)
	return e
}
