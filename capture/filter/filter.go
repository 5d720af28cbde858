package filter

import (
	"fmt"

	"github.com/gopacket/gopacket/layers"
	"golang.org/x/net/bpf"
)

// DefaultSnaplen is what an accepting program returns when Compile is given
// a snaplen of 0 (tcpdump's default).
const DefaultSnaplen = 262144

// maxInsns is the kernel's limit on classic BPF programs (BPF_MAXINSNS).
const maxInsns = 4096

// Compile compiles a tcpdump filter expression for packets of the given link type
// (github.com/gopacket/gopacket/layers.LinkType values: Ethernet (1), Null/loopback (0), Loop (108), Raw (101) and IPv4 (228)/IPv6 (229), LinuxSLL (113), LinuxSLL2 (276)).
// snaplen is the return value for accepted packets (use 262144 if 0).
//
// Syntax errors are *SyntaxError values. An empty expression accepts every
// packet.
func Compile(expr string, linkType layers.LinkType, snaplen int) ([]bpf.Instruction, error) {
	if snaplen <= 0 {
		snaplen = DefaultSnaplen
	}
	g, err := newGen(linkType)
	if err != nil {
		return nil, err
	}
	toks, err := lex(expr)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks, g: g}
	n, err := p.parse()
	if err != nil {
		return nil, err
	}
	prog := codegen(simplify(n), uint32(snaplen))
	if len(prog) > maxInsns {
		return nil, fmt.Errorf("filter: expression compiles to %d instructions, more than the kernel's limit of %d", len(prog), maxInsns)
	}
	return prog, nil
}

// CompileRaw is Compile followed by bpf.Assemble: the form the kernel takes
// in SO_ATTACH_FILTER (golang.org/x/net/bpf.RawInstruction has the layout of
// struct sock_filter).
func CompileRaw(expr string, linkType layers.LinkType, snaplen int) ([]bpf.RawInstruction, error) {
	prog, err := Compile(expr, linkType, snaplen)
	if err != nil {
		return nil, err
	}
	raw, err := bpf.Assemble(prog)
	if err != nil {
		return nil, fmt.Errorf("filter: internal error: %v", err)
	}
	return raw, nil
}

// A Matcher runs a compiled filter on a captured frame (for saved files, where the kernel does not filter).
// A Matcher is not safe for concurrent use.
type Matcher struct {
	expr string
	prog []bpf.Instruction
	vm   *vm
	all  bool
}

// NewMatcher compiles expr for frames of the given link type.
func NewMatcher(expr string, linkType layers.LinkType) (*Matcher, error) {
	prog, err := Compile(expr, linkType, DefaultSnaplen)
	if err != nil {
		return nil, err
	}
	m := &Matcher{expr: expr, prog: prog}
	if r, ok := prog[0].(bpf.RetConstant); ok && r.Val != 0 {
		m.all = true
	}
	m.vm, err = newVM(prog)
	if err != nil {
		return nil, fmt.Errorf("filter: internal error: %v", err)
	}
	return m, nil
}

// Match reports whether the filter accepts frame (the captured bytes,
// starting with the link-layer header). As in the kernel and libpcap, a
// test that reads past the end of the captured bytes rejects the frame.
func (m *Matcher) Match(frame []byte) bool {
	if m.all {
		return true
	}
	return m.vm.run(frame) != 0
}

// Program returns the compiled instructions.
func (m *Matcher) Program() []bpf.Instruction { return m.prog }

// String returns the expression the Matcher was compiled from.
func (m *Matcher) String() string { return m.expr }

// codegen turns the tree into straight-line BPF with forward jumps only.
// Code is produced back to front so that every jump target is already
// placed: the accept and reject returns first, then each test in front of
// the code it jumps to. Conditional jumps reach at most 255 instructions;
// a farther target gets a "ja" trampoline right after the test.
func codegen(n node, snaplen uint32) []bpf.Instruction {
	if k, ok := n.(constN); ok {
		if k {
			return []bpf.Instruction{bpf.RetConstant{Val: snaplen}}
		}
		return []bpf.Instruction{bpf.RetConstant{Val: 0}}
	}
	c := &coder{}
	reject := c.emit(bpf.RetConstant{Val: 0})
	accept := c.emit(bpf.RetConstant{Val: snaplen})
	entry := c.gen(n, accept, reject)
	if entry != len(c.rev)-1 {
		c.emit(bpf.Jump{Skip: uint32(len(c.rev) - entry - 1)})
	}
	prog := make([]bpf.Instruction, len(c.rev))
	for i, ins := range c.rev {
		prog[len(c.rev)-1-i] = ins
	}
	return prog
}

// coder holds instructions in reverse order; a label is an index into rev
// (0 is the last instruction of the program).
type coder struct {
	rev []bpf.Instruction
}

func (c *coder) emit(ins bpf.Instruction) int {
	c.rev = append(c.rev, ins)
	return len(c.rev) - 1
}

// gen emits code for n that continues at t when n holds and at f when not,
// and returns n's entry label.
func (c *coder) gen(n node, t, f int) int {
	switch n := n.(type) {
	case constN:
		if n {
			return t
		}
		return f
	case notN:
		return c.gen(n.a, f, t)
	case andN:
		b := c.gen(n.b, t, f)
		return c.gen(n.a, b, f)
	case orN:
		b := c.gen(n.b, t, f)
		return c.gen(n.a, t, b)
	case cmpN:
		return c.cmp(n, t, f)
	}
	panic(fmt.Sprintf("filter: unknown node %T", n))
}

func (c *coder) cmp(n cmpN, t, f int) int {
	// The jump, placed first (it comes last).
	var cond bpf.JumpTest
	val := n.val
	switch n.op {
	case opEq:
		cond = bpf.JumpEqual
	case opGe:
		cond = bpf.JumpGreaterOrEqual
	case opGt:
		cond = bpf.JumpGreaterThan
	case opSet:
		cond = bpf.JumpBitsSet
	}
	t, f = c.skipLoads(t, n), c.skipLoads(f, n)
	t, f = c.reach(t), c.reach(f)
	j := len(c.rev)
	c.emit(bpf.JumpIf{Cond: cond, Val: val, SkipTrue: uint8(j - t - 1), SkipFalse: uint8(j - f - 1)})
	if n.hasMask {
		c.emit(bpf.ALUOpConstant{Op: bpf.ALUOpAnd, Val: n.mask})
	}
	if n.indirect {
		c.emit(bpf.LoadIndirect{Off: n.off, Size: n.size})
		return c.emit(bpf.LoadMemShift{Off: n.ihl})
	}
	return c.emit(bpf.LoadAbsolute{Off: n.off, Size: n.size})
}

// skipLoads moves a jump target past loads that would recompute what n
// leaves in the registers: after "ldb [23]; jeq #6" fails, the next test
// "ldb [23]; jeq #17" can start at its jeq. The jump does not change A or X.
func (c *coder) skipLoads(target int, n cmpN) int {
	at := func(i int) bpf.Instruction {
		if i < 0 {
			return nil
		}
		return c.rev[i]
	}
	if n.indirect {
		if at(target) != (bpf.LoadMemShift{Off: n.ihl}) {
			return target
		}
		target-- // X already holds the header length
		if at(target) == (bpf.LoadIndirect{Off: n.off, Size: n.size}) && !n.hasMask {
			target--
		}
		return target
	}
	if at(target) != (bpf.LoadAbsolute{Off: n.off, Size: n.size}) {
		return target
	}
	if !n.hasMask {
		return target - 1
	}
	if at(target-1) == (bpf.ALUOpConstant{Op: bpf.ALUOpAnd, Val: n.mask}) {
		return target - 2
	}
	return target
}

// reach returns a label a conditional jump about to be emitted can reach:
// target itself or a trampoline jumping to it.
func (c *coder) reach(target int) int {
	// Follow unconditional jumps (trampolines) to their final target, and
	// returns are cheap to duplicate rather than jump far to.
	j := len(c.rev) // where the conditional jump will go, if no trampoline
	// 253, not 255: the other target of the same jump may still get a
	// trampoline, which moves this one a place farther.
	if j-target-1 <= 253 {
		return target
	}
	if r, ok := c.rev[target].(bpf.RetConstant); ok {
		return c.emit(r)
	}
	if jmp, ok := c.rev[target].(bpf.Jump); ok {
		target -= int(jmp.Skip) + 1
	}
	return c.emit(bpf.Jump{Skip: uint32(len(c.rev) - target - 1)})
}
