package capture

import (
	"bufio"
	"bytes"
	"os"
	"strings"
	"testing"
)

// The DSB of rtmps-tls13-dsb.pcapng was written by editcap
// --inject-secrets from rtmps-tls13-publish.keys: it must give back the
// same key log lines (compared without printing them: they are secrets).
func TestReadSecretsEditcap(t *testing.T) {
	got, err := ReadSecrets("../testdata/pcaps/rtmps-tls13-dsb.pcapng", SecretsTLSKeyLog)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("../testdata/pcaps/rtmps-tls13-publish.keys")
	if err != nil {
		t.Fatal(err)
	}
	lines := func(b []byte) []string {
		var o []string
		sc := bufio.NewScanner(bytes.NewReader(b))
		for sc.Scan() {
			if l := strings.TrimSpace(sc.Text()); l != "" && !strings.HasPrefix(l, "#") {
				o = append(o, l)
			}
		}
		return o
	}
	g, w := lines(got), lines(want)
	if len(g) != len(w) || strings.Join(g, "\n") != strings.Join(w, "\n") {
		t.Errorf("DSB holds %d key log lines, the key file %d (or they differ)", len(g), len(w))
	}
	// A pcap has no secrets.
	if b, err := ReadSecrets("../testdata/pcaps/rtmps-tls13-publish.pcap", SecretsTLSKeyLog); err != nil || b != nil {
		t.Errorf("pcap: %d bytes, %v", len(b), err)
	}
	// Another pcapng without DSBs.
	if b, err := ReadSecrets("../testdata/pcaps/publish-ng.pcapng", SecretsTLSKeyLog); err != nil || b != nil {
		t.Errorf("pcapng without DSB: %d bytes, %v", len(b), err)
	}
}

func FuzzReadSecrets(f *testing.F) {
	b, err := os.ReadFile("../testdata/pcaps/rtmps-tls13-dsb.pcapng")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b[:min(len(b), 4096)])
	f.Fuzz(func(t *testing.T, in []byte) {
		_, _ = ReadSecretsFrom(bytes.NewReader(in), SecretsTLSKeyLog)
	})
}
