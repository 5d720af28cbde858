package filter

import (
	"os"
	"testing"

	"github.com/gopacket/gopacket/layers"
)

func TestDumpTmp(t *testing.T) {
	e := os.Getenv("EXPR")
	if e == "" {
		t.Skip()
	}
	p, err := Compile(e, layers.LinkTypeEthernet, 0)
	if err != nil {
		t.Fatal(err)
	}
	for i, in := range p {
		t.Logf("%03d %v", i, in)
	}
}
