package diff

import (
	"fmt"
	"path/filepath"

	"github.com/rtmpscope/rtmpscope/dissect/session"
	"github.com/rtmpscope/rtmpscope/flow"
	"github.com/rtmpscope/rtmpscope/pipeline"
)

// ProfileFile reads a capture file through the same router, handlers and
// session layer as every other view and returns the profile of each RTMP
// connection, in the order they closed, named after the file.
func ProfileFile(path string, cfg pipeline.Config) ([]*Profile, error) {
	pr := NewProfiler()
	tr := session.New(cfg.Session, func(r session.Record) { pr.Add(&r) })
	ro := flow.RunOptions{Options: cfg.Flow, Reassembly: cfg.Reassembly, Count: cfg.Count}
	if _, err := flow.ProcessFile(path, tr, pipeline.Protocols(&cfg), ro); err != nil {
		return nil, fmt.Errorf("diff: %s: %w", path, err)
	}
	out := pr.Profiles()
	for _, p := range out {
		p.Source = filepath.Base(path)
	}
	return out, nil
}
