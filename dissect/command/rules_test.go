package command

import (
	"strings"
	"testing"

	"github.com/rtmpscope/rtmpscope/dissect/amf"
)

func cmd(name string, vals ...amf.Value) Command {
	c := Command{Name: name, Values: append([]amf.Value{amf.String(name), amf.Number(1)}, vals...)}
	if len(c.Values) > 2 {
		c.CommandObject = c.Values[2]
	}
	if len(c.Values) > 3 {
		c.Args = c.Values[3:]
	}
	return c
}

// TestRedactRules: each place issue #14 item 7 names, in one connection,
// with the tags #15 item 9 asks for.
func TestRedactRules(t *testing.T) {
	const key = "live_123_AbCdEf9XyZ"
	r := NewRedactor()
	// The key in the tcUrl path and as connect's extra argument (ffmpeg
	// -rtmp_conn S:KEY): learned before anything else quotes it.
	c := r.Command(cmd("connect", amf.Object(
		amf.P("app", amf.String("app")),
		amf.P("tcUrl", amf.String("rtmp://host:1935/app/"+key)),
		amf.P("swfUrl", amf.String("http://host/player/main.swf")),
	), amf.String(key), amf.Object(amf.P("auth", amf.String("tok3n")))))
	cn, _ := c.Connect()
	if cn.TcURL != "rtmp://host:1935/app/live_****#1" || cn.SwfURL != "http://host/player/main.swf" {
		t.Errorf("tcUrl %q swfUrl %q", cn.TcURL, cn.SwfURL)
	}
	if c.Args[0].Str != "live_****#1" || c.Args[1].Props[0].Value.Str != "****#2" {
		t.Errorf("extra arguments %v", c.Args)
	}
	// Without an app the first path segment is the app.
	if got := RedactURL("rtmp://h/live/" + key + "/"); got != "rtmp://h/live/live_****/" {
		t.Errorf("RedactURL: %q", got)
	}
	// publish with an object argument.
	p := r.Command(cmd("publish", amf.Null(), amf.Object(amf.P("name", amf.String("other_k3y9")))))
	if got := p.Args[0].Props[0].Value.Str; got != "****#3" {
		t.Errorf("publish object: %q", got)
	}
	// Property names, class names, a key inside a longer string, a
	// ByteArray, in AMF3.
	typed := amf.Value{Kind: amf.KindObject, Format: amf.AMF3, Class: key, Sealed: 1, Props: []amf.Prop{amf.P("v", amf.Integer(1))}}
	d := r.Data(Data{Handler: "onX", Values: []amf.Value{amf.String("onX"), amf.In3(amf.Object(
		amf.P(key, amf.Number(1)),
		amf.P("text", amf.String("see prefix-"+key+"-suffix")),
	)), typed, {Kind: amf.KindByteArray, Format: amf.AMF3, Bytes: []byte("b:" + key)}}})
	o := d.Values[1]
	if o.Props[0].Key != "live_****#1" || o.Props[1].Value.Str != "see prefix-live_****#1-suffix" {
		t.Errorf("data object %v", o)
	}
	if d.Values[2].Class != "live_****#1" || string(d.Values[3].Bytes) != "b:live_****#1" {
		t.Errorf("class %q bytes %q", d.Values[2].Class, d.Values[3].Bytes)
	}
	// A short key, learned from a query value, masked as a word only.
	r.Command(cmd("FCPublish", amf.Null(), amf.String("x?k=Q")))
	st := r.Command(cmd("onStatus", amf.Null(), amf.Object(amf.P("description", amf.String("key Q accepted; Queue ok")))))
	if got := st.Args[0].Props[0].Value.Str; !strings.HasPrefix(got, "key ****#") || !strings.HasSuffix(got, " accepted; Queue ok") {
		t.Errorf("short key: %q", got)
	}
	// Shared objects.
	so := r.SharedObject(SharedObject{Name: key, Events: []SOEvent{
		{Type: SOChange, Pairs: []amf.Prop{amf.P(key, amf.String("v="+key))}},
		{Type: SOSendMessage, Method: "say", Args: []amf.Value{amf.String(key)}},
	}})
	if so.Name != "live_****#1" || so.Events[0].Pairs[0].Key != "live_****#1" || so.Events[0].Pairs[0].Value.Str != "v=live_****#1" || so.Events[1].Args[0].Str != "live_****#1" {
		t.Errorf("shared object %+v", so)
	}
	// The tags are per run: a second connection's redactor on the same
	// table gives the same key the same tag.
	r2 := NewRedactorWith(r.tags, 0)
	if p := r2.Command(cmd("play", amf.Null(), amf.String(key))); p.Args[0].Str != "live_****#1" {
		t.Errorf("second connection: %q", p.Args[0].Str)
	}
}
