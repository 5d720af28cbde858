package session

import (
	"github.com/rtmpscope/rtmpscope/dissect/amf"
	"github.com/rtmpscope/rtmpscope/dissect/command"
	"github.com/rtmpscope/rtmpscope/dissect/media"
	"github.com/rtmpscope/rtmpscope/event"
)

// This file finds the body byte ranges of what the redactor masked, so that
// a viewer of raw bytes (the TUI's hex pane, --payload) can mask them too:
// every string, member name, class name and ByteArray whose redacted copy
// differs, in commands, data, shared objects and the data sub-messages of
// aggregates.

// valueSecrets appends the ranges of the values that differ between plain
// and its redacted copy red (the redactor keeps shape and offsets).
func valueSecrets(body []byte, plain, red []amf.Value, out []Secret) []Secret {
	for i := 0; i < len(plain) && i < len(red); i++ {
		out = secretsOf(body, &plain[i], &red[i], out)
	}
	return out
}

// addRange appends the range [off, off+len(plain)) when it lies in body.
func addRange(body []byte, off int, plain, red string, out []Secret) []Secret {
	if off < 0 || off+len(plain) > len(body) || plain == "" {
		return out
	}
	return append(out, Secret{Off: off, Len: len(plain), Plain: plain, Redacted: red})
}

// secretsOf appends the ranges of the strings that differ between a plain
// value and its redacted copy. A string's range is its content, the last
// len(Str) bytes of its encoding; an AMF3 string sent by reference has
// none of its own and is skipped (its first sending was masked).
func secretsOf(body []byte, plain, red *amf.Value, out []Secret) []Secret {
	switch plain.Kind {
	case amf.KindString, amf.KindXML, amf.KindXMLDocument:
		if plain.Str != red.Str && !plain.IsStrRef {
			out = addRange(body, plain.Offset+plain.Length-len(plain.Str), plain.Str, red.Str, out)
		}
		return out
	case amf.KindByteArray:
		if string(plain.Bytes) != string(red.Bytes) {
			out = addRange(body, plain.Offset+plain.Length-len(plain.Bytes), string(plain.Bytes), string(red.Bytes), out)
		}
		return out
	}
	if plain.Class != red.Class {
		if off, ok := classOffset(body, plain); ok {
			out = addRange(body, off, plain.Class, red.Class, out)
		}
	}
	for i := 0; i < len(plain.Props) && i < len(red.Props); i++ {
		p, r := &plain.Props[i], &red.Props[i]
		if p.Key != r.Key && p.KeyOffset >= 0 {
			// The key's content ends its encoding (a length, then bytes).
			out = addRange(body, p.KeyOffset+p.KeyLen-len(p.Key), p.Key, r.Key, out)
		}
		out = secretsOf(body, &p.Value, &r.Value, out)
	}
	for i := 0; i < len(plain.Elems) && i < len(red.Elems); i++ {
		out = secretsOf(body, &plain.Elems[i], &red.Elems[i], out)
	}
	for i := 0; i < len(plain.Entries) && i < len(red.Entries); i++ {
		out = secretsOf(body, &plain.Entries[i].Key, &red.Entries[i].Key, out)
		out = secretsOf(body, &plain.Entries[i].Value, &red.Entries[i].Value, out)
	}
	// Reference targets are the values decoded earlier, whose ranges
	// were found where they were sent.
	return out
}

// classOffset finds where an object's class name is written: after an
// AMF0 typed-object marker and its U16 length, or after an AMF3 object
// marker, inline traits and the class name's U29 length. A class name
// from the traits or string table has no bytes of its own here.
func classOffset(body []byte, v *amf.Value) (int, bool) {
	p := v.Offset
	if v.AVMPlus {
		p++
	}
	if p < 0 || p >= len(body) {
		return 0, false
	}
	if v.Format == amf.AMF0 {
		return p + 3, v.Marker == 0x10
	}
	if v.IsTraitsRef || v.IsStrRef {
		return 0, false
	}
	p++ // marker
	_, n := u29(body, p)
	if n == 0 {
		return 0, false
	}
	p += n
	_, n = u29(body, p)
	if n == 0 {
		return 0, false
	}
	return p + n, true
}

// u29 reads an AMF3 variable-length integer at p: its value and length
// (0 when it does not fit).
func u29(b []byte, p int) (uint32, int) {
	var v uint32
	for i := 0; i < 4; i++ {
		if p+i >= len(b) {
			return 0, 0
		}
		c := b[p+i]
		if i == 3 {
			return v<<8 | uint32(c), 4
		}
		v = v<<7 | uint32(c&0x7f)
		if c&0x80 == 0 {
			return v, i + 1
		}
	}
	return v, 4
}

// sharedObjectSecrets appends the ranges of the shared-object fields the
// redactor changed: the name, slot names and values, event names, status
// strings, SendMessage values.
func sharedObjectSecrets(body []byte, plain, red *command.SharedObject, out []Secret) []Secret {
	base := 0
	if plain.AMF3 && len(body) > 0 && body[0] == 0 {
		base = 1
	}
	if plain.Name != red.Name {
		out = addRange(body, base+2, plain.Name, red.Name, out)
	}
	for i := 0; i < len(plain.Events) && i < len(red.Events); i++ {
		p, r := &plain.Events[i], &red.Events[i]
		data := p.Offset + 5
		if p.Name != r.Name {
			out = addRange(body, data+2, p.Name, r.Name, out)
		}
		if p.Code != r.Code {
			out = addRange(body, data+2, p.Code, r.Code, out)
		}
		if p.Level != r.Level {
			out = addRange(body, data+2+2+len(p.Code), p.Level, r.Level, out)
		}
		if string(p.Data) != string(r.Data) {
			out = addRange(body, data, string(p.Data), string(r.Data), out)
		}
		for j := 0; j < len(p.Pairs) && j < len(r.Pairs); j++ {
			pp, rp := &p.Pairs[j], &r.Pairs[j]
			if pp.Key != rp.Key {
				out = addRange(body, pp.KeyOffset+2, pp.Key, rp.Key, out)
			}
			out = secretsOf(body, &pp.Value, &rp.Value, out)
		}
		if p.Method != r.Method && data+3 <= len(body) {
			// The method is an AMF0 string: marker, U16 length, bytes.
			out = addRange(body, data+3, p.Method, r.Method, out)
		}
		out = valueSecrets(body, p.Args, r.Args, out)
	}
	return out
}

// redactAggregate redacts the data sub-messages (onMetaData and the like)
// of an aggregate: it decodes each, redacts it with the connection's
// redactor, and when something was masked replaces the sub-message's body
// with the redacted values re-encoded (so `extract` writes no key) and
// returns the masked ranges in the aggregate's body.
func (t *Tracker) redactAggregate(cs *connState, subs []media.SubMessage, body []byte, out []Secret) []Secret {
	for i := range subs {
		sub := &subs[i]
		if sub.TypeID != event.TypeDataAMF0 && sub.TypeID != event.TypeDataAMF3 || len(sub.Body) == 0 {
			continue
		}
		amf3 := sub.TypeID == event.TypeDataAMF3
		base := sub.Offset + aggregateHeader
		d, err := command.DecodeData(sub.Body, base, amf3, amf.Options{})
		red := cs.redactor.Data(d)
		n := len(out)
		out = valueSecrets(body, d.Values, red.Values, out)
		if len(out) == n {
			continue
		}
		if err != nil || amf3 {
			// Cannot be re-encoded faithfully: mask the body outright.
			sub.Body = maskBytes(sub.Body)
			continue
		}
		if enc, err := amf.Encode0(red.Values...); err == nil {
			sub.Body = enc
		} else {
			sub.Body = maskBytes(sub.Body)
		}
	}
	return out
}

// aggregateHeader is the size of an aggregate record's FLV tag header.
const aggregateHeader = 11

// maskBytes returns a copy of b with every byte a '*'.
func maskBytes(b []byte) []byte {
	m := make([]byte, len(b))
	for i := range m {
		m[i] = '*'
	}
	return m
}

// MaskedBody is the message body with every secret's bytes overwritten
// with '*' (the body itself when nothing was masked): what a sink that
// dumps raw bytes (--payload, a spill file) writes.
func (r *Record) MaskedBody() []byte {
	if r.Message == nil {
		return nil
	}
	if len(r.Secrets) == 0 {
		return r.Message.Body
	}
	b := append([]byte(nil), r.Message.Body...)
	for _, sec := range r.Secrets {
		if sec.Off >= 0 && sec.Off+sec.Len <= len(b) {
			for j := sec.Off; j < sec.Off+sec.Len; j++ {
				b[j] = '*'
			}
		}
	}
	return b
}
