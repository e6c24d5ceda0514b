package clickhouse_test

import (
	"testing"

	"github.com/ruche-project/ruche/pkg/clickhouse"
)

func TestParseVersion(t *testing.T) {
	cases := []struct {
		in      string
		want    clickhouse.Version
		wantErr bool
	}{
		{"18.16.1", clickhouse.Version{Major: 18, Minor: 16, Patch: 1}, false},
		{"24.8.4.13", clickhouse.Version{Major: 24, Minor: 8, Patch: 4, Build: 13}, false},
		{"23.8.2.7-lts", clickhouse.Version{Major: 23, Minor: 8, Patch: 2, Build: 7}, false},
		{"25.3", clickhouse.Version{Major: 25, Minor: 3}, false},
		{"", clickhouse.Version{}, true},
		{"18", clickhouse.Version{}, true},
		{"a.b.c", clickhouse.Version{}, true},
		{"1.2.3.4.5", clickhouse.Version{}, true},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			got, err := clickhouse.ParseVersion(tc.in)
			if (err != nil) != tc.wantErr {
				t.Fatalf("ParseVersion(%q) error = %v, want error %v", tc.in, err, tc.wantErr)
			}
			if got != tc.want {
				t.Fatalf("ParseVersion(%q) = %+v, want %+v", tc.in, got, tc.want)
			}
		})
	}
}

func TestVersionCompare(t *testing.T) {
	v := func(s string) clickhouse.Version {
		x, err := clickhouse.ParseVersion(s)
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	cases := []struct {
		a, b string
		want int
	}{
		{"18.16.1", "18.16.1", 0},
		{"18.16.1", "19.1.0", -1},
		{"19.10.1", "19.9.9", 1},
		{"22.2.1.1", "22.2.1", 1},
		{"24.3.1.2672", "24.3.1.2673", -1},
	}
	for _, tc := range cases {
		if got := v(tc.a).Compare(v(tc.b)); got != tc.want {
			t.Errorf("%s.Compare(%s) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
	if got := v("24.8.4.13").String(); got != "24.8.4.13" {
		t.Errorf("String() = %q", got)
	}
	if got := v("18.16.1").String(); got != "18.16.1" {
		t.Errorf("String() = %q", got)
	}
}
