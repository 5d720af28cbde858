package export

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"time"
	"unicode/utf8"
)

// The append-style JSON helpers below write exactly what encoding/json
// writes for the same values (string escaping with HTML escaping on, float
// formatting, compacted raw values), without reflection: message events,
// nearly every line of an NDJSON export, are encoded with them
// (jsonmessage.go). TestAppendEventMatchesReflection holds the two
// encodings equal on every committed capture.

const hexDigits = "0123456789abcdef"

// jsonSafe marks the ASCII bytes encoding/json writes unescaped when it
// escapes HTML (its htmlSafeSet).
var jsonSafe = func() (t [utf8.RuneSelf]bool) {
	for b := 0x20; b < utf8.RuneSelf; b++ {
		t[b] = true
	}
	for _, b := range `"\<>&` {
		t[b] = false
	}
	return t
}()

// appendJSONString appends s as a JSON string, escaped as encoding/json
// does with HTML escaping on.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if jsonSafe[b] {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		if c == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if c == '\u2028' || c == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[c&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// appendJSONFloat appends f as encoding/json writes a float64 (ES6 number
// formatting). NaN and infinities, which encoding/json refuses, are null.
func appendJSONFloat(dst []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(dst, "null"...)
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	dst = strconv.AppendFloat(dst, f, format, -1, 64)
	if format == 'e' {
		if n := len(dst); n >= 4 && dst[n-4] == 'e' && dst[n-3] == '-' && dst[n-2] == '0' {
			dst[n-2] = dst[n-1]
			dst = dst[:n-1]
		}
	}
	return dst
}

// appendJSONTime appends t as FormatTime writes it, quoted.
func appendJSONTime(dst []byte, t time.Time) []byte {
	dst = append(dst, '"')
	dst = t.UTC().AppendFormat(dst, time.RFC3339Nano)
	return append(dst, '"')
}

// appendJSONRaw appends the output of a MarshalJSON method as encoding/json
// embeds it: compacted, with <, >, & and U+2028/U+2029 escaped. Our
// marshalers write compact JSON, so only a value holding one of those
// characters needs the slow path.
func appendJSONRaw(dst, raw []byte) ([]byte, error) {
	if !needsHTMLEscape(raw) {
		return append(dst, raw...), nil
	}
	var compact, escaped bytes.Buffer
	if err := json.Compact(&compact, raw); err != nil {
		return dst, err
	}
	json.HTMLEscape(&escaped, compact.Bytes())
	return append(dst, escaped.Bytes()...), nil
}

// appendJSONValue appends v as json.Marshal encodes it.
func appendJSONValue(dst []byte, v any) ([]byte, error) {
	if m, ok := v.(json.Marshaler); ok {
		raw, err := m.MarshalJSON()
		if err != nil {
			return dst, err
		}
		return appendJSONRaw(dst, raw)
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return dst, err
	}
	return append(dst, raw...), nil
}

// needsHTMLEscape reports whether raw holds <, >, & or the lead byte of
// U+2028/U+2029 (0xE2; a false alarm on other characters only costs the
// slow path). A byte loop: bytes.IndexAny decodes runes when the set is
// not ASCII.
func needsHTMLEscape(raw []byte) bool {
	for _, c := range raw {
		switch c {
		case '<', '>', '&', 0xE2:
			return true
		}
	}
	return false
}
