package rtmfp

import (
	"strings"
	"testing"
)

// Lines as make-rtmfp.sh's patched rtmfp-cpp writes them, with the
// comments and other lines a key file may also hold.
func TestParseKeys(t *testing.T) {
	k := loadKeys(t, "rtmfp-play.keys")
	if k.Len() != 4 {
		t.Fatalf("%d lines", k.Len())
	}
	// Each session's two ends wrote mirrored lines.
	for _, a := range k.all() {
		var mirror *KeyLine
		for _, b := range k.all() {
			if string(b.Near) == string(a.Far) && string(b.Far) == string(a.Near) {
				mirror = b
			}
		}
		if mirror == nil || string(mirror.Encrypt) != string(a.Decrypt) || string(mirror.SendHMAC) != string(a.RecvHMAC) {
			t.Errorf("line %d has no mirrored line from the other end", a.Line)
		}
	}
	text := "# a comment\n\nSSLKEYLOGFILE-style line ignored\nRTMFP_KEYS near_component=01 far_component=02 encrypt_key=" +
		strings.Repeat("00", 16) + " decrypt_key=" + strings.Repeat("11", 16) + " # trailing comment\n"
	k2, err := ParseKeys([]byte(text))
	if err != nil || k2.Len() != 1 {
		t.Fatalf("%v %d", err, k2.Len())
	}
	if _, _, l, ok := k2.lookup([]byte{2}, []byte{1}); !ok || l.Line != 4 {
		t.Errorf("lookup by responder-written line failed")
	}
	for _, bad := range []string{
		"RTMFP_KEYS near_component=01",
		"RTMFP_KEYS near_component=01 far_component=02 encrypt_key=00 decrypt_key=00",
		"RTMFP_KEYS near_component=zz far_component=02",
		"RTMFP_KEYS bogus=01",
		"RTMFP_KEYS near_component",
	} {
		if _, err := ParseKeys([]byte(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	var nilLog *KeyLog
	if nilLog.Len() != 0 || nilLog.all() != nil {
		t.Error("nil KeyLog")
	}
}
