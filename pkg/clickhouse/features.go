package clickhouse

import (
	"fmt"
	"sort"
	"strings"
)

// Features are the ClickHouse capabilities that Ruche uses only where the
// server has them. Each is true from the release that made it usable without
// an experimental setting; Debian's 18.16 has none of them.
type Features struct {
	// LowCardinality(T) columns: 19.3 (experimental behind a setting since 18.12).
	LowCardinality bool
	// TTL clauses on MergeTree tables and columns: 19.6.
	TTL bool
	// DateTime64 columns with sub-second precision: 20.1.
	DateTime64 bool
	// AsyncInsert, the async_insert setting (server-side buffering of small
	// inserts): 21.11.
	AsyncInsert bool
	// InsertDeduplicationToken, the insert_deduplication_token setting: 22.2.
	// On a non-replicated MergeTree it only works when the table sets
	// non_replicated_deduplication_window.
	InsertDeduplicationToken bool
}

// Feature names, as written after "-- requires:" in a migration.
const (
	FeatureLowCardinality           = "low_cardinality"
	FeatureTTL                      = "ttl"
	FeatureDateTime64               = "datetime64"
	FeatureAsyncInsert              = "async_insert"
	FeatureInsertDeduplicationToken = "insert_deduplication_token"
)

// featureSince lists each feature with the release that introduced it and
// where it lives in Features.
var featureSince = []struct {
	name         string
	major, minor int
	field        func(*Features) *bool
}{
	{FeatureLowCardinality, 19, 3, func(f *Features) *bool { return &f.LowCardinality }},
	{FeatureTTL, 19, 6, func(f *Features) *bool { return &f.TTL }},
	{FeatureDateTime64, 20, 1, func(f *Features) *bool { return &f.DateTime64 }},
	{FeatureAsyncInsert, 21, 11, func(f *Features) *bool { return &f.AsyncInsert }},
	{FeatureInsertDeduplicationToken, 22, 2, func(f *Features) *bool { return &f.InsertDeduplicationToken }},
}

// FeaturesOf returns the features a server of version v has.
func FeaturesOf(v Version) Features {
	var f Features
	for _, fs := range featureSince {
		*fs.field(&f) = v.AtLeast(fs.major, fs.minor)
	}
	return f
}

// FeatureNames lists every known feature name, sorted.
func FeatureNames() []string {
	names := make([]string, 0, len(featureSince))
	for _, fs := range featureSince {
		names = append(names, fs.name)
	}
	sort.Strings(names)
	return names
}

// Has reports whether the feature called name (see the Feature constants) is
// available; an unknown name is an error.
func (f Features) Has(name string) (bool, error) {
	for _, fs := range featureSince {
		if fs.name == name {
			return *fs.field(&f), nil
		}
	}
	return false, fmt.Errorf("unknown clickhouse feature %q (known: %s)", name, strings.Join(FeatureNames(), ", "))
}
