package command

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/rtmpscope/rtmpscope/dissect/amf"
)

func FuzzDecode(f *testing.F) {
	files, _ := filepath.Glob(realDir + "*.bin")
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b, false)
			f.Add(append([]byte{0}, b...), true)
		}
	}
	f.Fuzz(func(t *testing.T, body []byte, amf3 bool) {
		c, _ := Decode(body, 0, amf3, amf.Options{})
		for _, view := range []func(){
			func() { c.Connect() }, func() { c.Result() }, func() { c.Status() },
			func() { c.Play() }, func() { c.Play2() }, func() { c.Publish() },
			func() { c.StreamName() }, func() { c.Bandwidth() },
		} {
			view()
		}
		if _, err := json.Marshal(c); err != nil {
			t.Fatal(err)
		}
		j, _ := json.Marshal(NewRedactor().Command(c))
		if !json.Valid(j) {
			t.Fatalf("invalid JSON %s", j)
		}
		if got, want := c.String(), fmtString(c); got != want {
			t.Fatalf("String %q, fmt version %q", got, want)
		}
		d, _ := DecodeData(body, 0, amf3, amf.Options{})
		d.Metadata()
		d.CuePoint()
		d.SampleAccess()
		if j, _ := json.Marshal(d); !json.Valid(j) {
			t.Fatalf("invalid JSON %s", j)
		}
	})
}

func FuzzSharedObject(f *testing.F) {
	f.Add(soBody("room", 1, 2, soEvent(SOChange, append(u16str("x"), 0x00, 0x3F, 0xF0, 0, 0, 0, 0, 0, 0)), soEvent(SOUse, nil)), false)
	f.Add(append([]byte{0}, soBody("r", 1, 0, soEvent(SOSendMessage, []byte{0x02, 0, 1, 'm', 0x05}))...), true)
	f.Fuzz(func(t *testing.T, body []byte, amf3 bool) {
		so, _ := DecodeSharedObject(body, 0, amf3, amf.Options{})
		for _, ev := range so.Events {
			_ = ev.Type.String()
		}
	})
}
