package export

import (
	"encoding/json"
	"fmt"

	"github.com/rtmpscope/rtmpscope/dissect/session"
	"github.com/rtmpscope/rtmpscope/export/story"
)

// appendWithStory writes a conn-closed event with its connection's story
// as the last member, "story" (docs/json-schema.md): the event as every
// other conn event is written, then the story object spliced in before
// its closing brace.
func appendWithStory(dst []byte, r *session.Record, opts EventOptions, st *story.Story) ([]byte, error) {
	raw, err := marshalEventReflect(r, opts)
	if err != nil {
		return dst, err
	}
	js, err := json.Marshal(st)
	if err != nil {
		return dst, fmt.Errorf("story of %s: %w", r.ConnID, err)
	}
	if len(raw) < 2 || raw[len(raw)-1] != '}' {
		return dst, fmt.Errorf("story of %s: the event is not a JSON object", r.ConnID)
	}
	dst = append(dst, raw[:len(raw)-1]...)
	dst = append(dst, `,"story":`...)
	dst = append(dst, js...)
	return append(dst, '}'), nil
}
