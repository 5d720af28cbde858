package tree

import (
	"fmt"
	"strconv"

	"github.com/rtmpscope/rtmpscope/dissect/amf"
)

// expandLimit: containers with more children than this start collapsed
// in interactive views.
const expandLimit = 16

// maxAMFDepth bounds how deep the tree follows nested AMF values; the
// decoder already bounds nesting, this keeps a hostile body from making a
// tree deeper than a view can show.
const maxAMFDepth = 32

// amfValue is the node of one AMF value (and its members), covering the
// value's encoded bytes.
func (a *Arena) amfValue(label string, v *amf.Value) *Node {
	return a.amfNode(label, v, 0)
}

func (a *Arena) amfNode(label string, v *amf.Value, depth int) *Node {
	n := a.bodyField(label, a.amfText(v), v.Offset, v.Length)
	if v.Partial {
		n.Value += " (partial: decoding stopped inside)"
		n.Severity = SevError
	}
	if v.Kind == amf.KindError {
		n.Severity = SevError
	}
	if depth >= maxAMFDepth {
		if hasChildren(v) {
			a.add(n, a.field("…", "nested too deep to show"))
		}
		return n
	}
	switch v.Kind {
	case amf.KindObject:
		if v.Format == amf.AMF3 {
			a.add(n, a.traits(v))
		}
		for i := range v.Props {
			a.add(n, a.amfProp(&v.Props[i], depth+1))
		}
		for i := range v.Elems { // an externalizable's body
			a.add(n, a.amfNode(a.index(i), &v.Elems[i], depth+1))
		}
	case amf.KindECMAArray, amf.KindArray, amf.KindStrictArray,
		amf.KindVectorInt, amf.KindVectorUint, amf.KindVectorDouble, amf.KindVectorObject:
		for i := range v.Props {
			a.add(n, a.amfProp(&v.Props[i], depth+1))
		}
		for i := range v.Elems {
			a.add(n, a.amfNode(a.index(i), &v.Elems[i], depth+1))
		}
	case amf.KindDictionary:
		for i := range v.Entries {
			e := &v.Entries[i]
			en := a.field(a.numbered("Entry ", i), e.Key.Summary(40)+" => "+e.Value.Summary(40))
			if e.Key.Length > 0 && e.Value.Length > 0 && e.Value.Offset >= e.Key.Offset {
				en.Space, en.Off = Body, int64(e.Key.Offset)
				en.Len = int64(e.Value.Offset + e.Value.Length - e.Key.Offset)
			}
			a.add(en, a.amfNode("Key", &e.Key, depth+1), a.amfNode("Value", &e.Value, depth+1))
			a.add(n, en)
		}
	case amf.KindByteArray:
		a.add(n, a.field("Bytes", a.hexSummary(v.Bytes)))
	case amf.KindReference:
		if t := v.Target; t != nil {
			// One level only: the target may itself contain references
			// back here. Its range lets a hex view show what it points at.
			r := a.bodyField("Resolves to", t.Kind.String()+" "+t.Summary(60), t.Offset, t.Length)
			a.add(n, r)
		} else {
			a.add(n, a.field("Resolves to", "unresolved").sev(SevWarn))
		}
	}
	n.Expanded = len(n.Children) <= expandLimit
	return n
}

func hasChildren(v *amf.Value) bool {
	return len(v.Props) > 0 || len(v.Elems) > 0 || len(v.Entries) > 0
}

// amfProp is a named member; its range covers the key and the value when
// the key was on the wire just before it.
func (a *Arena) amfProp(p *amf.Prop, depth int) *Node {
	n := a.amfNode(p.Key, &p.Value, depth)
	if p.KeyOffset >= 0 && p.KeyOffset <= p.Value.Offset && p.Value.Length > 0 {
		n.Off = int64(p.KeyOffset)
		n.Len = int64(p.Value.Offset + p.Value.Length - p.KeyOffset)
	}
	if p.Key == "" && p.KeyOffset < 0 {
		n.Label = `""`
	}
	return n
}

// traits describes an AMF3 object's class traits.
func (a *Arena) traits(v *amf.Value) *Node {
	desc := "anonymous"
	if v.Class != "" {
		desc = strconv.Quote(v.Class)
	}
	t := a.field("Traits", desc)
	switch {
	case v.Externalizable:
		t.Value += ", externalizable"
	default:
		t.Value += fmt.Sprintf(", %d sealed", v.Sealed)
		if v.Dynamic {
			t.Value += ", dynamic"
		}
	}
	if v.IsTraitsRef {
		t.Value += fmt.Sprintf(", by reference #%d", v.TraitsRef)
	}
	return t
}

// amfText is a value's one-line rendering: scalars in full (Write cuts long
// strings), containers by kind and size.
func (a *Arena) amfText(v *amf.Value) string {
	var s string
	switch v.Kind {
	case amf.KindNumber:
		s = strconv.FormatFloat(v.Num, 'g', -1, 64)
		if v.Format == amf.AMF3 {
			s += " (double)"
		}
	case amf.KindInteger:
		s = strconv.FormatInt(v.Int, 10) + " (integer)"
	case amf.KindBoolean:
		s = strconv.FormatBool(v.Bool)
	case amf.KindString:
		s = strconv.Quote(v.Str)
		if v.Long {
			s += " (long string)"
		}
	case amf.KindNull, amf.KindUndefined, amf.KindUnsupported:
		s = v.Kind.String()
	case amf.KindDate:
		s = "Date " + a.dateText(v)
	case amf.KindXMLDocument:
		s = "XMLDocument " + strconv.Quote(v.Str)
	case amf.KindXML:
		s = "XML " + strconv.Quote(v.Str)
	case amf.KindByteArray:
		s = fmt.Sprintf("ByteArray (%d bytes)", len(v.Bytes))
	case amf.KindObject:
		switch {
		case v.Class != "" && v.Format == amf.AMF0:
			s = fmt.Sprintf("typed object %q (%s)", v.Class, count(len(v.Props), "member"))
		case v.Class != "":
			s = fmt.Sprintf("object %q (%s)", v.Class, count(len(v.Props), "member"))
		default:
			s = fmt.Sprintf("object (%s)", count(len(v.Props), "member"))
		}
	case amf.KindECMAArray:
		s = fmt.Sprintf("ECMA array (%s, count field %d)", count(len(v.Props), "member"), v.Count)
	case amf.KindStrictArray:
		s = fmt.Sprintf("strict array (%s)", count(len(v.Elems), "element"))
	case amf.KindArray:
		s = fmt.Sprintf("array (%d dense, %d associative)", len(v.Elems), len(v.Props))
	case amf.KindVectorInt, amf.KindVectorUint, amf.KindVectorDouble, amf.KindVectorObject:
		t := map[amf.Kind]string{amf.KindVectorInt: "int", amf.KindVectorUint: "uint", amf.KindVectorDouble: "Number"}[v.Kind]
		if v.Kind == amf.KindVectorObject {
			t = v.Class
			if t == "" {
				t = "*"
			}
		}
		s = fmt.Sprintf("Vector.<%s> (%s", t, count(len(v.Elems), "element"))
		if v.Fixed {
			s += ", fixed"
		}
		s += ")"
	case amf.KindDictionary:
		s = fmt.Sprintf("Dictionary (%s", count(len(v.Entries), "entry"))
		if v.WeakKeys {
			s += ", weak keys"
		}
		s += ")"
	case amf.KindReference:
		s = fmt.Sprintf("reference #%d", v.Ref)
		if v.Target != nil {
			s += " → " + v.Target.Summary(60)
		}
	case amf.KindError:
		s = "error: " + v.Str
		if v.Class != "" {
			s += " (class " + strconv.Quote(v.Class) + ")"
		}
	default:
		s = v.Kind.String()
	}
	if v.IsStrRef {
		s += fmt.Sprintf(" (string reference #%d)", v.StrRef)
	}
	if v.AVMPlus {
		s += " [AMF3]"
	}
	return s
}

func (a *Arena) dateText(v *amf.Value) string {
	s := strconv.FormatFloat(v.Num, 'g', -1, 64) + " ms"
	if t := v.Time(); !t.IsZero() {
		s = t.Format("2006-01-02T15:04:05.000Z")
	}
	if v.Format == amf.AMF0 {
		s += fmt.Sprintf(", time zone field %d", v.TZ)
	}
	return s
}

// count is "1 member", "3 members", "1 entry", "2 entries".
func count(n int, noun string) string {
	var buf textBuf
	return string(appendCount(buf[:0], n, noun))
}

// appendCount appends count(n, noun) to b.
func appendCount(b []byte, n int, noun string) []byte {
	b = strconv.AppendInt(b, int64(n), 10)
	b = append(b, ' ')
	switch {
	case n == 1:
		return append(b, noun...)
	case noun == "entry":
		return append(b, "entries"...)
	}
	return append(append(b, noun...), 's')
}
