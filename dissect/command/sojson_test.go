package command

import (
	"encoding/json"
	"testing"

	"github.com/rtmpscope/rtmpscope/dissect/amf"
)

// TestSharedObjectJSON encodes a shared-object message built from the
// layout in RTMP 1.0 §7.1.3 (no program here sends AMF0 shared objects
// with a Change event, so the bytes are from the specification): name
// "so", version 1, persistent, one Change event with slot "$x" = 1.
func TestSharedObjectJSON(t *testing.T) {
	body := []byte{0, 2, 's', 'o', 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0,
		4, 0, 0, 0, 13, 0, 2, '$', 'x', 0, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0}
	body[20] = byte(len(body) - 21)
	so, err := DecodeSharedObject(body, 0, false, amf.Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(so)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"name":"so","version":1,"flags":2,"persistent":true,"amf3":false,"events":[{"type":"Change","type_id":4,"offset":16,"length":13,"pairs":{"$$x":1}}]}`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
}
