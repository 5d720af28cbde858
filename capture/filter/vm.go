package filter

import (
	"encoding/binary"
	"fmt"

	"golang.org/x/net/bpf"
)

// vm is a small classic-BPF interpreter for the instructions codegen
// emits; it avoids golang.org/x/net/bpf.VM's per-instruction interface
// dispatch. Semantics are the kernel's: a load past the end of the packet
// ends the program with 0 (reject).
type vm struct {
	ins []vmIns
}

type vmOp uint8

const (
	vLdAbs vmOp = iota
	vLdInd
	vLdxMsh
	vAnd
	vJeq
	vJge
	vJgt
	vJset
	vJa
	vRet
)

type vmIns struct {
	op     vmOp
	size   uint8
	jt, jf uint8
	k      uint32
}

func newVM(prog []bpf.Instruction) (*vm, error) {
	if _, err := bpf.Assemble(prog); err != nil {
		return nil, err
	}
	v := &vm{ins: make([]vmIns, len(prog))}
	for i, in := range prog {
		var x vmIns
		switch in := in.(type) {
		case bpf.LoadAbsolute:
			x = vmIns{op: vLdAbs, size: uint8(in.Size), k: in.Off}
		case bpf.LoadIndirect:
			x = vmIns{op: vLdInd, size: uint8(in.Size), k: in.Off}
		case bpf.LoadMemShift:
			x = vmIns{op: vLdxMsh, k: in.Off}
		case bpf.ALUOpConstant:
			if in.Op != bpf.ALUOpAnd {
				return nil, fmt.Errorf("instruction %d: unsupported %v", i, in)
			}
			x = vmIns{op: vAnd, k: in.Val}
		case bpf.JumpIf:
			ops := map[bpf.JumpTest]vmOp{bpf.JumpEqual: vJeq, bpf.JumpGreaterOrEqual: vJge,
				bpf.JumpGreaterThan: vJgt, bpf.JumpBitsSet: vJset}
			op, ok := ops[in.Cond]
			if !ok {
				return nil, fmt.Errorf("instruction %d: unsupported %v", i, in)
			}
			x = vmIns{op: op, jt: in.SkipTrue, jf: in.SkipFalse, k: in.Val}
		case bpf.Jump:
			x = vmIns{op: vJa, k: in.Skip}
		case bpf.RetConstant:
			x = vmIns{op: vRet, k: in.Val}
		default:
			return nil, fmt.Errorf("instruction %d: unsupported %v", i, in)
		}
		// Every jump must land inside the program (forward only).
		end := i + 1
		switch x.op {
		case vJeq, vJge, vJgt, vJset:
			end += int(max(x.jt, x.jf))
		case vJa:
			end += int(x.k)
		}
		if x.op != vRet && end >= len(prog) {
			return nil, fmt.Errorf("instruction %d: jumps or falls out of the program", i)
		}
		v.ins[i] = x
	}
	return v, nil
}

func load(pkt []byte, off uint32, size uint8) (uint32, bool) {
	end := uint64(off) + uint64(size)
	if end > uint64(len(pkt)) {
		return 0, false
	}
	switch size {
	case 1:
		return uint32(pkt[off]), true
	case 2:
		return uint32(binary.BigEndian.Uint16(pkt[off:])), true
	default:
		return binary.BigEndian.Uint32(pkt[off:]), true
	}
}

func (v *vm) run(pkt []byte) uint32 {
	r, _ := v.exec(pkt)
	return r
}

// exec runs the program; oob reports that it ended on a load past the end
// of pkt.
func (v *vm) exec(pkt []byte) (ret uint32, oob bool) {
	var a, x uint32
	var ok bool
	for pc := 0; pc < len(v.ins); pc++ {
		in := &v.ins[pc]
		switch in.op {
		case vLdAbs:
			if a, ok = load(pkt, in.k, in.size); !ok {
				return 0, true
			}
		case vLdInd:
			if a, ok = load(pkt, x+in.k, in.size); !ok || x+in.k < x {
				return 0, true
			}
		case vLdxMsh:
			if int(in.k) >= len(pkt) {
				return 0, true
			}
			x = uint32(pkt[in.k]&0xf) * 4
		case vAnd:
			a &= in.k
		case vJeq:
			if a == in.k {
				pc += int(in.jt)
			} else {
				pc += int(in.jf)
			}
		case vJge:
			if a >= in.k {
				pc += int(in.jt)
			} else {
				pc += int(in.jf)
			}
		case vJgt:
			if a > in.k {
				pc += int(in.jt)
			} else {
				pc += int(in.jf)
			}
		case vJset:
			if a&in.k != 0 {
				pc += int(in.jt)
			} else {
				pc += int(in.jf)
			}
		case vJa:
			pc += int(in.k)
		case vRet:
			return in.k, false
		}
	}
	return 0, false
}
