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
	s := summary(m, b)
	if b.Err != nil && (b.Data != nil || b.Shared != nil || b.Aggregate != nil) {
		s += " [error: " + b.Err.Error() + "]"
	}
	return s
}

func summary(m *event.Message, b Body) string {
	switch {
	case b.Command != nil:
		return b.Command.String()
	case b.Data != nil:
		s := b.Data.Handler
		if b.Data.Inner != "" {
			s += " " + b.Data.Inner
		}
		for i, v := range b.Data.Args {
			if i >= maxSummaryValues {
				s += " …"
				break
			}
			s += " " + v.String()
		}
		return s
	case b.Shared != nil:
		return "Shared Object " + b.Shared.Name
	case b.Audio != nil:
		return b.Audio.Summary()
	case b.Video != nil:
		return b.Video.Summary()
	case b.Aggregate != nil:
		return "Aggregate of " + strconv.Itoa(len(b.Aggregate))
	}
	return m.Summary()
}
