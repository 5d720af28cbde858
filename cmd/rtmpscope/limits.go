package main

import (
	"fmt"
	"io"
	"maps"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/spf13/pflag"

	"github.com/rtmpscope/rtmpscope/event"
	"github.com/rtmpscope/rtmpscope/pipeline"
	"github.com/rtmpscope/rtmpscope/reassembly"
)

// limitFlags are the memory and CPU budgets of a run (issue #14 item 4),
// each a flag with the layer's documented default. 0 keeps the default.
type limitFlags struct {
	flows        int
	reorderConn  byteSize
	reorderTotal byteSize
	bodyConn     byteSize
	bodyTotal    byteSize
	chunkStreams int
	partials     int
	outstanding  int
	secrets      int
	amfDepth     int
	amfValues    int
	memory       byteSize
	target       byteSize
	targetOff    bool
}

func (l *limitFlags) register(fs *pflag.FlagSet) {
	fs.IntVar(&l.flows, "max-flows", 0, "most TCP connections and UDP flows followed at once, each (`N`; default 10000); further ones are counted, not analyzed")
	fs.Var(&l.reorderConn, "max-reorder-conn", "out-of-order bytes held per TCP connection (`SIZE`, e.g. 8MiB; default 4096 pages of 1900 bytes)")
	fs.Var(&l.reorderTotal, "max-reorder-total", "out-of-order bytes held in all (`SIZE`; default 65536 pages of 1900 bytes)")
	fs.Var(&l.bodyConn, "max-body-conn", "bytes of incomplete message bodies held per connection (`SIZE`; default 16MiB)")
	fs.Var(&l.bodyTotal, "max-body-total", "bytes of incomplete message bodies held across all connections (`SIZE`; default 16MiB)")
	fs.IntVar(&l.chunkStreams, "max-chunk-streams", 0, "chunk streams tracked per connection direction (`N`; default 1024)")
	fs.IntVar(&l.partials, "max-partials", 0, "messages in progress per connection direction whose bodies are kept (`N`; default 64)")
	fs.IntVar(&l.outstanding, "max-outstanding", 0, "unanswered requests remembered per connection direction (`N`; default 1024)")
	fs.IntVar(&l.secrets, "max-secrets", 0, "learned secrets remembered per connection for redaction (`N`; default 1024)")
	fs.IntVar(&l.amfDepth, "max-amf-depth", 0, "AMF nesting decoded (`N`; default 64)")
	fs.Var(&l.memory, "memory-limit", "soft limit of the Go heap (`SIZE`; default none, or $GOMEMLIMIT): the collector works harder near it, nothing fails past it")
	fs.Var(&l.target, "memory-target", "memory the collector keeps a run near while what is live fits in two thirds of it, so that a long capture peaks where a short one does (`SIZE`; default 20MiB; lifted when more is live; --no-memory-target turns it off)")
	fs.BoolVar(&l.targetOff, "no-memory-target", false, "let the collector pace itself from the start (see --memory-target)")
	fs.IntVar(&l.amfValues, "max-amf-values", 0, "AMF values decoded per message (`N`; default 32768)")
}

// apply sets the flags' limits in cfg; unset flags leave the defaults.
// The heap's soft limit is process-wide (runtime/debug.SetMemoryLimit);
// it is off by default because near it the collector runs all the time
// (a run with 60 MB of live AMF values took five times as long).
func (l *limitFlags) apply(cfg *pipeline.Config) {
	if l.memory > 0 {
		debug.SetMemoryLimit(int64(l.memory))
	}
	if l.flows > 0 {
		cfg.Reassembly.MaxConns, cfg.Flow.MaxUDPFlows = l.flows, l.flows
	}
	if l.reorderConn > 0 {
		cfg.Reassembly.MaxPagesPerConn = pages(l.reorderConn)
	}
	if l.reorderTotal > 0 {
		cfg.Reassembly.MaxPagesTotal = pages(l.reorderTotal)
	}
	if l.bodyConn > 0 {
		cfg.Dissect.MaxBodyBytes = int64(l.bodyConn)
	}
	if l.bodyTotal > 0 {
		cfg.Dissect.MaxTotalBodyBytes = int64(l.bodyTotal)
	}
	if l.chunkStreams > 0 {
		cfg.Dissect.MaxChunkStreams = l.chunkStreams
	}
	if l.partials > 0 {
		cfg.Dissect.MaxPartials = l.partials
	}
	if l.outstanding > 0 {
		cfg.Session.MaxOutstanding = l.outstanding
	}
	if l.secrets > 0 {
		cfg.Session.MaxSecrets = l.secrets
	}
	if l.amfDepth > 0 {
		cfg.Session.AMF.MaxDepth = l.amfDepth
	}
	if l.amfValues > 0 {
		cfg.Session.AMF.MaxValues = l.amfValues
	}
}

func pages(b byteSize) int {
	return max(1, int((int64(b)+reassembly.PageSize-1)/reassembly.PageSize))
}

// byteSize is a flag value in bytes: 1048576, 64KiB, 8MiB, 1GiB (also
// K/KB/M/MB/G/GB, all powers of 1024).
type byteSize int64

func (b *byteSize) String() string {
	if *b == 0 {
		return ""
	}
	return strconv.FormatInt(int64(*b), 10)
}

func (b *byteSize) Type() string { return "SIZE" }

func (b *byteSize) Set(s string) error {
	t := strings.ToUpper(strings.TrimSpace(s))
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		m      int64
	}{{"GIB", 1 << 30}, {"MIB", 1 << 20}, {"KIB", 1 << 10}, {"GB", 1 << 30}, {"MB", 1 << 20}, {"KB", 1 << 10}, {"G", 1 << 30}, {"M", 1 << 20}, {"K", 1 << 10}, {"B", 1}} {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.m
			break
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n <= 0 || n > (1<<62)/mult {
		return fmt.Errorf("%q is not a size in bytes (e.g. 65536, 64KiB, 8MiB)", s)
	}
	*b = byteSize(n * mult)
	return nil
}

// limitCodes are the diagnostics that say a budget refused something; the
// closing summary counts them, so a refusal is seen even when the output
// went to a file or a pipe.
var limitCodes = map[string]string{
	"chunk.mem_limit":      "--max-body-conn",
	"chunk.budget":         "--max-body-total",
	"chunk.csid_limit":     "--max-chunk-streams",
	"chunk.partials_limit": "--max-partials",
	"session.table_full":   "--max-outstanding",
	"session.amf_limit":    "--max-amf-depth/--max-amf-values",
}

// limitCounts counts the limit diagnostics of a run by code.
type limitCounts struct {
	mu sync.Mutex
	n  map[string]uint64
}

// note counts r when it is a limit diagnostic.
func (l *limitCounts) note(r *event.Event) {
	if r.Kind != event.KindDiagnostic || r.Diag == nil {
		return
	}
	code, n := r.Diag.Code, uint64(1)
	if code == "diag.suppressed" {
		// "N more CODE diagnostics were suppressed ...": the refusals
		// past the per-code cap count too.
		if _, err := fmt.Sscanf(r.Diag.Text, "%d more %s diagnostics", &n, &code); err != nil {
			return
		}
	}
	if _, ok := limitCodes[code]; !ok {
		return
	}
	l.mu.Lock()
	if l.n == nil {
		l.n = map[string]uint64{}
	}
	l.n[code] += n
	l.mu.Unlock()
}

// print writes one summary line naming each limit that refused something
// and the flag that raises it; nothing when none did.
func (l *limitCounts) print(w io.Writer) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.n) == 0 {
		return
	}
	var parts []string
	for _, code := range slices.Sorted(maps.Keys(l.n)) {
		parts = append(parts, fmt.Sprintf("%s ×%d (%s)", code, l.n[code], limitCodes[code]))
	}
	fmt.Fprintf(w, "limits reached: %s\n", strings.Join(parts, ", "))
}
