package theme

import (
	"strings"
	"testing"
)

func TestPlainAddsNothing(t *testing.T) {
	th := Plain()
	for name, s := range map[string]string{
		"label": th.Label.Render("x"), "sel": th.Selected.Render("x"),
		"warn": th.Severity(1).Render("x"), "err": th.Severity(2).Render("x"),
		"hdr": th.HeaderByte.Render("x"), "hi": th.Highlight.Render("x"),
	} {
		if s != "x" {
			t.Errorf("%s: Plain rendered %q, want %q", name, s, "x")
		}
	}
}

func TestDetectNoColor(t *testing.T) {
	th := Detect([]string{"NO_COLOR=1", "LANG=en_US.UTF-8"}, true)
	if th.Color || th.ASCII {
		t.Fatalf("NO_COLOR: Color=%v ASCII=%v, want false,false", th.Color, th.ASCII)
	}
	// Attributes only: an SGR without any 38/48 colour parameter.
	out := th.Error.Render("x")
	if strings.Contains(out, "38;") || strings.Contains(out, "48;") {
		t.Errorf("NO_COLOR error style carries a colour: %q", out)
	}
	if out == "x" {
		t.Errorf("NO_COLOR error style adds no attribute")
	}
	if c := Detect([]string{"NO_COLOR="}, true); !c.Color {
		t.Errorf("empty NO_COLOR must not disable colour (no-color.org)")
	}
}

func TestDetectLocale(t *testing.T) {
	for _, tc := range []struct {
		env   []string
		ascii bool
	}{
		{nil, false},
		{[]string{"LANG=C"}, true},
		{[]string{"LANG=C.UTF-8"}, false},
		{[]string{"LC_ALL=POSIX", "LANG=en_US.utf8"}, true},
		{[]string{"LC_CTYPE=de_DE.UTF-8", "LANG=C"}, false},
	} {
		if got := Detect(tc.env, true).ASCII; got != tc.ascii {
			t.Errorf("Detect(%v).ASCII = %v, want %v", tc.env, got, tc.ascii)
		}
	}
}

func TestColourThemesDiffer(t *testing.T) {
	dark, light := New(true), New(false)
	if dark.Warn.Render("x") == light.Warn.Render("x") {
		t.Errorf("dark and light warn styles are identical")
	}
	if !strings.Contains(dark.Error.Render("x"), "\x1b[") {
		t.Errorf("colour error style renders no escape sequence")
	}
}
