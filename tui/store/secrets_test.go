package store

import (
	"bytes"
	"testing"

	"github.com/rtmpscope/rtmpscope/event"
)

// TestSecretsCaptureMasked (#14 item 7): on the secrets capture
// (testdata/pcaps/secrets, one key planted everywhere a key can hide, in
// AMF0 and AMF3) the spill file holds no byte of the key, and every
// occurrence of it in a raw message body lies inside a range the hex pane
// masks (Record(i, false).Secrets).
func TestSecretsCaptureMasked(t *testing.T) {
	const secret = "123_AbCdEf9XyZ" // the part of live_123_AbCdEf9XyZ the rule hides
	s, _, _ := load(t, "secrets/secrets.pcap")
	if err := s.spillW.Flush(); err != nil {
		t.Fatal(err)
	}
	fi, err := s.spill.Stat()
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, fi.Size())
	if _, err := s.spill.ReadAt(b, 0); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(b, []byte(secret)) || bytes.Contains(b, []byte("key Q accepted")) {
		t.Error("the spill file holds the key")
	}
	masked := 0
	for i := 0; i < s.Len(); i++ {
		plain, err := s.Record(i, true)
		if err != nil || plain.Kind != event.KindMessage {
			continue
		}
		red, err := s.Record(i, false)
		if err != nil {
			t.Fatal(err)
		}
		body := plain.Message.Body
		for off := 0; ; {
			j := bytes.Index(body[off:], []byte(secret))
			if j < 0 {
				break
			}
			at := off + j
			covered := false
			for _, sec := range red.Secrets {
				if sec.Off <= at && at+len(secret) <= sec.Off+sec.Len {
					covered = true
				}
			}
			if !covered {
				t.Errorf("row %d (%s): the key at body offset %d is not masked (ranges %+v)", i, plain.Message.TypeID.Name(), at, red.Secrets)
			}
			masked++
			off = at + 1
		}
	}
	// connect (tcUrl, extra argument) twice, the shared objects, the
	// data and command messages, the aggregate: at least a dozen.
	t.Logf("%d occurrences masked", masked)
	if masked < 12 {
		t.Errorf("only %d occurrences of the key found in raw bodies", masked)
	}
}
