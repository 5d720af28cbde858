// Package tsharkref reads the tshark references committed beside each test
// capture (testdata/pcaps/NAME.messages.tsv, written by tshark-refs.py):
// one row per frame that carries RTMP, one column per tshark field, with
// the values of several messages in one frame joined by "," (fields) or
// "|" (the Info column). Tests of several packages compare against them.
package tsharkref

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Row is one line of a reference: its values by tshark field name
// ("frame.number", "rtmpt.header.csid", "_ws.col.Info", ...). Missing and
// empty columns read as "".
type Row map[string]string

// MessagesPath is the reference file of a capture in dir: publish.pcap and
// publish.pcapng both map to publish.messages.tsv.
func MessagesPath(dir, capture string) string {
	base := strings.TrimSuffix(strings.TrimSuffix(capture, ".pcapng"), ".pcap")
	return filepath.Join(dir, base+".messages.tsv")
}

// Load reads a capture's reference rows (see MessagesPath).
func Load(dir, capture string) ([]Row, error) {
	path := MessagesPath(dir, capture)
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	var cols []string
	var rows []Row
	for sc.Scan() {
		rec := strings.Split(sc.Text(), "\t")
		if cols == nil {
			cols = rec
			continue
		}
		r := make(Row, len(cols))
		for i, v := range rec {
			if i < len(cols) {
				r[cols[i]] = v
			}
		}
		rows = append(rows, r)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return rows, nil
}
