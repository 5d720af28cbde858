package dissect

import "encoding/binary"

// Sparse video bodies (Options.SparseVideo).
//
// A coded video frame is most of a media stream's bytes, and the views
// that print lines, trees, events and fields (text, -V, NDJSON without
// payloads, -T fields, stats, conns --story) read only its header and the
// header of each NAL unit in it: the codec, the packet type, the
// composition time, the unit types. For those views
// the dissector copies only the bytes decoding reads into the frame's
// body, at their offsets, and leaves the rest of the body's buffer as it
// was: the body has its full length, the decoder finds every byte it
// reads where it expects it, and the copy of the frame (a pass over the
// whole capture, half of a run on big frames) is not made.
//
// The bytes decoding reads are found by walking the frame as its chunks
// arrive, as media.(*VideoPayload).listNALUs walks it: the tag header,
// then for each unit its 4-byte length and the one or two bytes of its
// NAL header. Only the common layouts are walked (legacy AVC and HEVC
// NALU packets; Enhanced RTMP coded frames of avc1, hvc1 and vvc1, alone
// or as the one track of a OneTrack multitrack message); any other frame
// (AV1, VP8/9, several tracks, ModEx, commands) is copied whole.
// TestSparseVideo decodes real frames both ways, cut into chunks at
// random, and the pipeline's and the command's tests compare every view
// of every committed capture with poisoned buffers.

// sparseHead is how many leading bytes of a frame are copied before the
// walk is decided: enough for the legacy tag header (5 bytes), the
// Enhanced RTMP one with its FourCC and composition time (8), and a
// OneTrack multitrack one with its track id (10).
const sparseHead = 10

// sparseWindow is how many bytes of each unit are read: the length (4)
// and the NAL header (1 for AVC and HEVC types, 2 for VVC).
const sparseWindow = 6

// sparseDone marks a walk that has nothing more to copy.
const sparseDone = -1

// sparseStart returns the offset of a frame's first NAL unit length, or
// 0 when its layout is not one the walk knows. head holds the frame's
// first sparseHead bytes.
func sparseStart(head []byte) int {
	b0 := head[0]
	frameType := b0 >> 4 & 7
	if frameType == 5 {
		return 0 // a video command, not a frame
	}
	if b0&0x80 == 0 {
		// Legacy: codec id, AVCPacketType 1 (NALUs), composition time.
		if codec := b0 & 15; (codec == 7 || codec == 12) && head[1] == 1 {
			return 5
		}
		return 0
	}
	packetType, fourcc, at := b0&15, head[1:5], 5
	if packetType == 6 {
		// Multitrack: the multitrack type and the track's packet type,
		// the FourCC, the track id. Only OneTrack (type 0) carries a
		// single payload to the end of the message.
		if head[1]>>4 != 0 {
			return 0
		}
		packetType, fourcc, at = head[1]&15, head[2:6], 7
	}
	switch string(fourcc) {
	case "avc1", "hvc1", "vvc1":
	default:
		return 0
	}
	switch packetType {
	case 1: // CodedFrames: composition time, then the units
		return at + 3
	case 3: // CodedFramesX: the units at once
		return at
	}
	return 0
}

// sparseBegin decides on a body whose first bytes (at least sparseHead)
// have been copied whole: when its layout is one the walk knows, it walks
// those bytes and returns where the walk goes on.
func sparseBegin(body []byte, total int) (next int, ok bool) {
	next = sparseStart(body[:sparseHead])
	if next == 0 {
		return 0, false
	}
	sparseAppend(body, nil, total, &next) // no bytes to copy: they are all in body
	return next, true
}

// sparseAppend appends src to a sparse body, whose buffer has room for
// total bytes: it extends body by len(src), copies the bytes of src that
// the walk needs and advances the walk (*next: the offset of the next
// unit's length, or sparseDone).
func sparseAppend(body, src []byte, total int, next *int) []byte {
	start := len(body)
	end := start + len(src)
	body = body[:end]
	for *next != sparseDone && *next < end {
		w0 := *next
		w1 := min(w0+sparseWindow, total)
		if a, z := max(w0, start), min(w1, end); a < z {
			copy(body[a:z], src[a-start:z-start])
		}
		if w1 > end {
			break // the rest of this window comes with the next bytes
		}
		if w0+4 > total {
			*next = sparseDone // the decoder stops here: truncated length
			break
		}
		l := int(binary.BigEndian.Uint32(body[w0:]))
		if l == 0 || l > total-(w0+4) {
			*next = sparseDone // the decoder stops at this unit
			break
		}
		*next = w0 + 4 + l
	}
	return body
}
