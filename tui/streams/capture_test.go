package streams

import (
	"path/filepath"
	"testing"

	"github.com/rtmpscope/rtmpscope/dissect/media"
	"github.com/rtmpscope/rtmpscope/dissect/session"
	"github.com/rtmpscope/rtmpscope/event"
	"github.com/rtmpscope/rtmpscope/internal/capturetest"
	"github.com/rtmpscope/rtmpscope/pipeline"
)

// loadReports runs a committed capture through the real pipeline and feeds
// every audio and video message to one media.Stats per connection and
// direction, keyed "c1 c2s" the way the TUI's store does, and returns the
// reports.
func loadReports(t testing.TB, name string) []media.StreamReport {
	t.Helper()
	stats := media.NewStats()
	tr := session.New(session.Options{}, func(r session.Record) {
		if r.Kind != event.KindMessage {
			return
		}
		m := r.Message
		var dec any
		switch {
		case r.Body.Audio != nil:
			dec = r.Body.Audio
		case r.Body.Video != nil:
			dec = r.Body.Video
		}
		if m.TypeID != event.TypeAudio && m.TypeID != event.TypeVideo {
			return
		}
		dir := "c2s"
		if m.Dir == event.S2C {
			dir = "s2c"
		}
		stats.Add(r.ConnID.String()+" "+dir, m.Timestamp, m.Time, m.TypeID == event.TypeVideo, int(m.Length), dec)
	})
	path := filepath.Join("..", "..", "testdata", "pcaps", name)
	if _, err := capturetest.Run(path, tr, pipeline.Config{}); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return stats.Report()
}
