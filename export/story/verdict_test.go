package story

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/rtmpscope/rtmpscope/internal/capturetest"
)

// The verdicts the captures were made to show, beyond their goldens.
func TestVerdicts(t *testing.T) {
	want := map[string][]string{
		// nginx drops a connect to a missing application, refuses a
		// second publisher of a name and a play of a missing stream.
		"reject.pcap": {ProblemConnectUnanswered, ProblemPublishRefused, ProblemPlayRefused},
		// gortmplib's clock stepping back 1.5 s at 2 s (ertmp-publisher -back).
		"backwards.pcap": {ProblemBackwards},
		// one keyframe, then 12 s without.
		"nokey.pcap": {ProblemNoKeyframe},
		// gortmplib v0.1.0 sends every E-RTMP frame with frame type 0.
		"ertmp.pcap": {ProblemNoKeyframe},
		// derived from ackwin.pcap: the server stops a window past the
		// clients' last acknowledgements (derive-ackstall.py).
		"ackstall.pcap": {ProblemAckStall, ProblemAckStall},
		// players acknowledging as they should: no stall.
		"ackwin.pcap":    {"", ""},
		"publish.pcap":   {""},
		"relay.pcap":     {"", "", ""},
		"extts.pcap":     {""}, // a +20000 s timestamp jump is not 20000 s without a keyframe
		"midstream.pcap": {""},
	}
	for name, problems := range want {
		ids, stories := tellAll(t, filepath.Join(capturetest.Pcaps(), name))
		if len(stories) != len(problems) {
			t.Errorf("%s: %d stories, want %d", name, len(stories), len(problems))
			continue
		}
		for i, s := range stories {
			if s.Verdict.Problem != problems[i] || s.Verdict.OK != (problems[i] == "") {
				t.Errorf("%s %s: verdict %+v, want problem %q", name, ids[i], s.Verdict, problems[i])
			}
		}
	}
	_, st := tellAll(t, filepath.Join(capturetest.Pcaps(), "reject.pcap"))
	if e := st[1].ExchangeLine(); !strings.HasPrefix(e, "connect → _result") || !strings.HasSuffix(e, "publish → onStatus NetStream.Publish.BadName 0.048 ms") {
		t.Errorf("exchange %q", e)
	}
	if st[0].Close.By != "server" || st[0].Close.How != "fin" || st[2].Close.By != "server" {
		t.Errorf("closes %+v %+v", st[0].Close, st[2].Close)
	}
	_, st = tellAll(t, filepath.Join(capturetest.Pcaps(), "nokey.pcap"))
	if !strings.HasPrefix(st[0].Verdict.Text, "no keyframe for 11.") {
		t.Errorf("nokey: %q", st[0].Verdict.Text)
	}
}
