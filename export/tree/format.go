package tree

import "strconv"

// Value text for the builders of the common events (media, control and
// chunk headers): formatted into a buffer on the stack and kept with
// a.str, so that it costs nothing in an arena and one allocation on the
// heap. fmt costs an allocation per argument besides its result; the
// builders of rare events (connections, handshakes, codec
// configurations) keep it where it reads better.

// textBuf is the stack buffer the helpers format into; longer text
// spills to the heap and is still correct.
type textBuf [128]byte

// itoa is strconv.FormatInt, in the arena. (strconv returns the numbers
// below 100 without allocating; so does itoa.)
func (a *Arena) itoa(n int64) string {
	if 0 <= n && n < 100 {
		return strconv.FormatInt(n, 10)
	}
	var buf textBuf
	return a.str(strconv.AppendInt(buf[:0], n, 10))
}

// utoa is strconv.FormatUint, in the arena.
func (a *Arena) utoa(n uint64) string {
	if n < 100 {
		return strconv.FormatUint(n, 10)
	}
	var buf textBuf
	return a.str(strconv.AppendUint(buf[:0], n, 10))
}

// join concatenates parts, in the arena.
func (a *Arena) join(parts ...string) string {
	var buf textBuf
	b := buf[:0]
	for _, p := range parts {
		b = append(b, p...)
	}
	return a.str(b)
}

// numName writes a wire number with its meaning: "10 (AAC)".
func (a *Arena) numName(n uint64, name string) string { return a.numNameThen(n, name, "") }

// numNameThen is numName followed by text: "3 (44 kHz), fixed for AAC".
func (a *Arena) numNameThen(n uint64, name, text string) string {
	var buf textBuf
	b := strconv.AppendUint(buf[:0], n, 10)
	b = append(b, " ("...)
	b = append(b, name...)
	b = append(b, ')')
	return a.str(append(b, text...))
}

// numbered is a label with a 1-based position: "Chunk 2", "Track 1".
func (a *Arena) numbered(label string, n int) string {
	var buf textBuf
	return a.str(strconv.AppendInt(append(buf[:0], label...), int64(n), 10))
}

// index is a list position label: "[3]".
func (a *Arena) index(i int) string {
	var buf textBuf
	b := append(buf[:0], '[')
	b = strconv.AppendInt(b, int64(i), 10)
	return a.str(append(b, ']'))
}

// itoaThen is a number followed by text: "40 ms", "12 (the message's
// last byte)"; text starts with its own separator.
func (a *Arena) itoaThen(n int64, text string) string {
	var buf textBuf
	return a.str(append(strconv.AppendInt(buf[:0], n, 10), text...))
}

// utoaThen is itoaThen for unsigned numbers.
func (a *Arena) utoaThen(n uint64, text string) string {
	if text == "" {
		return a.utoa(n)
	}
	var buf textBuf
	return a.str(append(strconv.AppendUint(buf[:0], n, 10), text...))
}
