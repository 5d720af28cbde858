// Package theme holds the terminal UI's shared Lip Gloss styles, so every
// pane colours labels, values, warnings, selections and hex bytes the same
// way. A Theme is a plain value built once by the root model and handed to
// each pane; there is no package-level mutable state.
//
// Three flavours exist: New(dark) has colours tuned for a dark or light
// background; NoColor() keeps only attributes (bold, faint, reverse,
// underline) for terminals where NO_COLOR is set; Plain() emits no escape
// sequences at all, which golden tests use so their files stay readable.
// Detect picks between New and NoColor from the environment.
package theme

import (
	"image/color"
	"strings"

	"charm.land/lipgloss/v2"
)

// Theme is the set of styles every pane draws with.
type Theme struct {
	// Color is false for NoColor and Plain themes.
	Color bool
	// ASCII asks panes to draw with ASCII only (no box drawing, block
	// elements or ellipsis), for terminals without UTF-8.
	ASCII bool

	Label   lipgloss.Style // field names: "csid", "Command name"
	Value   lipgloss.Style // field values
	Dim     lipgloss.Style // secondary text: offsets, units, punctuation
	Info    lipgloss.Style // severity 0 findings worth noticing (inferred values)
	Warn    lipgloss.Style // severity 1
	Error   lipgloss.Style // severity 2
	Title   lipgloss.Style // a pane's title line
	Heading lipgloss.Style // a group heading inside a pane (a stream's header line)

	// Selected is the cursor row in the focused pane; SelectedBlur the cursor
	// row in a pane that does not have focus.
	Selected     lipgloss.Style
	SelectedBlur lipgloss.Style

	// Border and BorderFocused colour pane frames (the root draws them).
	Border        lipgloss.Style
	BorderFocused lipgloss.Style

	// Hex view.
	HeaderByte  lipgloss.Style // chunk header bytes
	PayloadByte lipgloss.Style // message body bytes
	Highlight   lipgloss.Style // bytes of the node selected in the detail pane
	Masked      lipgloss.Style // redacted bytes shown as **
	Boundary    lipgloss.Style // the rule line that marks a chunk boundary
	Offset      lipgloss.Style // the offset column

	// Charts and the status bar.
	Bar       lipgloss.Style // sparkline / bar chart blocks
	StatusBar lipgloss.Style
	HelpKey   lipgloss.Style
	HelpDesc  lipgloss.Style
}

// Palette colours, as light/dark pairs.
var (
	lightLabel, darkLabel       = lipgloss.Color("#5A5A5A"), lipgloss.Color("#9E9E9E")
	lightValue, darkValue       = lipgloss.Color("#1A1A1A"), lipgloss.Color("#EEEEEE")
	lightDim, darkDim           = lipgloss.Color("#8A8A8A"), lipgloss.Color("#6C6C6C")
	lightInfo, darkInfo         = lipgloss.Color("#0066CC"), lipgloss.Color("#5FAFFF")
	lightWarn, darkWarn         = lipgloss.Color("#A66300"), lipgloss.Color("#FFD75F")
	lightError, darkError       = lipgloss.Color("#C00000"), lipgloss.Color("#FF5F5F")
	lightAccent, darkAccent     = lipgloss.Color("#6A3FC8"), lipgloss.Color("#AF87FF")
	lightSelBg, darkSelBg       = lipgloss.Color("#D0E4FF"), lipgloss.Color("#005F87")
	lightSelBlurBg, darkSelBlur = lipgloss.Color("#E4E4E4"), lipgloss.Color("#3A3A3A")
	lightHeader, darkHeader     = lipgloss.Color("#008787"), lipgloss.Color("#5FD7D7")
	lightPayload, darkPayload   = lipgloss.Color("#303030"), lipgloss.Color("#D0D0D0")
	lightHiBg, darkHiBg         = lipgloss.Color("#FFE08A"), lipgloss.Color("#875F00")
	lightBar, darkBar           = lipgloss.Color("#2E8B57"), lipgloss.Color("#5FD787")
	lightStatusBg, darkStatusBg = lipgloss.Color("#E4E4E4"), lipgloss.Color("#303030")
)

// New returns the colour theme for a dark (or light) terminal background.
// Bubble Tea downsamples the colours to what the terminal supports.
func New(dark bool) Theme {
	ld := lipgloss.LightDark(dark)
	fg := func(light, dark color.Color) lipgloss.Style {
		return lipgloss.NewStyle().Foreground(ld(light, dark))
	}
	s := lipgloss.NewStyle
	return Theme{
		Color:         true,
		Label:         fg(lightLabel, darkLabel),
		Value:         fg(lightValue, darkValue),
		Dim:           fg(lightDim, darkDim),
		Info:          fg(lightInfo, darkInfo),
		Warn:          fg(lightWarn, darkWarn),
		Error:         fg(lightError, darkError).Bold(true),
		Title:         fg(lightAccent, darkAccent).Bold(true),
		Heading:       fg(lightAccent, darkAccent).Bold(true),
		Selected:      s().Background(ld(lightSelBg, darkSelBg)).Foreground(ld(lightValue, darkValue)),
		SelectedBlur:  s().Background(ld(lightSelBlurBg, darkSelBlur)),
		Border:        fg(lightDim, darkDim),
		BorderFocused: fg(lightAccent, darkAccent),
		HeaderByte:    fg(lightHeader, darkHeader),
		PayloadByte:   fg(lightPayload, darkPayload),
		Highlight:     s().Background(ld(lightHiBg, darkHiBg)).Foreground(ld(lightValue, darkValue)).Bold(true),
		Masked:        fg(lightError, darkError),
		Boundary:      fg(lightDim, darkDim),
		Offset:        fg(lightDim, darkDim),
		Bar:           fg(lightBar, darkBar),
		StatusBar:     s().Background(ld(lightStatusBg, darkStatusBg)).Foreground(ld(lightValue, darkValue)),
		HelpKey:       fg(lightAccent, darkAccent).Bold(true),
		HelpDesc:      fg(lightLabel, darkLabel),
	}
}

// NoColor returns a theme that uses attributes only, for NO_COLOR
// terminals: selection is reverse video, warnings bold, errors bold and
// underlined, header bytes faint, highlights reverse.
func NoColor() Theme {
	s := lipgloss.NewStyle
	return Theme{
		Title:         s().Bold(true),
		Heading:       s().Bold(true),
		Dim:           s().Faint(true),
		Warn:          s().Bold(true),
		Error:         s().Bold(true).Underline(true),
		Selected:      s().Reverse(true),
		SelectedBlur:  s().Underline(true),
		BorderFocused: s().Bold(true),
		HeaderByte:    s().Faint(true),
		Highlight:     s().Reverse(true),
		Masked:        s().Bold(true),
		Offset:        s().Faint(true),
		StatusBar:     s().Reverse(true),
		HelpKey:       s().Bold(true),
		Boundary:      s().Faint(true),
	}
}

// Plain returns a theme whose styles add nothing: Render returns its input
// unchanged. Panes still draw their cursor marker glyphs, so a plain view
// shows where the cursor is.
func Plain() Theme { return Theme{} }

// Detect returns NoColor() when NO_COLOR is set to a non-empty value in
// environ (see https://no-color.org), else New(dark). It also sets ASCII
// when the locale does not say UTF-8 (LC_ALL, LC_CTYPE, LANG, the first one
// set wins) — terminals in the C locale cannot draw block elements.
func Detect(environ []string, dark bool) Theme {
	env := map[string]string{}
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	t := New(dark)
	if env["NO_COLOR"] != "" {
		t = NoColor()
	}
	t.ASCII = !utf8Locale(env)
	return t
}

func utf8Locale(env map[string]string) bool {
	for _, k := range []string{"LC_ALL", "LC_CTYPE", "LANG"} {
		if v := env[k]; v != "" {
			v = strings.ToLower(v)
			return strings.Contains(v, "utf-8") || strings.Contains(v, "utf8")
		}
	}
	// No locale at all: most terminal emulators are UTF-8 nowadays, and
	// containers often run without LANG.
	return true
}

// Severity returns the style for a tree node or diagnostic severity:
// 0 normal (Value), 1 warn, 2 or more error.
func (t *Theme) Severity(sev int) lipgloss.Style {
	switch {
	case sev >= 2:
		return t.Error
	case sev == 1:
		return t.Warn
	}
	return t.Value
}

// Ellipsis is the truncation mark: "…", or "~" in ASCII mode.
func (t *Theme) Ellipsis() string {
	if t.ASCII {
		return "~"
	}
	return "…"
}
