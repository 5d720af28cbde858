package amf

import (
	"math"
	"strconv"
	"time"
)

// Format is the AMF version a value was encoded in.
type Format uint8

// The two encodings.
const (
	AMF0 Format = 0
	AMF3 Format = 3
)

// Kind is what a Value holds. Kinds are shared by both formats where the
// meaning is the same; [Value.Format] and [Value.Marker] keep the wire form.
type Kind uint8

// Value kinds.
const (
	KindInvalid      Kind = iota
	KindNumber            // AMF0 number, AMF3 double: Num
	KindInteger           // AMF3 integer (signed 29-bit); vector int/uint elements: Int
	KindBoolean           // Bool
	KindString            // Str; Long for an AMF0 long string
	KindNull              //
	KindUndefined         //
	KindUnsupported       // AMF0 unsupported marker
	KindObject            // anonymous or typed object, AMF3 object or externalizable: Class, Props
	KindECMAArray         // AMF0 ECMA (associative) array: Props, Count
	KindStrictArray       // AMF0 strict array: Elems
	KindArray             // AMF3 array: Elems (dense part), Props (associative part)
	KindDate              // Num (ms since the epoch, UTC), TZ (AMF0 only)
	KindXMLDocument       // AMF0 XML document, AMF3 XMLDocument (legacy): Str
	KindXML               // AMF3 XML (E4X): Str
	KindByteArray         // AMF3 ByteArray: Bytes
	KindVectorInt         // AMF3 Vector.<int>: Elems of KindInteger, Fixed
	KindVectorUint        // AMF3 Vector.<uint>: Elems of KindInteger, Fixed
	KindVectorDouble      // AMF3 Vector.<Number>: Elems of KindNumber, Fixed
	KindVectorObject      // AMF3 Vector.<T>: Class (T, "" or "*" for any), Elems, Fixed
	KindDictionary        // AMF3 Dictionary: Entries, WeakKeys
	KindReference         // AMF0 reference or AMF3 object-table reference: Ref, Target
	KindError             // a value that could not be decoded: Str says why, Class names an unknown externalizable class
)

var kindNames = [...]string{
	KindInvalid:      "invalid",
	KindNumber:       "number",
	KindInteger:      "integer",
	KindBoolean:      "boolean",
	KindString:       "string",
	KindNull:         "null",
	KindUndefined:    "undefined",
	KindUnsupported:  "unsupported",
	KindObject:       "object",
	KindECMAArray:    "ecma-array",
	KindStrictArray:  "strict-array",
	KindArray:        "array",
	KindDate:         "date",
	KindXMLDocument:  "xml-document",
	KindXML:          "xml",
	KindByteArray:    "byte-array",
	KindVectorInt:    "vector-int",
	KindVectorUint:   "vector-uint",
	KindVectorDouble: "vector-double",
	KindVectorObject: "vector-object",
	KindDictionary:   "dictionary",
	KindReference:    "reference",
	KindError:        "error",
}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Value is one decoded AMF value. It is a plain struct so that decoding is a
// few allocations and walking needs no type switches: Kind says which fields
// are meaningful (see the Kind constants).
type Value struct {
	Kind   Kind
	Format Format
	Marker byte // the type marker on the wire (in Format's marker space)
	// AVMPlus is set on an AMF3 value that an AMF0 avmplus-object-marker
	// (0x11) introduced; Offset and Length then cover that marker byte too.
	AVMPlus bool
	// Partial is set when decoding stopped inside this value: it holds what
	// was decoded before the fault.
	Partial bool

	Offset int // byte offset of the value's first byte (marker), plus the caller's base
	Length int // encoded length in bytes, marker included

	Num   float64 // KindNumber; KindDate (ms since the Unix epoch)
	Int   int64   // KindInteger
	Bool  bool    // KindBoolean
	Str   string  // KindString, KindXML, KindXMLDocument; KindError: reason
	Long  bool    // KindString: AMF0 long-string marker (0x0C)
	TZ    int16   // KindDate, AMF0: time zone field (minutes; reserved, normally 0)
	Bytes []byte  // KindByteArray (a copy, not an alias of the input)

	// Class: typed-object or AMF3 class name ("" for anonymous objects);
	// element type name of a KindVectorObject; class of an unknown
	// externalizable for KindError.
	Class          string
	Sealed         int    // KindObject, AMF3: the first Sealed Props are the traits' sealed members
	Dynamic        bool   // KindObject, AMF3: traits are dynamic
	Externalizable bool   // KindObject, AMF3: body written by the class itself (see extern.go)
	Fixed          bool   // vectors: fixed length
	WeakKeys       bool   // KindDictionary
	Count          uint32 // KindECMAArray: the associative count field as sent (not trusted)

	Props   []Prop  // members, in wire order
	Elems   []Value // array, vector, and externalizable-body elements
	Entries []Entry // KindDictionary

	Ref    int    // KindReference: table index
	Target *Value // KindReference: the referenced value (nil if unresolved); never followed by String or MarshalJSON

	// AMF3 encodings by reference, kept for the hex view. StrRef is set
	// when Str (or a Class) came from the string table; TraitsRef when the
	// object's traits came from the traits table.
	StrRef      int
	IsStrRef    bool
	TraitsRef   int
	IsTraitsRef bool
}

// Prop is one named member of an object, ECMA array or AMF3 array.
type Prop struct {
	Key       string
	KeyOffset int // offset of the encoded key, -1 when the key came from AMF3 traits sent earlier
	KeyLen    int // encoded length of the key
	Value     Value
}

// Entry is one key/value pair of an AMF3 Dictionary.
type Entry struct {
	Key   Value
	Value Value
}

// Constructors, mostly for tests and for building messages.

// Number returns an AMF0 number.
func Number(f float64) Value { return Value{Kind: KindNumber, Num: f} }

// Double returns an AMF3 double.
func Double(f float64) Value { return Value{Kind: KindNumber, Format: AMF3, Num: f} }

// Integer returns an AMF3 integer.
func Integer(i int64) Value { return Value{Kind: KindInteger, Format: AMF3, Int: i} }

// Bool returns an AMF0 boolean.
func Bool(b bool) Value { return Value{Kind: KindBoolean, Bool: b} }

// String returns an AMF0 string (a long string when it needs one).
func String(s string) Value { return Value{Kind: KindString, Str: s, Long: len(s) > 0xFFFF} }

// Null returns an AMF0 null.
func Null() Value { return Value{Kind: KindNull} }

// Undefined returns an AMF0 undefined.
func Undefined() Value { return Value{Kind: KindUndefined} }

// Object returns an AMF0 anonymous object with the given members.
func Object(props ...Prop) Value { return Value{Kind: KindObject, Props: props} }

// ECMAArray returns an AMF0 ECMA array with the given members.
func ECMAArray(props ...Prop) Value {
	return Value{Kind: KindECMAArray, Props: props, Count: uint32(len(props))}
}

// StrictArray returns an AMF0 strict array.
func StrictArray(elems ...Value) Value { return Value{Kind: KindStrictArray, Elems: elems} }

// P builds a Prop.
func P(key string, v Value) Prop { return Prop{Key: key, KeyOffset: -1, Value: v} }

// In3 returns v marked as AMF3 (recursively for its children), for building
// AMF3 values with the AMF0-style constructors. Objects become anonymous
// dynamic objects, strict arrays become AMF3 dense arrays, ECMA arrays
// become associative AMF3 arrays.
func In3(v Value) Value {
	v.Format = AMF3
	switch v.Kind {
	case KindObject:
		if !v.Externalizable && v.Sealed == 0 && v.Class == "" {
			v.Dynamic = true
		}
	case KindStrictArray:
		v.Kind = KindArray
	case KindECMAArray:
		v.Kind = KindArray
	}
	v.Long = false
	if v.Props != nil {
		ps := make([]Prop, len(v.Props))
		for i, p := range v.Props {
			p.Value = In3(p.Value)
			ps[i] = p
		}
		v.Props = ps
	}
	if v.Elems != nil {
		es := make([]Value, len(v.Elems))
		for i, e := range v.Elems {
			es[i] = In3(e)
		}
		v.Elems = es
	}
	return v
}

// Get returns the first member named key of an object, ECMA array or AMF3
// array (after resolving a reference), and whether there was one.
func (v Value) Get(key string) (Value, bool) {
	r := v.Resolve()
	for i := range r.Props {
		if r.Props[i].Key == key {
			return r.Props[i].Value, true
		}
	}
	return Value{}, false
}

// Resolve follows one reference: for a KindReference with a known target it
// returns the target, otherwise v itself.
func (v Value) Resolve() Value {
	if v.Kind == KindReference && v.Target != nil {
		return *v.Target
	}
	return v
}

// AsString returns the string of a KindString (or XML) value.
func (v Value) AsString() (string, bool) {
	switch v.Kind {
	case KindString, KindXML, KindXMLDocument:
		return v.Str, true
	}
	return "", false
}

// AsNumber returns the numeric value of a number or integer.
func (v Value) AsNumber() (float64, bool) {
	switch v.Kind {
	case KindNumber:
		return v.Num, true
	case KindInteger:
		return float64(v.Int), true
	}
	return 0, false
}

// AsBool returns the value of a boolean.
func (v Value) AsBool() (bool, bool) {
	if v.Kind == KindBoolean {
		return v.Bool, true
	}
	return false, false
}

// IsNullish reports null or undefined.
func (v Value) IsNullish() bool { return v.Kind == KindNull || v.Kind == KindUndefined }

// Time returns a date's instant (UTC; the AMF0 time zone field is reserved
// and not applied).
func (v Value) Time() time.Time {
	if math.IsNaN(v.Num) || math.IsInf(v.Num, 0) {
		return time.Time{}
	}
	ms := math.Trunc(v.Num)
	ns := (v.Num - ms) * 1e6
	return time.UnixMilli(int64(ms)).Add(time.Duration(ns)).UTC()
}

// Equal reports whether a and b hold the same AMF data: kind, format, and
// content, recursively. Offsets, lengths, Partial, reference targets and
// how strings and traits were shared on the wire are ignored; an ECMA
// array's count field is ignored.
func Equal(a, b Value) bool {
	if a.Kind != b.Kind || a.Format != b.Format || a.AVMPlus != b.AVMPlus {
		return false
	}
	switch a.Kind {
	case KindNumber:
		return a.Num == b.Num || (math.IsNaN(a.Num) && math.IsNaN(b.Num))
	case KindDate:
		return (a.Num == b.Num || (math.IsNaN(a.Num) && math.IsNaN(b.Num))) && a.TZ == b.TZ
	case KindInteger:
		return a.Int == b.Int
	case KindBoolean:
		return a.Bool == b.Bool
	case KindString:
		return a.Str == b.Str && (a.Format == AMF3 || a.Long == b.Long)
	case KindXML, KindXMLDocument, KindError:
		return a.Str == b.Str && a.Class == b.Class
	case KindByteArray:
		return string(a.Bytes) == string(b.Bytes)
	case KindReference:
		return a.Ref == b.Ref && a.Marker == b.Marker
	case KindDictionary:
		if a.WeakKeys != b.WeakKeys || len(a.Entries) != len(b.Entries) {
			return false
		}
		for i := range a.Entries {
			if !Equal(a.Entries[i].Key, b.Entries[i].Key) || !Equal(a.Entries[i].Value, b.Entries[i].Value) {
				return false
			}
		}
		return true
	}
	if a.Class != b.Class || a.Fixed != b.Fixed || a.Sealed != b.Sealed ||
		a.Dynamic != b.Dynamic || a.Externalizable != b.Externalizable ||
		len(a.Props) != len(b.Props) || len(a.Elems) != len(b.Elems) {
		return false
	}
	for i := range a.Props {
		if a.Props[i].Key != b.Props[i].Key || !Equal(a.Props[i].Value, b.Props[i].Value) {
			return false
		}
	}
	for i := range a.Elems {
		if !Equal(a.Elems[i], b.Elems[i]) {
			return false
		}
	}
	return true
}
