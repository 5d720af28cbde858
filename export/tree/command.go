package tree

import (
	"encoding/binary"
	"fmt"
	"strconv"

	"github.com/rtmpscope/rtmpscope/dissect/command"
)

// formatByte is the node of the AMF3 variants' leading format byte.
func (a *Arena) formatByte() *Node { return a.bodyField("AMF3 format byte", "0", 0, 1) }

// command lists a command's name, transaction id, command object and
// arguments, each with the bytes it came from.
func (a *Arena) commandFields(c *command.Command, bodyLen int) []*Node {
	var out []*Node
	if c.FormatByte {
		out = a.app(out, a.formatByte())
	}
	vals := c.Values
	for i := range vals {
		v := &vals[i]
		switch i {
		case 0:
			n := a.amfValue("Command name", v)
			n.Value = strconv.Quote(c.Name)
			if c.Name == "" {
				n.Value = a.amfText(v)
			}
			out = a.app(out, n)
		case 1:
			out = a.app(out, a.amfValue("Transaction ID", v))
		case 2:
			out = a.app(out, a.amfValue("Command object", v))
		default:
			out = a.app(out, a.amfValue(a.numbered("Argument ", i-2), v))
		}
	}
	if c.Err != nil {
		out = a.app(out, a.errNode(c.Err, bodyLen))
	}
	return out
}

// data lists a data message's handler, the wrapped handler of
// @setDataFrame, and its values.
func (a *Arena) data(d *command.Data, bodyLen int) []*Node {
	var out []*Node
	vals := d.Values
	first := 0
	if d.AMF3 && len(vals) > 0 && vals[0].Offset == 1 {
		out = a.app(out, a.formatByte())
	}
	if len(vals) > 0 {
		out = a.app(out, a.amfValue("Handler", &vals[0]))
		first = 1
	}
	if d.Inner != "" && len(vals) > 1 {
		out = a.app(out, a.amfValue("Wrapped handler", &vals[1]))
		first = 2
	}
	for i := first; i < len(vals); i++ {
		out = a.app(out, a.amfValue(a.numbered("Value ", i-first+1), &vals[i]))
	}
	if d.Err != nil {
		out = a.app(out, a.errNode(d.Err, bodyLen))
	}
	return out
}

// sharedObject lists a shared object message's header and events. The
// header layout (name, version, flags, 4 reserved bytes) is fixed, so its
// fields' ranges follow from the name's length.
func (a *Arena) sharedObject(so *command.SharedObject, b []byte) []*Node {
	var out []*Node
	base := 0
	if so.AMF3 && len(b) > 0 && b[0] == 0 {
		out = a.app(out, a.formatByte())
		base = 1
	}
	hdr := len(b) >= base+2 && len(b) >= base+2+int(binary.BigEndian.Uint16(b[base:]))+12
	at := func(label, value string, off, n int) *Node {
		if !hdr {
			return a.field(label, value)
		}
		return a.bodyField(label, value, off, n)
	}
	nameLen := len(so.Name)
	p := base + 2 + nameLen
	persist := "no (transient)"
	if so.Persistent {
		persist = "yes"
	}
	out = a.app(out,
		at("Name", strconv.Quote(so.Name), base, 2+nameLen),
		at("Version", fmt.Sprint(so.Version), p, 4),
		at("Flags", fmt.Sprintf("0x%08x (persistent: %s)", so.Flags, persist), p+4, 4),
		at("Reserved", "", p+8, 4),
	)
	for i := range so.Events {
		out = a.app(out, a.soEvent(i+1, &so.Events[i], len(b)))
	}
	if so.Err != nil {
		out = a.app(out, a.errNode(so.Err, len(b)))
	}
	return out
}

func (a *Arena) soEvent(i int, ev *command.SOEvent, bodyLen int) *Node {
	n := a.field(a.numbered("Event ", i), ev.Type.String()).expand()
	if end := ev.Offset + 5 + ev.Length; ev.Offset >= 0 && end <= bodyLen && ev.Length >= 0 {
		n.Space, n.Off, n.Len = Body, int64(ev.Offset), int64(5+ev.Length)
		a.add(n, a.bodyField("Type", fmt.Sprintf("%d (%s)", uint8(ev.Type), ev.Type), ev.Offset, 1),
			a.bodyField("Data length", fmt.Sprint(ev.Length), ev.Offset+1, 4))
	} else {
		a.add(n, a.field("Type", fmt.Sprintf("%d (%s)", uint8(ev.Type), ev.Type)),
			a.field("Data length", fmt.Sprint(ev.Length)))
	}
	if ev.Name != "" {
		a.add(n, a.field("Slot", strconv.Quote(ev.Name)))
	}
	for j := range ev.Pairs {
		a.add(n, a.amfProp(&ev.Pairs[j], 1))
	}
	if ev.Method != "" {
		a.add(n, a.field("Method", strconv.Quote(ev.Method)))
	}
	for j := range ev.Args {
		a.add(n, a.amfValue(a.numbered("Argument ", j+1), &ev.Args[j]))
	}
	if ev.Code != "" || ev.Level != "" {
		a.add(n, a.field("Code", strconv.Quote(ev.Code)), a.field("Level", strconv.Quote(ev.Level)))
	}
	if len(ev.Data) > 0 {
		a.add(n, a.field("Data", a.hexSummary(ev.Data)))
	}
	if ev.Err != nil {
		a.add(n, a.errNode(ev.Err, bodyLen))
		n.Severity = SevError
	}
	return n
}
