package rtmfp

import "fmt"

// User data flag bits (RFC 7016 §2.3.11).
const (
	UDOptions = 0x80
	UDFragMsk = 0x30
	UDAbandon = 0x02
	UDFinal   = 0x01
)

// Fragment control values (UDFragMsk): where a fragment sits in its message.
const (
	FragWhole  = 0x00
	FragBegin  = 0x10
	FragEnd    = 0x20
	FragMiddle = 0x30
)

// User data option types (RFC 7016 §2.3.11.1.1).
const (
	udOptMetadata    = 0x00
	udOptReturnAssoc = 0x0a
)

// UserData is a User Data chunk, or a Next User Data chunk with the flow
// id and sequence number it inherits filled in by the caller.
type UserData struct {
	Flags     byte
	FlowID    uint64
	Seq       uint64
	FSNOffset uint64
	// Metadata is the flow's metadata option (present on its first
	// fragments); ReturnFlow the flow this one answers, if any.
	Metadata      []byte
	HasMetadata   bool
	ReturnFlow    uint64
	HasReturnFlow bool
	Data          []byte
}

// Frag is the fragment control (FragWhole, FragBegin, FragMiddle, FragEnd).
func (u *UserData) Frag() byte { return u.Flags & UDFragMsk }

// ParseUserData decodes a User Data chunk (next false) or a Next User
// Data chunk (next true: no flow id, sequence number or offset).
func ParseUserData(v []byte, next bool) (UserData, error) {
	var u UserData
	if len(v) < 1 {
		return u, errShortChunk
	}
	u.Flags = v[0]
	off := 1
	if !next {
		for i, dst := range []*uint64{&u.FlowID, &u.Seq, &u.FSNOffset} {
			x, n, err := readVLU(v[off:])
			if err != nil {
				return u, fmt.Errorf("user data %s: %w", [...]string{"flow id", "sequence number", "fsn offset"}[i], err)
			}
			*dst = x
			off += n
		}
	}
	if u.Flags&UDOptions != 0 {
		var oerr error
		n, err := options(v[off:], func(o option) {
			switch o.Type {
			case udOptMetadata:
				u.Metadata, u.HasMetadata = o.Value, true
			case udOptReturnAssoc:
				f, _, err := readVLU(o.Value)
				if err != nil {
					oerr = err
				}
				u.ReturnFlow, u.HasReturnFlow = f, true
			}
		})
		if err == nil {
			err = oerr
		}
		if err != nil {
			return u, fmt.Errorf("user data options: %w", err)
		}
		off += n
		if off < len(v) { // the marker
			off++
		}
	}
	u.Data = v[off:]
	return u, nil
}

// Ack is a Bitmap Ack or Range Ack (RFC 7016 §2.3.13, §2.3.14): the
// receiver's buffer space, the cumulative acknowledgement, and what it
// holds beyond it.
type Ack struct {
	Ranges     bool // a Range Ack, else a Bitmap Ack
	BufferKB   uint64
	FlowID     uint64
	Cumulative uint64
	// Received lists sequence number ranges [from, to] received past the
	// cumulative acknowledgement (bitmap bits or ranges).
	Received [][2]uint64
}

// maxAckRanges bounds what one ack can list: a 64 KB chunk of ranges is
// hostile, not informative.
const maxAckRanges = 256

// ParseAck decodes a Bitmap Ack (ranges false) or a Range Ack.
func ParseAck(v []byte, ranges bool) (Ack, error) {
	a := Ack{Ranges: ranges}
	off := 0
	for i, dst := range []*uint64{&a.BufferKB, &a.FlowID, &a.Cumulative} {
		x, n, err := readVLU(v[off:])
		if err != nil {
			return a, fmt.Errorf("ack %s: %w", [...]string{"buffer", "flow id", "cumulative"}[i], err)
		}
		*dst = x
		off += n
	}
	rest := v[off:]
	if !ranges {
		// bit 0 of the first byte is cumulative+2 (cumulative+1 is by
		// definition missing).
		seq := a.Cumulative + 2
		for _, b := range rest {
			for bit := 0; bit < 8; bit++ {
				if b&(1<<bit) != 0 && len(a.Received) < maxAckRanges {
					s := seq + uint64(bit)
					if n := len(a.Received); n > 0 && a.Received[n-1][1]+1 == s {
						a.Received[n-1][1] = s
					} else {
						a.Received = append(a.Received, [2]uint64{s, s})
					}
				}
			}
			seq += 8
		}
		return a, nil
	}
	last := a.Cumulative
	for len(rest) > 0 {
		holes, n, err := readVLU(rest)
		if err != nil {
			return a, fmt.Errorf("range ack holes: %w", err)
		}
		rest = rest[n:]
		recv, n, err := readVLU(rest)
		if err != nil {
			return a, fmt.Errorf("range ack received: %w", err)
		}
		rest = rest[n:]
		from := last + holes + 2
		to := from + recv
		if from < last || to < from { // wrapped: hostile numbers
			return a, fmt.Errorf("range ack overflows")
		}
		if len(a.Received) < maxAckRanges {
			a.Received = append(a.Received, [2]uint64{from, to})
		}
		last = to
	}
	return a, nil
}

// FlowException is a Flow Exception Report (RFC 7016 §2.3.16): the
// receiver rejects a flow.
type FlowException struct {
	FlowID uint64
	Code   uint64
}

// ParseFlowException decodes a Flow Exception Report.
func ParseFlowException(v []byte) (FlowException, error) {
	f, n, err := readVLU(v)
	if err != nil {
		return FlowException{}, fmt.Errorf("flow exception flow id: %w", err)
	}
	c, _, err := readVLU(v[n:])
	if err != nil {
		return FlowException{}, fmt.Errorf("flow exception code: %w", err)
	}
	return FlowException{FlowID: f, Code: c}, nil
}

// ParseBufferProbe decodes a Buffer Probe (RFC 7016 §2.3.15): the flow
// whose receive buffer the sender asks about.
func ParseBufferProbe(v []byte) (uint64, error) {
	f, _, err := readVLU(v)
	if err != nil {
		return 0, fmt.Errorf("buffer probe flow id: %w", err)
	}
	return f, nil
}
