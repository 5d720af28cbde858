package session

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/rtmpscope/rtmpscope/dissect/amf"
	"github.com/rtmpscope/rtmpscope/event"
)

// The exchanges below do not occur in the real captures (nginx-rtmp never
// sends _error, onFCPublish or Enhanced RTMP capabilities, and no client
// here misbehaves), so they are built from the specifications: command
// bodies encoded with package amf as RTMP 1.0 §7.2 and Enhanced RTMP v2
// lay them out.

const c2s, s2c = event.C2S, event.S2C

var t0 = time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)

// script feeds synthetic events of one connection to a Tracker.
type script struct {
	t     *testing.T
	tr    *Tracker
	recs  []Record
	frame uint64
}

func newScript(t *testing.T, opts Options) *script {
	s := &script{t: t}
	s.tr = New(opts, func(r Record) { s.recs = append(s.recs, r) })
	s.tr.Emit(event.Event{Kind: event.KindConn, ConnID: 1, Time: t0, Conn: &event.ConnEvent{}})
	return s
}

// cmd sends a command message: name, txid, command object, args.
func (s *script) cmd(dir event.Dir, msid uint32, values ...amf.Value) *Record {
	s.t.Helper()
	body, err := amf.Encode0(values...)
	if err != nil {
		s.t.Fatal(err)
	}
	s.frame++
	at := t0.Add(time.Duration(s.frame) * time.Millisecond)
	s.tr.Emit(event.Event{Kind: event.KindMessage, ConnID: 1, Dir: dir, HasDir: true, Time: at, Message: &event.Message{
		Dir: dir, Time: at, Frame: s.frame, Frames: [2]uint64{s.frame, s.frame}, Offset: int64(s.frame) * 100,
		CSID: 3, MSID: msid, TypeID: 20, Length: uint32(len(body)), Body: body,
	}})
	for i := len(s.recs) - 1; i >= 0; i-- {
		if s.recs[i].Kind == event.KindMessage {
			return &s.recs[i]
		}
	}
	return nil
}

// msg returns the record of the message in frame f.
func (s *script) msg(f uint64) *Record {
	for i := range s.recs {
		if s.recs[i].Kind == event.KindMessage && s.recs[i].Message.Frame == f {
			return &s.recs[i]
		}
	}
	s.t.Fatalf("no message in frame %d", f)
	return nil
}

// diag returns the first diagnostic of a code.
func (s *script) diag(code string) *event.Diagnostic {
	for _, r := range s.recs {
		if r.Kind == event.KindDiagnostic && r.Diag.Code == code {
			return r.Diag
		}
	}
	s.t.Fatalf("no %s diagnostic", code)
	return nil
}

func (s *script) close() *State {
	s.tr.Emit(event.Event{Kind: event.KindConn, ConnID: 1, Time: t0.Add(time.Hour), Conn: &event.ConnEvent{Closed: true}})
	last := s.recs[len(s.recs)-1]
	if last.Kind != event.KindConn || last.Session == nil {
		s.t.Fatalf("last record is not the close with a session: %+v", last.Event)
	}
	if len(s.tr.conns) != 0 {
		s.t.Errorf("connection state kept after close")
	}
	return last.Session
}

// diags lists the session diagnostics as "severity code frame".
func (s *script) diags() []string {
	var out []string
	for _, r := range s.recs {
		if r.Kind == event.KindDiagnostic {
			out = append(out, fmt.Sprintf("%s %s %d", r.Diag.Severity, r.Diag.Code, r.Diag.Frames[1]))
		}
	}
	return out
}

func num(f float64) amf.Value { return amf.Number(f) }
func str(s string) amf.Value  { return amf.String(s) }

func status(level, code, desc string) amf.Value {
	return amf.Object(amf.P("level", str(level)), amf.P("code", str(code)), amf.P("description", str(desc)))
}

func connect() []amf.Value {
	return []amf.Value{str("connect"), num(1), amf.Object(amf.P("app", str("live")), amf.P("tcUrl", str("rtmp://h/live")))}
}

func TestSyntheticExchanges(t *testing.T) {
	tests := []struct {
		name  string
		run   func(s *script)
		diags []string
		check func(t *testing.T, s *script, st *State)
	}{
		{
			name: "connect rejected with _error",
			run: func(s *script) {
				s.cmd(c2s, 0, connect()...)
				s.cmd(s2c, 0, str("_error"), num(1), amf.Null(), status("error", "NetConnection.Connect.Rejected", "bad token"))
			},
			diags: []string{"warn session.error_response 2"},
			check: func(t *testing.T, s *script, st *State) {
				if p := s.msg(2).Pair; p == nil || p.Request != "connect" || p.Frame != 1 || p.Latency != time.Millisecond {
					t.Errorf("pair %+v", p)
				}
				if st.ConnectCode != "NetConnection.Connect.Rejected" || st.Failed != 1 {
					t.Errorf("state %+v", st)
				}
				if d := s.diag(CodeErrorResponse); !strings.Contains(d.Text, `NetConnection.Connect.Rejected ("bad token")`) || !strings.Contains(d.Text, "connect#1 (frame 1)") {
					t.Errorf("text %q", d.Text)
				}
			},
		},
		{
			name: "orphan _result is a warning on a fully captured connection",
			run: func(s *script) {
				s.cmd(s2c, 0, str("_result"), num(9), amf.Null(), amf.Null())
			},
			diags: []string{"warn session.orphan_response 1"},
		},
		{
			name: "a second response to the same request is an orphan",
			run: func(s *script) {
				s.cmd(c2s, 0, str("createStream"), num(2), amf.Null())
				s.cmd(s2c, 0, str("_result"), num(2), amf.Null(), num(1))
				s.cmd(s2c, 0, str("_result"), num(2), amf.Null(), num(1))
			},
			diags: []string{"warn session.orphan_response 3"},
		},
		{
			name: "duplicate transaction id in flight",
			run: func(s *script) {
				s.cmd(c2s, 0, str("createStream"), num(2), amf.Null())
				s.cmd(c2s, 0, str("createStream"), num(2), amf.Null())
				s.cmd(s2c, 0, str("_result"), num(2), amf.Null(), num(1))
			},
			diags: []string{"warn session.duplicate_txid 2"},
			check: func(t *testing.T, s *script, st *State) {
				if p := s.msg(3).Pair; p == nil || p.Frame != 2 {
					t.Errorf("the reply pairs with %+v, want the newer request (frame 2)", p)
				}
			},
		},
		{
			name: "publish before the createStream reply",
			run: func(s *script) {
				s.cmd(c2s, 0, str("createStream"), num(2), amf.Null())
				s.cmd(c2s, 1, str("publish"), num(0), amf.Null(), str("cam"), str("live"))
				s.cmd(s2c, 0, str("_result"), num(2), amf.Null(), num(1))
				s.cmd(s2c, 1, str("onStatus"), num(0), amf.Null(), status("status", "NetStream.Publish.Start", ""))
			},
			diags: []string{"warn session.stream_early 2"},
			check: func(t *testing.T, s *script, st *State) {
				want := []Stream{{MSID: 1, Name: "****#1", Action: ActionPublish, Status: StatusStarted, Code: "NetStream.Publish.Start"}}
				if !reflect.DeepEqual(st.Streams, want) {
					t.Errorf("streams %+v, want %+v", st.Streams, want)
				}
			},
		},
		{
			name: "play on a stream no createStream returned",
			run: func(s *script) {
				s.cmd(c2s, 3, str("play"), num(0), amf.Null(), str("cam"))
			},
			diags: []string{"warn session.stream_unknown 1", "warn session.unanswered 1"},
			check: func(t *testing.T, s *script, st *State) {
				if st.Unanswered != 1 {
					t.Errorf("unanswered %d", st.Unanswered)
				}
			},
		},
		{
			name: "onFCPublish answers FCPublish; a failing one is reported",
			run: func(s *script) {
				s.cmd(c2s, 0, str("FCPublish"), num(3), amf.Null(), str("cam"))
				s.cmd(s2c, 0, str("onFCPublish"), num(0), amf.Null(), status("error", "NetStream.Publish.BadName", "taken"))
			},
			diags: []string{"warn session.status_failed 2"},
			check: func(t *testing.T, s *script, st *State) {
				if p := s.msg(2).Pair; p == nil || p.Request != "FCPublish" {
					t.Errorf("pair %+v", p)
				}
			},
		},
		{
			name: "play answered by Reset then Start pairs with the first; seek answered by Seek.Notify",
			run: func(s *script) {
				s.cmd(c2s, 0, str("createStream"), num(2), amf.Null())
				s.cmd(s2c, 0, str("_result"), num(2), amf.Null(), num(1))
				s.cmd(c2s, 1, str("play"), num(0), amf.Null(), str("cam"))
				s.cmd(s2c, 1, str("onStatus"), num(0), amf.Null(), status("status", "NetStream.Play.Reset", ""))
				s.cmd(s2c, 1, str("onStatus"), num(0), amf.Null(), status("status", "NetStream.Play.Start", ""))
				s.cmd(c2s, 1, str("seek"), num(0), amf.Null(), num(5000))
				s.cmd(s2c, 1, str("onStatus"), num(0), amf.Null(), status("status", "NetStream.Seek.Notify", ""))
			},
			check: func(t *testing.T, s *script, st *State) {
				var got []string
				for _, r := range s.recs {
					if r.Pair != nil && r.Pair.Role == RoleResponse {
						got = append(got, fmt.Sprintf("%d>%s@%d", r.Message.Frame, r.Pair.Request, r.Pair.Frame))
					}
				}
				if want := []string{"2>createStream@1", "4>play@3", "7>seek@6"}; !reflect.DeepEqual(got, want) {
					t.Errorf("pairs %v, want %v", got, want)
				}
				if st.Streams[0].Status != StatusStarted {
					t.Errorf("stream %+v", st.Streams[0])
				}
			},
		},
		{
			name: "application call unanswered is info; optional ones are silent",
			run: func(s *script) {
				s.cmd(c2s, 0, str("getToken"), num(5), amf.Null())
				s.cmd(c2s, 0, str("releaseStream"), num(6), amf.Null(), str("cam"))
				s.cmd(c2s, 0, str("deleteStream"), num(7), amf.Null(), num(1))
				s.cmd(c2s, 0, str("onBWCheck"), num(8), amf.Null())
			},
			diags: []string{"info session.unanswered 1"},
		},
		{
			name: "unanswered after a gap is info",
			run: func(s *script) {
				s.cmd(c2s, 0, connect()...)
				s.tr.Emit(event.Event{Kind: event.KindGap, ConnID: 1, Dir: s2c, HasDir: true, Time: t0, Gap: &event.GapEvent{Bytes: 100}})
			},
			diags: []string{"info session.unanswered 1"},
		},
		{
			name: "Enhanced RTMP capabilities of both sides",
			run: func(s *script) {
				obj := amf.Object(amf.P("app", str("live")), amf.P("objectEncoding", num(0)),
					amf.P("fourCcList", amf.StrictArray(str("hvc1"), str("av01"), str("Opus"))),
					amf.P("videoFourCcInfoMap", amf.Object(amf.P("hvc1", num(3)), amf.P("*", num(4)))),
					amf.P("capsEx", num(2)))
				s.cmd(c2s, 0, str("connect"), num(1), obj)
				s.cmd(s2c, 0, str("_result"), num(1),
					amf.Object(amf.P("fmsVer", str("FMS/3,5,7,7009")), amf.P("capabilities", num(31)),
						amf.P("fourCcList", amf.StrictArray(str("hvc1"))), amf.P("capsEx", num(1))),
					amf.Object(amf.P("level", str("status")), amf.P("code", str("NetConnection.Connect.Success")), amf.P("objectEncoding", num(0))))
			},
			check: func(t *testing.T, s *script, st *State) {
				c, sv := st.Caps[c2s], st.Caps[s2c]
				if !reflect.DeepEqual(c.FourCCList, []string{"hvc1", "av01", "Opus"}) || c.CapsEx == nil || *c.CapsEx != 2 ||
					len(c.VideoFourCCInfoMap) != 2 || c.VideoFourCCInfoMap[1].FourCC != "*" {
					t.Errorf("client caps %+v", c)
				}
				if !reflect.DeepEqual(sv.FourCCList, []string{"hvc1"}) || sv.CapsEx == nil || *sv.CapsEx != 1 || *sv.Capabilities != 31 {
					t.Errorf("server caps %+v", sv)
				}
				if st.FMSVer != "FMS/3,5,7,7009" || *st.ObjectEncoding != 0 || *st.ServerObjectEncoding != 0 {
					t.Errorf("state %+v", st)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newScript(t, Options{})
			tt.run(s)
			st := s.close()
			if got := s.diags(); !reflect.DeepEqual(got, tt.diags) {
				t.Errorf("diagnostics %q, want %q", got, tt.diags)
			}
			if tt.check != nil {
				tt.check(t, s, st)
			}
		})
	}
}

// TestTableBounded: a peer that never answers cannot grow the table past
// MaxOutstanding; the oldest requests are evicted with a (capped)
// diagnostic, a reply to an evicted one is an info orphan, and everything
// is freed on close.
func TestTableBounded(t *testing.T) {
	const max, sent = 16, 40
	s := newScript(t, Options{MaxOutstanding: max, MaxDiagPerCode: 5})
	for i := 1; i <= sent; i++ {
		s.cmd(c2s, 0, str("createStream"), num(float64(i)), amf.Null())
		if n := len(s.tr.conns[1].pending[c2s].list); n > max {
			t.Fatalf("%d requests kept, max %d", n, max)
		}
	}
	s.cmd(s2c, 0, str("_result"), num(1), amf.Null(), num(1)) // evicted long ago
	s.cmd(s2c, 0, str("_result"), num(sent), amf.Null(), num(2))
	st := s.close()
	count := map[string]int{}
	var suppressed []string
	for _, r := range s.recs {
		if r.Kind != event.KindDiagnostic {
			continue
		}
		count[r.Diag.Severity.String()+" "+r.Diag.Code]++
		if r.Diag.Code == "diag.suppressed" {
			suppressed = append(suppressed, r.Diag.Text)
		}
	}
	want := map[string]int{
		"warn session.table_full":      5, // of 24 evictions
		"info session.orphan_response": 1,
		"warn session.unanswered":      5, // of 15 left
		"info diag.suppressed":         2,
	}
	if !reflect.DeepEqual(count, want) {
		t.Errorf("diagnostics %v, want %v", count, want)
	}
	if w := []string{
		"19 more session.table_full diagnostics were suppressed on this connection",
		"10 more session.unanswered diagnostics were suppressed on this connection",
	}; !reflect.DeepEqual(suppressed, w) {
		t.Errorf("suppressed %q, want %q", suppressed, w)
	}
	if st.Unanswered != max-1 {
		t.Errorf("unanswered %d, want %d", st.Unanswered, max-1)
	}
	if len(st.Streams) != 1 {
		t.Errorf("streams %+v", st.Streams)
	}
}

// TestFlush ends connections that never closed.
func TestFlush(t *testing.T) {
	s := newScript(t, Options{})
	s.cmd(c2s, 0, connect()...)
	s.tr.Flush(t0.Add(time.Minute))
	if got := s.diags(); !reflect.DeepEqual(got, []string{"warn session.unanswered 1"}) {
		t.Errorf("diagnostics %q", got)
	}
	if len(s.tr.conns) != 0 || s.tr.State(1) != nil {
		t.Error("connection kept after Flush")
	}
}
