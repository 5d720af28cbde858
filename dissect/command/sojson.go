package command

import (
	hexenc "encoding/hex"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/rtmpscope/rtmpscope/dissect/amf"
)

// MarshalJSON writes the NDJSON "shared_object" body: name, version,
// flags, persistent, amf3, events, and error when decoding stopped early.
// Each event has type (its name), type_id, offset, length and the fields
// its type carries: name; pairs (an ordered object of slot values); method
// and args; code and level; data (hex, unknown types); error. Values use
// the amf JSON mapping (dissect/amf/JSON.md).
func (so SharedObject) MarshalJSON() ([]byte, error) {
	b := []byte(`{"name":`)
	b = appendJSONString(b, so.Name)
	b = append(b, `,"version":`...)
	b = strconv.AppendUint(b, uint64(so.Version), 10)
	b = append(b, `,"flags":`...)
	b = strconv.AppendUint(b, uint64(so.Flags), 10)
	b = append(b, `,"persistent":`...)
	b = strconv.AppendBool(b, so.Persistent)
	b = append(b, `,"amf3":`...)
	b = strconv.AppendBool(b, so.AMF3)
	b = append(b, `,"events":[`...)
	for i, e := range so.Events {
		if i > 0 {
			b = append(b, ',')
		}
		b = e.appendJSON(b)
	}
	b = append(b, ']')
	if so.Err != nil {
		b = append(b, `,"error":`...)
		b = appendJSONString(b, so.Err.Error())
	}
	return append(b, '}'), nil
}

func (e SOEvent) appendJSON(b []byte) []byte {
	b = append(b, `{"type":`...)
	b = appendJSONString(b, e.Type.String())
	b = append(b, `,"type_id":`...)
	b = strconv.AppendUint(b, uint64(e.Type), 10)
	b = append(b, `,"offset":`...)
	b = strconv.AppendInt(b, int64(e.Offset), 10)
	b = append(b, `,"length":`...)
	b = strconv.AppendInt(b, int64(e.Length), 10)
	if e.Name != "" {
		b = append(b, `,"name":`...)
		b = appendJSONString(b, e.Name)
	}
	if e.Pairs != nil {
		b = append(b, `,"pairs":{`...)
		for i, p := range e.Pairs {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONKey(b, p.Key)
			b = append(b, ':')
			b = amf.AppendJSON(b, p.Value)
		}
		b = append(b, '}')
	}
	if e.Method != "" {
		b = append(b, `,"method":`...)
		b = appendJSONString(b, e.Method)
	}
	if e.Args != nil {
		b = append(b, `,"args":[`...)
		for i, a := range e.Args {
			if i > 0 {
				b = append(b, ',')
			}
			b = amf.AppendJSON(b, a)
		}
		b = append(b, ']')
	}
	if e.Code != "" || e.Level != "" {
		b = append(b, `,"code":`...)
		b = appendJSONString(b, e.Code)
		b = append(b, `,"level":`...)
		b = appendJSONString(b, e.Level)
	}
	if e.Data != nil {
		b = append(b, `,"data":"`...)
		b = hexenc.AppendEncode(b, e.Data)
		b = append(b, '"')
	}
	if e.Err != nil {
		b = append(b, `,"error":`...)
		b = appendJSONString(b, e.Err.Error())
	}
	return append(b, '}')
}

// appendJSONKey writes an object key: always a JSON string (invalid UTF-8
// replaced), with a leading "$" doubled as the amf mapping does, so that a
// slot name cannot pose as a tag.
func appendJSONKey(b []byte, k string) []byte {
	if strings.HasPrefix(k, "$") {
		k = "$" + k
	}
	q, _ := json.Marshal(k) // a string always marshals
	return append(b, q...)
}
