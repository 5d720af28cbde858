package displayfilter

import (
	"errors"
	"testing"
)

// FuzzCompile compiles arbitrary filters and runs the ones that compile
// over a few real records: neither may panic, and every compile error must
// be a *SyntaxError with a position inside the filter (or just past it).
func FuzzCompile(f *testing.F) {
	for _, s := range []string{
		`type == "command" && command.name == "publish"`, `video.keyframe && video.codec == "avc1"`,
		`diagnostic.severity == "error"`, `dir == "s2c" && timestamp > 5000`, `command.args[0].code endsWith "x"`,
		`any(session.streams, .action == "play")`, `let x = 1; x > frame`, `comand.name`, `type ==`, `"a" < 1`,
		`frames[1] - frames[0] > 2`, `len(data.values) > 0 ? true : false`, `kind in ["conn", "gap"]`,
		// tshark's names and spellings (translate.go, aliases.go, check.go)
		`rtmpt.header.typeid eq 0x14`, `tcp.port in {1935 8080}`, `tcp.port in {1935, 8080`, `amf.string ~ "^live"`,
		`ip.addr == 127.0.0.1 || ipv6.addr == ::1`, `frame.number == 25`, `video.keyframe == 1`, `type == video`,
		`type in {audio video}`, `!amf.number`, `frame.time_relative > 1.5 && tcp.srcport ne 1935`, `x ~= 3`,
		`amf.string != "connect"`, `{1 2}`, `"unterminated`, `frame.numbr`, `tcp.prot == 1`, `in {}`,
	} {
		f.Add(s)
	}
	recs := records(f, "reject.pcap")
	f.Fuzz(func(t *testing.T, src string) {
		flt, err := Compile(src)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("%q: %T %v", src, err, err)
			}
			if se.Line < 1 || se.Column < 1 {
				t.Fatalf("%q: position %d:%d", src, se.Line, se.Column)
			}
			_ = se.Caret()
			return
		}
		for i := range recs {
			flt.Match(&recs[i])
		}
	})
}
