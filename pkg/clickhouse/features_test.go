package clickhouse_test

import (
	"testing"

	"github.com/ruche-project/ruche/pkg/clickhouse"
)

func TestFeaturesOf(t *testing.T) {
	cases := []struct {
		name    string
		version clickhouse.Version
		want    clickhouse.Features
	}{
		{"debian_18_16_has_none", clickhouse.Version{Major: 18, Minor: 16, Patch: 1}, clickhouse.Features{}},
		{"low_cardinality_from_19_3", clickhouse.Version{Major: 19, Minor: 3}, clickhouse.Features{LowCardinality: true}},
		{"ttl_from_19_6", clickhouse.Version{Major: 19, Minor: 6}, clickhouse.Features{LowCardinality: true, TTL: true}},
		{"datetime64_from_20_1", clickhouse.Version{Major: 20, Minor: 1}, clickhouse.Features{LowCardinality: true, TTL: true, DateTime64: true}},
		{"async_insert_from_21_11", clickhouse.Version{Major: 21, Minor: 11}, clickhouse.Features{LowCardinality: true, TTL: true, DateTime64: true, AsyncInsert: true}},
		{"dedup_token_from_22_2", clickhouse.Version{Major: 22, Minor: 2}, clickhouse.Features{LowCardinality: true, TTL: true, DateTime64: true, AsyncInsert: true, InsertDeduplicationToken: true}},
		{"current_has_all", clickhouse.Version{Major: 25, Minor: 8, Patch: 1}, clickhouse.Features{LowCardinality: true, TTL: true, DateTime64: true, AsyncInsert: true, InsertDeduplicationToken: true}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := clickhouse.FeaturesOf(tc.version); got != tc.want {
				t.Fatalf("FeaturesOf(%s) = %+v, want %+v", tc.version, got, tc.want)
			}
		})
	}
}

func TestFeaturesHas(t *testing.T) {
	f := clickhouse.Features{TTL: true}
	for _, name := range clickhouse.FeatureNames() {
		got, err := f.Has(name)
		if err != nil {
			t.Fatalf("Has(%q): %v", name, err)
		}
		if want := name == clickhouse.FeatureTTL; got != want {
			t.Errorf("Has(%q) = %v, want %v", name, got, want)
		}
	}
	if _, err := f.Has("ttl2"); err == nil {
		t.Fatal(`Has("ttl2") = nil error, want unknown feature`)
	}
}
