package export

import "fmt"

// digestScheme names where a handshake half's digest validated: "scheme 0"
// or "scheme 1", or "no digest" (-1: it carries none that validates).
func digestScheme(s int) string {
	if s < 0 {
		return "no digest"
	}
	return fmt.Sprintf("scheme %d", s)
}
