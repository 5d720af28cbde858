package amf

import (
	"encoding/binary"
	"fmt"
	"math"
)

// AMF3 markers.
const (
	m3Undefined    = 0x00
	m3Null         = 0x01
	m3False        = 0x02
	m3True         = 0x03
	m3Integer      = 0x04
	m3Double       = 0x05
	m3String       = 0x06
	m3XMLDoc       = 0x07
	m3Date         = 0x08
	m3Array        = 0x09
	m3Object       = 0x0A
	m3XML          = 0x0B
	m3ByteArray    = 0x0C
	m3VectorInt    = 0x0D
	m3VectorUint   = 0x0E
	m3VectorDouble = 0x0F
	m3VectorObject = 0x10
	m3Dictionary   = 0x11
)

// u29 reads a variable-length unsigned 29-bit integer (AMF3 §1.3.1): up to
// three bytes of 7 bits with a continuation bit, then one of 8 bits.
func (d *decoder) u29(what string) (uint32, error) {
	var v uint32
	for i := 0; i < 4; i++ {
		if d.remaining() == 0 {
			d.pos -= i
			return 0, d.errf(d.pos, ErrTruncated, "%s: U29 ends after %d bytes", what, i)
		}
		b := d.u8()
		if i == 3 {
			return v<<8 | uint32(b), nil
		}
		v = v<<7 | uint32(b&0x7F)
		if b&0x80 == 0 {
			return v, nil
		}
	}
	return v, nil // unreachable
}

// string3 reads a UTF-8-vr: an inline string (added to the string table
// unless empty) or a string-table reference.
func (d *decoder) string3(what string) (s string, ref int, isRef bool, err error) {
	at := d.pos
	u, err := d.u29(what)
	if err != nil {
		return "", 0, false, err
	}
	if u&1 == 0 {
		ref = int(u >> 1)
		if ref >= len(d.ctx3.strs) {
			return "", ref, true, d.errf(at, ErrBadRef, "%s: string reference %d, table holds %d", what, ref, len(d.ctx3.strs))
		}
		return d.ctx3.strs[ref], ref, true, nil
	}
	n := u >> 1
	if uint64(n) > uint64(d.remaining()) {
		return "", 0, false, d.errf(at, ErrTruncated, "%s of %d bytes, %d remain", what, n, d.remaining())
	}
	s = string(d.buf[d.pos : d.pos+int(n)])
	d.pos += int(n)
	if n > 0 { // the empty string is never sent by reference
		d.ctx3.strs = append(d.ctx3.strs, s)
	}
	return s, 0, false, nil
}

// objRef handles the low "inline" bit shared by every AMF3 complex type:
// it returns the remaining bits of u and true when the value is inline; for
// a reference it fills v as one.
// refHeader reads the U29 header that starts every AMF3 reference type
// (array, object, vector, dictionary): either a reference to an object seen
// before, which objRef resolves into v, or an inline value whose remaining
// header bits are returned. An inline value enters one nesting level, so
// the caller must defer d.leave() when inline is true.
func (d *decoder) refHeader(v *Value, what string, start int) (bits uint32, at int, inline bool, err error) {
	at = d.pos
	u, err := d.u29(what)
	if err != nil {
		return 0, at, false, err
	}
	if bits, inline, err = d.objRef(v, u, at); err != nil || !inline {
		return bits, at, false, err
	}
	if err := d.enter(start); err != nil {
		return bits, at, false, err
	}
	return bits, at, true, nil
}

func (d *decoder) objRef(v *Value, u uint32, at int) (uint32, bool, error) {
	if u&1 == 1 {
		return u >> 1, true, nil
	}
	v.Kind = KindReference
	v.Ref = int(u >> 1)
	if v.Ref >= len(d.ctx3.objs) {
		v.Kind = KindError
		v.Str = "dangling reference"
		return 0, false, d.errf(at, ErrBadRef, "AMF3 object reference %d, table holds %d", v.Ref, len(d.ctx3.objs))
	}
	v.Target = d.ctx3.objs[v.Ref]
	return 0, false, nil
}

// addObj reserves an object-table slot for the value being decoded; the
// returned function fills it in once the value is done.
func (d *decoder) addObj(v *Value, start int) func() {
	slot := &Value{}
	d.ctx3.objs = append(d.ctx3.objs, slot)
	return func() { *slot = *v; slot.Length = d.pos - start }
}

func (d *decoder) value3() (v Value, err error) {
	start := d.pos
	if err := d.need(1, "AMF3 marker"); err != nil {
		return Value{}, err
	}
	if err := d.counted(start); err != nil {
		return Value{}, err
	}
	m := d.u8()
	v = Value{Format: AMF3, Marker: m, Offset: d.base + start}
	defer func() { d.finish(&v, start, err) }()
	switch m {
	case m3Undefined:
		v.Kind = KindUndefined
	case m3Null:
		v.Kind = KindNull
	case m3False, m3True:
		v.Kind = KindBoolean
		v.Bool = m == m3True
	case m3Integer:
		v.Kind = KindInteger
		u, err := d.u29("integer")
		if err != nil {
			return v, err
		}
		v.Int = int64(int32(u<<3) >> 3) // sign-extend 29 bits
	case m3Double:
		v.Kind = KindNumber
		if err := d.need(8, "double"); err != nil {
			return v, err
		}
		v.Num = d.f64()
	case m3String:
		v.Kind = KindString
		v.Str, v.StrRef, v.IsStrRef, err = d.string3("string")
		return v, err
	case m3XMLDoc, m3XML:
		v.Kind = KindXML
		if m == m3XMLDoc {
			v.Kind = KindXMLDocument
		}
		at := d.pos
		u, err := d.u29("XML header")
		if err != nil {
			return v, err
		}
		n, inline, err := d.objRef(&v, u, at)
		if err != nil || !inline {
			return v, err
		}
		if uint64(n) > uint64(d.remaining()) {
			return v, d.errf(at, ErrTruncated, "XML of %d bytes, %d remain", n, d.remaining())
		}
		done := d.addObj(&v, start)
		v.Str = string(d.buf[d.pos : d.pos+int(n)])
		d.pos += int(n)
		done()
	case m3Date:
		v.Kind = KindDate
		at := d.pos
		u, err := d.u29("date header")
		if err != nil {
			return v, err
		}
		if _, inline, err := d.objRef(&v, u, at); err != nil || !inline {
			return v, err
		}
		if err := d.need(8, "date"); err != nil {
			return v, err
		}
		done := d.addObj(&v, start)
		v.Num = d.f64()
		done()
	case m3ByteArray:
		v.Kind = KindByteArray
		at := d.pos
		u, err := d.u29("ByteArray header")
		if err != nil {
			return v, err
		}
		n, inline, err := d.objRef(&v, u, at)
		if err != nil || !inline {
			return v, err
		}
		if uint64(n) > uint64(d.remaining()) {
			return v, d.errf(at, ErrTruncated, "ByteArray of %d bytes, %d remain", n, d.remaining())
		}
		done := d.addObj(&v, start)
		v.Bytes = append([]byte(nil), d.buf[d.pos:d.pos+int(n)]...)
		d.pos += int(n)
		done()
	case m3Array:
		return v, d.array3(&v, start)
	case m3Object:
		return v, d.object3(&v, start)
	case m3VectorInt, m3VectorUint, m3VectorDouble, m3VectorObject:
		return v, d.vector3(&v, start)
	case m3Dictionary:
		return v, d.dict3(&v, start)
	default:
		v.Kind = KindError
		v.Str = fmt.Sprintf("unknown AMF3 marker 0x%02x", m)
		return v, d.errf(start, ErrBadMarker, "unknown AMF3 marker 0x%02x", m)
	}
	return v, nil
}

// assoc3 reads name/value pairs up to the empty name.
func (d *decoder) assoc3(v *Value, what string) error {
	for {
		keyAt := d.pos
		key, _, isRef, err := d.string3(what + " name")
		if err != nil {
			return err
		}
		if key == "" && !isRef {
			return nil
		}
		p := Prop{Key: key, KeyOffset: d.base + keyAt, KeyLen: d.pos - keyAt}
		p.Value, err = d.value3()
		v.Props = appendDecoded(v.Props, p, p.Value, err)
		if err != nil {
			return err
		}
	}
}

func (d *decoder) elems3(v *Value, n uint64) error {
	v.Elems = make([]Value, 0, capFor(n))
	for i := uint64(0); i < n; i++ {
		e, err := d.value3()
		v.Elems = appendDecoded(v.Elems, e, e, err)
		if err != nil {
			return err
		}
	}
	return nil
}

func (d *decoder) array3(v *Value, start int) error {
	v.Kind = KindArray
	n, _, inline, err := d.refHeader(v, "array header", start)
	if err != nil || !inline {
		return err
	}
	defer d.leave()
	// Each dense element takes a byte, and the associative part's
	// terminator another.
	if err := d.fitCount(uint64(n)+1, 1, "array"); err != nil {
		return err
	}
	done := d.addObj(v, start)
	defer done()
	if err := d.assoc3(v, "array member"); err != nil {
		return err
	}
	return d.elems3(v, uint64(n))
}

func (d *decoder) object3(v *Value, start int) error {
	v.Kind = KindObject
	u, at, inline, err := d.refHeader(v, "object header", start)
	if err != nil || !inline {
		return err
	}
	defer d.leave()
	var t *traits
	if u&1 == 0 { // traits reference (U29O-traits-ref)
		idx := int(u >> 1)
		if idx >= len(d.ctx3.traits) {
			return d.errf(at, ErrBadRef, "traits reference %d, table holds %d", idx, len(d.ctx3.traits))
		}
		t = d.ctx3.traits[idx]
		v.TraitsRef, v.IsTraitsRef = idx, true
	} else {
		t = &traits{ext: u&2 != 0, dynamic: u&4 != 0}
		nSealed := u >> 3
		cls, ref, isRef, err := d.string3("class name")
		if err != nil {
			return err
		}
		t.class = cls
		v.StrRef, v.IsStrRef = ref, isRef
		if t.ext {
			nSealed = 0 // an externalizable class writes its own body
		}
		if err := d.fitCount(uint64(nSealed), 1, "sealed member"); err != nil {
			return err
		}
		names := make([]string, 0, capFor(uint64(nSealed)))
		for i := uint32(0); i < nSealed; i++ {
			keyAt := d.pos
			name, _, _, err := d.string3("sealed member name")
			if err != nil {
				return err
			}
			names = append(names, name)
			// Keep where each name was sent, for the hex view; the
			// value is filled in below.
			v.Props = append(v.Props, Prop{Key: name, KeyOffset: d.base + keyAt, KeyLen: d.pos - keyAt})
		}
		t.sealed = names
		d.ctx3.traits = append(d.ctx3.traits, t)
	}
	v.Class, v.Dynamic, v.Externalizable = t.class, t.dynamic, t.ext
	done := d.addObj(v, start)
	defer done()
	if t.ext {
		return d.external(v, start)
	}
	if len(t.sealed) > 0 && v.Props == nil {
		if err := d.fitCount(uint64(len(t.sealed)), 1, "sealed member"); err != nil {
			return err
		}
		v.Props = make([]Prop, len(t.sealed))
		for i, name := range t.sealed {
			v.Props[i] = Prop{Key: name, KeyOffset: -1}
		}
	}
	v.Sealed = len(t.sealed)
	for i := range t.sealed {
		val, err := d.value3()
		v.Props[i].Value = val
		if err != nil {
			if val.Kind == KindInvalid {
				v.Props = v.Props[:i]
			} else {
				v.Props = v.Props[:i+1]
			}
			return err
		}
	}
	if t.dynamic {
		return d.assoc3(v, "dynamic member")
	}
	return nil
}

func (d *decoder) vector3(v *Value, start int) error {
	switch v.Marker {
	case m3VectorInt:
		v.Kind = KindVectorInt
	case m3VectorUint:
		v.Kind = KindVectorUint
	case m3VectorDouble:
		v.Kind = KindVectorDouble
	default:
		v.Kind = KindVectorObject
	}
	n, _, inline, err := d.refHeader(v, "vector header", start)
	if err != nil || !inline {
		return err
	}
	defer d.leave()
	if err := d.need(1, "vector fixed flag"); err != nil {
		return err
	}
	v.Fixed = d.u8() != 0
	done := d.addObj(v, start)
	defer done()
	size := 1
	switch v.Kind {
	case KindVectorInt, KindVectorUint:
		size = 4
	case KindVectorDouble:
		size = 8
	case KindVectorObject:
		cls, ref, isRef, err := d.string3("vector type name")
		if err != nil {
			return err
		}
		v.Class, v.StrRef, v.IsStrRef = cls, ref, isRef
		return d.elems3Checked(v, uint64(n))
	}
	if err := d.fitCount(uint64(n), size, "vector element"); err != nil {
		return err
	}
	if uint64(d.opt.MaxValues-d.count) < uint64(n) {
		return d.errf(d.pos, ErrLimit, "vector of %d elements exceeds MaxValues", n)
	}
	d.count += int(n)
	v.Elems = make([]Value, n)
	for i := range v.Elems {
		off := d.base + d.pos
		e := &v.Elems[i]
		e.Format, e.Offset, e.Length = AMF3, off, size
		switch v.Kind {
		case KindVectorInt:
			e.Kind = KindInteger
			e.Int = int64(int32(binary.BigEndian.Uint32(d.buf[d.pos:])))
		case KindVectorUint:
			e.Kind = KindInteger
			e.Int = int64(binary.BigEndian.Uint32(d.buf[d.pos:]))
		default:
			e.Kind = KindNumber
			e.Num = math.Float64frombits(binary.BigEndian.Uint64(d.buf[d.pos:]))
		}
		d.pos += size
	}
	return nil
}

func (d *decoder) elems3Checked(v *Value, n uint64) error {
	if err := d.fitCount(n, 1, "vector element"); err != nil {
		return err
	}
	return d.elems3(v, n)
}

func (d *decoder) dict3(v *Value, start int) error {
	v.Kind = KindDictionary
	n, _, inline, err := d.refHeader(v, "dictionary header", start)
	if err != nil || !inline {
		return err
	}
	defer d.leave()
	if err := d.need(1, "dictionary weak-keys flag"); err != nil {
		return err
	}
	v.WeakKeys = d.u8() != 0
	if err := d.fitCount(uint64(n), 2, "dictionary entry"); err != nil {
		return err
	}
	done := d.addObj(v, start)
	defer done()
	v.Entries = make([]Entry, 0, capFor(uint64(n)))
	for i := uint32(0); i < n; i++ {
		var e Entry
		e.Key, err = d.value3()
		if err != nil {
			v.Entries = appendDecoded(v.Entries, e, e.Key, err)
			return err
		}
		e.Value, err = d.value3()
		v.Entries = append(v.Entries, e)
		if err != nil {
			return err
		}
	}
	return nil
}
