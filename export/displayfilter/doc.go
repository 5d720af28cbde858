// Package displayfilter selects records with display filters such as
//
//	type == "command" && command.name == "publish"
//	video.keyframe && video.codec == "avc1"
//	diagnostic.severity == "error"
//	dir == "s2c" && timestamp > 5000
//
// The language is expr (github.com/expr-lang/expr); the names are those of
// the JSON export (docs/json-schema.md), so a filter that works here works
// as a jq select on the NDJSON output, and the other way round. The user's
// guide is docs/display-filters.md.
//
// Two rules make filters behave like tshark's on records that lack a
// field: an absent field or object is nil, and reading through it
// (command.name on a video message) gives nil rather than an error; an
// ordering comparison (<, <=, >, >=) with nil is false. Anything else
// that fails while a record is evaluated makes that record not match.
//
// tshark's spellings work too (translate.go, aliases.go): the field names
// rtmpt.header.typeid, amf.string, frame.number, tcp.port, ip.addr, ... and
// the operators eq, ne, ~ and in {…}. A name or value that cannot be right
// (an unknown field, a number compared with a string, a value a field with
// fixed values never has) is a SyntaxError with its column (check.go), so
// that no filter silently matches nothing. Redacted values are matched in
// the plain (session.Record.Secrets); Field, for -T fields, reads the
// redacted record.
//
// A filter is compiled once and evaluated per record without decoding more
// than it reads: core fields come straight from the record, and the JSON
// form of the event is built only when the filter names a field beyond
// them (a body object, pair, session, ...).
package displayfilter
