package rtmpt

import (
	"bytes"
	"testing"

	"github.com/rtmpscope/rtmpscope/event"
	"github.com/rtmpscope/rtmpscope/flow"
)

// The default inner handler is chosen by C0: the real publish session goes
// to "rtmp"; the same session with C0 changed to 6 (derived: RTMPE's C0,
// the rest left as it was) goes to "rtmpe" and the session becomes rtmpte.
func TestInnerChosenByC0(t *testing.T) {
	calls, n, _ := realCalls(t, "rtmpt-publish")
	for _, c0 := range []byte{3, 6} {
		req, resp := messages(t, calls)
		changed := false
		for i, m := range req {
			if h := bytes.Index(m, []byte("\r\n\r\n")); bytes.HasPrefix(m, []byte("POST /send/")) && h > 0 && len(m) > h+4 {
				d := append([]byte(nil), m...)
				d[h+4] = c0
				req[i] = d
				changed = true
				break
			}
		}
		if !changed {
			t.Fatal("no /send")
		}
		mod := interleave(req, resp)
		got := map[string]*recorder{}
		rec := func(name string) flow.Protocol {
			return flow.Protocol{Name: name, Transport: event.TransportTCP,
				Sniff: func(*flow.Head) flow.Verdict { return flow.Verdict{Decision: flow.No} },
				Stream: func(*flow.Context) flow.StreamHandler {
					r := &recorder{t: t, name: name}
					got[name] = r
					return r
				}}
		}
		var variants []event.Variant
		recv := event.ReceiverFunc(func(e event.Event) {
			if e.Kind == event.KindConn && e.Conn.Closed && e.Conn.Info.Transport == event.TransportHTTPTunnel {
				variants = append(variants, e.Conn.Info.Variant)
			}
		})
		r := flow.New(recv, []flow.Protocol{Protocol(Options{}), rec("rtmp"), rec("rtmpe")}, flow.Options{})
		replayInto(r, mod, n, 0)
		r.Finish()
		want, wantV := "rtmp", event.VariantRTMPT
		if c0 == 6 {
			want, wantV = "rtmpe", event.VariantRTMPTE
		}
		if len(got) != 1 || got[want] == nil || len(got[want].data[0]) == 0 || got[want].data[0][0] != c0 {
			t.Errorf("C0=%d: handlers %v, want %s", c0, got, want)
		}
		if len(variants) != 1 || variants[0] != wantV {
			t.Errorf("C0=%d: variants %v, want %v", c0, variants, wantV)
		}
	}
}
