package filter

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/gopacket/gopacket/layers"
	"golang.org/x/net/bpf"
)

func TestSyntaxErrors(t *testing.T) {
	for _, c := range []struct {
		expr string
		col  int
		msg  string // substring
	}{
		{"tcp and port", 13, `expected port number after "port"`},
		{"port", 5, `expected port number after "port"`},
		{"port http", 6, "port names are not resolved"},
		{"host example.com", 6, "host names are not resolved"},
		{"host", 5, `address after "host"`},
		{"net", 4, `network such as 10.0.0.0/8 after "net"`},
		{"portrange 1935", 0, ""},
		{"portrange x-y", 11, "port range"},
		{"port 1000-2000", 6, `use "portrange 1000-2000"`},
		{"port 70000", 6, "illegal port number 70000 > 65535"},
		{"port 99999999999", 6, "overflows 32 bits"},
		{"tcp port 1935 and", 18, "unexpected end of expression"},
		{"(tcp", 5, `missing ")" to close "(" at column 1`},
		{"tcp)", 4, `unbalanced ")"`},
		{"tcp udp", 5, `expected "and" or "or" after "tcp"`},
		{"10.0.0.1", 1, `a bare value needs a qualifier, e.g. "host 10.0.0.1"`},
		{"tcp and 1935", 9, "no qualifier to inherit"},
		{"(port 80) or 81", 14, "no qualifier to inherit"},
		{"host 10.0.0.0/8", 14, "mask syntax for networks only"},
		{"net 10.0.0.1/8", 5, `non-network bits set in "10.0.0.1/8"`},
		{"net 10.0.0.0/33", 14, "mask length must be <= 32"},
		{"net ::1/64", 5, `non-network bits set in "::1/64"`},
		{"net 10.0.0.0 mask 255.0", 0, ""},
		{"ip6 host 10.0.0.1", 10, "'ip6' modifier applied to ip host"},
		{"ip host ::1", 9, "'ip' modifier applied to ip6 host"},
		{"tcp host 10.0.0.1", 10, "'tcp' modifier applied to host"},
		{"ip6 port 80", 10, "illegal qualifier of 'port'"},
		{"port 80 or 10.0.0.1", 12, "'port' modifier applied to ip host"},
		{"host 256.1.1.1", 6, "invalid IPv4 address"},
		{"host 1.2.3.4.5", 6, "not an IPv4 address"},
		{"host fe80::1%lo", 13, "unexpected character '%'"},
		{"host fe80::zz", 6, "invalid IPv6 address"},
		{"vlan and tcp", 1, `"vlan" is not supported`},
		{"tcp[13] & 2 != 0", 4, "byte-offset expressions"},
		{"len > 100", 5, "comparisons"},
		{"tcp & udp", 5, "use && or and"},
		{"port 1935 or ()", 15, "expected a primitive"},
		{"src", 4, `address after "src"`},
		{"src or dst port", 16, `expected port number after "port"`},
		{"host 10.0.0.1 and not", 22, "unexpected end of expression"},
		{"tcp or or udp", 8, "expected a primitive"},
	} {
		_, err := Compile(c.expr, layers.LinkTypeEthernet, 0)
		if c.msg == "" {
			if err != nil {
				t.Errorf("%q: %v", c.expr, err)
			}
			continue
		}
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("%q: got %v, want a *SyntaxError", c.expr, err)
			continue
		}
		if se.Col != c.col || !strings.Contains(se.Msg, c.msg) {
			t.Errorf("%q: got column %d %q, want column %d containing %q", c.expr, se.Col, se.Msg, c.col, c.msg)
		}
		if want := fmt.Sprintf("filter: column %d: ", se.Col); !strings.HasPrefix(err.Error(), want) {
			t.Errorf("%q: Error() = %q", c.expr, err.Error())
		}
	}
}

func TestErrorFormat(t *testing.T) {
	_, err := Compile("tcp and port", layers.LinkTypeEthernet, 0)
	if got, want := err.Error(), `filter: column 13: expected port number after "port"`; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestEmptyAndSnaplen(t *testing.T) {
	for _, e := range []string{"", "   "} {
		prog, err := Compile(e, layers.LinkTypeEthernet, 0)
		if err != nil || len(prog) != 1 || prog[0] != (bpf.RetConstant{Val: DefaultSnaplen}) {
			t.Errorf("%q: %v %v", e, prog, err)
		}
		m, err := NewMatcher(e, layers.LinkTypeLinuxSLL2)
		if err != nil || !m.Match(nil) || !m.Match([]byte{1, 2, 3}) {
			t.Errorf("%q: empty expression must match everything (%v)", e, err)
		}
	}
	prog, err := Compile("tcp", layers.LinkTypeEthernet, 96)
	if err != nil {
		t.Fatal(err)
	}
	if r, ok := prog[len(prog)-2].(bpf.RetConstant); !ok || r.Val != 96 {
		t.Errorf("accept is %v, want ret #96", prog[len(prog)-2])
	}
	// Constant programs (ip6 on an IPv4-only link type).
	prog, err = Compile("ip6", layers.LinkTypeIPv4, 0)
	if err != nil || len(prog) != 1 || prog[0] != (bpf.RetConstant{Val: 0}) {
		t.Errorf("ip6 on LinkTypeIPv4: %v %v", prog, err)
	}
}

func TestLinkTypes(t *testing.T) {
	for _, lt := range []layers.LinkType{layers.LinkTypeEthernet, layers.LinkTypeNull, layers.LinkTypeLoop,
		layers.LinkTypeRaw, layers.LinkTypeIPv4, layers.LinkTypeIPv6, layers.LinkTypeLinuxSLL, layers.LinkTypeLinuxSLL2} {
		if _, err := CompileRaw("tcp port 1935 or host ::1", lt, 0); err != nil {
			t.Errorf("%v: %v", lt, err)
		}
	}
	if _, err := Compile("tcp", layers.LinkTypePPP, 0); err == nil {
		t.Error("PPP: want an error for an unsupported link type")
	}
}

func TestCompileRaw(t *testing.T) {
	raw, err := CompileRaw("port 1935", layers.LinkTypeEthernet, 0)
	if err != nil {
		t.Fatal(err)
	}
	prog, _ := Compile("port 1935", layers.LinkTypeEthernet, 0)
	if len(raw) != len(prog) {
		t.Fatalf("%d raw instructions for %d", len(raw), len(prog))
	}
	// First instruction: ldh [12] (0x28, k=12), as tcpdump -dd.
	if raw[0] != (bpf.RawInstruction{Op: 0x28, K: 12}) {
		t.Errorf("raw[0] = %+v", raw[0])
	}
}

// TestLongJumps builds a program longer than a conditional jump can span,
// so codegen must place trampolines, and checks the first and last
// alternatives still match.
func TestLongJumps(t *testing.T) {
	var parts []string
	for p := 1; p <= 100; p++ {
		parts = append(parts, fmt.Sprint(p))
	}
	expr := "tcp and port " + strings.Join(parts, " or ") + " or host 10.9.9.9"
	m, err := NewMatcher(expr, layers.LinkTypeEthernet)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(m.Program()); n < 600 {
		t.Fatalf("program is only %d instructions", n)
	}
	checkProgram(t, m.Program())
	frame := func(sport, dport uint16, src [4]byte) []byte {
		b := make([]byte, 54)
		b[12], b[13] = 0x08, 0x00
		b[14] = 0x45
		b[23] = 6
		copy(b[26:30], src[:])
		b[34], b[35] = byte(sport>>8), byte(sport)
		b[36], b[37] = byte(dport>>8), byte(dport)
		return b
	}
	for _, c := range []struct {
		sport, dport uint16
		src          [4]byte
		want         bool
	}{
		{5000, 1, [4]byte{1, 1, 1, 1}, true},
		{5000, 100, [4]byte{1, 1, 1, 1}, true},
		{60, 5000, [4]byte{1, 1, 1, 1}, true},
		{5000, 101, [4]byte{1, 1, 1, 1}, false},
		{5000, 101, [4]byte{10, 9, 9, 9}, true}, // (tcp and port ...) or ... or host: left-assoc
	} {
		f := frame(c.sport, c.dport, c.src)
		if got := m.Match(f); got != c.want {
			t.Errorf("%d->%d from %v: got %v, want %v", c.sport, c.dport, c.src, got, c.want)
		}
		ref, _ := bpf.NewVM(m.Program())
		if n, _ := ref.Run(f); (n != 0) != c.want {
			t.Errorf("x/net/bpf: %d->%d: got %d", c.sport, c.dport, n)
		}
	}
}

// checkProgram verifies a program assembles, ends in a return, and that
// every jump lands inside it.
func checkProgram(t testing.TB, prog []bpf.Instruction) {
	t.Helper()
	if len(prog) == 0 || len(prog) > maxInsns {
		t.Fatalf("program has %d instructions", len(prog))
	}
	if _, err := bpf.Assemble(prog); err != nil {
		t.Fatalf("bpf.Assemble: %v", err)
	}
	if _, ok := prog[len(prog)-1].(bpf.RetConstant); !ok {
		t.Fatalf("last instruction %v is not a return", prog[len(prog)-1])
	}
	for i, in := range prog {
		end := i + 1
		switch in := in.(type) {
		case bpf.JumpIf:
			end += int(max(in.SkipTrue, in.SkipFalse))
		case bpf.Jump:
			end += int(in.Skip)
		}
		if end >= len(prog) {
			if _, ok := in.(bpf.RetConstant); !ok {
				t.Fatalf("instruction %d (%v) jumps or falls out of the program", i, in)
			}
		}
	}
	if _, err := bpf.NewVM(prog); err != nil {
		t.Fatalf("bpf.NewVM: %v", err)
	}
}

func TestProgramsValid(t *testing.T) {
	for _, c := range readOracle(t) {
		if c.err != "" {
			continue
		}
		prog, err := Compile(c.expr, readCap(t, c.file).lt, 0)
		if err != nil {
			t.Fatalf("%q: %v", c.expr, err)
		}
		checkProgram(t, prog)
	}
}

func FuzzCompile(f *testing.F) {
	for _, s := range []string{"", "tcp port 1935", "host 10.0.0.1 and not port 22", "port 1935 or (8080 or not 53)",
		"net 2001:db8::/32", "src or dst portrange 1-100", "!(ip6 && udp) || icmp", "net 10 mask 255.0.0.0",
		"port 22 and (port 8080) or 1935", "((((tcp))))", "host ::ffff:1.2.3.4"} {
		f.Add(s, uint8(1))
	}
	lts := []layers.LinkType{layers.LinkTypeEthernet, layers.LinkTypeNull, layers.LinkTypeLoop, layers.LinkTypeRaw,
		layers.LinkTypeIPv4, layers.LinkTypeIPv6, layers.LinkTypeLinuxSLL, layers.LinkTypeLinuxSLL2}
	pkt := make([]byte, 80)
	for i := range pkt {
		pkt[i] = byte(i * 7)
	}
	f.Fuzz(func(t *testing.T, expr string, lti uint8) {
		if len(expr) > 2000 {
			return
		}
		lt := lts[int(lti)%len(lts)]
		prog, err := Compile(expr, lt, 0)
		if err != nil {
			var se *SyntaxError
			if errors.As(err, &se) && (se.Col < 1 || se.Col > len(expr)+1) {
				t.Fatalf("%q: column %d out of range", expr, se.Col)
			}
			return
		}
		checkProgram(t, prog)
		m, err := NewMatcher(expr, lt)
		if err != nil {
			t.Fatal(err)
		}
		ref, _ := bpf.NewVM(prog)
		for n := 0; n <= len(pkt); n += 7 {
			got := m.Match(pkt[:n])
			if r, _ := ref.Run(pkt[:n]); (r != 0) != got {
				t.Fatalf("%q on %d bytes: x/net/bpf %d, Match %v", expr, n, r, got)
			}
		}
	})
}

func BenchmarkMatch(b *testing.B) {
	c := readCap(b, "lo.pcap")
	frame := c.frames[0]
	for _, expr := range []string{"tcp port 1935", "host 10.0.0.1 and not port 22", "net 2001:db8::/32 or portrange 1935-1940"} {
		m, err := NewMatcher(expr, c.lt)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(expr, func(b *testing.B) {
			for b.Loop() {
				m.Match(frame)
			}
		})
		ref, _ := bpf.NewVM(m.Program())
		b.Run(expr+"/x-net-bpf-vm", func(b *testing.B) {
			for b.Loop() {
				_, _ = ref.Run(frame)
			}
		})
	}
}
