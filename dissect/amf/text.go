package amf

import (
	"strconv"
	"strings"
)

// String returns a short one-line form for summaries, in ActionScript-like
// notation: {app: "live", tcUrl: "rtmp://host/live"}, [1, 2], null,
// undefined, 5 (AMF3 integer), Date(2006-01-02T15:04:05.000Z), ref#2. It
// never follows a reference. Use [Value.Summary] to bound its length.
func (v Value) String() string {
	var sb strings.Builder
	writeText(&sb, &v, 0, -1)
	return sb.String()
}

// Summary is String cut to about max bytes, with "…" where it was cut.
func (v Value) Summary(max int) string {
	var sb strings.Builder
	writeText(&sb, &v, 0, max)
	s := sb.String()
	if max >= 0 && len(s) > max {
		cut := max
		for cut > 0 && cut < len(s) && s[cut]&0xC0 == 0x80 {
			cut-- // don't split a UTF-8 sequence
		}
		return s[:cut] + "…"
	}
	return s
}

func writeText(sb *strings.Builder, v *Value, depth, max int) {
	if max >= 0 && sb.Len() > max {
		return // the caller cuts; stop doing work
	}
	if depth > 100 {
		sb.WriteString("…")
		return
	}
	switch v.Kind {
	case KindNumber:
		sb.WriteString(strconv.FormatFloat(v.Num, 'g', -1, 64))
	case KindInteger:
		sb.WriteString(strconv.FormatInt(v.Int, 10))
	case KindBoolean:
		sb.WriteString(strconv.FormatBool(v.Bool))
	case KindString:
		sb.WriteString(strconv.Quote(v.Str))
	case KindNull:
		sb.WriteString("null")
	case KindUndefined:
		sb.WriteString("undefined")
	case KindUnsupported:
		sb.WriteString("unsupported")
	case KindXMLDocument:
		sb.WriteString("XMLDocument(" + strconv.Quote(v.Str) + ")")
	case KindXML:
		sb.WriteString("XML(" + strconv.Quote(v.Str) + ")")
	case KindDate:
		if t := v.Time(); !t.IsZero() {
			sb.WriteString("Date(" + t.Format("2006-01-02T15:04:05.000Z07:00") + ")")
		} else {
			sb.WriteString("Date(" + strconv.FormatFloat(v.Num, 'g', -1, 64) + ")")
		}
	case KindByteArray:
		sb.WriteString("ByteArray(" + strconv.Itoa(len(v.Bytes)) + " bytes)")
	case KindReference:
		sb.WriteString("ref#" + strconv.Itoa(v.Ref))
	case KindError:
		sb.WriteString("<error: " + v.Str)
		if v.Class != "" {
			sb.WriteString(" " + strconv.Quote(v.Class))
		}
		sb.WriteString(">")
	case KindStrictArray:
		writeElems(sb, v.Elems, depth, max)
	case KindArray:
		if len(v.Props) > 0 {
			writeProps(sb, v.Props, depth, max)
		}
		if len(v.Elems) > 0 || len(v.Props) == 0 {
			writeElems(sb, v.Elems, depth, max)
		}
	case KindECMAArray:
		sb.WriteString("ecma")
		writeProps(sb, v.Props, depth, max)
	case KindObject:
		sb.WriteString(v.Class)
		if v.Externalizable && len(v.Elems) == 1 && len(v.Props) == 0 {
			sb.WriteString("(")
			writeText(sb, &v.Elems[0], depth+1, max)
			sb.WriteString(")")
			return
		}
		writeProps(sb, v.Props, depth, max)
	case KindVectorInt:
		sb.WriteString("Vector.<int>")
		writeElems(sb, v.Elems, depth, max)
	case KindVectorUint:
		sb.WriteString("Vector.<uint>")
		writeElems(sb, v.Elems, depth, max)
	case KindVectorDouble:
		sb.WriteString("Vector.<Number>")
		writeElems(sb, v.Elems, depth, max)
	case KindVectorObject:
		t := v.Class
		if t == "" {
			t = "*"
		}
		sb.WriteString("Vector.<" + t + ">")
		writeElems(sb, v.Elems, depth, max)
	case KindDictionary:
		sb.WriteString("Dictionary{")
		for i := range v.Entries {
			if i > 0 {
				sb.WriteString(", ")
			}
			writeText(sb, &v.Entries[i].Key, depth+1, max)
			sb.WriteString(" => ")
			writeText(sb, &v.Entries[i].Value, depth+1, max)
		}
		sb.WriteString("}")
	default:
		sb.WriteString("<invalid>")
	}
}

func writeElems(sb *strings.Builder, elems []Value, depth, max int) {
	sb.WriteString("[")
	for i := range elems {
		if i > 0 {
			sb.WriteString(", ")
		}
		if max >= 0 && sb.Len() > max {
			break
		}
		writeText(sb, &elems[i], depth+1, max)
	}
	sb.WriteString("]")
}

func writeProps(sb *strings.Builder, props []Prop, depth, max int) {
	sb.WriteString("{")
	for i := range props {
		if i > 0 {
			sb.WriteString(", ")
		}
		if max >= 0 && sb.Len() > max {
			break
		}
		sb.WriteString(props[i].Key)
		sb.WriteString(": ")
		writeText(sb, &props[i].Value, depth+1, max)
	}
	sb.WriteString("}")
}
