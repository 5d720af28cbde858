package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/rtmpscope/rtmpscope/capture"
)

// resolveInputs turns the -r values into the files of one capture, in the
// order to read them. Several -r values, a glob and a directory all stand
// for the rotated files of one capture point (tcpdump -C/-G, dumpcap -b):
// they are read as one capture, in time order, TCP and RTMP state carried
// from file to file and frame numbers going on as tshark numbers the
// merged file.
//
// A directory or glob that holds the files of several capture points (by
// name pattern and time) is refused with the list of them; files named one
// by one are taken as one capture point as long as they do not overlap in
// time.
func resolveInputs(reads []string) ([]string, error) {
	if len(reads) == 1 && reads[0] == "-" {
		return reads, nil
	}
	if len(reads) == 1 {
		st, err := os.Stat(reads[0])
		if (err == nil && !st.IsDir()) || (err != nil && !strings.ContainsAny(reads[0], "*?[")) {
			// The common case, no probing: the file is opened (and any
			// error reported) as one.
			return reads, nil
		}
	}
	for _, r := range reads {
		if r == "-" {
			return nil, usagef("-r -: standard input cannot be read together with files")
		}
	}
	seqs, err := capture.GroupFiles(reads)
	if err != nil {
		return nil, fmt.Errorf("-r: %w", err)
	}
	if len(seqs) == 1 {
		return seqs[0].Names(), nil
	}
	if allPlainFiles(reads) {
		files, err := capture.ExpandInputs(reads)
		if err != nil {
			return nil, fmt.Errorf("-r: %w", err)
		}
		infos, err := capture.OrderFiles(files)
		if err != nil {
			return nil, fmt.Errorf("-r: %w", err)
		}
		names := make([]string, len(infos))
		for i, fi := range infos {
			names[i] = fi.Name
		}
		return names, nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "-r %s: holds the files of %d captures (told apart by name and time); give the files of one:", strings.Join(reads, " "), len(seqs))
	for _, s := range seqs {
		fmt.Fprintf(&b, "\n  %s (%d files, %s ... %s)", s.Pattern, len(s.Files), s.Files[0].Name, s.Files[len(s.Files)-1].Name)
	}
	return nil, usagef("%s", b.String())
}

// allPlainFiles says whether every input names a file (no directory, no
// glob pattern): the user listed them, so they are one capture point.
func allPlainFiles(reads []string) bool {
	for _, r := range reads {
		st, err := os.Stat(r)
		if err != nil || st.IsDir() {
			return false
		}
	}
	return true
}

// readName is how the input is named to people (the TUI's title, extract's
// file names): the one -r value, or the first file of several.
func readName(reads, files []string) string {
	if len(reads) == 1 || len(files) == 0 {
		return reads[0]
	}
	return files[0]
}
