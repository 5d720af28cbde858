package rtmpt

import (
	"github.com/rtmpscope/rtmpscope/event"
	"github.com/rtmpscope/rtmpscope/flow"
)

// chooser is the default inner handler of a session: it waits for the
// first client byte (C0) and then makes the RTMP handler, or for C0 = 6 or
// 8 (RTMPE inside RTMPT: RTMPTE) the "rtmpe" handler when one is
// registered, marking the session's variant rtmpte. Gaps before that byte
// are passed on once the handler exists.
type chooser struct {
	ctx   *flow.Context
	h     flow.StreamHandler
	early []earlyGap
	done  bool
}

type earlyGap struct {
	dir event.Dir
	g   flow.Gap
}

func newChooser(ctx *flow.Context) flow.StreamHandler { return &chooser{ctx: ctx} }

func (c *chooser) pick(c0 byte, known bool) {
	c.done = true
	if known && (c0 == 6 || c0 == 8) {
		// The variant is set first: making the inner handler settles
		// the session's open event.
		v := c.ctx.Info.Variant
		c.ctx.Info.Variant = event.VariantRTMPTE
		if c.h = c.ctx.Inner("rtmpe"); c.h == nil {
			c.ctx.Info.Variant = v
		}
	}
	if c.h == nil {
		c.h = c.ctx.Inner("rtmp")
	}
	if c.h != nil {
		for _, e := range c.early {
			c.h.Gap(e.dir, e.g)
		}
	}
	c.early = nil
}

// Data implements flow.StreamHandler.
func (c *chooser) Data(dir event.Dir, off int64, data []byte, refs []event.FrameRef) {
	if !c.done {
		if dir != event.C2S {
			// server bytes before any client byte: no C0 to go by
			c.pick(0, false)
		} else if len(data) > 0 {
			c.pick(data[0], off == 0 && !c.hadGap(event.C2S))
		}
	}
	if c.h != nil {
		c.h.Data(dir, off, data, refs)
	}
}

func (c *chooser) hadGap(dir event.Dir) bool {
	for _, e := range c.early {
		if e.dir == dir {
			return true
		}
	}
	return false
}

// Gap implements flow.StreamHandler.
func (c *chooser) Gap(dir event.Dir, g flow.Gap) {
	if !c.done {
		c.early = append(c.early, earlyGap{dir, g})
		return
	}
	if c.h != nil {
		c.h.Gap(dir, g)
	}
}

// Close implements flow.StreamHandler.
func (c *chooser) Close(ev *event.ConnEvent) {
	if !c.done {
		c.pick(0, false)
	}
	if c.h != nil {
		c.h.Close(ev)
	}
}
