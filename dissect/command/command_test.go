package command

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/rtmpscope/rtmpscope/dissect/amf"
)

func enc0(t testing.TB, vals ...amf.Value) []byte {
	t.Helper()
	b, err := amf.Encode0(vals...)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Enhanced RTMP v2 "Enhancing NetConnection connect Command": the command
// object gains fourCcList, videoFourCcInfoMap, audioFourCcInfoMap and
// capsEx. No capture here carries them yet; these bytes are built from
// that section.
func TestEnhancedConnect(t *testing.T) {
	body := enc0(t, amf.String("connect"), amf.Number(1), amf.Object(
		amf.P("app", amf.String("live")),
		amf.P("tcUrl", amf.String("rtmp://example.com/live")),
		amf.P("objectEncoding", amf.Number(0)),
		amf.P("fourCcList", amf.StrictArray(amf.String("av01"), amf.String("hvc1"), amf.String("Opus"))),
		amf.P("videoFourCcInfoMap", amf.Object(amf.P("hvc1", amf.Number(3)), amf.P("*", amf.Number(4)))),
		amf.P("audioFourCcInfoMap", amf.Object(amf.P("Opus", amf.Number(1)))),
		amf.P("capsEx", amf.Number(0x0F)),
		amf.P("videoFunction", amf.Number(3)),
	))
	c, err := Decode(body, 0, false, amf.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cn, _ := c.Connect()
	if strings.Join(cn.FourCCList, ",") != "av01,hvc1,Opus" {
		t.Errorf("fourCcList %v", cn.FourCCList)
	}
	if len(cn.VideoFourCCInfoMap) != 2 || cn.VideoFourCCInfoMap[0].FourCC != "hvc1" ||
		strings.Join(cn.VideoFourCCInfoMap[0].Names(), ",") != "CanDecode,CanEncode" ||
		strings.Join(cn.VideoFourCCInfoMap[1].Names(), ",") != "CanForward" {
		t.Errorf("video map %+v", cn.VideoFourCCInfoMap)
	}
	if len(cn.AudioFourCCInfoMap) != 1 || cn.AudioFourCCInfoMap[0].FourCC != "Opus" {
		t.Errorf("audio map %+v", cn.AudioFourCCInfoMap)
	}
	if got := strings.Join(cn.CapsExNames(), ","); got != "Reconnect,Multitrack,ModEx,TimestampNanoOffset" {
		t.Errorf("capsEx %s", got)
	}
	if got := strings.Join(cn.VideoFunctionNames(), ","); got != "ClientSeek,ClientHDR" {
		t.Errorf("videoFunction %s", got)
	}
	if cn.ObjectEncoding == nil || *cn.ObjectEncoding != 0 {
		t.Errorf("objectEncoding %v", cn.ObjectEncoding)
	}
}

// Type 17: a format byte (0), then AMF0 values, the complex ones behind
// AVM+ switches (RTMP 1.0 §7.1.1 / Enhanced RTMP v2 AMF3 clarification).
// Built from those rules: no program here sends AMF3.
func TestAMF3Command(t *testing.T) {
	body := []byte{0x00}
	body = append(body, enc0(t, amf.String("publish"), amf.Number(5), amf.Null())...)
	// An AMF3 string argument and an AMF3 object argument.
	body = append(body, 0x11, 0x06, 0x09, 'k', 'e', 'y', '1')
	body = append(body, 0x11, 0x0A, 0x0B, 0x01, 0x03, 'a', 0x04, 0x07, 0x01)
	c, err := Decode(body, 1000, true, amf.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !c.AMF3 || !c.FormatByte || c.Name != "publish" || c.TransactionID != 5 {
		t.Fatalf("%+v", c)
	}
	if c.Values[0].Offset != 1001 {
		t.Errorf("first value at %d, want 1001 (after the format byte)", c.Values[0].Offset)
	}
	p, _ := c.Publish()
	if p.Name != "key1" || !c.Args[0].AVMPlus {
		t.Errorf("publish %+v", p)
	}
	if a, _ := c.Arg(1).Get("a"); a.Kind != amf.KindInteger || a.Int != 7 {
		t.Errorf("AMF3 object arg %v", c.Arg(1))
	}
	// Without the format byte (some peers): still decoded.
	c, err = Decode(body[1:], 0, true, amf.Options{})
	if err != nil || c.FormatByte || c.Name != "publish" {
		t.Errorf("no format byte: %v %+v", err, c)
	}
}

func TestViews(t *testing.T) {
	tests := []struct {
		vals  []amf.Value
		check func(t *testing.T, c Command)
	}{
		{[]amf.Value{amf.String("play"), amf.Number(4), amf.Null(), amf.String("s"), amf.Number(-2), amf.Number(-1), amf.Bool(false)},
			func(t *testing.T, c Command) {
				p, _ := c.Play()
				if p.Name != "s" || *p.Start != -2 || *p.Duration != -1 || *p.Reset {
					t.Errorf("%+v", p)
				}
			}},
		{[]amf.Value{amf.String("play2"), amf.Number(0), amf.Null(), amf.Object(amf.P("streamName", amf.String("b")), amf.P("oldStreamName", amf.String("a")), amf.P("transition", amf.String("switch")), amf.P("start", amf.Number(0)))},
			func(t *testing.T, c Command) {
				p, _ := c.Play2()
				if p.StreamName != "b" || p.OldStreamName != "a" || p.Transition != "switch" || *p.Start != 0 {
					t.Errorf("%+v", p)
				}
			}},
		{[]amf.Value{amf.String("receiveVideo"), amf.Number(0), amf.Null(), amf.Bool(false)},
			func(t *testing.T, c Command) {
				if f, ok := c.Flag(); !ok || f {
					t.Errorf("%v %v", f, ok)
				}
			}},
		{[]amf.Value{amf.String("seek"), amf.Number(0), amf.Null(), amf.Number(1500)},
			func(t *testing.T, c Command) {
				if ms, ok := c.Seek(); !ok || ms != 1500 {
					t.Errorf("%v", ms)
				}
			}},
		{[]amf.Value{amf.String("pause"), amf.Number(0), amf.Null(), amf.Bool(true), amf.Number(2000)},
			func(t *testing.T, c Command) {
				if p, ok := c.Pause(); !ok || !p.Pause || p.MS != 2000 {
					t.Errorf("%+v", p)
				}
			}},
		{[]amf.Value{amf.String("closeStream"), amf.Number(0), amf.Null()},
			func(t *testing.T, c Command) {
				if _, ok := c.StreamID(); ok {
					t.Error("closeStream without an id has one")
				}
			}},
		{[]amf.Value{amf.String("onBWDone"), amf.Number(0), amf.Null(), amf.Number(8192)},
			func(t *testing.T, c Command) {
				if bw, ok := c.Bandwidth(); !ok || len(bw) != 1 || bw[0] != 8192 {
					t.Errorf("%v", bw)
				}
			}},
		{[]amf.Value{amf.String("_error"), amf.Number(1), amf.Null(), amf.Object(amf.P("level", amf.String("error")), amf.P("code", amf.String("NetConnection.Connect.Rejected")), amf.P("description", amf.String("no")))},
			func(t *testing.T, c Command) {
				r, _ := c.Result()
				if !r.Error || r.Info.Code != "NetConnection.Connect.Rejected" || !r.Info.Failed() {
					t.Errorf("%+v", r)
				}
			}},
		{[]amf.Value{amf.String("onStatus"), amf.Number(0), amf.Null(), amf.Object(amf.P("level", amf.String("status")), amf.P("code", amf.String("NetStream.Play.Reset")), amf.P("details", amf.String("s")), amf.P("clientid", amf.String("c1")))},
			func(t *testing.T, c Command) {
				s, _ := c.Status()
				if s.Details != "s" || s.ClientID != "c1" || s.Failed() {
					t.Errorf("%+v", s)
				}
			}},
		{[]amf.Value{amf.String("onFCPublish"), amf.Number(0), amf.Null(), amf.Object(amf.P("code", amf.String("NetStream.Publish.Start")), amf.P("description", amf.String("x")))},
			func(t *testing.T, c Command) {
				if s, ok := c.Status(); !ok || s.Code != "NetStream.Publish.Start" {
					t.Errorf("%+v", s)
				}
			}},
		{[]amf.Value{amf.String("myCall"), amf.Number(7), amf.Null(), amf.String("x")},
			func(t *testing.T, c Command) {
				if _, ok := c.Connect(); ok {
					t.Error("generic call has a connect view")
				}
				if got := c.String(); got != `myCall#7 "x"` {
					t.Errorf("String %q", got)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.vals[0].Str, func(t *testing.T) {
			c, err := Decode(enc0(t, tt.vals...), 0, false, amf.Options{})
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, c)
		})
	}
}

func TestPartialCommand(t *testing.T) {
	body := enc0(t, amf.String("connect"), amf.Number(1), amf.Object(amf.P("app", amf.String("live")), amf.P("tcUrl", amf.String("rtmp://h/live"))))
	c, err := Decode(body[:len(body)-5], 0, false, amf.Options{})
	if !errors.Is(err, amf.ErrTruncated) || c.Err == nil {
		t.Fatalf("err %v", err)
	}
	cn, _ := c.Connect()
	if c.Name != "connect" || cn.App != "live" || !c.CommandObject.Partial {
		t.Errorf("partial connect %+v", c)
	}
	if _, err := Decode([]byte{0x00, 0, 0, 0, 0, 0, 0, 0, 0}, 0, false, amf.Options{}); !errors.Is(err, amf.ErrBadMarker) {
		t.Errorf("number as name: %v", err)
	}
	if _, err := Decode(nil, 0, false, amf.Options{}); err == nil {
		t.Error("empty body decoded")
	}
}

func TestCommandJSON(t *testing.T) {
	c, _ := Decode(enc0(t, amf.String("publish"), amf.Number(5), amf.Null(), amf.String("k"), amf.String("live")), 0, false, amf.Options{})
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"name":"publish","txid":5,"object":null,"args":["k","live"]}` {
		t.Errorf("%s", b)
	}
}

func TestIsFailureCode(t *testing.T) {
	failures := []string{
		"NetStream.Publish.BadName", "NetConnection.Connect.Rejected", "NetConnection.Connect.Failed",
		"NetStream.Play.Failed", "NetStream.Failed", "NetStream.Play.StreamNotFound",
		"NetConnection.Call.Failed", "NetConnection.Connect.InvalidApp", "NetConnection.Connect.AppShutdown",
		"NetStream.Record.NoAccess", "NetStream.Record.Failed", "NetConnection.Call.BadVersion",
		"NetStream.Seek.InvalidTime", "SharedObject.Flush.Failed", "NetStream.Publish.Denied",
	}
	for _, c := range failures {
		if !IsFailureCode(c) {
			t.Errorf("%s is a failure", c)
		}
	}
	ok := []string{
		"NetConnection.Connect.Success", "NetStream.Publish.Start", "NetStream.Play.Start",
		"NetStream.Play.Reset", "NetStream.Unpublish.Success", "NetStream.Play.Stop",
		"NetConnection.Connect.Closed", "NetStream.Play.PublishNotify", "NetConnection.Connect.ReconnectRequest",
		"NetStream.Seek.Notify", "NetStream.Data.Start", "", "x",
	}
	for _, c := range ok {
		if IsFailureCode(c) {
			t.Errorf("%s is not a failure", c)
		}
	}
}

// soBody builds a shared-object message body by the layout of RTMP 1.0
// §7.1.3: name (U16 + UTF-8), version (U32), flags (U32) and 4 reserved
// bytes, then events as type (U8), data length (U32), data.
func soBody(name string, version, flags uint32, events ...[]byte) []byte {
	b := binary.BigEndian.AppendUint16(nil, uint16(len(name)))
	b = append(b, name...)
	b = binary.BigEndian.AppendUint32(b, version)
	b = binary.BigEndian.AppendUint32(b, flags)
	b = append(b, 0, 0, 0, 0)
	for _, e := range events {
		b = append(b, e...)
	}
	return b
}

func soEvent(typ SOEventType, data []byte) []byte {
	b := []byte{byte(typ)}
	b = binary.BigEndian.AppendUint32(b, uint32(len(data)))
	return append(b, data...)
}

func u16str(s string) []byte {
	return append(binary.BigEndian.AppendUint16(nil, uint16(len(s))), s...)
}

func TestSharedObjectEvents(t *testing.T) {
	change := append(u16str("x"), enc0(t, amf.Number(1))...)
	change = append(change, u16str("y")...)
	change = append(change, enc0(t, amf.String("z"))...)
	send := enc0(t, amf.String("chat"), amf.String("hello"), amf.Number(2))
	status := append(u16str("SharedObject.BadPersistence"), u16str("error")...)
	body := soBody("room", 3, 2,
		soEvent(SOUse, nil),
		soEvent(SORelease, nil),
		soEvent(SORequestChange, change),
		soEvent(SOChange, change),
		soEvent(SOSuccess, u16str("x")),
		soEvent(SOSendMessage, send),
		soEvent(SOStatus, status),
		soEvent(SOClear, nil),
		soEvent(SORemove, u16str("y")),
		soEvent(SORequestRemove, u16str("y")),
		soEvent(SOUseSuccess, nil),
	)
	so, err := DecodeSharedObject(body, 0, false, amf.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if so.Name != "room" || so.Version != 3 || !so.Persistent || len(so.Events) != 11 {
		t.Fatalf("%+v", so)
	}
	for i, ev := range so.Events {
		if ev.Type != SOEventType(i+1) || ev.Err != nil {
			t.Errorf("event %d: %v %v", i, ev.Type, ev.Err)
		}
	}
	for _, i := range []int{2, 3} {
		ev := so.Events[i]
		if len(ev.Pairs) != 2 || ev.Pairs[0].Key != "x" || ev.Pairs[0].Value.Num != 1 || ev.Pairs[1].Value.Str != "z" {
			t.Errorf("%v pairs %+v", ev.Type, ev.Pairs)
		}
	}
	if so.Events[4].Name != "x" || so.Events[8].Name != "y" || so.Events[9].Name != "y" {
		t.Errorf("slot names %q %q %q", so.Events[4].Name, so.Events[8].Name, so.Events[9].Name)
	}
	if ev := so.Events[5]; ev.Method != "chat" || len(ev.Args) != 2 || ev.Args[0].Str != "hello" {
		t.Errorf("send message %+v", ev)
	}
	if ev := so.Events[6]; ev.Code != "SharedObject.BadPersistence" || ev.Level != "error" {
		t.Errorf("status %+v", ev)
	}
	if so.Events[0].Type.String() != "Use" || so.Events[10].Type.String() != "Use Success" || SOEventType(99).String() != "Unknown(99)" {
		t.Error("event names")
	}
	// Offsets count from base.
	so, _ = DecodeSharedObject(body, 500, false, amf.Options{})
	if so.Events[0].Offset != 500+2+4+12 {
		t.Errorf("first event at %d", so.Events[0].Offset)
	}
	// AMF3 form: format byte, AVM+ value in a change.
	change3 := append(u16str("n"), 0x11, 0x04, 0x05)
	so, err = DecodeSharedObject(append([]byte{0}, soBody("r", 1, 0, soEvent(SOChange, change3))...), 0, true, amf.Options{})
	if err != nil || so.Persistent || so.Events[0].Pairs[0].Value.Int != 5 {
		t.Errorf("AMF3 shared object %+v %v", so, err)
	}
	// Truncation: an event claiming more data than there is.
	_, err = DecodeSharedObject(soBody("r", 1, 0, []byte{4, 0, 0, 1, 0, 1}), 0, false, amf.Options{})
	if !errors.Is(err, amf.ErrTruncated) {
		t.Errorf("truncated event: %v", err)
	}
}

func TestRedact(t *testing.T) {
	r := NewRedactor()
	connect, _ := Decode(enc0(t, amf.String("connect"), amf.Number(1), amf.Object(
		amf.P("app", amf.String("live?key=abc123")),
		amf.P("tcUrl", amf.String("rtmp://user:pw@host:1935/live?token=s3cr3t&x=1")),
		amf.P("flashVer", amf.String("FMLE/3.0")),
	)), 0, false, amf.Options{})
	rc := r.Command(connect)
	cn, _ := rc.Connect()
	if cn.App != "live?key=****#1" || cn.TcURL != "rtmp://user:****#4@host:1935/live?token=****#2&x=****#3" || cn.FlashVer != "FMLE/3.0" {
		t.Errorf("connect %+v", cn)
	}
	if orig, _ := connect.Connect(); orig.TcURL != "rtmp://user:pw@host:1935/live?token=s3cr3t&x=1" {
		t.Errorf("original modified: %s", orig.TcURL)
	}
	pub, _ := Decode(enc0(t, amf.String("publish"), amf.Number(5), amf.Null(), amf.String("live_8f3a2c1d9e7b4a06?token=s3cr3t-5d41"), amf.String("live")), 0, false, amf.Options{})
	rp := r.Command(pub)
	if p, _ := rp.Publish(); p.Name != "live_****#5?token=****#6" || p.Type != "live" {
		t.Errorf("publish %+v", p)
	}
	// A later reply quoting the key is scrubbed by the same Redactor.
	st, _ := Decode(enc0(t, amf.String("onStatus"), amf.Number(0), amf.Null(), amf.Object(
		amf.P("code", amf.String("NetStream.Publish.Start")),
		amf.P("description", amf.String("live_8f3a2c1d9e7b4a06 is now published")),
		amf.P("details", amf.String("live_8f3a2c1d9e7b4a06")))), 0, false, amf.Options{})
	s, _ := r.Command(st).Status()
	if s.Description != "live_****#5 is now published" || s.Details != "live_****#5" || s.Code != "NetStream.Publish.Start" {
		t.Errorf("status %+v", s)
	}
	for in, want := range map[string]string{
		"":                       "",
		"mystream":               "****",
		"a_b":                    "****",
		"cam-01234567":           "cam-****",
		"live_abcdef?":           "live_****?",
		"x?t=1&u":                "****?t=****&****",
		"stream_with_underscore": "****", // prefix longer than half? "stream_" is 7 of 22: kept
	} {
		if in == "stream_with_underscore" {
			want = "stream_****"
		}
		if got := RedactStreamName(in); got != want {
			t.Errorf("RedactStreamName(%q) = %q, want %q", in, got, want)
		}
	}
	if got := Redact(connect).CommandObject.String(); strings.Contains(got, "s3cr3t") || strings.Contains(got, "abc123") {
		t.Errorf("Redact leaves a secret: %s", got)
	}
}

func TestRedactRealPublish(t *testing.T) {
	r := NewRedactor()
	for _, name := range []string{"publish-f12-0-connect", "publish-f20-1-releaseStream", "publish-f20-2-FCPublish", "publish-f25-0-publish", "publish-f27-0-onStatus", "publish-f832-0-FCUnpublish"} {
		c, err := Decode(readReal(t, name), 0, false, amf.Options{})
		if err != nil {
			t.Fatal(err)
		}
		j, _ := json.Marshal(r.Command(c))
		if strings.Contains(string(j), "8f3a2c1d") || strings.Contains(string(j), "s3cr3t") {
			t.Errorf("%s: secret left in %s", name, j)
		}
	}
}
