package dissect

// SparseBody assembles full the way the chunk layer does with sparse video
// bodies, as pieces of the given lengths arrive: whole until the first
// sparseHead bytes are in, then only what the walk needs, in a buffer that
// held fill. sparse says the walk was taken.
func SparseBody(full []byte, pieces []int, fill byte) (body []byte, sparse bool) {
	buf := make([]byte, len(full))
	for i := range buf {
		buf[i] = fill
	}
	body = buf[:0]
	next, checked := 0, false
	off := 0
	for _, n := range append(pieces, len(full)) {
		n = min(n, len(full)-off)
		if n <= 0 {
			continue
		}
		src := full[off : off+n]
		off += n
		if sparse {
			body = sparseAppend(body, src, len(full), &next)
			continue
		}
		body = append(body, src...)
		if !checked && len(body) >= sparseHead {
			checked = true
			next, sparse = sparseBegin(body, len(full))
		}
	}
	return body, sparse
}
