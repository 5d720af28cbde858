package session

import (
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/gopacket/gopacket/pcapgo"

	"github.com/rtmpscope/rtmpscope/capture"
	"github.com/rtmpscope/rtmpscope/dissect/command"
	"github.com/rtmpscope/rtmpscope/event"
)

// The stream key the capture script publishes with
// (testdata/pcaps/README.md, "Stream key"), and the name players ask for.
const (
	scriptKey    = "live_8f3a2c1d9e7b4a06?token=s3cr3t-5d41402abc4b2a76"
	scriptPlayer = "live_8f3a2c1d9e7b4a06"
)

func f64(v float64) *float64 { return &v }

// closedStates returns the Session of every conn-closed record by id.
func closedStates(recs []Record) map[string]*State {
	out := map[string]*State{}
	for _, r := range recs {
		if r.Kind == event.KindConn && r.Conn.Closed {
			out[r.ConnID.String()] = r.Session
		}
	}
	return out
}

// TestStatePerCapture checks each connection's State on close. Expected
// values come from the capture script (README: URLs, stream names) and
// tshark's references (connect's flashVer and numbers, the _result's
// fmsVer, createStream's stream id 1, the onStatus codes in order).
func TestStatePerCapture(t *testing.T) {
	live := "rtmp://127.0.0.1:1935/live"
	ffmpegPub := "FMLE/3.0 (compatible; Lavf59.27.100)"
	fms := "FMS/3,0,1,123"
	ok := "NetConnection.Connect.Success"
	// ffmpeg as a player: connect numbers 15, 4071, 252, 1 (play.messages.tsv frame 12).
	ffmpegPlayCaps := Caps{Capabilities: f64(15), AudioCodecs: f64(4071), VideoCodecs: f64(252), VideoFunction: f64(1)}
	nginxCaps := Caps{Capabilities: f64(31)} // _result {fmsVer, capabilities: 31}
	tests := []struct {
		capture string
		secrets bool
		conn    string
		want    State
	}{
		{"publish.pcap", false, "c1", State{App: "live", TcURL: live, FlashVer: ffmpegPub, FMSVer: fms, ConnectCode: ok,
			ServerObjectEncoding: f64(0), Caps: [2]Caps{{}, nginxCaps},
			Streams: []Stream{{MSID: 1, Name: command.NewTags(0).StreamName(scriptKey), Action: ActionPublish, Status: StatusStopped, Code: "NetStream.Unpublish.Success"}}}},
		{"publish.pcap", true, "c1", State{App: "live", TcURL: live, FlashVer: ffmpegPub, FMSVer: fms, ConnectCode: ok,
			ServerObjectEncoding: f64(0), Caps: [2]Caps{{}, nginxCaps},
			Streams: []Stream{{MSID: 1, Name: scriptKey, Action: ActionPublish, Status: StatusStopped, Code: "NetStream.Unpublish.Success"}}}},
		{"play.pcap", false, "c1", State{App: "live", TcURL: live, FlashVer: "LNX 9,0,124,2", FMSVer: fms, ConnectCode: ok,
			ServerObjectEncoding: f64(0), Caps: [2]Caps{ffmpegPlayCaps, nginxCaps},
			Streams: []Stream{{MSID: 1, Name: command.NewTags(0).StreamName(scriptPlayer), Action: ActionPlay, Status: StatusStarted, Code: "NetStream.Play.Start"}}}},
		{"rtmpdump-play.pcap", false, "c1", State{App: "live", TcURL: live, FlashVer: "LNX 10,0,32,18", FMSVer: fms, ConnectCode: ok,
			ServerObjectEncoding: f64(0), Caps: [2]Caps{{Capabilities: f64(15), AudioCodecs: f64(3191), VideoCodecs: f64(252), VideoFunction: f64(1)}, nginxCaps},
			Streams: []Stream{{MSID: 1, Name: command.NewTags(0).StreamName(scriptPlayer), Action: ActionPlay, Status: StatusStarted, Code: "NetStream.Play.Start"}}}},
		{"reject.pcap", false, "c1", State{App: "nosuchapp", TcURL: "rtmp://127.0.0.1:1935/nosuchapp", FlashVer: ffmpegPub, Unanswered: 1}},
		{"reject.pcap", true, "c2", State{App: "live", TcURL: live, FlashVer: ffmpegPub, FMSVer: fms, ConnectCode: ok,
			ServerObjectEncoding: f64(0), Caps: [2]Caps{{}, nginxCaps}, Failed: 1,
			Streams: []Stream{{MSID: 1, Name: "busy?token=0f9e8d", Action: ActionPublish, Status: StatusFailed, Code: "NetStream.Publish.BadName"}}}},
		{"reject.pcap", true, "c3", State{App: "strict", TcURL: "rtmp://127.0.0.1:1935/strict", FlashVer: "LNX 9,0,124,2", FMSVer: fms, ConnectCode: ok,
			ServerObjectEncoding: f64(0), Caps: [2]Caps{ffmpegPlayCaps, nginxCaps}, Failed: 1,
			Streams: []Stream{{MSID: 1, Name: "missing", Action: ActionPlay, Status: StatusFailed, Code: "NetStream.Play.StreamNotFound"}}}},
		// midstream.pcap: no connect, no createStream, no status.
		{"midstream.pcap", false, "c1", State{}},
	}
	cache := map[string][]Record{}
	for _, tt := range tests {
		t.Run(tt.capture+"/"+tt.conn, func(t *testing.T) {
			key := tt.capture + "/" + map[bool]string{true: "secrets"}[tt.secrets]
			recs, ok := cache[key]
			if !ok {
				recs = runCapture(t, filepath.Join(pcapDir, tt.capture), Options{ShowSecrets: tt.secrets})
				cache[key] = recs
			}
			got := closedStates(recs)[tt.conn]
			if got == nil {
				t.Fatalf("no session state on %s's close", tt.conn)
			}
			if !reflect.DeepEqual(*got, tt.want) {
				t.Errorf("state\n got %+v\nwant %+v", *got, tt.want)
			}
		})
	}
}

// TestStateRedacted: without ShowSecrets no secret of the capture script
// appears anywhere in a State.
func TestStateRedacted(t *testing.T) {
	for _, name := range []string{"publish.pcap", "multi.pcap", "reject.pcap"} {
		for id, s := range closedStates(runCapture(t, filepath.Join(pcapDir, name), Options{})) {
			for _, secret := range []string{"s3cr3t", "8f3a2c1d9e7b4a06", "a1b2c3", "d4e5f6", "0f9e8d"} {
				if dump := strings.ToLower(stateString(s)); strings.Contains(dump, secret) {
					t.Errorf("%s %s: state shows %q: %s", name, id, secret, dump)
				}
			}
		}
	}
}

func stateString(s *State) string {
	var b strings.Builder
	b.WriteString(s.App + " " + s.TcURL + " " + s.SwfURL + " " + s.PageURL)
	for _, st := range s.Streams {
		b.WriteString(" " + st.Name)
	}
	return b.String()
}

// TestLiveState: a viewer asking Tracker.State while the capture runs
// sees the application and the stream as they are at that point; a
// closed connection has no live state.
func TestLiveState(t *testing.T) {
	var tr *Tracker
	var atStart, atOpen *State
	tr = New(Options{}, func(r Record) {
		if r.Kind == event.KindConn && !r.Conn.Closed {
			atOpen = tr.State(r.ConnID)
		}
		if c := r.Body.Command; c != nil && c.Name == "onStatus" && atStart == nil {
			atStart = tr.State(r.ConnID)
		}
	})
	if _, err := runPipeline(filepath.Join(pcapDir, "multi.pcap"), tr); err != nil {
		t.Fatal(err)
	}
	if atOpen == nil || atOpen.App != "" {
		t.Errorf("state at open: %+v, want empty", atOpen)
	}
	// multi.pcap: the first onStatus is NetStream.Publish.Start of a publisher
	// of live/cam2?token=... (the capture script's second publisher).
	want := []Stream{{MSID: 1, Name: "****#1?token=****#2", Action: ActionPublish, Status: StatusStarted, Code: "NetStream.Publish.Start"}}
	if atStart == nil || atStart.App != "live" || !reflect.DeepEqual(atStart.Streams, want) {
		t.Errorf("state at the first onStatus: %+v, want app live, streams %+v", atStart, want)
	}
	if s := tr.State(1); s != nil {
		t.Errorf("state of a closed connection: %+v", s)
	}
}

// TestMidStreamResponse is a derived capture: publish.pcap without its
// first 21 packets, so it starts with nginx's _result#4 (frame 22) to a
// createStream that is not in the capture. The orphan is reported as info,
// not as a warning, and nothing else is said about the missing exchange.
func TestMidStreamResponse(t *testing.T) {
	path := cutCapture(t, filepath.Join(pcapDir, "publish.pcap"), 21)
	recs := runCapture(t, path, Options{})
	diags := sessionDiags(recs)
	if len(diags) != 1 {
		for _, d := range diags {
			t.Logf("%s %s: %s", d.Diag.Severity, d.Diag.Code, d.Diag.Text)
		}
		t.Fatalf("%d session diagnostics, want 1 orphan", len(diags))
	}
	d := diags[0].Diag
	if d.Code != CodeOrphanResponse || d.Severity != event.Info || !strings.Contains(d.Text, "_result with transaction id 4") {
		t.Errorf("%s %s: %s; want an info orphan for _result#4", d.Severity, d.Code, d.Text)
	}
	// publish and its onStatus are in the capture and still pair.
	paired := 0
	for _, r := range recs {
		if r.Pair != nil && r.Pair.Role == RoleResponse && r.Pair.Request == "publish" {
			paired++
		}
	}
	if paired != 1 {
		t.Errorf("%d publish responses paired, want 1", paired)
	}
}

// cutCapture writes a copy of a capture without its first n packets.
func cutCapture(t *testing.T, path string, n int) string {
	t.Helper()
	src, err := capture.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	out := filepath.Join(t.TempDir(), "cut.pcap")
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := pcapgo.NewWriter(f)
	if err := w.WriteFileHeader(262144, src.LinkType()); err != nil {
		t.Fatal(err)
	}
	for i := 0; ; i++ {
		p, err := src.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if i < n {
			continue
		}
		if err := w.WritePacket(p.Info, p.Data); err != nil {
			t.Fatal(err)
		}
	}
	return out
}
