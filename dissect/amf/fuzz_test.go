package amf

import (
	"encoding/json"
	"os"
	"testing"
)

func addSeeds(f *testing.F, format Format) {
	for _, c := range cases {
		if c.format == format {
			f.Add(c.enc)
		}
	}
	if format == AMF0 {
		files, _ := realBodyFiles()
		for _, name := range files {
			if b, err := os.ReadFile(name); err == nil {
				f.Add(b)
			}
		}
	}
}

// checkInvariants holds for every input: no panic, offsets inside the
// input, lengths that add up, JSON that parses.
func checkInvariants(t *testing.T, in []byte, vals []Value, err error) {
	end := 0
	for i, v := range vals {
		if v.Offset < 0 || v.Offset+v.Length > len(in) {
			t.Fatalf("value %d spans %d+%d outside %d bytes", i, v.Offset, v.Length, len(in))
		}
		if v.Offset != end {
			t.Fatalf("value %d at %d, want %d", i, v.Offset, end)
		}
		end += v.Length
		j := AppendJSON(nil, v)
		if !json.Valid(j) {
			t.Fatalf("invalid JSON %s", j)
		}
		_ = v.Summary(200)
	}
	if err == nil && end != len(in) {
		t.Fatalf("decoded %d of %d bytes without error", end, len(in))
	}
}

func FuzzDecode0(f *testing.F) {
	addSeeds(f, AMF0)
	f.Fuzz(func(t *testing.T, in []byte) {
		vals, err := DecodeAll(in, 0, Options{})
		checkInvariants(t, in, vals, err)
	})
}

func FuzzDecode3(f *testing.F) {
	addSeeds(f, AMF3)
	f.Fuzz(func(t *testing.T, in []byte) {
		vals, err := DecodeAll3(in, 0, Options{})
		checkInvariants(t, in, vals, err)
	})
}

// FuzzRoundTrip: whatever decodes cleanly re-encodes, and decoding that
// gives the same values. The first byte picks the format.
func FuzzRoundTrip(f *testing.F) {
	for _, c := range cases {
		f.Add(append([]byte{byte(c.format)}, c.enc...))
	}
	files, _ := realBodyFiles()
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(append([]byte{0}, b...))
		}
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) == 0 {
			return
		}
		format := AMF0
		if in[0]&1 == 1 {
			format = AMF3
		}
		vals, err := decodeSeq(format, in[1:])
		if err != nil {
			return
		}
		var enc []byte
		if format == AMF3 {
			enc, err = Encode3(vals...)
		} else {
			enc, err = Encode0(vals...)
		}
		if err != nil {
			t.Fatalf("encode of decoded values: %v", err)
		}
		again, err := decodeSeq(format, enc)
		if err != nil {
			t.Fatalf("decode of re-encoded values: %v\n% x", err, enc)
		}
		if len(again) != len(vals) {
			t.Fatalf("%d values, then %d", len(vals), len(again))
		}
		for i := range vals {
			if !Equal(vals[i], again[i]) {
				t.Fatalf("value %d:\n%v\n%v", i, vals[i], again[i])
			}
		}
	})
}
