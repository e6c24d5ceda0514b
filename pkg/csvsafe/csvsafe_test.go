package csvsafe_test

import (
	"testing"

	"github.com/ruche-project/ruche/pkg/csvsafe"
)

func TestCell(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"empty", "", ""},
		{"plain_text", "Café ; « crème »", "Café ; « crème »"},
		{"formula", `=HYPERLINK("http://x")`, `'=HYPERLINK("http://x")`},
		{"plus", "+1+2", "'+1+2"},
		{"minus_dde", "-cmd|' /C calc'!A0", "'-cmd|' /C calc'!A0"},
		{"tab", "\t=1", "'\t=1"},
		{"carriage_return", "\r=1", "'\r=1"},
		{"at_call", "@SUM(A1)", "'@SUM(A1)"},
		{"at_dde", "@cmd|' /C calc'!A0", "'@cmd|' /C calc'!A0"},
		{"at_reference", "@A1*2", "'@A1*2"},
		{"at_with_text", "@claire merci !", "'@claire merci !"},
		{"handle", "@claire", "@claire"},
		{"fediverse_handle", "@cafe@piaille.fr", "@cafe@piaille.fr"},
		{"handle_with_dash_and_underscore", "@le-cafe_de.paris", "@le-cafe_de.paris"},
		{"equals_inside_untouched", "a=b", "a=b"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := csvsafe.Cell(tc.in); got != tc.want {
				t.Fatalf("Cell(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}
