package session

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rtmpscope/rtmpscope/dissect"
	"github.com/rtmpscope/rtmpscope/dissect/command"
	"github.com/rtmpscope/rtmpscope/event"
	"github.com/rtmpscope/rtmpscope/flow"
)

// runCapture drives a capture through the dissector and a Tracker and
// returns every Record in output order.
func runCapture(t *testing.T, path string, opts Options) []Record {
	t.Helper()
	var recs []Record
	tr := New(opts, func(r Record) { recs = append(recs, r) })
	if _, err := runPipeline(path, tr); err != nil {
		t.Fatal(err)
	}
	if len(tr.conns) != 0 {
		t.Errorf("%d connections still tracked after the capture ended", len(tr.conns))
	}
	return recs
}

// runPipeline drives a capture through the dissector into tr.
func runPipeline(path string, tr *Tracker) (flow.Summary, error) {
	return flow.ProcessFile(path, tr, []flow.Protocol{dissect.Protocol(dissect.Options{})}, flow.RunOptions{})
}

func commandName(r Record) string {
	if r.Kind != event.KindMessage || r.Body.Command == nil {
		return ""
	}
	return r.Body.Command.Name
}

// pairingCaptures are the captures whose every command exchange is checked
// against tshark's reference. twoif.pcapng is left out: every packet is
// there twice and tshark numbers the messages by the copy it kept.
var pairingCaptures = []string{
	"publish.pcap", "play.pcap", "rtmpdump-play.pcap", "multi.pcap", "reject.pcap", "chunksize.pcap",
	"ipv6.pcap", "any-sll2.pcap", "otherport.pcap", "extts.pcap", "extts-play.pcap", "publish-ng.pcapng",
}

// TestPairingMatchesTshark checks, for every response tshark saw, that
// our response record names the request tshark's transaction ids and
// status codes say it answers, with the latency between the two records;
// and that we pair nothing else.
func TestPairingMatchesTshark(t *testing.T) {
	for _, name := range pairingCaptures {
		t.Run(name, func(t *testing.T) {
			recs := runCapture(t, filepath.Join(pcapDir, name), Options{})
			ref := loadRefCommands(t, name)
			want := expectedPairs(t, ref)
			if len(want) == 0 {
				t.Fatal("the reference has no exchanges")
			}
			// Our command records by frame and name, in order.
			type key struct {
				frame uint64
				name  string
			}
			byKey := map[key][]*Record{}
			for i := range recs {
				if n := commandName(recs[i]); n != "" {
					k := key{recs[i].Message.Frame, n}
					byKey[k] = append(byKey[k], &recs[i])
				}
			}
			used := map[*Record]bool{}
			for _, w := range want {
				var resp *Record
				for _, r := range byKey[key{w.respFrame, w.respName}] {
					if !used[r] {
						resp = r
						break
					}
				}
				if resp == nil {
					t.Errorf("tshark's %s in frame %d: no such record", w.respName, w.respFrame)
					continue
				}
				used[resp] = true
				p := resp.Pair
				if p == nil || p.Role != RoleResponse {
					t.Errorf("%s frame %d: pair %+v, want a response to %s in frame %d", w.respName, w.respFrame, p, w.reqName, w.reqFrame)
					continue
				}
				if p.Request != w.reqName || p.Frame != w.reqFrame {
					t.Errorf("%s frame %d answers %s in frame %d, want %s in frame %d", w.respName, w.respFrame, p.Request, p.Frame, w.reqName, w.reqFrame)
					continue
				}
				reqs := byKey[key{w.reqFrame, w.reqName}]
				if len(reqs) == 0 {
					t.Errorf("request %s frame %d: no record", w.reqName, w.reqFrame)
					continue
				}
				req := reqs[0]
				if p.Dir != req.Message.Dir || p.Dir == resp.Message.Dir || p.Offset != req.Message.Offset {
					t.Errorf("%s frame %d: peer dir %v offset %d, request is dir %v offset %d", w.respName, w.respFrame, p.Dir, p.Offset, req.Message.Dir, req.Message.Offset)
				}
				if lat := resp.Time.Sub(req.Time); p.Latency != lat || lat < 0 {
					t.Errorf("%s frame %d: latency %v, records are %v apart", w.respName, w.respFrame, p.Latency, lat)
				}
				if req.Pair == nil || req.Pair.Role != RoleRequest || req.Pair.Request != w.reqName {
					t.Errorf("request %s frame %d: pair %+v, want role request", w.reqName, w.reqFrame, req.Pair)
				}
			}
			responses := 0
			for i := range recs {
				if p := recs[i].Pair; p != nil && p.Role == RoleResponse {
					responses++
					if !used[&recs[i]] {
						t.Errorf("%s frame %d paired with %s frame %d, which tshark's reference does not say", commandName(recs[i]), recs[i].Message.Frame, p.Request, p.Frame)
					}
				}
			}
			t.Logf("%d exchanges paired as tshark's reference implies", responses)
		})
	}
}

// sessionDiags returns the session layer's diagnostics.
func sessionDiags(recs []Record) []Record {
	var out []Record
	for _, r := range recs {
		if r.Kind == event.KindDiagnostic && strings.HasPrefix(r.Diag.Code, "session.") {
			out = append(out, r)
		}
	}
	return out
}

// TestCleanCapturesHaveNoSessionDiagnostics: on the captures where every
// exchange succeeded (by the capture script), conventional silence —
// nginx not answering releaseStream, FCPublish, FCSubscribe, FCUnpublish,
// deleteStream — is not reported.
func TestCleanCapturesHaveNoSessionDiagnostics(t *testing.T) {
	names := append([]string{"twoif.pcapng", "midstream.pcap"}, pairingCaptures...)
	for _, name := range names {
		if name == "reject.pcap" {
			continue
		}
		t.Run(name, func(t *testing.T) {
			recs := runCapture(t, filepath.Join(pcapDir, name), Options{})
			for _, d := range sessionDiags(recs) {
				t.Errorf("%s %s frame %d: %s: %s", d.ConnID, d.Dir, d.Diag.Frames[1], d.Diag.Code, d.Diag.Text)
			}
			for _, r := range recs {
				if r.Kind == event.KindConn && r.Conn.Closed && r.Session != nil && (r.Session.Unanswered != 0 || r.Session.Failed != 0) {
					t.Errorf("%s: session counts %d unanswered, %d failed", r.ConnID, r.Session.Unanswered, r.Session.Failed)
				}
			}
		})
	}
}

// TestRejectDiagnostics checks reject.pcap's three failures (see
// testdata/pcaps/README.md): a connect nginx never answers, a publish
// refused with NetStream.Publish.BadName, a play refused with
// NetStream.Play.StreamNotFound. The frames come from tshark's reference:
// the connect with no _result in its TCP stream, and the onStatus messages
// whose code is a failure.
func TestRejectDiagnostics(t *testing.T) {
	recs := runCapture(t, filepath.Join(pcapDir, "reject.pcap"), Options{})
	ref := loadRefCommands(t, "reject.pcap")
	var want []string
	for i, c := range ref {
		switch {
		case c.name == "connect":
			answered := false
			for _, r := range ref[i+1:] {
				answered = answered || r.name == "_result" && r.txid == c.txid && r.dstPort == c.srcPort
			}
			if !answered {
				want = append(want, fmt.Sprintf("warn %s frame %d connect#1", CodeUnanswered, c.frame))
			}
		case c.name == "onStatus" && command.IsFailureCode(c.arg):
			want = append(want, fmt.Sprintf("warn %s frame %d %s", CodeStatusFailed, c.frame, c.arg))
		}
	}
	if len(want) != 3 {
		t.Fatalf("the reference gives %d failures, the README says 3: %v", len(want), want)
	}
	got := sessionDiags(recs)
	if len(got) != len(want) {
		t.Errorf("%d session diagnostics, want %d", len(got), len(want))
	}
	for i, w := range want {
		if i >= len(got) {
			break
		}
		d := got[i].Diag
		f := strings.Fields(w)
		if d.Severity.String() != f[0] || d.Code != f[1] || fmt.Sprint(d.Frames[1]) != f[3] || !strings.Contains(d.Text, f[4]) {
			t.Errorf("diagnostic %d: %s %s frame %d %q, want %s", i, d.Severity, d.Code, d.Frames[1], d.Text, w)
		}
	}
	// The close records count them, per connection.
	counts := map[string][2]int{}
	for _, r := range recs {
		if r.Kind == event.KindConn && r.Conn.Closed {
			counts[r.ConnID.String()] = [2]int{r.Session.Unanswered, r.Session.Failed}
		}
	}
	if want := map[string][2]int{"c1": {1, 0}, "c2": {0, 1}, "c3": {0, 1}}; fmt.Sprint(counts) != fmt.Sprint(want) {
		t.Errorf("unanswered/failed per connection %v, want %v", counts, want)
	}
}

// BenchmarkTracker measures the session layer alone (decoding, redaction,
// pairing, state) on multi.pcap's events, recorded once from the
// dissector; b.N replays them through a fresh Tracker. ns/op is per
// event.
func BenchmarkTracker(b *testing.B) {
	var evs []event.Event
	col := event.ReceiverFunc(func(e event.Event) { evs = append(evs, e) })
	if _, err := flow.ProcessFile(filepath.Join(pcapDir, "multi.pcap"), col, []flow.Protocol{dissect.Protocol(dissect.Options{})}, flow.RunOptions{}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	var tr *Tracker
	for i := 0; i < b.N; i++ {
		if i%len(evs) == 0 {
			tr = New(Options{}, func(Record) {})
		}
		tr.Emit(evs[i%len(evs)])
	}
}

// Each secret a redacting tracker reports is the plain string at its body
// range; a tracker that shows secrets reports none.
func TestSecretRanges(t *testing.T) {
	for _, name := range []string{"publish.pcap", "play.pcap"} {
		t.Run(name, func(t *testing.T) {
			n := 0
			for _, r := range runCapture(t, filepath.Join(pcapDir, name), Options{}) {
				for _, sec := range r.Secrets {
					n++
					if got := string(r.Message.Body[sec.Off : sec.Off+sec.Len]); got != sec.Plain || sec.Plain == sec.Redacted {
						t.Errorf("frame %d: secret %+v, body holds %q there", r.Message.Frame, sec, got)
					}
				}
			}
			if n == 0 {
				t.Error("no secrets reported")
			}
			for _, r := range runCapture(t, filepath.Join(pcapDir, name), Options{ShowSecrets: true}) {
				if len(r.Secrets) != 0 {
					t.Errorf("frame %d: secrets reported with ShowSecrets", r.Message.Frame)
				}
			}
		})
	}
}
