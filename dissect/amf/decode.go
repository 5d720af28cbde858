package amf

import (
	"encoding/binary"
	"fmt"
	"math"
)

// Options bound what a decode may do. The zero value means the defaults.
type Options struct {
	// MaxDepth bounds container nesting (default 64).
	MaxDepth int
	// MaxValues bounds how many values (containers, members and elements
	// all count) one call may decode (default 1<<15: a decoded value
	// takes about 250 bytes, so a 16 MiB body of one-byte values could
	// otherwise cost a gigabyte; real bodies hold hundreds).
	MaxValues int
	// MaxSize bounds the input length in bytes (default 16 MiB, the
	// largest RTMP message).
	MaxSize int
}

// Default limits.
const (
	DefaultMaxDepth  = 64
	DefaultMaxValues = 1 << 15
	DefaultMaxSize   = 1 << 24
)

func (o Options) norm() Options {
	if o.MaxDepth <= 0 {
		o.MaxDepth = DefaultMaxDepth
	}
	if o.MaxValues <= 0 {
		o.MaxValues = DefaultMaxValues
	}
	if o.MaxSize <= 0 {
		o.MaxSize = DefaultMaxSize
	}
	return o
}

// AMF0 markers.
const (
	m0Number      = 0x00
	m0Boolean     = 0x01
	m0String      = 0x02
	m0Object      = 0x03
	m0MovieClip   = 0x04
	m0Null        = 0x05
	m0Undefined   = 0x06
	m0Reference   = 0x07
	m0ECMAArray   = 0x08
	m0ObjectEnd   = 0x09
	m0StrictArray = 0x0A
	m0Date        = 0x0B
	m0LongString  = 0x0C
	m0Unsupported = 0x0D
	m0RecordSet   = 0x0E
	m0XMLDocument = 0x0F
	m0TypedObject = 0x10
	m0AVMPlus     = 0x11
)

// AVMPlusMarker is the AMF0 marker that switches to AMF3 for one value.
const AVMPlusMarker = m0AVMPlus

// prealloc is the most elements a count read from the wire may reserve up
// front; beyond it slices grow as elements actually decode.
const prealloc = 64

type decoder struct {
	buf   []byte
	pos   int
	base  int
	opt   Options
	depth int
	count int
	refs0 []*Value // AMF0 reference table
	ctx3  *ctx3    // current AMF3 context
}

type traits struct {
	class   string
	sealed  []string
	dynamic bool
	ext     bool
}

type ctx3 struct {
	strs   []string
	objs   []*Value
	traits []*traits
}

func newDecoder(buf []byte, base int, opt Options) (*decoder, error) {
	d := &decoder{buf: buf, base: base, opt: opt.norm()}
	if len(buf) > d.opt.MaxSize {
		return d, d.errf(0, ErrLimit, "input of %d bytes exceeds MaxSize %d", len(buf), d.opt.MaxSize)
	}
	return d, nil
}

// DecodeAll decodes consecutive AMF0 values (with AVM+ switches into AMF3)
// from buf until it is used up: the shape of an RTMP command or data
// message body. base is added to every offset. On error it returns the
// values decoded before the fault; the last one has Partial set if the
// fault was inside it (holding what was decoded of it), and err is an
// [*Error].
func DecodeAll(buf []byte, base int, opts Options) ([]Value, error) {
	d, err := newDecoder(buf, base, opts)
	if err != nil {
		return nil, err
	}
	return d.all(d.value0)
}

// DecodeAll3 is DecodeAll for a body of consecutive AMF3 values sharing
// one AMF3 context.
func DecodeAll3(buf []byte, base int, opts Options) ([]Value, error) {
	d, err := newDecoder(buf, base, opts)
	if err != nil {
		return nil, err
	}
	d.ctx3 = &ctx3{}
	return d.all(d.value3)
}

// appendDecoded appends x, decoded as v with error err, to list: a value
// that failed part-way is kept with what it had (partial results), one
// that failed before it had a kind is not.
func appendDecoded[T any](list []T, x T, v Value, err error) []T {
	if err != nil && v.Kind == KindInvalid {
		return list
	}
	return append(list, x)
}

func (d *decoder) all(next func() (Value, error)) ([]Value, error) {
	var out []Value
	for d.pos < len(d.buf) {
		v, err := next()
		out = appendDecoded(out, v, v, err)
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

// Decode0 decodes one AMF0 value from the start of buf and returns it and
// the number of bytes it used.
func Decode0(buf []byte, base int, opts Options) (Value, int, error) {
	d, err := newDecoder(buf, base, opts)
	if err != nil {
		return Value{}, 0, err
	}
	v, err := d.value0()
	return v, d.pos, err
}

// Decode3 decodes one AMF3 value (fresh reference tables) from the start of
// buf and returns it and the number of bytes it used.
func Decode3(buf []byte, base int, opts Options) (Value, int, error) {
	d, err := newDecoder(buf, base, opts)
	if err != nil {
		return Value{}, 0, err
	}
	d.ctx3 = &ctx3{}
	v, err := d.value3()
	return v, d.pos, err
}

func (d *decoder) errf(off int, reason error, format string, args ...any) *Error {
	return &Error{Offset: d.base + off, Reason: reason, Detail: fmt.Sprintf(format, args...)}
}

func (d *decoder) remaining() int { return len(d.buf) - d.pos }

func (d *decoder) need(n int, what string) error {
	if n < 0 || d.remaining() < n {
		return d.errf(d.pos, ErrTruncated, "%s needs %d bytes, %d remain", what, n, d.remaining())
	}
	return nil
}

func (d *decoder) u8() byte {
	b := d.buf[d.pos]
	d.pos++
	return b
}

func (d *decoder) u16() uint16 {
	v := binary.BigEndian.Uint16(d.buf[d.pos:])
	d.pos += 2
	return v
}

func (d *decoder) u32() uint32 {
	v := binary.BigEndian.Uint32(d.buf[d.pos:])
	d.pos += 4
	return v
}

func (d *decoder) f64() float64 {
	v := math.Float64frombits(binary.BigEndian.Uint64(d.buf[d.pos:]))
	d.pos += 8
	return v
}

// counted charges one value against MaxValues.
func (d *decoder) counted(start int) error {
	d.count++
	if d.count > d.opt.MaxValues {
		return d.errf(start, ErrLimit, "more than %d values", d.opt.MaxValues)
	}
	return nil
}

func (d *decoder) enter(start int) error {
	d.depth++
	if d.depth > d.opt.MaxDepth {
		return d.errf(start, ErrDepth, "deeper than %d", d.opt.MaxDepth)
	}
	return nil
}

func (d *decoder) leave() { d.depth-- }

// fixCount rejects a count of elements of at least min bytes each that the
// remaining bytes cannot hold, before anything is allocated for it.
func (d *decoder) fitCount(n uint64, min int, what string) error {
	if n > uint64(d.remaining())/uint64(min) {
		return d.errf(d.pos, ErrTruncated, "%s count %d cannot fit in %d remaining bytes", what, n, d.remaining())
	}
	return nil
}

func capFor(n uint64) int {
	if n > prealloc {
		return prealloc
	}
	return int(n)
}

func (d *decoder) utf8_16(what string) (string, error) {
	if err := d.need(2, what); err != nil {
		return "", err
	}
	n := int(d.u16())
	if d.remaining() < n {
		d.pos -= 2
		return "", d.errf(d.pos, ErrTruncated, "%s of %d bytes, %d remain", what, n, d.remaining()-2)
	}
	s := string(d.buf[d.pos : d.pos+n])
	d.pos += n
	return s, nil
}

func (d *decoder) utf8_32(what string) (string, error) {
	if err := d.need(4, what); err != nil {
		return "", err
	}
	n := d.u32()
	if uint64(n) > uint64(d.remaining()) {
		d.pos -= 4
		return "", d.errf(d.pos, ErrTruncated, "%s of %d bytes, %d remain", what, n, d.remaining()-4)
	}
	s := string(d.buf[d.pos : d.pos+int(n)])
	d.pos += int(n)
	return s, nil
}

// finish sets the length and marks a partial value when err is set.
func (d *decoder) finish(v *Value, start int, err error) {
	v.Length = d.pos - start
	if err != nil {
		v.Partial = true
	}
}

func (d *decoder) value0() (v Value, err error) {
	start := d.pos
	if err := d.need(1, "AMF0 marker"); err != nil {
		return Value{}, err
	}
	if err := d.counted(start); err != nil {
		return Value{}, err
	}
	m := d.u8()
	v = Value{Format: AMF0, Marker: m, Offset: d.base + start}
	defer func() { d.finish(&v, start, err) }()
	switch m {
	case m0Number:
		v.Kind = KindNumber
		if err := d.need(8, "number"); err != nil {
			return v, err
		}
		v.Num = d.f64()
	case m0Boolean:
		v.Kind = KindBoolean
		if err := d.need(1, "boolean"); err != nil {
			return v, err
		}
		v.Bool = d.u8() != 0
	case m0String:
		v.Kind = KindString
		v.Str, err = d.utf8_16("string")
		return v, err
	case m0LongString:
		v.Kind = KindString
		v.Long = true
		v.Str, err = d.utf8_32("long string")
		return v, err
	case m0XMLDocument:
		v.Kind = KindXMLDocument
		v.Str, err = d.utf8_32("XML document")
		return v, err
	case m0Null:
		v.Kind = KindNull
	case m0Undefined:
		v.Kind = KindUndefined
	case m0Unsupported:
		v.Kind = KindUnsupported
	case m0Object, m0TypedObject, m0ECMAArray:
		return v, d.object0(&v, start)
	case m0StrictArray:
		return v, d.strictArray0(&v, start)
	case m0Reference:
		v.Kind = KindReference
		if err := d.need(2, "reference"); err != nil {
			return v, err
		}
		v.Ref = int(d.u16())
		if v.Ref >= len(d.refs0) {
			v.Kind = KindError
			v.Str = "dangling reference"
			return v, d.errf(start, ErrBadRef, "AMF0 reference %d, table holds %d", v.Ref, len(d.refs0))
		}
		v.Target = d.refs0[v.Ref]
	case m0Date:
		v.Kind = KindDate
		if err := d.need(10, "date"); err != nil {
			return v, err
		}
		v.Num = d.f64()
		v.TZ = int16(d.u16())
	case m0AVMPlus:
		saved := d.ctx3
		d.ctx3 = &ctx3{}
		v3, err := d.value3()
		d.ctx3 = saved
		if v3.Kind == KindInvalid {
			v.Kind = KindError
			v.Str = "AVM+ switch with no AMF3 value"
			return v, err
		}
		v3.AVMPlus = true
		v3.Offset = d.base + start
		v3.Length = d.pos - start
		return v3, err
	case m0MovieClip, m0RecordSet:
		v.Kind = KindError
		v.Str = fmt.Sprintf("reserved AMF0 marker 0x%02x", m)
		return v, d.errf(start, ErrReserved, "AMF0 marker 0x%02x has no defined layout", m)
	case m0ObjectEnd:
		v.Kind = KindError
		v.Str = "object-end outside an object"
		return v, d.errf(start, ErrBadMarker, "AMF0 object-end marker where a value was expected")
	default:
		v.Kind = KindError
		v.Str = fmt.Sprintf("unknown AMF0 marker 0x%02x", m)
		return v, d.errf(start, ErrBadMarker, "unknown AMF0 marker 0x%02x", m)
	}
	return v, nil
}

// object0 decodes the body of an AMF0 object, typed object or ECMA array,
// the marker already read.
func (d *decoder) object0(v *Value, start int) error {
	if err := d.enter(start); err != nil {
		v.Kind = KindError
		v.Str = "too deep"
		return err
	}
	defer d.leave()
	switch v.Marker {
	case m0Object:
		v.Kind = KindObject
	case m0TypedObject:
		v.Kind = KindObject
		cls, err := d.utf8_16("class name")
		if err != nil {
			return err
		}
		v.Class = cls
	case m0ECMAArray:
		v.Kind = KindECMAArray
		if err := d.need(4, "ECMA array count"); err != nil {
			return err
		}
		v.Count = d.u32()
		// The count is a hint, never trusted: a member takes at least 3
		// bytes (empty name, marker), and the reservation is capped.
		if n := min(uint64(v.Count), uint64(d.remaining()/3)); n > 0 {
			v.Props = make([]Prop, 0, capFor(n))
		}
	}
	// The table entry is filled in when the value is complete; a reference
	// to it from inside (a cycle) then sees the finished value.
	slot := &Value{}
	d.refs0 = append(d.refs0, slot)
	defer func() { *slot = *v; slot.Length = d.pos - start }()
	for {
		keyAt := d.pos
		key, err := d.utf8_16("member name")
		if err != nil {
			return err
		}
		if key == "" {
			if d.remaining() == 0 {
				return d.errf(d.pos, ErrTruncated, "object-end marker missing")
			}
			if d.buf[d.pos] == m0ObjectEnd {
				d.pos++
				return nil
			}
		}
		p := Prop{Key: key, KeyOffset: d.base + keyAt, KeyLen: d.pos - keyAt}
		p.Value, err = d.value0()
		v.Props = appendDecoded(v.Props, p, p.Value, err)
		if err != nil {
			return err
		}
	}
}

func (d *decoder) strictArray0(v *Value, start int) error {
	v.Kind = KindStrictArray
	if err := d.enter(start); err != nil {
		v.Kind = KindError
		v.Str = "too deep"
		return err
	}
	defer d.leave()
	if err := d.need(4, "strict array count"); err != nil {
		return err
	}
	n := d.u32()
	if err := d.fitCount(uint64(n), 1, "strict array"); err != nil {
		return err
	}
	slot := &Value{}
	d.refs0 = append(d.refs0, slot)
	defer func() { *slot = *v; slot.Length = d.pos - start }()
	v.Elems = make([]Value, 0, capFor(uint64(n)))
	for i := uint32(0); i < n; i++ {
		e, err := d.value0()
		v.Elems = appendDecoded(v.Elems, e, e, err)
		if err != nil {
			return err
		}
	}
	return nil
}
