package relay

import (
	"math"
	"time"
)

// histogram counts latencies in log-scale buckets 1 % wide from 1 µs to
// about 100 s (a fixed 1,850 counters), plus the exact minimum and maximum:
// median and p99 of any number of frames in fixed memory.
type histogram struct {
	counts   []int64
	n        int64
	min, max time.Duration
	below    int64 // latencies under 1 µs (or negative: clock steps)
}

const (
	histBase   = 1.01
	histLowest = time.Microsecond
	histSize   = 1852 // log(1e8)/log(1.01): 1 µs .. 100 s
)

func (h *histogram) init() { h.counts = make([]int64, histSize) }

func (h *histogram) add(d time.Duration) {
	if h.n == 0 || d < h.min {
		h.min = d
	}
	if h.n == 0 || d > h.max {
		h.max = d
	}
	h.n++
	if d < histLowest {
		h.below++
		return
	}
	i := int(math.Log(float64(d)/float64(histLowest)) / math.Log(histBase))
	h.counts[min(i, histSize-1)]++
}

// quantile is the latency below which a fraction q of the samples lie:
// the middle of its bucket, kept within [min, max].
func (h *histogram) quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := int64(math.Ceil(q * float64(h.n)))
	if rank < 1 {
		rank = 1
	}
	seen := h.below
	if seen >= rank {
		return h.min
	}
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			d := time.Duration(float64(histLowest) * math.Pow(histBase, float64(i)+0.5))
			return min(max(d, h.min), h.max)
		}
	}
	return h.max
}

func (h *histogram) summary() Latency {
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	return Latency{Samples: h.n, MinMS: ms(h.min), MedianMS: ms(h.quantile(0.5)), P99MS: ms(h.quantile(0.99)), MaxMS: ms(h.max)}
}

// series is the latency over time in buckets of width seconds, merged
// pairwise (width doubles) when there would be more than max.
type series struct {
	max   int
	width int // seconds per bucket
	sum   []time.Duration
	peak  []time.Duration
	n     []int64
}

func (s *series) add(at, lat time.Duration) {
	if s.width == 0 {
		s.width = 1
	}
	if at < 0 {
		at = 0
	}
	i := int(at / time.Second / time.Duration(s.width))
	for i >= s.max {
		s.halve()
		i = int(at / time.Second / time.Duration(s.width))
	}
	for len(s.n) <= i {
		s.sum, s.peak, s.n = append(s.sum, 0), append(s.peak, 0), append(s.n, 0)
	}
	s.sum[i] += lat
	s.peak[i] = max(s.peak[i], lat)
	s.n[i]++
}

func (s *series) halve() {
	m := (len(s.n) + 1) / 2
	for i := 0; i < m; i++ {
		j := 2 * i
		sum, peak, n := s.sum[j], s.peak[j], s.n[j]
		if j+1 < len(s.n) {
			sum, peak, n = sum+s.sum[j+1], max(peak, s.peak[j+1]), n+s.n[j+1]
		}
		s.sum[i], s.peak[i], s.n[i] = sum, peak, n
	}
	s.sum, s.peak, s.n = s.sum[:m], s.peak[:m], s.n[:m]
	s.width *= 2
}

func (s *series) points() (int, []SeriesPoint) {
	var out []SeriesPoint
	for i, n := range s.n {
		if n == 0 {
			continue
		}
		out = append(out, SeriesPoint{AtS: float64(i * s.width), MeanMS: float64((s.sum[i] / time.Duration(n)).Microseconds()) / 1000,
			MaxMS: float64(s.peak[i].Microseconds()) / 1000, Frames: n})
	}
	return max(s.width, 1), out
}
