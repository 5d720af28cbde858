package pipeline_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/rtmpscope/rtmpscope/event"
	"github.com/rtmpscope/rtmpscope/flow"
	"github.com/rtmpscope/rtmpscope/internal/capturetest"
	"github.com/rtmpscope/rtmpscope/pipeline"
)

// On every committed capture, conns (the router counting only) and the
// message view (the router with its handlers) make the same decision on
// every connection, with the same evidence; flows with no payload are
// "other" and produce nothing but their connection events.
func TestOneDecisionForEveryOutput(t *testing.T) {
	paths, _ := filepath.Glob(filepath.Join(capturetest.Pcaps(), "*.pcap*"))
	if len(paths) < 10 {
		t.Fatalf("only %d captures", len(paths))
	}
	for _, path := range paths {
		name := filepath.Base(path)
		counted := decisions(t, capturetest.Events(t, path, pipeline.Config{Flow: flow.Options{CountOnly: true}}))
		full := capturetest.Events(t, path, pipeline.Config{})
		dissected := decisions(t, full)
		// Logical connections (RTMPT sessions) exist only when handlers
		// run; transport flows are matched by their uid, since the logical
		// ones take ids in between.
		byUID := map[string]*event.ConnInfo{}
		for _, d := range dissected {
			if d.Transport != event.TransportHTTPTunnel {
				byUID[d.UID] = d
			}
		}
		if len(counted) == 0 || len(counted) != len(byUID) {
			t.Errorf("%s: %d connections counted, %d dissected", name, len(counted), len(byUID))
		}
		for id, c := range counted {
			d := byUID[c.UID]
			if d == nil || c.Variant != d.Variant || c.Rule != d.Rule || c.Evidence != d.Evidence || c.Client != d.Client {
				t.Errorf("%s %s: conns says %+v, messages say %+v", name, id, c, d)
			}
		}
		other := map[event.ConnID]bool{}
		for id, c := range dissected {
			if c.Variant == event.VariantOther {
				other[id] = true
			}
		}
		for _, e := range full {
			if other[e.ConnID] && e.Kind != event.KindConn {
				t.Errorf("%s %s: a flow that is not RTMP produced a %s event", name, e.ConnID, e.Kind)
			}
		}
		if strings.HasPrefix(name, "midstream") {
			for id, c := range dissected {
				if !c.Variant.IsRTMP() {
					t.Errorf("%s %s: mid-stream connection decided %s (%s)", name, id, c.Variant, c.Evidence)
				}
			}
		}
	}
}

func decisions(t *testing.T, evs []event.Event) map[event.ConnID]*event.ConnInfo {
	out := map[event.ConnID]*event.ConnInfo{}
	for _, e := range evs {
		if e.Kind == event.KindConn && e.Conn.Closed {
			info := e.Conn.Info
			out[e.ConnID] = &info
			if info.UID == "" || info.Variant == event.VariantNone {
				t.Errorf("%s: closed without a decision: %+v", e.ConnID, info)
			}
		}
	}
	return out
}
