package agent

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Job is one unit of the work queue: the files of one capture point, in
// the order they are read as one capture (capture.OpenSequence), and
// where the output goes. A sequence is never split: the TCP and RTMP state
// of a connection runs across its rotated files.
type Job struct {
	// Name is unique per sequence and names the output files.
	Name string `json:"name"`
	// Files are absolute paths, in reading order; every worker must see
	// them at these paths (a shared file system).
	Files []string `json:"files"`
	// Out is the directory the output is written to (shared too).
	Out string `json:"out"`
	// Format of the output: "ndjson" (what -T ndjson writes).
	Format string `json:"format"`
}

// JobName names a sequence's job: its rotation pattern's base name, made
// safe for a file name ('#' for the rotation digits becomes 'N'), and a
// hash of its absolute file names, so two directories with files of the
// same names do not collide.
func JobName(pattern string, files []string) string {
	base := strings.ReplaceAll(filepath.Base(pattern), "#", "N")
	var b strings.Builder
	for _, r := range base {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	h := sha256.Sum256([]byte(strings.Join(files, "\x00")))
	return b.String() + "-" + hex.EncodeToString(h[:4])
}

// Validate says what is wrong with a job a worker received.
func (j *Job) Validate() error {
	switch {
	case j.Name == "" || strings.ContainsAny(j.Name, `/\`) || strings.HasPrefix(j.Name, "."):
		return fmt.Errorf("job name %q: not a plain file name", j.Name)
	case len(j.Files) == 0:
		return fmt.Errorf("job %s: no files", j.Name)
	case j.Out == "" || !filepath.IsAbs(j.Out):
		return fmt.Errorf("job %s: output directory %q is not an absolute path", j.Name, j.Out)
	case j.Format != "ndjson" && j.Format != "parquet":
		return fmt.Errorf("job %s: unknown format %q", j.Name, j.Format)
	}
	for _, f := range j.Files {
		if !filepath.IsAbs(f) {
			return fmt.Errorf("job %s: %s is not an absolute path", j.Name, f)
		}
	}
	return nil
}

// Enqueue publishes jobs to the work queue (making its stream when absent)
// and waits for JetStream to store each. A job's message id is made of its
// name, output directory and format: queueing the same sequences for the
// same output again within the stream's duplicate window (2 minutes by
// default) adds nothing. It returns how many were new.
func Enqueue(ctx context.Context, js jetstream.JetStream, stream string, jobs []Job) (int, error) {
	if stream == "" {
		stream = DefaultJobStream
	}
	if _, err := EnsureJobStream(ctx, js, stream); err != nil {
		return 0, err
	}
	added := 0
	for i := range jobs {
		if err := jobs[i].Validate(); err != nil {
			return added, err
		}
		data, err := json.Marshal(&jobs[i])
		if err != nil {
			return added, err
		}
		m := nats.NewMsg(JobSubject)
		m.Data = data
		ack, err := js.PublishMsg(ctx, m, jetstream.WithMsgID(jobs[i].msgID()), jetstream.WithExpectStream(stream))
		if err != nil {
			return added, fmt.Errorf("queue %s: %w", jobs[i].Name, err)
		}
		if !ack.Duplicate {
			added++
		}
	}
	return added, nil
}

// msgID identifies a job for JetStream's duplicate detection.
func (j *Job) msgID() string {
	h := sha256.Sum256([]byte(j.Out + "\x00" + j.Format))
	return j.Name + "-" + hex.EncodeToString(h[:4])
}

// ParseJob decodes a job message.
func ParseJob(data []byte) (Job, error) {
	var j Job
	if err := json.Unmarshal(data, &j); err != nil {
		return j, fmt.Errorf("job: %w", err)
	}
	return j, j.Validate()
}
