package displayfilter

import "testing"

// BenchmarkMatch evaluates filters over every record of publish.pcap;
// ns/op is per record.
func BenchmarkMatch(b *testing.B) {
	recs := records(b, "publish.pcap")
	for _, bc := range []struct{ name, src string }{
		{"core", `dir == "s2c" && timestamp > 5000`},
		{"command", `type == "command" && command.name == "publish"`},
		{"command-body-only", `command.name == "publish"`},
		{"video", `video.keyframe && video.codec == "avc1"`},
		{"diagnostic", `diagnostic.severity == "error"`},
	} {
		f, err := Compile(bc.src)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				f.Match(&recs[i%len(recs)])
			}
		})
	}
}
