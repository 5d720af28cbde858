package amf

import (
	"bytes"
	"errors"
	"testing"
)

func decodeSeq(f Format, b []byte) ([]Value, error) {
	if f == AMF3 {
		return DecodeAll3(b, 0, Options{})
	}
	return DecodeAll(b, 0, Options{})
}

func TestDecode(t *testing.T) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := decodeSeq(c.format, c.enc)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if len(got) != len(c.dec) {
				t.Fatalf("got %d values %v, want %d %v", len(got), got, len(c.dec), c.dec)
			}
			end := 0
			for i := range got {
				if !Equal(got[i], c.dec[i]) {
					t.Errorf("value %d:\n got %v\nwant %v", i, got[i], c.dec[i])
				}
				if got[i].Offset != end {
					t.Errorf("value %d at offset %d, want %d", i, got[i].Offset, end)
				}
				end += got[i].Length
			}
			if end != len(c.enc) {
				t.Errorf("lengths add up to %d, want %d", end, len(c.enc))
			}
		})
	}
}

func TestEncode(t *testing.T) {
	for _, c := range cases {
		if c.noEnc {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			var got []byte
			var err error
			if c.format == AMF3 {
				got, err = Encode3(c.dec...)
			} else {
				got, err = Encode0(c.dec...)
			}
			if err != nil {
				t.Fatalf("encode: %v", err)
			}
			if !bytes.Equal(got, c.enc) {
				t.Errorf("got  % x\nwant % x", got, c.enc)
			}
		})
	}
}

func TestReferenceTargets(t *testing.T) {
	// AMF0: the reference resolves to the object it names.
	vals, err := DecodeAll(bs(0x0A, u32(2), 0x03, u16(1), "k", 0x05, u16(0), 0x09, 0x07, u16(1)), 0, Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := vals[0].Elems[1]
	if r.Kind != KindReference || r.Ref != 1 || r.Target == nil || r.Target.Kind != KindObject {
		t.Fatalf("reference %+v", r)
	}
	if _, ok := r.Resolve().Get("k"); !ok {
		t.Errorf("resolved reference lacks member k: %v", r.Resolve())
	}
	// AMF3: a self-referencing object (a cycle) decodes, and its reference
	// resolves to the finished object without recursion.
	vals, err = DecodeAll3(bs(0x0A, 0x0B, 0x01, 0x05, "me", 0x0A, 0x00, 0x01), 0, Options{})
	if err != nil {
		t.Fatal(err)
	}
	me, _ := vals[0].Get("me")
	if me.Kind != KindReference || me.Ref != 0 || me.Target == nil {
		t.Fatalf("self reference %+v", me)
	}
	if back, _ := me.Resolve().Get("me"); back.Ref != 0 {
		t.Errorf("cycle target %v", me.Resolve())
	}
	if s := vals[0].String(); s != "{me: ref#0}" {
		t.Errorf("String %q", s)
	}
	if j, _ := vals[0].MarshalJSON(); string(j) != `{"me":{"$ref":0}}` {
		t.Errorf("JSON %s", j)
	}
}

func TestOffsets(t *testing.T) {
	// connect body: string, number, object{app: "live"}; base 100.
	b := bs(0x02, u16(7), "connect", 0x00, f64(1), 0x03, u16(3), "app", 0x02, u16(4), "live", u16(0), 0x09, 0x11, 0x06, 0x03, "x")
	vals, err := DecodeAll(b, 100, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct{ off, n int }{{100, 10}, {110, 9}, {119, 16}, {135, 4}}
	for i, w := range want {
		if vals[i].Offset != w.off || vals[i].Length != w.n {
			t.Errorf("value %d at %d+%d, want %d+%d", i, vals[i].Offset, vals[i].Length, w.off, w.n)
		}
	}
	p := vals[2].Props[0]
	if p.KeyOffset != 120 || p.KeyLen != 5 || p.Value.Offset != 125 || p.Value.Length != 7 {
		t.Errorf("member app: key %d+%d value %d+%d", p.KeyOffset, p.KeyLen, p.Value.Offset, p.Value.Length)
	}
	if !vals[3].AVMPlus || vals[3].Format != AMF3 || vals[3].Str != "x" {
		t.Errorf("AVM+ value %+v", vals[3])
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name   string
		f      Format
		in     []byte
		reason error
		off    int
		nOK    int // complete values before the fault
	}{
		{"movieclip is reserved", AMF0, bs(0x05, 0x04), ErrReserved, 1, 1},
		{"recordset is reserved", AMF0, bs(0x0E), ErrReserved, 0, 0},
		{"object-end outside object", AMF0, bs(0x09), ErrBadMarker, 0, 0},
		{"unknown AMF0 marker", AMF0, bs(0x05, 0x12), ErrBadMarker, 1, 1},
		{"truncated number", AMF0, bs(0x00, 1, 2), ErrTruncated, 1, 0},
		{"truncated string", AMF0, bs(0x02, u16(10), "abc"), ErrTruncated, 1, 0},
		{"object without end", AMF0, bs(0x03, u16(1), "a", 0x05), ErrTruncated, 5, 0},
		{"dangling AMF0 reference", AMF0, bs(0x07, u16(3)), ErrBadRef, 0, 0},
		{"strict array count past the end", AMF0, bs(0x0A, u32(0x0FFFFFFF), 0x05), ErrTruncated, 5, 0},
		{"unknown AMF3 marker", AMF3, bs(0x12), ErrBadMarker, 0, 0},
		{"dangling string reference", AMF3, bs(0x06, 0x02), ErrBadRef, 1, 0},
		{"dangling object reference", AMF3, bs(0x0A, 0x04), ErrBadRef, 1, 0},
		{"dangling traits reference", AMF3, bs(0x0A, 0x05), ErrBadRef, 1, 0},
		{"truncated U29", AMF3, bs(0x04, 0x81), ErrTruncated, 1, 0},
		{"unknown externalizable class", AMF3, bs(0x04, 0x01, 0x0A, 0x07, 0x07, "Foo", 0x01), ErrExternalizable, 2, 1},
		{"reference across AVM+ switches", AMF0, bs(0x11, 0x06, 0x07, "abc", 0x11, 0x06, 0x00), ErrBadRef, 8, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vals, err := decodeSeq(tt.f, tt.in)
			var e *Error
			if !errors.As(err, &e) || !errors.Is(err, tt.reason) {
				t.Fatalf("err = %v, want %v", err, tt.reason)
			}
			if e.Offset != tt.off {
				t.Errorf("offset %d, want %d (%v)", e.Offset, tt.off, err)
			}
			complete := 0
			for _, v := range vals {
				if !v.Partial && v.Kind != KindError {
					complete++
				}
			}
			if complete != tt.nOK {
				t.Errorf("%d complete values, want %d: %v", complete, tt.nOK, vals)
			}
		})
	}
}

func TestUnknownExternalizableKeepsWhatCameBefore(t *testing.T) {
	// An object whose second member is an unknown externalizable: the
	// first member survives, the second is an error value naming the class.
	in := bs(0x0A, 0x0B, 0x01, 0x03, "a", 0x04, 0x01, 0x03, "b", 0x0A, 0x07, 0x0F, "com.Foo", 0xFF)
	vals, err := DecodeAll3(in, 0, Options{})
	if !errors.Is(err, ErrExternalizable) {
		t.Fatalf("err %v", err)
	}
	if len(vals) != 1 || !vals[0].Partial || len(vals[0].Props) != 2 {
		t.Fatalf("vals %v", vals)
	}
	if a, _ := vals[0].Get("a"); a.Int != 1 {
		t.Errorf("a = %v", a)
	}
	b, _ := vals[0].Get("b")
	if b.Kind != KindError || b.Class != "com.Foo" {
		t.Errorf("b = %+v", b)
	}
	if j, _ := vals[0].MarshalJSON(); string(j) != `{"a":1,"b":{"$error":"unknown externalizable class","class":"com.Foo"}}` {
		t.Errorf("JSON %s", j)
	}
}

func TestDepthLimit(t *testing.T) {
	var in []byte
	for i := 0; i < 100; i++ {
		in = append(in, 0x0A, 0x00, 0x00, 0x00, 0x01) // strict array of one
	}
	in = append(in, 0x05)
	_, err := DecodeAll(in, 0, Options{})
	if !errors.Is(err, ErrDepth) {
		t.Fatalf("err %v", err)
	}
	if _, err := DecodeAll(in, 0, Options{MaxDepth: 200}); err != nil {
		t.Fatalf("MaxDepth 200: %v", err)
	}
	in3 := bytes.Repeat([]byte{0x09, 0x03, 0x01}, 100)
	in3 = append(in3, 0x01)
	if _, err := DecodeAll3(in3, 0, Options{}); !errors.Is(err, ErrDepth) {
		t.Fatalf("AMF3 err %v", err)
	}
}

func TestValueLimit(t *testing.T) {
	in := bs(0x0A, u32(10), bytes.Repeat([]byte{0x05}, 10))
	if _, err := DecodeAll(in, 0, Options{MaxValues: 5}); !errors.Is(err, ErrLimit) {
		t.Fatalf("err %v", err)
	}
	vec := bs(0x0D, 0x15, 0x00, make([]byte, 40)) // 10 ints
	if _, err := DecodeAll3(vec, 0, Options{MaxValues: 5}); !errors.Is(err, ErrLimit) {
		t.Fatalf("vector err %v", err)
	}
	if _, err := DecodeAll(make([]byte, 100), 0, Options{MaxSize: 50}); !errors.Is(err, ErrLimit) {
		t.Fatalf("size err %v", err)
	}
}

// Hostile counts must not allocate in proportion to the count they claim.
func TestHostileCountsDoNotAllocate(t *testing.T) {
	inputs := map[string][]byte{
		"amf0 strict array 2^28":  bs(0x0A, u32(1<<28), 0x05, 0x05, 0x05, 0x05, 0x05, 0x05, 0x05, 0x05, 0x05, 0x05, 0x05),
		"amf0 ecma array 2^32-1":  bs(0x08, u32(0xFFFFFFFF), u16(1), "a", 0x05, u16(0), 0x09, 0x05, 0x05, 0x05, 0x05),
		"amf3 array 2^28-1":       bs(0x11, 0x09, 0xBF, 0xFF, 0xFF, 0xFF, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01),
		"amf3 vector double":      bs(0x11, 0x0F, 0xBF, 0xFF, 0xFF, 0xFF, 0x00, 1, 2, 3, 4, 5, 6, 7, 8, 9),
		"amf3 vector int":         bs(0x11, 0x0D, 0xBF, 0xFF, 0xFF, 0xFF, 0x00, 1, 2, 3, 4, 5, 6, 7, 8, 9),
		"amf3 vector object":      bs(0x11, 0x10, 0xBF, 0xFF, 0xFF, 0xFF, 0x00, 0x01, 1, 1, 1, 1, 1, 1, 1, 1),
		"amf3 dictionary":         bs(0x11, 0x11, 0xBF, 0xFF, 0xFF, 0xFF, 0x00, 0x01, 1, 1, 1, 1, 1, 1, 1, 1),
		"amf3 sealed members":     bs(0x11, 0x0A, 0xBF, 0xFF, 0xFF, 0xF3, 0x01, 0x03, "a", 1, 1, 1, 1, 1, 1, 1),
		"amf3 bytearray":          bs(0x11, 0x0C, 0xBF, 0xFF, 0xFF, 0xFF, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10),
		"amf0 long string 2^32-1": bs(0x0C, u32(0xFFFFFFFF), "abcdefghijk"),
	}
	for name, in := range inputs {
		if len(in) != 16 {
			t.Fatalf("%s: %d bytes, want 16", name, len(in))
		}
		var before, after runtimeMem
		before.read()
		allocs := testing.AllocsPerRun(20, func() {
			_, _ = DecodeAll(in, 0, Options{})
		})
		after.read()
		perRun := (after.total - before.total) / 21
		if allocs > 20 || perRun > 8<<10 {
			t.Errorf("%s: %.0f allocs, %d bytes per decode", name, allocs, perRun)
		}
	}
}
