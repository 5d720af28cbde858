package command

import "github.com/rtmpscope/rtmpscope/dissect/amf"

// SharedObject returns a copy of so with the secrets seen so far scrubbed
// from its name, slot names and values, SendMessage method and arguments,
// status strings and the raw data of unknown events. Shared-object fields
// teach no new secrets: a key reaches them from a connection, stream or
// URL the Redactor has seen.
func (r *Redactor) SharedObject(so SharedObject) SharedObject {
	out := so
	out.Name = r.secrets.replace(so.Name)
	out.Events = make([]SOEvent, len(so.Events))
	for i, ev := range so.Events {
		ev.Name = r.secrets.replace(ev.Name)
		ev.Method = r.secrets.replace(ev.Method)
		ev.Code = r.secrets.replace(ev.Code)
		ev.Level = r.secrets.replace(ev.Level)
		if len(ev.Pairs) > 0 {
			pairs := make([]amf.Prop, len(ev.Pairs))
			for j, p := range ev.Pairs {
				p.Key = r.secrets.replace(p.Key)
				p.Value = mapStrings(p.Value, r.String, r.secrets.replace)
				pairs[j] = p
			}
			ev.Pairs = pairs
		}
		if len(ev.Args) > 0 {
			args := make([]amf.Value, len(ev.Args))
			for j, a := range ev.Args {
				args[j] = mapStrings(a, r.String, r.secrets.replace)
			}
			ev.Args = args
		}
		if len(ev.Data) > 0 {
			if s := r.secrets.replace(string(ev.Data)); s != string(ev.Data) {
				ev.Data = []byte(s)
			}
		}
		out.Events[i] = ev
	}
	return out
}

// Bytes returns b with the secrets seen so far replaced (b itself when
// nothing changed), for raw bytes a sink shows as text.
func (r *Redactor) Bytes(b []byte) []byte {
	if r.secrets.empty() {
		return b
	}
	if s := r.secrets.replace(string(b)); s != string(b) {
		return []byte(s)
	}
	return b
}
