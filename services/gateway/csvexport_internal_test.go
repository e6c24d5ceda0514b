package gateway

import (
	"testing"
	"time"
)

// label is a named string type, as the events' enums are.
type label string

func TestCSVCell(t *testing.T) {
	paris, _ := time.LoadLocation("Europe/Paris")
	fr, en := csvFormat{french: true, loc: paris}, csvFormat{loc: time.UTC}
	at := time.Date(2026, 11, 23, 13, 5, 0, 0, time.UTC)
	half := 1234.5
	cases := []struct {
		name string
		f    csvFormat
		v    any
		want string
	}{
		{"fr_decimal_comma_and_thousands", fr, 1234.5, "1\u00a0234,5"},
		{"fr_integer_thousands", fr, int64(1234567), "1\u00a0234\u00a0567"},
		{"fr_negative", fr, int64(-1234), "-1\u00a0234"},
		{"fr_small", fr, uint64(999), "999"},
		{"fr_rounds_to_two_decimals", fr, 7.0 / 1620 * 100, "0,43"},
		{"fr_pointer", fr, &half, "1\u00a0234,5"},
		{"fr_date_in_time_zone", fr, at, "23/11/2026 14:05"},
		{"fr_bool", fr, true, "oui"},
		{"en_plain_decimal", en, 1234.5, "1234.5"},
		{"en_whole_float", en, 60.0, "60"},
		{"en_integer", en, 1234567, "1234567"},
		{"en_date", en, at, "2026-11-23 13:05:00"},
		{"nil_pointer_is_empty", fr, (*float64)(nil), ""},
		{"nil_time_is_empty", fr, (*time.Time)(nil), ""},
		{"formula_is_defused", fr, "=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"},
		{"at_sign_is_defused", en, "@SUM(A1)", "'@SUM(A1)"},
		{"handle_untouched", en, "@claire", "@claire"},
		{"fediverse_handle_untouched", en, "@cafe@piaille.fr", "@cafe@piaille.fr"},
		{"at_sign_dde_is_defused", en, "@cmd|' /C calc'!A0", "'@cmd|' /C calc'!A0"},
		{"at_sign_reference_is_defused", en, "@A1*2", "'@A1*2"},
		{"named_string_is_defused", en, label("=1+2"), "'=1+2"},
		{"named_string_plain", en, label("Café"), "Café"},
		{"plain_text_untouched", fr, "Café ; « crème »", "Café ; « crème »"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.f.cell(tc.v); got != tc.want {
				t.Fatalf("cell(%v) = %q, want %q", tc.v, got, tc.want)
			}
		})
	}
}
