package tree

import (
	"encoding/binary"
	"fmt"
	"strconv"

	"github.com/rtmpscope/rtmpscope/dissect/command"
)

// formatByte is the node of the AMF3 variants' leading format byte.
func formatByte() *Node { return bodyField("AMF3 format byte", "0", 0, 1) }

// command lists a command's name, transaction id, command object and
// arguments, each with the bytes it came from.
func commandFields(c *command.Command, bodyLen int) []*Node {
	var out []*Node
	if c.FormatByte {
		out = append(out, formatByte())
	}
	vals := c.Values
	for i := range vals {
		v := &vals[i]
		switch i {
		case 0:
			n := amfValue("Command name", v)
			n.Value = strconv.Quote(c.Name)
			if c.Name == "" {
				n.Value = amfText(v)
			}
			out = append(out, n)
		case 1:
			out = append(out, amfValue("Transaction ID", v))
		case 2:
			out = append(out, amfValue("Command object", v))
		default:
			out = append(out, amfValue(fmt.Sprintf("Argument %d", i-2), v))
		}
	}
	if c.Err != nil {
		out = append(out, errNode(c.Err, bodyLen))
	}
	return out
}

// data lists a data message's handler, the wrapped handler of
// @setDataFrame, and its values.
func data(d *command.Data, bodyLen int) []*Node {
	var out []*Node
	vals := d.Values
	first := 0
	if d.AMF3 && len(vals) > 0 && vals[0].Offset == 1 {
		out = append(out, formatByte())
	}
	if len(vals) > 0 {
		out = append(out, amfValue("Handler", &vals[0]))
		first = 1
	}
	if d.Inner != "" && len(vals) > 1 {
		out = append(out, amfValue("Wrapped handler", &vals[1]))
		first = 2
	}
	for i := first; i < len(vals); i++ {
		out = append(out, amfValue(fmt.Sprintf("Value %d", i-first+1), &vals[i]))
	}
	if d.Err != nil {
		out = append(out, errNode(d.Err, bodyLen))
	}
	return out
}

// sharedObject lists a shared object message's header and events. The
// header layout (name, version, flags, 4 reserved bytes) is fixed, so its
// fields' ranges follow from the name's length.
func sharedObject(so *command.SharedObject, b []byte) []*Node {
	var out []*Node
	base := 0
	if so.AMF3 && len(b) > 0 && b[0] == 0 {
		out = append(out, formatByte())
		base = 1
	}
	hdr := len(b) >= base+2 && len(b) >= base+2+int(binary.BigEndian.Uint16(b[base:]))+12
	at := func(label, value string, off, n int) *Node {
		if !hdr {
			return field(label, value)
		}
		return bodyField(label, value, off, n)
	}
	nameLen := len(so.Name)
	p := base + 2 + nameLen
	persist := "no (transient)"
	if so.Persistent {
		persist = "yes"
	}
	out = append(out,
		at("Name", strconv.Quote(so.Name), base, 2+nameLen),
		at("Version", fmt.Sprint(so.Version), p, 4),
		at("Flags", fmt.Sprintf("0x%08x (persistent: %s)", so.Flags, persist), p+4, 4),
		at("Reserved", "", p+8, 4),
	)
	for i := range so.Events {
		out = append(out, soEvent(i+1, &so.Events[i], len(b)))
	}
	if so.Err != nil {
		out = append(out, errNode(so.Err, len(b)))
	}
	return out
}

func soEvent(i int, ev *command.SOEvent, bodyLen int) *Node {
	n := field(fmt.Sprintf("Event %d", i), ev.Type.String()).expand()
	if end := ev.Offset + 5 + ev.Length; ev.Offset >= 0 && end <= bodyLen && ev.Length >= 0 {
		n.Space, n.Off, n.Len = Body, int64(ev.Offset), int64(5+ev.Length)
		n.add(bodyField("Type", fmt.Sprintf("%d (%s)", uint8(ev.Type), ev.Type), ev.Offset, 1),
			bodyField("Data length", fmt.Sprint(ev.Length), ev.Offset+1, 4))
	} else {
		n.add(field("Type", fmt.Sprintf("%d (%s)", uint8(ev.Type), ev.Type)),
			field("Data length", fmt.Sprint(ev.Length)))
	}
	if ev.Name != "" {
		n.add(field("Slot", strconv.Quote(ev.Name)))
	}
	for j := range ev.Pairs {
		n.add(amfProp(&ev.Pairs[j], 1))
	}
	if ev.Method != "" {
		n.add(field("Method", strconv.Quote(ev.Method)))
	}
	for j := range ev.Args {
		n.add(amfValue(fmt.Sprintf("Argument %d", j+1), &ev.Args[j]))
	}
	if ev.Code != "" || ev.Level != "" {
		n.add(field("Code", strconv.Quote(ev.Code)), field("Level", strconv.Quote(ev.Level)))
	}
	if len(ev.Data) > 0 {
		n.add(field("Data", hexSummary(ev.Data)))
	}
	if ev.Err != nil {
		n.add(errNode(ev.Err, bodyLen))
		n.Severity = SevError
	}
	return n
}
