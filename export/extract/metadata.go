package extract

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/rtmpscope/rtmpscope/dissect/amf"
)

// A server's onMetaData says what the publisher announced, not what the
// file holds: nginx relays ffmpeg's duration and filesize of 0, and a
// recording server's duration is that of the whole stream (12 s for a file
// cut at 6.1 s). Players trust these fields for the seek bar, so the
// extractor rewrites them, in place, to what it wrote: when the script tag
// goes out, the offsets of its duration and filesize numbers are noted
// (the fields are added first, as numbers 0, when the metadata lacks
// them), and on close the two doubles are overwritten.

// maxMetaPatches bounds the metadata tags of one file whose fields are
// rewritten (a stream that resends onMetaData keeps its first ones).
const maxMetaPatches = 8

// metaFields are the body offsets of one onMetaData tag's duration and
// filesize doubles (-1 when absent).
type metaFields struct {
	duration, filesize int
}

// prepareMetadata returns the script tag body to write for an onMetaData
// body (raw AMF0: the "onMetaData" string, then an ECMA array or object)
// and where its duration and filesize doubles are. A body that is not
// onMetaData, or does not decode, is returned as it is, with no fields.
func prepareMetadata(body []byte) ([]byte, metaFields) {
	none := metaFields{-1, -1}
	vals, err := amf.DecodeAll(body, 0, amf.Options{})
	if err != nil || len(vals) < 2 || vals[0].Str != "onMetaData" {
		return body, none
	}
	m := &vals[1]
	if m.Kind != amf.KindECMAArray && m.Kind != amf.KindObject {
		return body, none
	}
	f := fieldsOf(m)
	if f.duration >= 0 && f.filesize >= 0 {
		return body, f
	}
	// Add what is missing, as numbers, and encode again.
	for _, key := range []string{"duration", "filesize"} {
		if (key == "duration" && f.duration < 0) || (key == "filesize" && f.filesize < 0) {
			m.Props = append(m.Props, amf.Prop{Key: key, Value: amf.Value{Kind: amf.KindNumber}})
			if m.Kind == amf.KindECMAArray {
				m.Count++
			}
		}
	}
	b, err := amf.Encode0(vals...)
	if err != nil {
		return body, none
	}
	again, err := amf.DecodeAll(b, 0, amf.Options{})
	if err != nil || len(again) < 2 {
		return body, none
	}
	return b, fieldsOf(&again[1])
}

// fieldsOf finds the duration and filesize number properties of an
// onMetaData array: the offset of each one's 8-byte double.
func fieldsOf(m *amf.Value) metaFields {
	f := metaFields{-1, -1}
	for i := range m.Props {
		p := &m.Props[i]
		if p.Value.Kind != amf.KindNumber || p.Value.Length != 9 {
			continue
		}
		switch p.Key {
		case "duration":
			f.duration = p.Value.Offset + 1
		case "filesize":
			f.filesize = p.Value.Offset + 1
		}
	}
	return f
}

// patchMetadata overwrites the noted duration and filesize doubles of a
// stream's file with the duration (seconds, from the first to the last
// media tag written, plus one frame step when known) and the file's size.
func (x *Extractor) patchMetadata(s *extStream) error {
	if len(s.metaAt) == 0 {
		return nil
	}
	dur := float64(s.info.DurationMS) / 1000
	var b [8]byte
	for _, at := range s.metaAt {
		for _, p := range []struct {
			off int64
			v   float64
		}{{at.duration, dur}, {at.filesize, float64(s.info.Bytes)}} {
			if p.off < 0 {
				continue
			}
			binary.BigEndian.PutUint64(b[:], math.Float64bits(p.v))
			if _, err := s.file.WriteAt(b[:], p.off); err != nil {
				return fmt.Errorf("rewriting onMetaData: %w", err)
			}
		}
	}
	s.info.MetadataRewritten = true
	return nil
}

// fileFields are metaFields as offsets in the file.
type fileFields struct {
	duration, filesize int64
}

// noteMetadata records where a script tag's fields landed in the file:
// bodyStart is the file offset of the tag body.
func (s *extStream) noteMetadata(f metaFields, bodyStart int64) {
	if (f.duration < 0 && f.filesize < 0) || len(s.metaAt) >= maxMetaPatches {
		return
	}
	ff := fileFields{-1, -1}
	if f.duration >= 0 {
		ff.duration = bodyStart + int64(f.duration)
	}
	if f.filesize >= 0 {
		ff.filesize = bodyStart + int64(f.filesize)
	}
	s.metaAt = append(s.metaAt, ff)
}
