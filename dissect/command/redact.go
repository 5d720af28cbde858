package command

import (
	"strings"

	"github.com/rtmpscope/rtmpscope/dissect/amf"
)

// Mask replaces a secret.
const Mask = "****"

// Redactor hides secrets in decoded messages: stream names (which are
// usually stream keys), the values of URL query parameters (tokens), the
// part of an rtmp URL's path past the application (where Twitch, Restream
// and others put the key), and connect's extra arguments. It remembers the
// secrets it has seen, so that a later string quoting one (an onStatus
// description, a shared-object slot, a property name, a ByteArray) is
// scrubbed too: use one Redactor per connection, for both directions.
//
// The rule:
//
//   - A stream name (the name argument of publish, play, releaseStream,
//     FCPublish, FCUnpublish, FCSubscribe, FCUnsubscribe, getStreamLength,
//     and play2's streamName/oldStreamName) keeps a short readable prefix
//     up to and including its first "_" or "-" when that prefix is at most
//     half the name ("live_8f3a2c1d" → "live_****#1"); otherwise it becomes
//     "****#1". A query string on it keeps its keys and loses its values
//     ("?token=s3cr3t" → "?token=****#2"). A stream call whose name is not
//     a string (publish with an object) has every string in it masked.
//   - URLs (connect's tcUrl, swfUrl, pageUrl, and any string value that
//     looks like scheme://...) keep scheme, host and port and lose query
//     values and any password. An rtmp URL (rtmp, rtmps, rtmpe, rtmpt, ...)
//     keeps the application part of its path (connect's app, or the first
//     segment when no app is known) and loses each segment after it, with
//     the stream-name rule; other URLs keep their path.
//   - connect's app keeps its name and loses query values
//     ("live?key=x" → "live?key=****#3"); its extra arguments (after the
//     command object: ffmpeg's -rtmp_conn, rtmpdump's -C) are credentials
//     by design and every string in them is masked.
//   - Every other string value, property name, class name and ByteArray
//     in the message has each secret seen so far replaced by its redacted
//     form, wherever it occurs in the string; a secret shorter than three
//     bytes only where it stands as a whole word.
//
// Each distinct secret gets its own numbered mask from the Tags table the
// Redactor was given ("****#1", "****#2"; see Tags), so outputs can tell
// secrets apart without showing them. The remembered set is bounded
// (DefaultMaxSecrets, oldest forgotten first) and matched in time linear in
// the string, so a connection that teaches thousands of names cannot make
// redaction quadratic.
//
// Byte offsets are kept, so a hex view of the original bytes would still
// show the secrets: sinks that show raw bytes must mask them themselves.
type Redactor struct {
	secrets *secretSet
	tags    *Tags
	app     string // connect's app, the part of an rtmp URL path kept
}

// NewRedactor returns a Redactor that has seen no secrets yet, with a tag
// table of its own.
func NewRedactor() *Redactor { return NewRedactorWith(NewTags(0), 0) }

// NewRedactorWith returns a Redactor numbering secrets from tags (shared by
// every Redactor of one run, so a key has one tag in every connection) and
// remembering at most maxSecrets of them (DefaultMaxSecrets when <= 0).
func NewRedactorWith(tags *Tags, maxSecrets int) *Redactor {
	return &Redactor{secrets: newSecretSet(maxSecrets), tags: tags}
}

// Redact returns a redacted copy of c using a fresh Redactor.
func Redact(c Command) Command { return NewRedactor().Command(c) }

// untagged masks every secret with the plain Mask.
func untagged(string) string { return Mask }

// RedactStreamName applies the stream-name rule to one name (with the
// plain mask, no tag).
func RedactStreamName(name string) string { return redactStreamName(name, untagged) }

func redactStreamName(name string, mask func(string) string) string {
	base, query, hasQuery := strings.Cut(name, "?")
	out := redactName(base, mask)
	if hasQuery {
		out += "?" + redactQuery(query, mask)
	}
	return out
}

// splitName splits a stream name into the readable prefix the rule keeps
// and the secret rest.
func splitName(s string) (prefix, secret string) {
	if i := strings.IndexAny(s, "_-"); i > 0 && i+1 <= len(s)/2 {
		return s[:i+1], s[i+1:]
	}
	return "", s
}

func redactName(s string, mask func(string) string) string {
	if s == "" {
		return ""
	}
	prefix, secret := splitName(s)
	return prefix + mask(secret)
}

// redactQuery masks every value of a query string, keeping the keys.
func redactQuery(q string, mask func(string) string) string {
	parts := strings.Split(q, "&")
	for i, p := range parts {
		k, v, ok := strings.Cut(p, "=")
		switch {
		case ok && v != "":
			parts[i] = k + "=" + mask(v)
		case !ok && k != "":
			parts[i] = mask(k) // a bare token
		}
	}
	return strings.Join(parts, "&")
}

// RedactURL applies the URL rule to one URL (with the plain mask, no tag,
// and the first path segment of an rtmp URL taken as its application).
func RedactURL(u string) string { return redactURL(u, "", untagged) }

// isRTMPScheme reports whether scheme is one of RTMP's, whose URL path is
// the application and then the stream (or instance and stream).
func isRTMPScheme(scheme string) bool {
	return strings.HasPrefix(strings.ToLower(scheme), "rtmp")
}

func redactURL(u, app string, mask func(string) string) string {
	rest, frag, hasFrag := strings.Cut(u, "#")
	rest, query, hasQuery := strings.Cut(rest, "?")
	if scheme, after, ok := strings.Cut(rest, "://"); ok {
		auth, path, hasPath := strings.Cut(after, "/")
		if at := strings.LastIndexByte(auth, '@'); at >= 0 {
			user, pass, hasPass := strings.Cut(auth[:at], ":")
			if hasPass {
				auth = user + ":" + mask(pass) + auth[at:]
			}
		}
		rest = scheme + "://" + auth
		if hasPath {
			if isRTMPScheme(scheme) {
				path = redactRTMPPath(path, app, mask)
			}
			rest += "/" + path
		}
	}
	if hasQuery {
		rest += "?" + redactQuery(query, mask)
	}
	if hasFrag {
		rest += "#" + mask(frag)
	}
	return rest
}

// rtmpPathSecrets splits an rtmp URL path into the application part kept
// and the segments after it, which name a stream (a key).
func rtmpPathSecrets(path, app string) (kept string, secrets []string) {
	if app != "" && (path == app || strings.HasPrefix(path, app+"/")) {
		kept, path = app, strings.TrimPrefix(path[len(app):], "/")
	} else {
		kept, path, _ = strings.Cut(path, "/")
	}
	for _, seg := range strings.Split(path, "/") {
		if seg != "" {
			secrets = append(secrets, seg)
		}
	}
	return kept, secrets
}

func redactRTMPPath(path, app string, mask func(string) string) string {
	kept, secrets := rtmpPathSecrets(path, app)
	if len(secrets) == 0 {
		return path
	}
	out := kept
	for _, seg := range secrets {
		out += "/" + redactName(seg, mask)
	}
	if strings.HasSuffix(path, "/") {
		out += "/"
	}
	return out
}

// mask returns the tagged mask of one secret.
func (r *Redactor) mask(secret string) string { return r.tags.Mask(secret) }

// remember records a secret and its replacement.
func (r *Redactor) remember(secret, replacement string) {
	r.secrets.add(secret, replacement)
}

func (r *Redactor) rememberQuery(q string) {
	for _, p := range strings.Split(q, "&") {
		if _, v, ok := strings.Cut(p, "="); ok {
			r.remember(v, r.mask(v))
		} else {
			r.remember(p, r.mask(p))
		}
	}
}

// rememberName records a stream name (without query): the whole name and
// its secret part.
func (r *Redactor) rememberName(base string) {
	if base == "" {
		return
	}
	_, secret := splitName(base)
	r.remember(base, redactName(base, r.mask))
	r.remember(secret, r.mask(secret))
}

func (r *Redactor) streamName(name string) string {
	red := redactStreamName(name, r.mask)
	base, query, hasQuery := strings.Cut(name, "?")
	r.remember(name, red)
	r.rememberName(base)
	if hasQuery {
		r.rememberQuery(query)
	}
	return red
}

// secretValue masks a string that is a credential as a whole (connect's
// extra arguments, the strings of a stream call's object argument).
func (r *Redactor) secretValue(s string) string {
	if s == "" {
		return ""
	}
	return r.streamName(s)
}

func (r *Redactor) url(u string) string {
	rest, frag, hasFrag := strings.Cut(u, "#")
	rest, q, hasQuery := strings.Cut(rest, "?")
	if hasQuery {
		r.rememberQuery(q)
	}
	if hasFrag {
		r.remember(frag, r.mask(frag))
	}
	if scheme, after, ok := strings.Cut(rest, "://"); ok {
		auth, path, _ := strings.Cut(after, "/")
		if at := strings.LastIndexByte(auth, '@'); at >= 0 {
			if _, pass, hasPass := strings.Cut(auth[:at], ":"); hasPass {
				r.remember(pass, r.mask(pass))
			}
		}
		if isRTMPScheme(scheme) {
			_, segs := rtmpPathSecrets(path, r.app)
			for _, seg := range segs {
				r.rememberName(seg)
			}
		}
	}
	return redactURL(u, r.app, r.mask)
}

// String replaces every secret seen so far in s, and redacts s as a URL
// if it looks like one.
func (r *Redactor) String(s string) string {
	if strings.Contains(s, "://") {
		s = r.url(s)
	}
	return r.secrets.replace(s)
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
			} else {
				out.Values[3] = mapStrings(out.Values[3], r.secretValue, r.secrets.replace)
			}
		}
	case "play2":
		if len(out.Values) > 3 {
			out.Values[3] = mapProps(out.Values[3], func(k, s string) string {
				if k == "streamName" || k == "oldStreamName" {
					return r.streamName(s)
				}
				return r.String(s)
			}, r.secrets.replace)
		}
	case "connect":
		if len(out.Values) > 2 {
			if app, ok := out.Values[2].Get("app"); ok {
				if s, ok := app.Resolve().AsString(); ok {
					r.app, _, _ = strings.Cut(s, "?")
					r.app = strings.Trim(r.app, "/")
				}
			}
			// Extra arguments are credentials: learn them before the
			// command object, which may quote them.
			for i := 3; i < len(out.Values); i++ {
				out.Values[i] = mapStrings(out.Values[i], r.secretValue, r.secrets.replace)
			}
			out.Values[2] = mapProps(out.Values[2], func(k, s string) string {
				switch k {
				case "tcUrl", "swfUrl", "pageUrl":
					return r.secrets.replace(r.url(s))
				case "app":
					if base, q, ok := strings.Cut(s, "?"); ok {
						r.rememberQuery(q)
						return base + "?" + redactQuery(q, r.mask)
					}
					return s
				}
				return r.String(s)
			}, r.secrets.replace)
		}
	}
	// Then scrub everything (the command name and the parts rewritten
	// above are left alone).
	for i := range out.Values {
		if i == 0 || (i == 3 && isStreamCall(c.Name)) || (i >= 2 && c.Name == "connect") {
			continue
		}
		out.Values[i] = mapStrings(out.Values[i], r.String, r.secrets.replace)
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
	out.Values = make([]amf.Value, len(d.Values))
	for i, v := range d.Values {
		out.Values[i] = mapStrings(v, r.String, r.secrets.replace)
	}
	// Args is the tail of Values: share the redacted copies.
	if n := len(d.Args); n <= len(out.Values) {
		out.Args = out.Values[len(out.Values)-n:]
	}
	return out
}

func withStr(v amf.Value, s string) amf.Value {
	v.Str = s
	return v
}

// mapProps rewrites the string members of an object by key; nested
// values go through mapStrings with the same function under key "".
// Member names go through names (the scrub of known secrets).
func mapProps(v amf.Value, f func(key, s string) string, names func(string) string) amf.Value {
	if len(v.Props) == 0 {
		return mapStrings(v, func(s string) string { return f("", s) }, names)
	}
	v.Class = names(v.Class)
	props := make([]amf.Prop, len(v.Props))
	for i, p := range v.Props {
		if s, ok := p.Value.AsString(); ok && p.Value.Kind == amf.KindString {
			p.Value = withStr(p.Value, f(p.Key, s))
		} else {
			p.Value = mapStrings(p.Value, func(s string) string { return f("", s) }, names)
		}
		p.Key = names(p.Key)
		props[i] = p
	}
	v.Props = props
	return v
}

// mapStrings returns v with f applied to every string value and names
// (the scrub of known secrets) to every member name, class name and
// ByteArray. Containers are copied only when something in them changed
// (a body of 200,000 strings with no secret costs no copy). A reference's
// target is rewritten one level deep; references inside a target lose
// their target (they could lead back into a cycle, or to unredacted data).
func mapStrings(v amf.Value, f, names func(string) string) amf.Value {
	out, _ := mapStringsRef(v, f, names, true)
	return out
}

func mapStringsRef(v amf.Value, f, names func(string) string, follow bool) (amf.Value, bool) {
	switch v.Kind {
	case amf.KindString, amf.KindXML, amf.KindXMLDocument:
		s := f(v.Str)
		if s == v.Str {
			return v, false
		}
		v.Str = s
		return v, true
	case amf.KindByteArray:
		if s := names(string(v.Bytes)); s != string(v.Bytes) {
			v.Bytes = []byte(s)
			return v, true
		}
		return v, false
	}
	changed := false
	if c := names(v.Class); c != v.Class {
		v.Class, changed = c, true
	}
	var props []amf.Prop
	for i, p := range v.Props {
		k := names(p.Key)
		nv, ch := mapStringsRef(p.Value, f, names, follow)
		if k == p.Key && !ch {
			continue
		}
		if props == nil {
			props = append([]amf.Prop(nil), v.Props...)
		}
		props[i].Key, props[i].Value = k, nv
	}
	if props != nil {
		v.Props, changed = props, true
	}
	var elems []amf.Value
	for i, e := range v.Elems {
		ne, ch := mapStringsRef(e, f, names, follow)
		if !ch {
			continue
		}
		if elems == nil {
			elems = append([]amf.Value(nil), v.Elems...)
		}
		elems[i] = ne
	}
	if elems != nil {
		v.Elems, changed = elems, true
	}
	var entries []amf.Entry
	for i, e := range v.Entries {
		k, ch1 := mapStringsRef(e.Key, f, names, follow)
		val, ch2 := mapStringsRef(e.Value, f, names, follow)
		if !ch1 && !ch2 {
			continue
		}
		if entries == nil {
			entries = append([]amf.Entry(nil), v.Entries...)
		}
		entries[i] = amf.Entry{Key: k, Value: val}
	}
	if entries != nil {
		v.Entries, changed = entries, true
	}
	if v.Target != nil {
		if follow {
			if t, ch := mapStringsRef(*v.Target, f, names, false); ch {
				v.Target, changed = &t, true
			}
		} else if containsText(*v.Target) {
			// A reference inside a target: cut it rather than follow a
			// possible cycle (its own sending was redacted).
			v.Target, changed = nil, true
		}
	}
	return v, changed
}

// containsText reports whether v holds any string, name or bytes that a
// redactor could have to change.
func containsText(v amf.Value) bool {
	switch v.Kind {
	case amf.KindString, amf.KindXML, amf.KindXMLDocument, amf.KindByteArray, amf.KindObject, amf.KindECMAArray,
		amf.KindStrictArray, amf.KindArray, amf.KindVectorObject, amf.KindDictionary, amf.KindReference:
		return true
	}
	return false
}
