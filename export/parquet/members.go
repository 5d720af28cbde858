package parquet

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// This file reads an event line faster than encoding/json's reflection
// would, with the same results: the line is validated once (json.Valid),
// split into its top-level members by a scanner that only has to find
// where each value ends, and the scalar members are converted with
// strconv. Anything unusual (escapes, a number that is not an integer)
// takes encoding/json's way.

var errNotObject = errors.New("not a JSON object")

// members splits a JSON object into its members as json.Unmarshal into a
// map[string]json.RawMessage would (the last of a repeated name wins); the
// values are slices of line.
func members(line []byte) (map[string]json.RawMessage, error) {
	if !json.Valid(line) {
		var m map[string]json.RawMessage
		err := json.Unmarshal(line, &m) // says where and why
		if err == nil {
			err = errNotObject
		}
		return nil, fmt.Errorf("%w: %v", errNotObject, err)
	}
	i := skipSpace(line, 0)
	if line[i] != '{' {
		return nil, fmt.Errorf("%w: %.20s", errNotObject, line[i:])
	}
	m := make(map[string]json.RawMessage, 32)
	i = skipSpace(line, i+1)
	if line[i] == '}' {
		return m, nil
	}
	for {
		end := skipString(line, i)
		var key string
		if k := line[i+1 : end-1]; bytes.IndexByte(k, '\\') < 0 && utf8.Valid(k) {
			key = string(k)
		} else if err := json.Unmarshal(line[i:end], &key); err != nil {
			return nil, err
		}
		i = skipSpace(line, skipSpace(line, end)+1) // past the colon
		vend := skipValue(line, i)
		m[key] = line[i:vend:vend]
		i = skipSpace(line, vend)
		if line[i] == '}' {
			return m, nil
		}
		i = skipSpace(line, i+1) // past the comma
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the index after the string that starts at b[i].
func skipString(b []byte, i int) int {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return i
}

// skipValue returns the index after the value that starts at b[i].
func skipValue(b []byte, i int) int {
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for ; i < len(b); i++ {
			switch b[i] {
			case '"':
				i = skipString(b, i) - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
		}
		return i
	}
	for i < len(b) && !bytes.ContainsRune([]byte(",}] \t\r\n"), rune(b[i])) {
		i++
	}
	return i
}

// scalar converts a valid JSON value into *string, *int64, *int32,
// *float64 or *bool the way json.Unmarshal would, and says so; it leaves
// other targets, and values it would not convert the same (escapes,
// invalid UTF-8, a number that is not an integer, a mismatched type), to
// json.Unmarshal.
func scalar(raw []byte, dst any) bool {
	switch p := dst.(type) {
	case *string:
		if len(raw) < 2 || raw[0] != '"' || bytes.IndexByte(raw, '\\') >= 0 || !utf8.Valid(raw) {
			return false
		}
		*p = string(raw[1 : len(raw)-1])
	case *int64:
		v, err := strconv.ParseInt(string(raw), 10, 64)
		if err != nil {
			return false
		}
		*p = v
	case *int32:
		v, err := strconv.ParseInt(string(raw), 10, 32)
		if err != nil {
			return false
		}
		*p = int32(v)
	case *float64:
		if len(raw) == 0 || raw[0] == '"' || raw[0] == 't' || raw[0] == 'f' || raw[0] == '[' || raw[0] == '{' {
			return false
		}
		v, err := strconv.ParseFloat(string(raw), 64)
		if err != nil {
			return false
		}
		*p = v
	case *bool:
		switch string(raw) {
		case "true":
			*p = true
		case "false":
			*p = false
		default:
			return false
		}
	default:
		return false
	}
	return true
}
