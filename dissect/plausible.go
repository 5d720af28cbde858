package dissect

import (
	"fmt"
	"strings"

	"github.com/rtmpscope/rtmpscope/event"
)

// In-sync plausibility. While framing is in sync the dissector trusts every
// header; one corrupted header that claims a huge length then swallows
// every message behind it (a fmt 0 header with an unknown type id and a
// 16 MB length after a Set Chunk Size of 0x7FFFFFFF ate 206 messages of a
// real publish). So a fmt 0/1 header is weighed before it is trusted: each
// sign of corruption scores, and a header past implausibleScore is not
// applied: the dissector reports chunk.implausible and resynchronises from
// it (recover.go), which frames what follows by evidence (trial parses)
// instead of by the claim.

// implausibleScore is the score at which a header is not trusted: two
// independent strong signs (an unknown type and a near-maximal length), or
// one strong and two weak ones. One sign alone (a proprietary type id, a
// large but possible keyframe) is not enough.
const implausibleScore = 3

// implausible weighs a fmt 0/1 header met while in sync; it returns the
// reasons when their score reaches implausibleScore, else "".
func (d *dirState) implausible(h *header, cs *chunkStream) string {
	if h.fmt > 1 {
		return ""
	}
	score := 0
	var why []string
	add := func(n int, reason string) {
		score += n
		why = append(why, reason)
	}
	typ := h.typeID
	if !typ.Known() {
		add(2, fmt.Sprintf("unknown type id %d", uint8(typ)))
	}
	switch {
	case h.length >= 1<<23:
		add(2, fmt.Sprintf("length %d", h.length))
	case h.length >= 1<<20:
		add(1, fmt.Sprintf("length %d", h.length))
	}
	switch typ {
	case event.TypeSetChunkSize, event.TypeAbort, event.TypeAck, event.TypeWindowAckSize, event.TypeSetPeerBandwidth, event.TypeUserControl:
		if h.length > 64 {
			add(2, fmt.Sprintf("a %s of %d bytes", typ.Name(), h.length))
		}
	case event.TypeCommandAMF0, event.TypeCommandAMF3, event.TypeSharedObjAMF0, event.TypeSharedObjAMF3:
		if h.length > 1<<20 {
			add(1, fmt.Sprintf("a %s of %d bytes", typ.Name(), h.length))
		}
	}
	if d.chunkSize > maxMsgLen {
		add(1, fmt.Sprintf("after a chunk size of %d", d.chunkSize))
	}
	if h.fmt == 0 {
		if h.msid > 0xFFFF {
			add(1, fmt.Sprintf("message stream id %d", h.msid))
		}
		if typ <= event.TypeSetPeerBandwidth && typ.Known() && h.msid != 0 {
			add(1, fmt.Sprintf("a control message on message stream %d", h.msid))
		}
		// Timestamp continuity: a media chunk stream does not leap a
		// day ahead or back.
		if cs != nil && cs.known && !cs.stale && !h.ext {
			if diff := int64(h.tsField) - int64(cs.ts); diff > 86_400_000 || diff < -86_400_000 {
				add(1, fmt.Sprintf("timestamp %d after %d on this chunk stream", h.tsField, cs.ts))
			}
		}
	}
	if score < implausibleScore {
		return ""
	}
	return strings.Join(why, ", ")
}
