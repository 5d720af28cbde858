package media

import (
	"fmt"
	"strconv"

	"github.com/rtmpscope/rtmpscope/event"
)

// SubMessage is one FLV-tag-shaped record of an aggregate message (RTMP
// type 22): type, 24-bit size, timestamp with extended byte, 24-bit stream
// id, body, then a 32-bit back pointer.
type SubMessage struct {
	Offset       int           `json:"offset"` // of the record within the aggregate body
	TypeID       event.MsgType `json:"type_id"`
	Size         int           `json:"size"`
	RawTimestamp uint32        `json:"raw_timestamp"` // as written in the record
	// Timestamp is absolute: the aggregate's timestamp plus this record's
	// offset from the first record's timestamp.
	Timestamp   uint32 `json:"timestamp"`
	StreamID    uint32 `json:"stream_id"`
	BackPointer uint32 `json:"back_pointer"`
	// BackPointerOK is false when the back pointer is missing or is not
	// 11+Size (which some servers get wrong; reported, not fatal).
	BackPointerOK bool   `json:"back_pointer_ok"`
	Audio         *Audio `json:"audio,omitempty"`
	Video         *Video `json:"video,omitempty"`
	// Body is the raw body; for data messages (18/15) it is the only
	// decoding done here.
	Body []byte `json:"-"`
	// Err is the error from decoding an audio/video body, if any.
	Err     error  `json:"-"`
	ErrText string `json:"error,omitempty"`
}

// maxSubMessages bounds the records decoded from one aggregate.
const maxSubMessages = 4096

// DecodeAggregate splits an aggregate message body into its sub-messages
// and decodes the audio and video bodies. The returned error concerns the
// framing; errors in a sub-message body are in that SubMessage's Err.
func DecodeAggregate(buf []byte, msgTimestamp uint32) ([]SubMessage, error) {
	var out []SubMessage
	var first uint32
	off := 0
	for off < len(buf) {
		if len(out) >= maxSubMessages {
			return out, invalid(off, "aggregate", "more than %d sub-messages", maxSubMessages)
		}
		if off+11 > len(buf) {
			return out, truncated(off, fmt.Sprintf("aggregate sub-message %d header", len(out)))
		}
		h := buf[off:]
		m := SubMessage{
			Offset:       off,
			TypeID:       event.MsgType(h[0]),
			Size:         int(be24(h[1:])),
			RawTimestamp: uint32(h[7])<<24 | be24(h[4:]),
			StreamID:     be24(h[8:]),
		}
		if len(out) == 0 {
			first = m.RawTimestamp
		}
		m.Timestamp = msgTimestamp + (m.RawTimestamp - first)
		body := off + 11
		if body+m.Size > len(buf) {
			out = append(out, m)
			return out, truncated(body, fmt.Sprintf("aggregate sub-message %d body (%d bytes)", len(out)-1, m.Size))
		}
		m.Body = buf[body : body+m.Size]
		end := body + m.Size
		switch {
		case end+4 <= len(buf):
			m.BackPointer = be32(buf[end:])
			m.BackPointerOK = m.BackPointer == uint32(11+m.Size)
			end += 4
		case end == len(buf):
			// Some muxers drop the final back pointer.
		default:
			out = append(out, m)
			return out, truncated(end, fmt.Sprintf("aggregate sub-message %d back pointer", len(out)-1))
		}
		switch m.TypeID {
		case event.TypeAudio:
			a, err := DecodeAudio(m.Body)
			m.Audio, m.Err = &a, rebase(err, body)
		case event.TypeVideo:
			v, err := DecodeVideo(m.Body)
			m.Video, m.Err = &v, rebase(err, body)
		}
		if m.Err != nil {
			m.ErrText = m.Err.Error()
		}
		out = append(out, m)
		off = end
	}
	return out, nil
}

// Summary is a compact one-line description.
func (m *SubMessage) Summary() string {
	var buf [96]byte
	b := append(buf[:0], "type "...)
	b = strconv.AppendUint(b, uint64(m.TypeID), 10)
	b = append(b, " ts="...)
	b = strconv.AppendUint(b, uint64(m.Timestamp), 10)
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(m.Size), 10)
	b = append(b, 'B')
	switch {
	case m.Audio != nil:
		b = m.Audio.AppendSummary(append(b, ' '))
	case m.Video != nil:
		b = m.Video.AppendSummary(append(b, ' '))
	}
	return string(b)
}
