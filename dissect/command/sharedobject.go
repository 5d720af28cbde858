package command

import (
	"encoding/binary"
	"fmt"

	"github.com/rtmpscope/rtmpscope/dissect/amf"
)

// SOEventType is a shared-object event type (RTMP 1.0 §7.1.3).
type SOEventType uint8

// Shared-object event types.
const (
	SOUse           SOEventType = 1
	SORelease       SOEventType = 2
	SORequestChange SOEventType = 3
	SOChange        SOEventType = 4
	SOSuccess       SOEventType = 5
	SOSendMessage   SOEventType = 6
	SOStatus        SOEventType = 7
	SOClear         SOEventType = 8
	SORemove        SOEventType = 9
	SORequestRemove SOEventType = 10
	SOUseSuccess    SOEventType = 11
)

var soEventNames = map[SOEventType]string{
	SOUse: "Use", SORelease: "Release", SORequestChange: "Request Change", SOChange: "Change",
	SOSuccess: "Success", SOSendMessage: "SendMessage", SOStatus: "Status", SOClear: "Clear",
	SORemove: "Remove", SORequestRemove: "Request Remove", SOUseSuccess: "Use Success",
}

func (t SOEventType) String() string {
	if n, ok := soEventNames[t]; ok {
		return n
	}
	return fmt.Sprintf("Unknown(%d)", uint8(t))
}

// SharedObject is a shared-object message (type 19 AMF0, 16 AMF3): the
// object's name, version, persistence, and its events.
//
// Layout (RTMP 1.0 §7.1.3, with the field sizes real servers use): name
// (U16 length + UTF-8), current version (U32), flags (U32; 2 means
// persistent) and 4 reserved bytes, then events, each a type (U8), a data
// length (U32) and the data.
type SharedObject struct {
	Name       string
	Version    uint32
	Flags      uint32
	Persistent bool
	Events     []SOEvent
	AMF3       bool
	Err        error
}

// SOEvent is one shared-object event with its data decoded by type:
//
//   - Use, Release, Clear, Use Success: no data.
//   - Request Change, Change: Pairs, slot name/value pairs (U16 name, AMF value).
//   - Success, Remove, Request Remove: Name, the slot name (U16 string).
//   - SendMessage: Method and Args, AMF values (a string method name, then arguments).
//   - Status: Code and Level (two U16 strings).
type SOEvent struct {
	Type   SOEventType
	Offset int // of the event type byte, plus base
	Length int // data length as sent

	Name   string
	Pairs  []amf.Prop
	Method string
	Args   []amf.Value
	Code   string
	Level  string
	Data   []byte // the raw data of an unknown event type
	Err    error  // the event's data did not decode cleanly
}

// DecodeSharedObject decodes a shared-object message body; amf3 selects the
// type 16 form (a format byte, then the same layout with AVM+ switches in
// values).
func DecodeSharedObject(body []byte, base int, amf3 bool, opts amf.Options) (SharedObject, error) {
	so := SharedObject{AMF3: amf3}
	if amf3 && len(body) > 0 && body[0] == 0 {
		body, base = body[1:], base+1
	}
	fail := func(off int, reason error, detail string) (SharedObject, error) {
		so.Err = &amf.Error{Offset: base + off, Reason: reason, Detail: detail}
		return so, so.Err
	}
	if len(body) < 2 {
		return fail(0, amf.ErrTruncated, "shared object name length")
	}
	n := int(binary.BigEndian.Uint16(body))
	if len(body) < 2+n+12 {
		return fail(0, amf.ErrTruncated, "shared object header")
	}
	so.Name = string(body[2 : 2+n])
	p := 2 + n
	so.Version = binary.BigEndian.Uint32(body[p:])
	so.Flags = binary.BigEndian.Uint32(body[p+4:])
	so.Persistent = so.Flags == 2
	p += 12
	for p < len(body) {
		at := p
		if len(body)-p < 5 {
			return fail(at, amf.ErrTruncated, "shared object event header")
		}
		ev := SOEvent{Type: SOEventType(body[p]), Offset: base + p, Length: int(binary.BigEndian.Uint32(body[p+1:]))}
		p += 5
		if uint64(ev.Length) > uint64(len(body)-p) {
			so.Events = append(so.Events, ev)
			return fail(at, amf.ErrTruncated, fmt.Sprintf("%v event data of %d bytes, %d remain", ev.Type, ev.Length, len(body)-p))
		}
		data := body[p : p+ev.Length]
		ev.decode(data, base+p, opts)
		so.Events = append(so.Events, ev)
		p += ev.Length
	}
	return so, nil
}

func (ev *SOEvent) decode(data []byte, base int, opts amf.Options) {
	str16 := func(p int) (string, int, bool) {
		if len(data)-p < 2 {
			return "", p, false
		}
		n := int(binary.BigEndian.Uint16(data[p:]))
		if len(data)-p-2 < n {
			return "", p, false
		}
		return string(data[p+2 : p+2+n]), p + 2 + n, true
	}
	bad := func(p int, detail string) {
		ev.Err = &amf.Error{Offset: base + p, Reason: amf.ErrTruncated, Detail: detail}
	}
	switch ev.Type {
	case SOUse, SORelease, SOClear, SOUseSuccess:
		// No data; keep any that a peer sent anyway.
		if len(data) > 0 {
			ev.Data = data
		}
	case SORequestChange, SOChange:
		for p := 0; p < len(data); {
			name, q, ok := str16(p)
			if !ok {
				bad(p, "slot name")
				return
			}
			v, used, err := amf.Decode0(data[q:], base+q, opts)
			prop := amf.Prop{Key: name, KeyOffset: base + p, KeyLen: q - p, Value: v}
			if err != nil {
				if v.Kind != amf.KindInvalid {
					ev.Pairs = append(ev.Pairs, prop)
				}
				ev.Err = err
				return
			}
			ev.Pairs = append(ev.Pairs, prop)
			p = q + used
		}
	case SOSuccess, SORemove, SORequestRemove:
		name, _, ok := str16(0)
		if !ok {
			bad(0, "slot name")
			return
		}
		ev.Name = name
	case SOStatus:
		code, q, ok := str16(0)
		if !ok {
			bad(0, "status code")
			return
		}
		level, _, ok := str16(q)
		if !ok {
			bad(q, "status level")
			return
		}
		ev.Code, ev.Level = code, level
	case SOSendMessage:
		vals, err := amf.DecodeAll(data, base, opts)
		ev.Err = err
		if len(vals) > 0 {
			if m, ok := vals[0].Resolve().AsString(); ok {
				ev.Method = m
				vals = vals[1:]
			}
		}
		ev.Args = vals
	default:
		ev.Data = data
	}
}
