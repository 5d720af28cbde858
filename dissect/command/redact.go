package command

import (
	"strings"

	"github.com/rtmpscope/rtmpscope/dissect/amf"
)

// Mask replaces a secret.
const Mask = "****"

// Redactor hides secrets in decoded messages: stream names (which are
// usually stream keys) and the values of URL query parameters (tokens).
// It remembers the secrets it has seen, so that a later message quoting
// one (an onStatus description or details naming the stream) is scrubbed
// too: use one Redactor per connection, for both directions.
//
// The rule:
//
//   - A stream name (the name argument of publish, play, releaseStream,
//     FCPublish, FCUnpublish, FCSubscribe, FCUnsubscribe, getStreamLength,
//     and play2's streamName/oldStreamName) keeps a short readable prefix
//     up to and including its first "_" or "-" when that prefix is at most
//     half the name ("live_8f3a2c1d" → "live_****"); otherwise it becomes
//     "****". A query string on it keeps its keys and loses its values
//     ("?token=s3cr3t" → "?token=****").
//   - URLs (connect's tcUrl, swfUrl, pageUrl, and any string value that
//     looks like scheme://...) keep scheme, host, port and path (so the
//     app name stays visible) and lose query values and any password.
//   - connect's app keeps its name and loses query values
//     ("live?key=x" → "live?key=****").
//   - Every other string value in the message has each secret seen so far
//     (stream names, query values) replaced by its redacted form.
//
// Byte offsets are kept, so a hex view of the original bytes would still
// show the secrets: sinks that show raw bytes must mask them themselves.
type Redactor struct {
	secrets map[string]string // secret → replacement
}

// NewRedactor returns a Redactor that has seen no secrets yet.
func NewRedactor() *Redactor { return &Redactor{secrets: map[string]string{}} }

// Redact returns a redacted copy of c using a fresh Redactor.
func Redact(c Command) Command { return NewRedactor().Command(c) }

// RedactStreamName applies the stream-name rule to one name.
func RedactStreamName(name string) string {
	base, query, hasQuery := strings.Cut(name, "?")
	out := redactName(base)
	if hasQuery {
		out += "?" + redactQuery(query)
	}
	return out
}

func redactName(s string) string {
	if s == "" {
		return ""
	}
	if i := strings.IndexAny(s, "_-"); i > 0 && i+1 <= len(s)/2 {
		return s[:i+1] + Mask
	}
	return Mask
}

// redactQuery masks every value of a query string, keeping the keys.
func redactQuery(q string) string {
	parts := strings.Split(q, "&")
	for i, p := range parts {
		k, v, ok := strings.Cut(p, "=")
		switch {
		case ok && v != "":
			parts[i] = k + "=" + Mask
		case !ok && k != "":
			parts[i] = Mask // a bare token
		}
	}
	return strings.Join(parts, "&")
}

// RedactURL applies the URL rule to one URL.
func RedactURL(u string) string {
	rest, _, hasFrag := strings.Cut(u, "#")
	rest, query, hasQuery := strings.Cut(rest, "?")
	if scheme, after, ok := strings.Cut(rest, "://"); ok {
		auth, path, hasPath := strings.Cut(after, "/")
		if at := strings.LastIndexByte(auth, '@'); at >= 0 {
			user, _, hasPass := strings.Cut(auth[:at], ":")
			if hasPass {
				auth = user + ":" + Mask + auth[at:]
			}
		}
		rest = scheme + "://" + auth
		if hasPath {
			rest += "/" + path
		}
	}
	if hasQuery {
		rest += "?" + redactQuery(query)
	}
	if hasFrag {
		rest += "#" + Mask
	}
	return rest
}

// remember records the secrets in a stream name or URL query.
func (r *Redactor) remember(secret, replacement string) {
	if len(secret) >= 3 && secret != replacement {
		r.secrets[secret] = replacement
	}
}

func (r *Redactor) rememberQuery(q string) {
	for _, p := range strings.Split(q, "&") {
		if _, v, ok := strings.Cut(p, "="); ok {
			r.remember(v, Mask)
		} else {
			r.remember(p, Mask)
		}
	}
}

func (r *Redactor) streamName(name string) string {
	red := RedactStreamName(name)
	base, query, hasQuery := strings.Cut(name, "?")
	r.remember(name, red)
	r.remember(base, redactName(base))
	if hasQuery {
		r.rememberQuery(query)
	}
	return red
}

func (r *Redactor) url(u string) string {
	if _, q, ok := strings.Cut(u, "?"); ok {
		q, _, _ = strings.Cut(q, "#")
		r.rememberQuery(q)
	}
	return RedactURL(u)
}

// String replaces every secret seen so far in s, and redacts s as a URL
// if it looks like one.
func (r *Redactor) String(s string) string {
	if strings.Contains(s, "://") {
		s = r.url(s)
	}
	// Longest secrets first, so a full name is replaced before its parts.
	for len(r.secrets) > 0 {
		best := ""
		for sec := range r.secrets {
			if strings.Contains(s, sec) && len(sec) > len(best) {
				best = sec
			}
		}
		if best == "" {
			break
		}
		s = strings.ReplaceAll(s, best, r.secrets[best])
	}
	return s
}

// Command returns a redacted copy of c; c is not modified.
func (r *Redactor) Command(c Command) Command {
	out := c
	out.Values = append([]amf.Value(nil), c.Values...)
	// First learn this message's own secrets.
	switch c.Name {
	case "publish", "play", "releaseStream", "FCPublish", "FCUnpublish", "FCSubscribe", "FCUnsubscribe", "getStreamLength":
		if len(out.Values) > 3 {
			if s, ok := out.Values[3].AsString(); ok {
				out.Values[3] = withStr(out.Values[3], r.streamName(s))
			}
		}
	case "play2":
		if len(out.Values) > 3 {
			out.Values[3] = mapProps(out.Values[3], func(k, s string) string {
				if k == "streamName" || k == "oldStreamName" {
					return r.streamName(s)
				}
				return r.String(s)
			})
		}
	case "connect":
		if len(out.Values) > 2 {
			out.Values[2] = mapProps(out.Values[2], func(k, s string) string {
				switch k {
				case "tcUrl", "swfUrl", "pageUrl":
					return r.url(s)
				case "app":
					if base, q, ok := strings.Cut(s, "?"); ok {
						r.rememberQuery(q)
						return base + "?" + redactQuery(q)
					}
					return s
				}
				return r.String(s)
			})
		}
	}
	// Then scrub everything (the command name and the parts rewritten
	// above are left alone).
	for i := range out.Values {
		if i == 0 || (i == 3 && isStreamCall(c.Name)) || (i == 2 && c.Name == "connect") {
			continue
		}
		out.Values[i] = mapStrings(out.Values[i], r.String)
	}
	if len(out.Values) > 2 {
		out.CommandObject = out.Values[2]
	}
	if len(out.Values) > 3 {
		out.Args = out.Values[3:]
	}
	return out
}

func isStreamCall(name string) bool {
	switch name {
	case "publish", "play", "play2", "releaseStream", "FCPublish", "FCUnpublish", "FCSubscribe", "FCUnsubscribe", "getStreamLength":
		return true
	}
	return false
}

// Data returns a copy of d with the secrets seen so far scrubbed from its
// strings.
func (r *Redactor) Data(d Data) Data {
	out := d
	out.Args = make([]amf.Value, len(d.Args))
	for i, a := range d.Args {
		out.Args[i] = mapStrings(a, r.String)
	}
	out.Values = make([]amf.Value, len(d.Values))
	for i, v := range d.Values {
		out.Values[i] = mapStrings(v, r.String)
	}
	return out
}

func withStr(v amf.Value, s string) amf.Value {
	v.Str = s
	return v
}

// mapProps rewrites the string members of an object by key; nested
// values go through mapStrings with the same function under key "".
func mapProps(v amf.Value, f func(key, s string) string) amf.Value {
	if len(v.Props) == 0 {
		return v
	}
	props := make([]amf.Prop, len(v.Props))
	for i, p := range v.Props {
		if s, ok := p.Value.AsString(); ok && p.Value.Kind == amf.KindString {
			p.Value = withStr(p.Value, f(p.Key, s))
		} else {
			p.Value = mapStrings(p.Value, func(s string) string { return f("", s) })
		}
		props[i] = p
	}
	v.Props = props
	return v
}

// mapStrings returns a copy of v with f applied to every string value
// (not to member names), copying the containers it rewrites. A reference's
// target is rewritten one level deep; references inside a target lose
// their target (they could lead back into a cycle, or to unredacted data).
func mapStrings(v amf.Value, f func(string) string) amf.Value {
	return mapStringsRef(v, f, true)
}

func mapStringsRef(v amf.Value, f func(string) string, follow bool) amf.Value {
	switch v.Kind {
	case amf.KindString, amf.KindXML, amf.KindXMLDocument:
		v.Str = f(v.Str)
		return v
	}
	if len(v.Props) > 0 {
		props := make([]amf.Prop, len(v.Props))
		for i, p := range v.Props {
			p.Value = mapStringsRef(p.Value, f, follow)
			props[i] = p
		}
		v.Props = props
	}
	if len(v.Elems) > 0 {
		elems := make([]amf.Value, len(v.Elems))
		for i, e := range v.Elems {
			elems[i] = mapStringsRef(e, f, follow)
		}
		v.Elems = elems
	}
	if len(v.Entries) > 0 {
		entries := make([]amf.Entry, len(v.Entries))
		for i, e := range v.Entries {
			entries[i] = amf.Entry{Key: mapStringsRef(e.Key, f, follow), Value: mapStringsRef(e.Value, f, follow)}
		}
		v.Entries = entries
	}
	if v.Target != nil {
		if follow {
			t := mapStringsRef(*v.Target, f, false)
			v.Target = &t
		} else {
			v.Target = nil
		}
	}
	return v
}
