package amf

import "fmt"

// Externalizable classes whose bodies this package can read. An AMF3
// externalizable object carries no length: only code that knows the class
// can find where it ends, so any other class stops the decode with
// ErrExternalizable.
const (
	ClassArrayCollection = "flex.messaging.io.ArrayCollection"
	ClassObjectProxy     = "flex.messaging.io.ObjectProxy"
	// BlazeDS "small message" aliases (flex.messaging.messages.*Ext).
	ClassAcknowledgeMessageExt = "DSK"
	ClassAsyncMessageExt       = "DSA"
	ClassCommandMessageExt     = "DSC"
)

// Flex small messages serialize their fields behind flag bytes, level by
// level along the class hierarchy (BlazeDS AbstractMessage, AsyncMessage,
// then AcknowledgeMessage or CommandMessage readExternal). In each level a
// run of flag bytes comes first, each with bit 7 (HAS_NEXT) saying another
// flag byte follows; then one AMF3 value per set bit, byte by byte, low bit
// first. Bits a level does not know (only bits up to 5 are ever read) are
// read and kept as "unknown" fields for forward compatibility, as BlazeDS
// does.
type flexLevel struct {
	name   string
	fields [][]string // per flag byte, the names of its bits from bit 0
}

var (
	levelAbstract = flexLevel{"AbstractMessage", [][]string{
		{"body", "clientId", "destination", "headers", "messageId", "timestamp", "timeToLive"},
		{"clientIdBytes", "messageIdBytes"},
	}}
	levelAsync       = flexLevel{"AsyncMessage", [][]string{{"correlationId", "correlationIdBytes"}}}
	levelAcknowledge = flexLevel{"AcknowledgeMessage", nil}
	levelCommand     = flexLevel{"CommandMessage", [][]string{{"operation"}}}
)

const flexHasNext = 0x80

func flexLevels(class string) []flexLevel {
	switch class {
	case ClassAcknowledgeMessageExt:
		return []flexLevel{levelAbstract, levelAsync, levelAcknowledge}
	case ClassAsyncMessageExt:
		return []flexLevel{levelAbstract, levelAsync}
	case ClassCommandMessageExt:
		return []flexLevel{levelAbstract, levelAsync, levelCommand}
	}
	return nil
}

// flexFieldName names bit b of flag byte i at level l. Bits past a level's
// known fields (up to bit 5) are "unknown" fields.
func (l flexLevel) fieldName(i, b int) string {
	if i < len(l.fields) && b < len(l.fields[i]) {
		return l.fields[i][b]
	}
	return fmt.Sprintf("unknown.%s.%d.%d", l.name, i, b)
}

// reads reports whether bit b of flag byte i at level l names a value that
// follows: known fields, and unknown bits from the first unknown position
// up to bit 5 (BlazeDS's forward-compatibility loop stops at 6).
func (l flexLevel) reads(i, b int) bool {
	if i < len(l.fields) && b < len(l.fields[i]) {
		return true
	}
	return b < 6
}

func (d *decoder) external(v *Value, start int) error {
	switch v.Class {
	case ClassArrayCollection, ClassObjectProxy:
		e, err := d.value3()
		if e.Kind != KindInvalid {
			v.Elems = []Value{e}
		}
		return err
	}
	levels := flexLevels(v.Class)
	if levels == nil {
		v.Kind = KindError
		v.Str = "unknown externalizable class"
		return d.errf(start, ErrExternalizable, "class %q", v.Class)
	}
	for _, l := range levels {
		var flags []byte
		for {
			if err := d.need(1, l.name+" flags"); err != nil {
				return err
			}
			f := d.u8()
			flags = append(flags, f)
			if f&flexHasNext == 0 {
				break
			}
		}
		for i, f := range flags {
			for b := 0; b < 7; b++ {
				if f&(1<<b) == 0 || !l.reads(i, b) {
					continue
				}
				p := Prop{Key: l.fieldName(i, b), KeyOffset: -1}
				var err error
				p.Value, err = d.value3()
				v.Props = appendDecoded(v.Props, p, p.Value, err)
				if err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// flexBit finds the level, flag byte and bit a small-message field name
// belongs to, for the encoder.
func flexBit(levels []flexLevel, name string) (level, byteIdx, bit int, ok bool) {
	for li, l := range levels {
		for i, names := range l.fields {
			for b, n := range names {
				if n == name {
					return li, i, b, true
				}
			}
		}
		var i, b int
		if _, err := fmt.Sscanf(name, "unknown."+l.name+".%d.%d", &i, &b); err == nil && b >= 0 && b < 6 && i >= 0 && i < 16 {
			return li, i, b, true
		}
	}
	return 0, 0, 0, false
}
