// Package command decodes the bodies of RTMP command messages (type 20
// AMF0, type 17 AMF3), data messages (18/15) and shared-object messages
// (19/16) into named structures on top of package amf, with typed views
// for the calls RTMP peers actually make.
//
// Decoding never fails outright: a body that breaks part-way yields what was
// decoded before the fault and the error (an *amf.Error with its offset).
package command

import (
	"fmt"
	"strconv"

	"github.com/rtmpscope/rtmpscope/dissect/amf"
)

// Command is one decoded command message: a remote call or its reply.
type Command struct {
	Name          string
	TransactionID float64
	// CommandObject is the third value: an object for connect and
	// _result, null for most stream commands. Kind is amf.KindInvalid
	// when the body ended before it.
	CommandObject amf.Value
	Args          []amf.Value // the values after the command object
	// Values are all decoded values in wire order (name, transaction id,
	// command object, args), with their offsets, for a hex view.
	Values []amf.Value
	// AMF3 is set for a type 17 message. FormatByte says whether its body
	// began with the format selector byte (0); some peers omit it.
	AMF3       bool
	FormatByte bool
	// Err is the decode error, if any; the fields hold what came before it.
	Err error
}

// Decode decodes a command message body. amf3 selects the type 17 form
// (a format byte, then AMF0 values with AVM+ switches). base is the
// stream offset of body[0], added to every value's offset. The returned
// error is also in Command.Err.
func Decode(body []byte, base int, amf3 bool, opts amf.Options) (Command, error) {
	c := Command{AMF3: amf3}
	body, base, c.FormatByte = skipFormatByte(body, base, amf3)
	vals, err := amf.DecodeAll(body, base, opts)
	c.Values = vals
	c.Err = err
	if len(vals) == 0 {
		if err == nil {
			err = fmt.Errorf("command: empty body")
			c.Err = err
		}
		return c, err
	}
	name := vals[0].Resolve()
	if name.Kind != amf.KindString {
		if err == nil {
			err = &amf.Error{Offset: vals[0].Offset, Reason: amf.ErrBadMarker, Detail: "command name is a " + name.Kind.String() + ", not a string"}
			c.Err = err
		}
		return c, err
	}
	c.Name = name.Str
	if len(vals) > 1 {
		if n, ok := vals[1].AsNumber(); ok {
			c.TransactionID = n
		}
	}
	if len(vals) > 2 {
		c.CommandObject = vals[2]
	}
	if len(vals) > 3 {
		c.Args = vals[3:]
	}
	return c, err
}

// skipFormatByte drops the AMF3 message format selector. A command or data
// body must start with a string, so a leading 0x00 (which as AMF0 would be
// a number) can only be the selector.
func skipFormatByte(body []byte, base int, amf3 bool) ([]byte, int, bool) {
	if amf3 && len(body) > 0 && body[0] == 0 {
		return body[1:], base + 1, true
	}
	return body, base, false
}

// Arg returns the i-th argument after the command object, or an invalid
// Value.
func (c Command) Arg(i int) amf.Value {
	if i < 0 || i >= len(c.Args) {
		return amf.Value{}
	}
	return c.Args[i]
}

// IsResponse reports _result and _error.
func (c Command) IsResponse() bool { return c.Name == "_result" || c.Name == "_error" }

// String is a one-line summary: name(txid) then the command object and
// arguments in short form, e.g. connect#1 {app: "live", ...}.
func (c Command) String() string {
	var buf [128]byte
	return string(c.AppendString(buf[:0]))
}

// AppendString appends String to dst, for one-line views that build their
// line in a buffer.
func (c Command) AppendString(dst []byte) []byte {
	dst = append(dst, c.Name...)
	if c.TransactionID != 0 {
		dst = append(dst, '#')
		dst = strconv.AppendFloat(dst, c.TransactionID, 'g', -1, 64) // as %g
	}
	if c.CommandObject.Kind != amf.KindInvalid && !c.CommandObject.IsNullish() {
		dst = append(dst, ' ')
		dst = append(dst, c.CommandObject.Summary(200)...)
	}
	for i := range c.Args {
		dst = append(dst, ' ')
		dst = append(dst, c.Args[i].Summary(120)...)
	}
	if c.Err != nil {
		dst = append(dst, " [error: "...)
		dst = append(dst, c.Err.Error()...)
		dst = append(dst, ']')
	}
	return dst
}

// MarshalJSON writes the NDJSON "command" body: name, txid, object, args,
// and error when decoding stopped early. Values use the amf JSON mapping
// (dissect/amf/JSON.md).
func (c Command) MarshalJSON() ([]byte, error) {
	b := []byte(`{"name":`)
	b = appendJSONString(b, c.Name)
	b = append(b, `,"txid":`...)
	b = amf.AppendJSON(b, amf.Number(c.TransactionID))
	b = append(b, `,"object":`...)
	if c.CommandObject.Kind == amf.KindInvalid {
		b = append(b, "null"...)
	} else {
		b = amf.AppendJSON(b, c.CommandObject)
	}
	b = append(b, `,"args":[`...)
	for i, a := range c.Args {
		if i > 0 {
			b = append(b, ',')
		}
		b = amf.AppendJSON(b, a)
	}
	b = append(b, ']')
	if c.Err != nil {
		b = append(b, `,"error":`...)
		b = appendJSONString(b, c.Err.Error())
	}
	return append(b, '}'), nil
}

func appendJSONString(b []byte, s string) []byte {
	return amf.AppendJSON(b, amf.String(s))
}

// str returns the string member key of v (an object or ECMA array).
func str(v amf.Value, key string) string {
	m, ok := v.Get(key)
	if !ok {
		return ""
	}
	s, _ := m.Resolve().AsString()
	return s
}

func num(v amf.Value, key string) *float64 {
	m, ok := v.Get(key)
	if !ok {
		return nil
	}
	n, ok := m.Resolve().AsNumber()
	if !ok {
		return nil
	}
	return &n
}

func boolean(v amf.Value, key string) *bool {
	m, ok := v.Get(key)
	if !ok {
		return nil
	}
	b, ok := m.Resolve().AsBool()
	if !ok {
		return nil
	}
	return &b
}

func argStr(c *Command, i int) string {
	s, _ := c.Arg(i).Resolve().AsString()
	return s
}

func argNum(c *Command, i int) *float64 {
	n, ok := c.Arg(i).Resolve().AsNumber()
	if !ok {
		return nil
	}
	return &n
}

func argBool(c *Command, i int) *bool {
	b, ok := c.Arg(i).Resolve().AsBool()
	if !ok {
		return nil
	}
	return &b
}
