package locale_test

import (
	"testing"

	"github.com/ruche-project/ruche/pkg/locale"
)

func TestGroupDigits(t *testing.T) {
	cases := []struct{ in, sep, want string }{
		{"0", ",", "0"},
		{"999", ",", "999"},
		{"1000", ",", "1,000"},
		{"-1234567", ",", "-1,234,567"},
		{"1234567", locale.FrenchGroupSeparator, "1\u00a0234\u00a0567"},
		{"-12", locale.FrenchGroupSeparator, "-12"},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			if got := locale.GroupDigits(tc.in, tc.sep); got != tc.want {
				t.Fatalf("GroupDigits(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}
