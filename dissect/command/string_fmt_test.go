package command

import (
	"fmt"
	"strings"

	"github.com/rtmpscope/rtmpscope/dissect/amf"
)

// fmtString is Command.String as it was written with fmt, before it was
// built with strconv into one buffer: FuzzDecode holds the two equal.
func fmtString(c Command) string {
	var sb strings.Builder
	sb.WriteString(c.Name)
	if c.TransactionID != 0 {
		fmt.Fprintf(&sb, "#%g", c.TransactionID)
	}
	if c.CommandObject.Kind != amf.KindInvalid && !c.CommandObject.IsNullish() {
		sb.WriteString(" ")
		sb.WriteString(c.CommandObject.Summary(200))
	}
	for _, a := range c.Args {
		sb.WriteString(" ")
		sb.WriteString(a.Summary(120))
	}
	if c.Err != nil {
		sb.WriteString(" [error: " + c.Err.Error() + "]")
	}
	return sb.String()
}
