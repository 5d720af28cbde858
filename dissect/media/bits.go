package media

// bitReader reads MSB-first bit fields. An overrun is sticky: every later
// read returns 0 and err stays set, so a parser can read a run of fields and
// check once, keeping the fields decoded before the overrun.
type bitReader struct {
	buf     []byte
	pos     int // bit position
	overrun bool
}

func (r *bitReader) bitsLeft() int { return len(r.buf)*8 - r.pos }

func (r *bitReader) u(n int) uint64 {
	if n == 0 || r.overrun {
		return 0
	}
	if n > 64 || r.bitsLeft() < n {
		r.overrun = true
		return 0
	}
	var v uint64
	for n > 0 {
		byteIdx := r.pos >> 3
		bitOff := r.pos & 7
		avail := 8 - bitOff
		take := avail
		if take > n {
			take = n
		}
		b := uint64(r.buf[byteIdx]>>(avail-take)) & (1<<take - 1)
		v = v<<take | b
		r.pos += take
		n -= take
	}
	return v
}

func (r *bitReader) flag() bool { return r.u(1) == 1 }

func (r *bitReader) skip(n int) {
	if r.overrun {
		return
	}
	if n < 0 || r.bitsLeft() < n {
		r.overrun = true
		return
	}
	r.pos += n
}

// ue reads an unsigned Exp-Golomb code (H.264/H.265 ue(v)). Codes longer
// than 32 bits cannot occur in a valid stream and count as an overrun.
func (r *bitReader) ue() uint32 {
	zeros := 0
	for !r.overrun && r.u(1) == 0 {
		zeros++
		if zeros > 31 {
			r.overrun = true
			return 0
		}
	}
	if r.overrun {
		return 0
	}
	return uint32(1<<zeros - 1 + r.u(zeros))
}

// se reads a signed Exp-Golomb code.
func (r *bitReader) se() int32 {
	k := r.ue()
	if k&1 == 1 {
		return int32((k + 1) / 2)
	}
	return -int32(k / 2)
}

// uvlc reads the AV1 uvlc() code.
func (r *bitReader) uvlc() uint32 {
	zeros := 0
	for !r.overrun && r.u(1) == 0 {
		zeros++
		if zeros >= 32 {
			r.overrun = true
			return 0
		}
	}
	return uint32(r.u(zeros) + (1<<zeros - 1))
}

// unescapeRBSP removes H.264/H.265 emulation-prevention bytes (00 00 03).
func unescapeRBSP(nal []byte) []byte {
	var out []byte
	zeros := 0
	for i, b := range nal {
		if zeros >= 2 && b == 3 {
			if out == nil {
				out = make([]byte, 0, len(nal))
				out = append(out, nal[:i]...)
			}
			zeros = 0
			continue
		}
		if out != nil {
			out = append(out, b)
		}
		if b == 0 {
			zeros++
		} else {
			zeros = 0
		}
	}
	if out == nil {
		return nal
	}
	return out
}

func be16(b []byte) uint16 { return uint16(b[0])<<8 | uint16(b[1]) }
func be24(b []byte) uint32 { return uint32(b[0])<<16 | uint32(b[1])<<8 | uint32(b[2]) }
func be32(b []byte) uint32 {
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

// si24 sign-extends a big-endian 24-bit value (composition time).
func si24(b []byte) int32 { return int32(be24(b)<<8) >> 8 }
