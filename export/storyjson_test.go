package export

import (
	"encoding/json"
	"testing"

	"github.com/rtmpscope/rtmpscope/event"
	"github.com/rtmpscope/rtmpscope/export/story"
)

// With EventOptions.Stories every conn-closed event of an RTMP connection
// of every committed capture carries its story, the line validates against
// docs/events.schema.json, and the rest of the event is what it is without
// the story.
func TestStoryOnConnClosed(t *testing.T) {
	s := compileSchema(t)
	for _, name := range committedCaptures(t) {
		opts := EventOptions{Stories: story.New(story.Options{})}
		told := 0
		for i, r := range captureRecords(t, name) {
			line, err := MarshalEvent(r, opts)
			if err != nil {
				t.Fatalf("%s record %d: %v", name, i, err)
			}
			if r.Kind != event.KindConn || !r.Conn.Closed {
				continue
			}
			var j map[string]json.RawMessage
			if err := json.Unmarshal(line, &j); err != nil {
				t.Fatalf("%s record %d: %v\n%s", name, i, err, line)
			}
			_, has := j["story"]
			if !has {
				continue
			}
			told++
			if err := validate(t, s, line); err != nil {
				t.Fatalf("%s record %d does not validate: %v\n%s", name, i, err, line)
			}
			plain, err := MarshalEvent(r, EventOptions{})
			if err != nil {
				t.Fatal(err)
			}
			delete(j, "story")
			var p map[string]json.RawMessage
			if err := json.Unmarshal(plain, &p); err != nil {
				t.Fatal(err)
			}
			a, _ := json.Marshal(j)
			b, _ := json.Marshal(p)
			if string(a) != string(b) {
				t.Errorf("%s record %d: the story changed the rest of the event:\n%s\n%s", name, i, a, b)
			}
		}
		if told == 0 {
			t.Errorf("%s: no conn-closed event has a story", name)
		}
	}
}
