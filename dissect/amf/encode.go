package amf

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strings"
)

// ErrEncode is wrapped by every encoding error: a value that cannot be
// written in the format asked for (an AMF0 ECMA array inside AMF3, an
// integer outside 29 bits, an error value...).
var ErrEncode = errors.New("amf: cannot encode")

// Encode0 encodes values as consecutive AMF0 values, the shape of an RTMP
// command or data body. A value whose Format is AMF3 is written behind an
// avmplus-object-marker (0x11) with a fresh AMF3 context, mirroring
// DecodeAll.
func Encode0(values ...Value) ([]byte, error) {
	var b []byte
	var err error
	for _, v := range values {
		if b, err = AppendEncode0(b, v); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// AppendEncode0 appends the AMF0 encoding of v to dst.
func AppendEncode0(dst []byte, v Value) ([]byte, error) {
	e := encoder{b: dst}
	if err := e.value0(v, 0); err != nil {
		return dst, err
	}
	return e.b, nil
}

// Encode3 encodes values as consecutive AMF3 values sharing one context
// (string and traits references are used where the specification allows).
func Encode3(values ...Value) ([]byte, error) {
	e := encoder{}
	e.reset3()
	for _, v := range values {
		if err := e.value3(v, 0); err != nil {
			return nil, err
		}
	}
	return e.b, nil
}

type encoder struct {
	b      []byte
	strs   map[string]int
	traits map[string]int
}

func (e *encoder) reset3() {
	e.strs = map[string]int{}
	e.traits = map[string]int{}
}

func encErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrEncode, fmt.Sprintf(format, args...))
}

const maxEncodeDepth = 1000

func (e *encoder) u16(n int)    { e.b = binary.BigEndian.AppendUint16(e.b, uint16(n)) }
func (e *encoder) u32(n uint32) { e.b = binary.BigEndian.AppendUint32(e.b, n) }
func (e *encoder) f64(f float64) {
	e.b = binary.BigEndian.AppendUint64(e.b, math.Float64bits(f))
}

func (e *encoder) value0(v Value, depth int) error {
	if depth > maxEncodeDepth {
		return encErr("nesting deeper than %d", maxEncodeDepth)
	}
	if v.Format == AMF3 {
		e.b = append(e.b, m0AVMPlus)
		saved := e.strs
		savedT := e.traits
		e.reset3()
		err := e.value3(v, depth+1)
		e.strs, e.traits = saved, savedT
		return err
	}
	switch v.Kind {
	case KindNumber:
		e.b = append(e.b, m0Number)
		e.f64(v.Num)
	case KindBoolean:
		e.b = append(e.b, m0Boolean, 0)
		if v.Bool {
			e.b[len(e.b)-1] = 1
		}
	case KindString:
		if v.Long || len(v.Str) > 0xFFFF {
			if uint64(len(v.Str)) > math.MaxUint32 {
				return encErr("string of %d bytes", len(v.Str))
			}
			e.b = append(e.b, m0LongString)
			e.u32(uint32(len(v.Str)))
		} else {
			e.b = append(e.b, m0String)
			e.u16(len(v.Str))
		}
		e.b = append(e.b, v.Str...)
	case KindXMLDocument:
		if uint64(len(v.Str)) > math.MaxUint32 {
			return encErr("XML of %d bytes", len(v.Str))
		}
		e.b = append(e.b, m0XMLDocument)
		e.u32(uint32(len(v.Str)))
		e.b = append(e.b, v.Str...)
	case KindNull:
		e.b = append(e.b, m0Null)
	case KindUndefined:
		e.b = append(e.b, m0Undefined)
	case KindUnsupported:
		e.b = append(e.b, m0Unsupported)
	case KindReference:
		if v.Ref < 0 || v.Ref > 0xFFFF {
			return encErr("AMF0 reference %d", v.Ref)
		}
		e.b = append(e.b, m0Reference)
		e.u16(v.Ref)
	case KindDate:
		e.b = append(e.b, m0Date)
		e.f64(v.Num)
		e.u16(int(uint16(v.TZ)))
	case KindObject, KindECMAArray:
		switch {
		case v.Kind == KindECMAArray:
			e.b = append(e.b, m0ECMAArray)
			e.u32(uint32(len(v.Props)))
		case v.Class != "":
			if len(v.Class) > 0xFFFF {
				return encErr("class name of %d bytes", len(v.Class))
			}
			e.b = append(e.b, m0TypedObject)
			e.u16(len(v.Class))
			e.b = append(e.b, v.Class...)
		default:
			e.b = append(e.b, m0Object)
		}
		for _, p := range v.Props {
			if len(p.Key) > 0xFFFF {
				return encErr("member name of %d bytes", len(p.Key))
			}
			if p.Key == "" && p.Value.Kind == KindInvalid {
				return encErr("empty member")
			}
			e.u16(len(p.Key))
			e.b = append(e.b, p.Key...)
			if err := e.value0(p.Value, depth+1); err != nil {
				return err
			}
		}
		e.b = append(e.b, 0, 0, m0ObjectEnd)
	case KindStrictArray:
		e.b = append(e.b, m0StrictArray)
		e.u32(uint32(len(v.Elems)))
		for _, x := range v.Elems {
			if err := e.value0(x, depth+1); err != nil {
				return err
			}
		}
	default:
		return encErr("%v value in AMF0", v.Kind)
	}
	return nil
}

func (e *encoder) u29(n uint32) error {
	switch {
	case n < 0x80:
		e.b = append(e.b, byte(n))
	case n < 0x4000:
		e.b = append(e.b, byte(n>>7)|0x80, byte(n&0x7F))
	case n < 0x200000:
		e.b = append(e.b, byte(n>>14)|0x80, byte(n>>7)|0x80, byte(n&0x7F))
	case n < 0x20000000:
		e.b = append(e.b, byte(n>>22)|0x80, byte(n>>15)|0x80, byte(n>>8)|0x80, byte(n))
	default:
		return encErr("U29 value %d out of range", n)
	}
	return nil
}

// string3 writes a UTF-8-vr, by reference when the string was sent before.
func (e *encoder) string3(s string) error {
	if s != "" {
		if i, ok := e.strs[s]; ok {
			return e.u29(uint32(i) << 1)
		}
	}
	if uint64(len(s)) >= 1<<28 {
		return encErr("string of %d bytes", len(s))
	}
	if err := e.u29(uint32(len(s))<<1 | 1); err != nil {
		return err
	}
	e.b = append(e.b, s...)
	if s != "" {
		e.strs[s] = len(e.strs)
	}
	return nil
}

func (e *encoder) inlineLen(n int) error {
	if n < 0 || uint64(n) >= 1<<28 {
		return encErr("length %d out of U29 range", n)
	}
	return e.u29(uint32(n)<<1 | 1)
}

func (e *encoder) value3(v Value, depth int) error {
	if depth > maxEncodeDepth {
		return encErr("nesting deeper than %d", maxEncodeDepth)
	}
	switch v.Kind {
	case KindUndefined:
		e.b = append(e.b, m3Undefined)
	case KindNull:
		e.b = append(e.b, m3Null)
	case KindBoolean:
		if v.Bool {
			e.b = append(e.b, m3True)
		} else {
			e.b = append(e.b, m3False)
		}
	case KindInteger:
		if v.Int < -(1<<28) || v.Int >= 1<<28 {
			return encErr("integer %d outside 29 bits", v.Int)
		}
		e.b = append(e.b, m3Integer)
		return e.u29(uint32(v.Int) & 0x1FFFFFFF)
	case KindNumber:
		e.b = append(e.b, m3Double)
		e.f64(v.Num)
	case KindString:
		e.b = append(e.b, m3String)
		return e.string3(v.Str)
	case KindXMLDocument, KindXML:
		if v.Kind == KindXML {
			e.b = append(e.b, m3XML)
		} else {
			e.b = append(e.b, m3XMLDoc)
		}
		if err := e.inlineLen(len(v.Str)); err != nil {
			return err
		}
		e.b = append(e.b, v.Str...)
	case KindDate:
		e.b = append(e.b, m3Date, 1)
		e.f64(v.Num)
	case KindByteArray:
		e.b = append(e.b, m3ByteArray)
		if err := e.inlineLen(len(v.Bytes)); err != nil {
			return err
		}
		e.b = append(e.b, v.Bytes...)
	case KindReference:
		m := v.Marker
		if m == 0 || m == m3Undefined || m == m3Null || m == m3False || m == m3True ||
			m == m3Integer || m == m3Double || m == m3String || m > m3Dictionary {
			m = m3Object
		}
		if v.Ref < 0 || v.Ref >= 1<<28 {
			return encErr("AMF3 reference %d", v.Ref)
		}
		e.b = append(e.b, m)
		return e.u29(uint32(v.Ref) << 1)
	case KindArray:
		e.b = append(e.b, m3Array)
		if err := e.inlineLen(len(v.Elems)); err != nil {
			return err
		}
		for _, p := range v.Props {
			if p.Key == "" {
				return encErr("empty key in AMF3 array")
			}
			if err := e.string3(p.Key); err != nil {
				return err
			}
			if err := e.value3(p.Value, depth+1); err != nil {
				return err
			}
		}
		e.b = append(e.b, 1)
		for _, x := range v.Elems {
			if err := e.value3(x, depth+1); err != nil {
				return err
			}
		}
	case KindObject:
		return e.object3(v, depth)
	case KindVectorInt, KindVectorUint, KindVectorDouble, KindVectorObject:
		e.b = append(e.b, map[Kind]byte{KindVectorInt: m3VectorInt, KindVectorUint: m3VectorUint,
			KindVectorDouble: m3VectorDouble, KindVectorObject: m3VectorObject}[v.Kind])
		if err := e.inlineLen(len(v.Elems)); err != nil {
			return err
		}
		if v.Fixed {
			e.b = append(e.b, 1)
		} else {
			e.b = append(e.b, 0)
		}
		if v.Kind == KindVectorObject {
			if err := e.string3(v.Class); err != nil {
				return err
			}
			for _, x := range v.Elems {
				if err := e.value3(x, depth+1); err != nil {
					return err
				}
			}
			return nil
		}
		for _, x := range v.Elems {
			switch v.Kind {
			case KindVectorInt:
				e.u32(uint32(int32(x.Int)))
			case KindVectorUint:
				e.u32(uint32(x.Int))
			default:
				e.f64(x.Num)
			}
		}
	case KindDictionary:
		e.b = append(e.b, m3Dictionary)
		if err := e.inlineLen(len(v.Entries)); err != nil {
			return err
		}
		if v.WeakKeys {
			e.b = append(e.b, 1)
		} else {
			e.b = append(e.b, 0)
		}
		for _, en := range v.Entries {
			if err := e.value3(en.Key, depth+1); err != nil {
				return err
			}
			if err := e.value3(en.Value, depth+1); err != nil {
				return err
			}
		}
	default:
		return encErr("%v value in AMF3", v.Kind)
	}
	return nil
}

func (e *encoder) object3(v Value, depth int) error {
	e.b = append(e.b, m3Object)
	sealed := v.Sealed
	if v.Externalizable {
		sealed = 0
	}
	if sealed < 0 || sealed > len(v.Props) {
		return encErr("object with %d sealed members and %d members", v.Sealed, len(v.Props))
	}
	if !v.Dynamic && !v.Externalizable && sealed != len(v.Props) {
		return encErr("sealed object with dynamic members")
	}
	// Traits are shared by class, kind and sealed member names.
	var key strings.Builder
	fmt.Fprintf(&key, "%t|%t|%q", v.Externalizable, v.Dynamic, v.Class)
	for _, p := range v.Props[:sealed] {
		fmt.Fprintf(&key, "|%q", p.Key)
	}
	if i, ok := e.traits[key.String()]; ok {
		if err := e.u29(uint32(i)<<2 | 1); err != nil {
			return err
		}
	} else {
		if uint64(sealed) >= 1<<25 {
			return encErr("%d sealed members", sealed)
		}
		h := uint32(sealed)<<4 | 3
		if v.Externalizable {
			h |= 4
		}
		if v.Dynamic {
			h |= 8
		}
		if err := e.u29(h); err != nil {
			return err
		}
		if err := e.string3(v.Class); err != nil {
			return err
		}
		for _, p := range v.Props[:sealed] {
			if err := e.string3(p.Key); err != nil {
				return err
			}
		}
		e.traits[key.String()] = len(e.traits)
	}
	if v.Externalizable {
		return e.external(v, depth)
	}
	for _, p := range v.Props[:sealed] {
		if err := e.value3(p.Value, depth+1); err != nil {
			return err
		}
	}
	if v.Dynamic {
		for _, p := range v.Props[sealed:] {
			if p.Key == "" {
				return encErr("empty dynamic member name")
			}
			if err := e.string3(p.Key); err != nil {
				return err
			}
			if err := e.value3(p.Value, depth+1); err != nil {
				return err
			}
		}
		e.b = append(e.b, 1)
	}
	return nil
}

func (e *encoder) external(v Value, depth int) error {
	switch v.Class {
	case ClassArrayCollection, ClassObjectProxy:
		if len(v.Elems) != 1 {
			return encErr("%s needs exactly one body value", v.Class)
		}
		return e.value3(v.Elems[0], depth+1)
	}
	levels := flexLevels(v.Class)
	if levels == nil {
		return encErr("externalizable class %q", v.Class)
	}
	type field struct {
		byteIdx, bit int
		val          Value
	}
	perLevel := make([][]field, len(levels))
	for _, p := range v.Props {
		li, i, b, ok := flexBit(levels, p.Key)
		if !ok {
			return encErr("%s has no field %q", v.Class, p.Key)
		}
		perLevel[li] = append(perLevel[li], field{i, b, p.Value})
	}
	for _, fs := range perLevel {
		nBytes := 1
		for _, f := range fs {
			if f.byteIdx+1 > nBytes {
				nBytes = f.byteIdx + 1
			}
		}
		flags := make([]byte, nBytes)
		for _, f := range fs {
			flags[f.byteIdx] |= 1 << f.bit
		}
		for i := 0; i < nBytes-1; i++ {
			flags[i] |= flexHasNext
		}
		e.b = append(e.b, flags...)
		// Values go in flag order, whatever order the props are in.
		for i := 0; i < nBytes; i++ {
			for b := 0; b < 7; b++ {
				for _, f := range fs {
					if f.byteIdx == i && f.bit == b {
						if err := e.value3(f.val, depth+1); err != nil {
							return err
						}
					}
				}
			}
		}
	}
	return nil
}
