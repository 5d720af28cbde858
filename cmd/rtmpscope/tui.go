package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/spf13/pflag"

	"github.com/rtmpscope/rtmpscope/dissect"
	"github.com/rtmpscope/rtmpscope/dissect/session"
	"github.com/rtmpscope/rtmpscope/export"
	"github.com/rtmpscope/rtmpscope/export/displayfilter"
	"github.com/rtmpscope/rtmpscope/pipeline"
	"github.com/rtmpscope/rtmpscope/tui"
	"github.com/rtmpscope/rtmpscope/tui/store"
	"github.com/rtmpscope/rtmpscope/tui/theme"
)

// wantTUI decides whether the messages job opens the terminal UI: only
// when stdout is a terminal, and no flag asked for text output, a format,
// the verbose tree, or a -w-only job (-q).
func wantTUI(stdout io.Writer, noTUI, formatSet, verbose, quiet bool) bool {
	return !noTUI && !formatSet && !verbose && !quiet && isTerminal(stdout)
}

// compileFilter adapts displayfilter to the UI's Matcher, carrying a syntax
// error's column so the filter bar can point at it.
func compileFilter(src string) (tui.Matcher, error) {
	f, err := displayfilter.Compile(src)
	if err != nil {
		var se *displayfilter.SyntaxError
		if errors.As(err, &se) {
			return nil, &tui.FilterError{Column: se.Column, Msg: se.Msg}
		}
		return nil, err
	}
	return f.Match, nil
}

// runTUI runs the pipeline into a store in the background and the terminal
// UI in the foreground; quitting the UI stops the pipeline.
func runTUI(ctx context.Context, in *input, fl *inputFlags, secrets bool, filter string, stderr io.Writer) error {
	if filter != "" {
		if _, err := compileFilter(filter); err != nil {
			in.close()
			return usagef("-Y: %v", err)
		}
	}
	st, err := store.New("")
	if err != nil {
		in.close()
		return err
	}
	defer st.Close()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	pipeDone := make(chan struct{})
	go func() {
		defer close(pipeDone)
		// The store always takes redacted records with their secrets
		// alongside; --show-secrets only starts the UI revealed.
		p := newPipeline(in, fl, pipeline.Config{
			Session: session.Options{}, Dissect: dissect.Options{KeepChunkHeaders: true},
		})
		_, runErr := p.Run(ctx, in.src, pipeline.NewSink(func(r *session.Record) error {
			if export.Shown(r) {
				st.Add(*r)
			}
			return nil
		}, nil))
		in.flushCounts()
		if errors.Is(runErr, context.Canceled) {
			runErr = nil
		}
		publishProgress(st, in)
		st.Finish(runErr)
	}()
	go func() {
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-pipeDone:
				return
			case <-t.C:
				publishProgress(st, in)
			}
		}
	}()

	source := fl.read
	if fl.iface != "" {
		source = "live " + fl.iface
	}
	m := tui.New(st, tui.Options{
		Source: source, Live: fl.iface != "", Reveal: secrets, Filter: filter,
		Compile: compileFilter, Theme: theme.Detect(os.Environ(), true),
	})
	_, uiErr := tea.NewProgram(m, tea.WithContext(ctx)).Run()
	cancel()
	<-pipeDone
	written := uint64(0)
	if in.writer != nil {
		written = in.writer.Count()
	}
	closeErr := in.close()
	if in.writeName != "" {
		// The UI has left the screen: say what -w kept, as the text
		// output's summary does.
		fmt.Fprintf(stderr, "%d packets written to %s\n", written, in.writeName)
	}
	if uiErr != nil && !errors.Is(uiErr, tea.ErrProgramKilled) && !errors.Is(uiErr, context.Canceled) {
		return fmt.Errorf("terminal UI: %w", uiErr)
	}
	if c := st.Counts(); c.Err != nil {
		return c.Err
	}
	return closeErr
}

// publishProgress copies the input's progress into the store.
func publishProgress(st *store.Store, in *input) {
	var read, size int64
	if in.file != nil {
		read, size = in.file.Progress()
	} else {
		// Live: no size; the status bar shows the bytes captured so far.
		read = int64(in.counts.bytes.Load())
	}
	st.SetProgress(in.counts.packets.Load(), read, size)
	if in.live != nil {
		s := in.live.Stats()
		st.SetLive(s.Received, s.Dropped)
	}
}

// displayFilterArg returns the -Y filter, if the flag set has one, so the
// UI starts filtered the way text output would be.
func displayFilterArg(fs *pflag.FlagSet) string {
	if f := fs.ShorthandLookup("Y"); f != nil {
		return f.Value.String()
	}
	return ""
}
