package amf

import (
	"encoding/base64"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// MarshalJSON writes v in the mapping documented in JSON.md: readable for
// the common cases (numbers, strings, booleans, null, ordered objects,
// arrays) and tagged with "$"-keys wherever plain JSON would lose
// something. It never follows a reference.
func (v Value) MarshalJSON() ([]byte, error) {
	return AppendJSON(nil, v), nil
}

// AppendJSON appends the JSON form of v to dst.
func AppendJSON(dst []byte, v Value) []byte {
	return appendJSON(dst, &v, 0)
}

// jsonMaxDepth stops runaway recursion on hand-built values; decoded values
// are already bounded by Options.MaxDepth.
const jsonMaxDepth = 10000

func appendJSON(b []byte, v *Value, depth int) []byte {
	if depth > jsonMaxDepth {
		return append(b, `{"$error":"too deep"}`...)
	}
	switch v.Kind {
	case KindNumber:
		finite := !math.IsNaN(v.Num) && !math.IsInf(v.Num, 0)
		if !finite || (v.Format == AMF3 && v.Num == math.Trunc(v.Num)) {
			b = append(b, `{"$double":`...)
			b = appendFloat(b, v.Num)
			return append(b, '}')
		}
		return appendFloat(b, v.Num)
	case KindInteger:
		return strconv.AppendInt(b, v.Int, 10)
	case KindBoolean:
		return strconv.AppendBool(b, v.Bool)
	case KindString:
		if !utf8.ValidString(v.Str) {
			b = append(b, `{"$string_base64":"`...)
			b = base64.StdEncoding.AppendEncode(b, []byte(v.Str))
			return append(b, `"}`...)
		}
		if v.Long && len(v.Str) <= 0xFFFF {
			b = append(b, `{"$longstring":`...)
			b = appendString(b, v.Str)
			return append(b, '}')
		}
		return appendString(b, v.Str)
	case KindNull:
		return append(b, "null"...)
	case KindUndefined:
		return append(b, `{"$undefined":true}`...)
	case KindUnsupported:
		return append(b, `{"$unsupported":true}`...)
	case KindXMLDocument:
		b = append(b, `{"$xmldoc":`...)
		b = appendString(b, v.Str)
		return append(b, '}')
	case KindXML:
		b = append(b, `{"$xml":`...)
		b = appendString(b, v.Str)
		return append(b, '}')
	case KindDate:
		b = append(b, `{"$date":`...)
		if t := v.Time(); !t.IsZero() || v.Num == float64(time.Time{}.UnixMilli()) {
			b = appendString(b, t.Format("2006-01-02T15:04:05.000Z07:00"))
		} else {
			b = append(b, "null"...)
		}
		b = append(b, `,"ms":`...)
		b = appendFloat(b, v.Num)
		if v.Format == AMF0 {
			b = append(b, `,"tz":`...)
			b = strconv.AppendInt(b, int64(v.TZ), 10)
		}
		return append(b, '}')
	case KindByteArray:
		b = append(b, `{"$bytes":"`...)
		b = base64.StdEncoding.AppendEncode(b, v.Bytes)
		return append(b, `"}`...)
	case KindReference:
		b = append(b, `{"$ref":`...)
		b = strconv.AppendInt(b, int64(v.Ref), 10)
		return append(b, '}')
	case KindError:
		b = append(b, `{"$error":`...)
		b = appendString(b, v.Str)
		if v.Class != "" {
			b = append(b, `,"class":`...)
			b = appendString(b, v.Class)
		}
		return append(b, '}')
	case KindStrictArray:
		return appendElems(b, v.Elems, depth)
	case KindArray:
		if len(v.Props) == 0 {
			return appendElems(b, v.Elems, depth)
		}
		b = append(b, `{"$array":`...)
		b = appendElems(b, v.Elems, depth)
		b = append(b, `,"$assoc":`...)
		b = appendProps(b, v.Props, depth, false)
		return append(b, '}')
	case KindECMAArray:
		b = append(b, `{"$ecma":`...)
		b = appendProps(b, v.Props, depth, false)
		return append(b, '}')
	case KindObject:
		return appendObject(b, v, depth)
	case KindVectorInt, KindVectorUint, KindVectorDouble, KindVectorObject:
		b = append(b, `{"$vector":`...)
		switch v.Kind {
		case KindVectorInt:
			b = append(b, `"int"`...)
		case KindVectorUint:
			b = append(b, `"uint"`...)
		case KindVectorDouble:
			b = append(b, `"double"`...)
		default:
			b = append(b, `"object","type":`...)
			b = appendString(b, v.Class)
		}
		b = append(b, `,"fixed":`...)
		b = strconv.AppendBool(b, v.Fixed)
		b = append(b, `,"items":`...)
		if v.Kind == KindVectorDouble {
			// Elements are doubles by type: plain numbers suffice.
			b = append(b, '[')
			for i := range v.Elems {
				if i > 0 {
					b = append(b, ',')
				}
				b = appendFloat(b, v.Elems[i].Num)
			}
			b = append(b, ']')
		} else {
			b = appendElems(b, v.Elems, depth)
		}
		return append(b, '}')
	case KindDictionary:
		b = append(b, `{"$dict":[`...)
		for i := range v.Entries {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, '[')
			b = appendJSON(b, &v.Entries[i].Key, depth+1)
			b = append(b, ',')
			b = appendJSON(b, &v.Entries[i].Value, depth+1)
			b = append(b, ']')
		}
		b = append(b, `],"weak":`...)
		b = strconv.AppendBool(b, v.WeakKeys)
		return append(b, '}')
	}
	return append(b, `{"$error":"invalid value"}`...)
}

func appendObject(b []byte, v *Value, depth int) []byte {
	b = append(b, '{')
	n := 0
	tag := func(k string) {
		if n > 0 {
			b = append(b, ',')
		}
		n++
		b = append(b, '"')
		b = append(b, k...)
		b = append(b, `":`...)
	}
	if v.Class != "" {
		tag("$class")
		b = appendString(b, v.Class)
	}
	if v.Format == AMF3 {
		if v.Externalizable {
			tag("$external")
			if len(v.Elems) == 1 && len(v.Props) == 0 {
				b = appendJSON(b, &v.Elems[0], depth+1)
			} else {
				b = appendProps(b, v.Props, depth, false)
			}
			return append(b, '}')
		}
		if v.Sealed > 0 {
			tag("$sealed")
			b = strconv.AppendInt(b, int64(v.Sealed), 10)
		}
		if !v.Dynamic {
			tag("$dynamic")
			b = append(b, "false"...)
		}
	}
	if n > 0 && len(v.Props) > 0 {
		b = append(b, ',')
	}
	return appendProps(b, v.Props, depth, true)
}

// appendProps writes props as an ordered JSON object. With inner set it
// writes only the members (the caller owns the braces) and closes the
// caller's object.
func appendProps(b []byte, props []Prop, depth int, inner bool) []byte {
	if !inner {
		b = append(b, '{')
	}
	for i := range props {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, escapeKey(props[i].Key))
		b = append(b, ':')
		b = appendJSON(b, &props[i].Value, depth+1)
	}
	return append(b, '}')
}

// escapeKey keeps member names from colliding with the "$" tags: a name
// starting with "$" gets one more "$".
func escapeKey(k string) string {
	if strings.HasPrefix(k, "$") {
		return "$" + k
	}
	return k
}

func appendElems(b []byte, elems []Value, depth int) []byte {
	b = append(b, '[')
	for i := range elems {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSON(b, &elems[i], depth+1)
	}
	return append(b, ']')
}

func appendFloat(b []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(b, `"NaN"`...)
	case math.IsInf(f, 1):
		return append(b, `"Infinity"`...)
	case math.IsInf(f, -1):
		return append(b, `"-Infinity"`...)
	}
	if f == 0 && math.Signbit(f) {
		return append(b, "-0.0"...)
	}
	abs := math.Abs(f)
	fmtc := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		fmtc = 'e'
	}
	return strconv.AppendFloat(b, f, fmtc, -1, 64)
}

const hexDigits = "0123456789abcdef"

// appendString writes s as a JSON string (s must be valid UTF-8; invalid
// bytes become U+FFFD).
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c < 0x20 || c == '<' || c == '>' || c == '&':
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
		default:
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}
