// Package decode decodes the body of a dissected RTMP message by its type:
// commands and data with package command (AMF0/AMF3), audio, video and
// aggregates with package media. It is the one place where a message type
// is matched to its body decoder, so that every sink (text, JSON, TUI,
// statistics) sees the same decoding.
package decode

import (
	"strconv"

	"github.com/rtmpscope/rtmpscope/dissect/amf"
	"github.com/rtmpscope/rtmpscope/dissect/command"
	"github.com/rtmpscope/rtmpscope/dissect/media"
	"github.com/rtmpscope/rtmpscope/event"
)

// maxSummaryValues is how many data-message values a one-line summary shows.
const maxSummaryValues = 4

// Body is a decoded message body; at most one of the pointers is set.
// Err is the decoder's error; the decoded fields hold what came before it.
type Body struct {
	Command   *command.Command
	Data      *command.Data
	Shared    *command.SharedObject
	Audio     *media.Audio
	Video     *media.Video
	Aggregate []media.SubMessage
	Err       error
}

// Message decodes m's body with the default AMF limits. Messages whose
// body was not kept decode to an empty Body.
func Message(m *event.Message) Body { return MessageWith(m, amf.Options{}) }

// MessageWith decodes m's body with the given AMF limits (nesting depth,
// values per message); a body past them has Err wrapping amf.ErrLimit or
// amf.ErrDepth.
func MessageWith(m *event.Message, opts amf.Options) Body {
	if m.Body == nil || m.BodyTruncated {
		return Body{}
	}
	var b Body
	switch m.TypeID {
	case event.TypeCommandAMF0, event.TypeCommandAMF3:
		c, err := command.Decode(m.Body, 0, m.TypeID == event.TypeCommandAMF3, opts)
		b.Command, b.Err = &c, err
	case event.TypeDataAMF0, event.TypeDataAMF3:
		d, err := command.DecodeData(m.Body, 0, m.TypeID == event.TypeDataAMF3, opts)
		b.Data, b.Err = &d, err
	case event.TypeSharedObjAMF0, event.TypeSharedObjAMF3:
		so, err := command.DecodeSharedObject(m.Body, 0, m.TypeID == event.TypeSharedObjAMF3, opts)
		b.Shared, b.Err = &so, err
	case event.TypeAudio:
		a, err := media.DecodeAudio(m.Body)
		b.Audio, b.Err = &a, err
	case event.TypeVideo:
		v, err := media.DecodeVideo(m.Body)
		b.Video, b.Err = &v, err
	case event.TypeAggregate:
		b.Aggregate, b.Err = media.DecodeAggregate(m.Body, m.Timestamp)
	}
	return b
}

// Summary is the short description of a message for one-line views. A
// data, shared-object or aggregate body that did not decode whole says so
// ("[error: ...]", with the offset), as a command's does, so a line never
// reads like a good message when part of it is missing.
func Summary(m *event.Message, b Body) string {
	var buf [64]byte // most summaries fit: one allocation, the string's
	return string(AppendSummary(buf[:0], m, b))
}

// AppendSummary appends Summary to dst. It is the one-line views' way in:
// a line built in a buffer needs no string of its own per message.
func AppendSummary(dst []byte, m *event.Message, b Body) []byte {
	dst = appendSummary(dst, m, b)
	if b.Err != nil && (b.Data != nil || b.Shared != nil || b.Aggregate != nil) {
		dst = append(dst, " [error: "...)
		dst = append(dst, b.Err.Error()...)
		dst = append(dst, ']')
	}
	return dst
}

func appendSummary(dst []byte, m *event.Message, b Body) []byte {
	switch {
	case b.Command != nil:
		return b.Command.AppendString(dst)
	case b.Data != nil:
		dst = append(dst, b.Data.Handler...)
		if b.Data.Inner != "" {
			dst = append(dst, ' ')
			dst = append(dst, b.Data.Inner...)
		}
		for i, v := range b.Data.Args {
			if i >= maxSummaryValues {
				dst = append(dst, " …"...)
				break
			}
			dst = append(dst, ' ')
			dst = append(dst, v.String()...)
		}
		return dst
	case b.Shared != nil:
		dst = append(dst, "Shared Object "...)
		return append(dst, b.Shared.Name...)
	case b.Audio != nil:
		return b.Audio.AppendSummary(dst)
	case b.Video != nil:
		return b.Video.AppendSummary(dst)
	case b.Aggregate != nil:
		dst = append(dst, "Aggregate of "...)
		return strconv.AppendInt(dst, int64(len(b.Aggregate)), 10)
	}
	return append(dst, m.Summary()...)
}
