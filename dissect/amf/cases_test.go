package amf

import (
	"encoding/binary"
	"math"
)

// bs builds bytes from parts: byte/int (one byte), []byte, string (raw
// bytes), f64 (8-byte big-endian double), u16/u32 (big-endian).
func bs(parts ...any) []byte {
	var b []byte
	for _, p := range parts {
		switch x := p.(type) {
		case byte:
			b = append(b, x)
		case int:
			b = append(b, byte(x))
		case []byte:
			b = append(b, x...)
		case string:
			b = append(b, x...)
		case f64:
			b = binary.BigEndian.AppendUint64(b, math.Float64bits(float64(x)))
		case u16:
			b = binary.BigEndian.AppendUint16(b, uint16(x))
		case u32:
			b = binary.BigEndian.AppendUint32(b, uint32(x))
		default:
			panic("bs: bad part")
		}
	}
	return b
}

type (
	f64 float64
	u16 uint16
	u32 uint32
)

// obj3 builds an anonymous dynamic AMF3 object.
func obj3(props ...Prop) Value {
	return Value{Kind: KindObject, Format: AMF3, Dynamic: true, Props: props}
}

func str3(s string) Value { return Value{Kind: KindString, Format: AMF3, Str: s} }

func ref0(i int) Value { return Value{Kind: KindReference, Marker: m0Reference, Ref: i} }

func ref3(marker byte, i int) Value {
	return Value{Kind: KindReference, Format: AMF3, Marker: marker, Ref: i}
}

func avm(v Value) Value { v.AVMPlus = true; return v }

// One table drives the decode tests, the encode tests and the fuzz seeds.
// Sources: [AMF0] is Adobe's "Action Message Format -- AMF 0" (Dec 2007),
// [AMF3] is "Action Message Format -- AMF 3" (Jan 2013); the section given
// is the one whose grammar the bytes follow. [BlazeDS] is Apache Flex
// BlazeDS, modules/core/src/flex/messaging/messages/*.java (readExternal /
// writeExternal), for the small-message forms.
var cases = []struct {
	name   string
	format Format // which sequence decoder: AMF0 (DecodeAll) or AMF3 (DecodeAll3)
	enc    []byte
	dec    []Value
	noEnc  bool // the encoder writes a different (canonical) form
}{
	// AMF0 ----------------------------------------------------------
	{"amf0 number [AMF0 2.2]", AMF0, bs(0x00, f64(1.5)), []Value{Number(1.5)}, false},
	{"amf0 boolean [AMF0 2.3]", AMF0, bs(0x01, 1, 0x01, 0), []Value{Bool(true), Bool(false)}, false},
	{"amf0 boolean nonzero is true [AMF0 2.3]", AMF0, bs(0x01, 7), []Value{Bool(true)}, true},
	{"amf0 string [AMF0 2.4]", AMF0, bs(0x02, u16(3), "abc"), []Value{String("abc")}, false},
	{"amf0 empty string [AMF0 2.4]", AMF0, bs(0x02, u16(0)), []Value{String("")}, false},
	{"amf0 object [AMF0 2.5, 2.11]", AMF0,
		bs(0x03, u16(1), "a", 0x00, f64(1), u16(0), 0x09),
		[]Value{Object(P("a", Number(1)))}, false},
	{"amf0 null and undefined [AMF0 2.7, 2.8]", AMF0, bs(0x05, 0x06), []Value{Null(), Undefined()}, false},
	{"amf0 reference [AMF0 2.9]", AMF0,
		// A strict array (table entry 0) holding an object (entry 1) and
		// a reference to that object.
		bs(0x0A, u32(2), 0x03, u16(0), 0x09, 0x07, u16(1)),
		[]Value{StrictArray(Object(), ref0(1))}, false},
	{"amf0 ECMA array [AMF0 2.10]", AMF0,
		bs(0x08, u32(1), u16(1), "a", 0x02, u16(1), "b", u16(0), 0x09),
		[]Value{ECMAArray(P("a", String("b")))}, false},
	{"amf0 strict array [AMF0 2.12]", AMF0,
		bs(0x0A, u32(2), 0x00, f64(1), 0x02, u16(1), "a"),
		[]Value{StrictArray(Number(1), String("a"))}, false},
	{"amf0 date with time zone [AMF0 2.13]", AMF0,
		bs(0x0B, f64(1.2e12), u16(0xFFC4)),
		[]Value{{Kind: KindDate, Num: 1.2e12, TZ: -60}}, false},
	{"amf0 long string [AMF0 2.14]", AMF0, bs(0x0C, u32(3), "abc"),
		[]Value{{Kind: KindString, Str: "abc", Long: true}}, false},
	{"amf0 unsupported [AMF0 2.15]", AMF0, bs(0x0D), []Value{{Kind: KindUnsupported}}, false},
	{"amf0 XML document [AMF0 2.17]", AMF0, bs(0x0F, u32(7), "<a></a>"),
		[]Value{{Kind: KindXMLDocument, Str: "<a></a>"}}, false},
	{"amf0 typed object [AMF0 2.18]", AMF0,
		bs(0x10, u16(3), "Foo", u16(1), "x", 0x05, u16(0), 0x09),
		[]Value{{Kind: KindObject, Class: "Foo", Props: []Prop{P("x", Null())}}}, false},
	{"amf0 AVM+ switch to AMF3 [AMF0 3.1]", AMF0,
		bs(0x02, u16(1), "f", 0x11, 0x04, 0x05, 0x00, f64(2)),
		[]Value{String("f"), avm(Integer(5)), Number(2)}, false},
	{"amf0 AVM+ switches get fresh AMF3 tables [AMF0 3.1]", AMF0,
		// The second switch sends "abc" inline again: a reference would
		// point into a table that no longer exists.
		bs(0x11, 0x06, 0x07, "abc", 0x11, 0x06, 0x07, "abc"),
		[]Value{avm(str3("abc")), avm(str3("abc"))}, false},
	{"amf0 command body (connect)", AMF0,
		bs(0x02, u16(7), "connect", 0x00, f64(1),
			0x03, u16(3), "app", 0x02, u16(4), "live", u16(0), 0x09),
		[]Value{String("connect"), Number(1), Object(P("app", String("live")))}, false},

	// AMF3 ----------------------------------------------------------
	{"amf3 undefined null false true [AMF3 3.2-3.5]", AMF3, bs(0x00, 0x01, 0x02, 0x03),
		[]Value{{Kind: KindUndefined, Format: AMF3}, {Kind: KindNull, Format: AMF3},
			{Kind: KindBoolean, Format: AMF3}, {Kind: KindBoolean, Format: AMF3, Bool: true}}, false},
	// U29 boundaries from the range table of [AMF3 1.3.1]; integers are
	// signed 29-bit [AMF3 3.6].
	{"amf3 integer 0 [AMF3 1.3.1]", AMF3, bs(0x04, 0x00), []Value{Integer(0)}, false},
	{"amf3 integer 0x7F (1 byte) [AMF3 1.3.1]", AMF3, bs(0x04, 0x7F), []Value{Integer(0x7F)}, false},
	{"amf3 integer 0x80 (2 bytes) [AMF3 1.3.1]", AMF3, bs(0x04, 0x81, 0x00), []Value{Integer(0x80)}, false},
	{"amf3 integer 0x3FFF [AMF3 1.3.1]", AMF3, bs(0x04, 0xFF, 0x7F), []Value{Integer(0x3FFF)}, false},
	{"amf3 integer 0x4000 (3 bytes) [AMF3 1.3.1]", AMF3, bs(0x04, 0x81, 0x80, 0x00), []Value{Integer(0x4000)}, false},
	{"amf3 integer 0x1FFFFF [AMF3 1.3.1]", AMF3, bs(0x04, 0xFF, 0xFF, 0x7F), []Value{Integer(0x1FFFFF)}, false},
	{"amf3 integer 0x200000 (4 bytes) [AMF3 1.3.1]", AMF3, bs(0x04, 0x80, 0xC0, 0x80, 0x00), []Value{Integer(0x200000)}, false},
	{"amf3 integer max 2^28-1 [AMF3 3.6]", AMF3, bs(0x04, 0xBF, 0xFF, 0xFF, 0xFF), []Value{Integer(1<<28 - 1)}, false},
	{"amf3 integer -1 [AMF3 3.6]", AMF3, bs(0x04, 0xFF, 0xFF, 0xFF, 0xFF), []Value{Integer(-1)}, false},
	{"amf3 integer min -2^28 [AMF3 3.6]", AMF3, bs(0x04, 0xC0, 0x80, 0x80, 0x00), []Value{Integer(-1 << 28)}, false},
	{"amf3 double [AMF3 3.7]", AMF3, bs(0x05, f64(-0.5)), []Value{Double(-0.5)}, false},
	{"amf3 string [AMF3 3.8]", AMF3, bs(0x06, 0x07, "abc"), []Value{str3("abc")}, false},
	{"amf3 string reference [AMF3 1.3.2, 3.8]", AMF3, bs(0x06, 0x07, "abc", 0x06, 0x00),
		[]Value{str3("abc"), str3("abc")}, false},
	{"amf3 empty string is never a reference [AMF3 1.3.2]", AMF3,
		bs(0x06, 0x01, 0x06, 0x07, "abc", 0x06, 0x00, 0x06, 0x01),
		[]Value{str3(""), str3("abc"), str3("abc"), str3("")}, false},
	{"amf3 XMLDocument [AMF3 3.9]", AMF3, bs(0x07, 0x0F, "<a></a>"),
		[]Value{{Kind: KindXMLDocument, Format: AMF3, Str: "<a></a>"}}, false},
	{"amf3 date [AMF3 3.10]", AMF3, bs(0x08, 0x01, f64(1.2e12)),
		[]Value{{Kind: KindDate, Format: AMF3, Num: 1.2e12}}, false},
	{"amf3 dense array [AMF3 3.11]", AMF3, bs(0x09, 0x05, 0x01, 0x04, 0x01, 0x04, 0x02),
		[]Value{{Kind: KindArray, Format: AMF3, Elems: []Value{Integer(1), Integer(2)}}}, false},
	{"amf3 array with associative part [AMF3 3.11]", AMF3,
		bs(0x09, 0x03, 0x03, "a", 0x04, 0x01, 0x01, 0x06, 0x03, "b"),
		[]Value{{Kind: KindArray, Format: AMF3, Props: []Prop{P("a", Integer(1))}, Elems: []Value{str3("b")}}}, false},
	{"amf3 anonymous dynamic object [AMF3 3.12]", AMF3,
		bs(0x0A, 0x0B, 0x01, 0x03, "a", 0x04, 0x01, 0x01),
		[]Value{obj3(P("a", Integer(1)))}, false},
	{"amf3 sealed+dynamic object (Wikipedia 'Action Message Format' AMF3 example)", AMF3,
		bs(0x0A, 0x2B, 0x01, 0x05, "ui", 0x0B, "param", 0x06, 0x19, "button_press", 0x04, 0x05, 0x01),
		[]Value{{Kind: KindObject, Format: AMF3, Dynamic: true, Sealed: 2,
			Props: []Prop{P("ui", str3("button_press")), P("param", Integer(5))}}}, false},
	{"amf3 typed sealed object [AMF3 3.12]", AMF3,
		bs(0x0A, 0x13, 0x07, "Foo", 0x03, "x", 0x04, 0x07),
		[]Value{{Kind: KindObject, Format: AMF3, Class: "Foo", Sealed: 1, Props: []Prop{P("x", Integer(7))}}}, false},
	{"amf3 traits reference [AMF3 3.12]", AMF3,
		bs(0x09, 0x05, 0x01,
			0x0A, 0x13, 0x07, "Foo", 0x03, "x", 0x04, 0x01,
			0x0A, 0x01, 0x04, 0x02),
		[]Value{{Kind: KindArray, Format: AMF3, Elems: []Value{
			{Kind: KindObject, Format: AMF3, Class: "Foo", Sealed: 1, Props: []Prop{P("x", Integer(1))}},
			{Kind: KindObject, Format: AMF3, Class: "Foo", Sealed: 1, Props: []Prop{P("x", Integer(2))}},
		}}}, false},
	{"amf3 object reference [AMF3 3.12]", AMF3,
		bs(0x09, 0x05, 0x01, 0x0A, 0x0B, 0x01, 0x01, 0x0A, 0x02),
		[]Value{{Kind: KindArray, Format: AMF3, Elems: []Value{obj3(), ref3(0x0A, 1)}}}, false},
	{"amf3 XML [AMF3 3.13]", AMF3, bs(0x0B, 0x0F, "<a></a>"),
		[]Value{{Kind: KindXML, Format: AMF3, Str: "<a></a>"}}, false},
	{"amf3 ByteArray [AMF3 3.14]", AMF3, bs(0x0C, 0x07, 1, 2, 3),
		[]Value{{Kind: KindByteArray, Format: AMF3, Bytes: []byte{1, 2, 3}}}, false},
	{"amf3 Vector.<int> [AMF3 3.15]", AMF3, bs(0x0D, 0x05, 0x00, u32(0xFFFFFFFF), u32(1)),
		[]Value{{Kind: KindVectorInt, Format: AMF3, Elems: []Value{Integer(-1), Integer(1)}}}, false},
	{"amf3 Vector.<uint> fixed [AMF3 3.15]", AMF3, bs(0x0E, 0x03, 0x01, u32(0xFFFFFFFF)),
		[]Value{{Kind: KindVectorUint, Format: AMF3, Fixed: true, Elems: []Value{Integer(0xFFFFFFFF)}}}, false},
	{"amf3 Vector.<Number> [AMF3 3.15]", AMF3, bs(0x0F, 0x03, 0x00, f64(1.5)),
		[]Value{{Kind: KindVectorDouble, Format: AMF3, Elems: []Value{Double(1.5)}}}, false},
	{"amf3 Vector.<Object> with type name [AMF3 3.15]", AMF3,
		bs(0x10, 0x05, 0x00, 0x03, "*", 0x04, 0x01, 0x06, 0x03, "a"),
		[]Value{{Kind: KindVectorObject, Format: AMF3, Class: "*", Elems: []Value{Integer(1), str3("a")}}}, false},
	{"amf3 Dictionary [AMF3 3.16]", AMF3, bs(0x11, 0x03, 0x01, 0x06, 0x03, "k", 0x04, 0x01),
		[]Value{{Kind: KindDictionary, Format: AMF3, WeakKeys: true,
			Entries: []Entry{{Key: str3("k"), Value: Integer(1)}}}}, false},
	{"amf3 ArrayCollection (externalizable, body is one value)", AMF3,
		bs(0x0A, 0x07, 0x43, ClassArrayCollection, 0x09, 0x03, 0x01, 0x04, 0x01),
		[]Value{{Kind: KindObject, Format: AMF3, Class: ClassArrayCollection, Externalizable: true,
			Elems: []Value{{Kind: KindArray, Format: AMF3, Elems: []Value{Integer(1)}}}}}, false},
	{"amf3 ObjectProxy (externalizable)", AMF3,
		bs(0x0A, 0x07, 0x3B, ClassObjectProxy, 0x0A, 0x0B, 0x01, 0x03, "a", 0x03, 0x01),
		[]Value{{Kind: KindObject, Format: AMF3, Class: ClassObjectProxy, Externalizable: true,
			Elems: []Value{obj3(P("a", Value{Kind: KindBoolean, Format: AMF3, Bool: true}))}}}, false},
	{"amf3 DSK AcknowledgeMessageExt [BlazeDS AbstractMessage/AsyncMessage/AcknowledgeMessage]", AMF3,
		// AbstractMessage flags: BODY|DESTINATION|TIMESTAMP (0x01|0x04|0x20);
		// AsyncMessage flags: CORRELATION_ID; AcknowledgeMessage: none.
		bs(0x0A, 0x07, 0x07, "DSK",
			0x25, 0x06, 0x05, "hi", 0x06, 0x07, "svc", 0x05, f64(1.7e12),
			0x01, 0x06, 0x05, "c1",
			0x00),
		[]Value{{Kind: KindObject, Format: AMF3, Class: "DSK", Externalizable: true, Props: []Prop{
			P("body", str3("hi")), P("destination", str3("svc")), P("timestamp", Double(1.7e12)),
			P("correlationId", str3("c1"))}}}, false},
	{"amf3 DSA with a second flag byte (HAS_NEXT) [BlazeDS AbstractMessage]", AMF3,
		// Flag byte 0 has only HAS_NEXT; byte 1 has MESSAGE_ID_BYTES.
		bs(0x0A, 0x07, 0x07, "DSA",
			0x80, 0x02, 0x0C, 0x09, 1, 2, 3, 4,
			0x02, 0x0C, 0x05, 9, 9),
		[]Value{{Kind: KindObject, Format: AMF3, Class: "DSA", Externalizable: true, Props: []Prop{
			P("messageIdBytes", Value{Kind: KindByteArray, Format: AMF3, Bytes: []byte{1, 2, 3, 4}}),
			P("correlationIdBytes", Value{Kind: KindByteArray, Format: AMF3, Bytes: []byte{9, 9}})}}}, false},
	{"amf3 DSC CommandMessageExt with operation [BlazeDS CommandMessage]", AMF3,
		bs(0x0A, 0x07, 0x07, "DSC", 0x40, 0x04, 0x64, 0x00, 0x01, 0x04, 0x02),
		[]Value{{Kind: KindObject, Format: AMF3, Class: "DSC", Externalizable: true, Props: []Prop{
			P("timeToLive", Integer(100)), P("operation", Integer(2))}}}, false},
	{"amf3 DSC forward-compatible unknown field [BlazeDS CommandMessage]", AMF3,
		// CommandMessage flag bit 1 is unknown: BlazeDS reads and skips a value.
		bs(0x0A, 0x07, 0x07, "DSC", 0x00, 0x00, 0x02, 0x01),
		[]Value{{Kind: KindObject, Format: AMF3, Class: "DSC", Externalizable: true, Props: []Prop{
			P("unknown.CommandMessage.0.1", Value{Kind: KindNull, Format: AMF3})}}}, false},
}
