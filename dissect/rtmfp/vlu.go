package rtmfp

import "errors"

// errVLU is a variable-length unsigned integer that runs off the end of
// its buffer or does not fit 64 bits.
var errVLU = errors.New("rtmfp: bad variable-length number")

// maxVLUBytes bounds the length of a VLU: ten 7-bit groups hold 64 bits,
// and a longer run is hostile input, not a number.
const maxVLUBytes = 10

// readVLU reads a variable-length unsigned integer (RFC 7016 §2.1.2): 7
// bits per byte, most significant first, high bit set on all but the
// last byte. It returns the value and the bytes used.
func readVLU(b []byte) (uint64, int, error) {
	var v uint64
	for i := 0; i < len(b) && i < maxVLUBytes; i++ {
		if v>>57 != 0 {
			return 0, 0, errVLU
		}
		v = v<<7 | uint64(b[i]&0x7f)
		if b[i]&0x80 == 0 {
			return v, i + 1, nil
		}
	}
	return 0, 0, errVLU
}

// vluField reads a VLU length followed by that many bytes (RFC 7016
// §2.1.3), returning the bytes and the total used.
func vluField(b []byte) ([]byte, int, error) {
	n, k, err := readVLU(b)
	if err != nil {
		return nil, 0, err
	}
	if n > uint64(len(b)-k) {
		return nil, 0, errVLU
	}
	return b[k : k+int(n)], k + int(n), nil
}

// option is one element of an option list (RFC 7016 §2.1.3): a length,
// then a type and a value; a zero length is the list's marker.
type option struct {
	Type   uint64
	Value  []byte
	Marker bool
}

// readOption reads one option and returns the bytes it used.
func readOption(b []byte) (option, int, error) {
	body, n, err := vluField(b)
	if err != nil {
		return option{}, 0, err
	}
	if len(body) == 0 {
		return option{Marker: true}, n, nil
	}
	t, k, err := readVLU(body)
	if err != nil {
		return option{}, 0, err
	}
	return option{Type: t, Value: body[k:]}, n, nil
}

// options reads an option list up to its end or marker, calling f for
// each option; it returns the bytes of the options before the marker.
func options(b []byte, f func(option)) (int, error) {
	off := 0
	for off < len(b) {
		o, n, err := readOption(b[off:])
		if err != nil {
			return off, err
		}
		if o.Marker {
			return off, nil
		}
		off += n
		f(o)
	}
	return off, nil
}
