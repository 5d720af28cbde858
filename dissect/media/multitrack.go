package media

import "fmt"

// trackHeader is the framing in front of each track of an Enhanced RTMP
// multitrack message. It is the same for audio and video: a FourCC when the
// tracks may differ in codec (ManyTracksManyCodecs), the track id, and a
// 24-bit track size unless the message carries one track (OneTrack).
type trackHeader struct {
	fourCC  FourCC
	trackID uint8
	size    int  // -1 for OneTrack, whose track runs to the end of the body
	sized   bool // the size was read (so the track is worth reporting even when cut)
}

// readMultitrackHeader reads what follows an Enhanced RTMP Multitrack
// packet type, the same for audio and video: the multitrack mode and the
// tracks' packet type in one byte, then the FourCC the tracks share unless
// each names its own (ManyTracksManyCodecs). multitrack is the kind's own
// Multitrack packet type, which may not nest; kind ("audio", "video")
// labels errors. read says the mode byte was there, so the caller can
// report mode and packet type even when an error follows.
func readMultitrackHeader(buf []byte, off int, multitrack uint8, kind string) (mt MultitrackType, pt uint8, fourcc FourCC, next int, read bool, err error) {
	if off >= len(buf) {
		return 0, 0, "", off, false, truncated(off, kind+" multitrack type")
	}
	mt, pt = MultitrackType(buf[off]>>4), buf[off]&15
	off++
	if pt == multitrack {
		return mt, pt, "", off, true, invalid(off-1, kind+" multitrack packet type", "nested Multitrack")
	}
	if mt > ManyTracksManyCodecs {
		return mt, pt, "", off, true, unsupported(off-1, kind+" multitrack type", "%d", mt)
	}
	if mt != ManyTracksManyCodecs {
		if off+4 > len(buf) {
			return mt, pt, "", off, true, truncated(off, kind+" FourCC")
		}
		fourcc = fourCCFrom(buf[off : off+4])
		off += 4
	}
	return mt, pt, fourcc, off, true, nil
}

// readTrackHeader reads one track header at off. fourcc is the message's
// FourCC, used unless the track names its own; kind ("audio", "video") and
// sizeName (the spec's field name) label errors. It returns the offset of
// the track's payload and the end of that payload.
func readTrackHeader(buf []byte, off int, mt MultitrackType, fourcc FourCC, kind, sizeName string) (h trackHeader, next, end int, err error) {
	h = trackHeader{fourCC: fourcc, size: -1}
	if mt == ManyTracksManyCodecs {
		if off+4 > len(buf) {
			return h, off, 0, truncated(off, kind+" track FourCC")
		}
		h.fourCC = fourCCFrom(buf[off : off+4])
		off += 4
	}
	if off >= len(buf) {
		return h, off, 0, truncated(off, kind+" track id")
	}
	h.trackID = buf[off]
	off++
	if mt == OneTrack {
		return h, off, len(buf), nil
	}
	if off+3 > len(buf) {
		return h, off, 0, truncated(off, sizeName)
	}
	h.size = int(be24(buf[off:]))
	h.sized = true
	off += 3
	if off+h.size > len(buf) {
		return h, off, 0, truncated(off, fmt.Sprintf("%s track %d (size %d)", kind, h.trackID, h.size))
	}
	return h, off, off + h.size, nil
}
