package clickhouse

import (
	"cmp"
	"fmt"
	"strconv"
	"strings"
)

// Version is a ClickHouse server version as version() reports it, e.g.
// 18.16.1 or 24.8.4.13. Missing parts are zero.
type Version struct {
	Major, Minor, Patch, Build int
}

// ParseVersion parses "18.16.1", "24.8.4.13" or "23.8.2.7-lts" (anything from
// the first character that is neither a digit nor a dot is ignored). It needs
// at least the major and minor parts.
func ParseVersion(s string) (Version, error) {
	raw := s
	if i := strings.IndexFunc(s, func(r rune) bool { return r != '.' && (r < '0' || r > '9') }); i >= 0 {
		s = s[:i]
	}
	parts := strings.Split(s, ".")
	if len(parts) < 2 || len(parts) > 4 {
		return Version{}, fmt.Errorf("clickhouse version %q: want major.minor[.patch[.build]]", raw)
	}
	var n [4]int
	for i, p := range parts {
		v, err := strconv.Atoi(p)
		if err != nil || v < 0 {
			return Version{}, fmt.Errorf("clickhouse version %q: part %d is not a number", raw, i+1)
		}
		n[i] = v
	}
	return Version{Major: n[0], Minor: n[1], Patch: n[2], Build: n[3]}, nil
}

// Compare returns -1, 0 or +1 as v is older than, the same as, or newer than o.
func (v Version) Compare(o Version) int {
	if c := cmp.Compare(v.Major, o.Major); c != 0 {
		return c
	}
	if c := cmp.Compare(v.Minor, o.Minor); c != 0 {
		return c
	}
	if c := cmp.Compare(v.Patch, o.Patch); c != 0 {
		return c
	}
	return cmp.Compare(v.Build, o.Build)
}

// AtLeast reports whether v is major.minor or newer.
func (v Version) AtLeast(major, minor int) bool {
	return v.Compare(Version{Major: major, Minor: minor}) >= 0
}

// String renders the version as version() would, without a zero build.
func (v Version) String() string {
	s := fmt.Sprintf("%d.%d.%d", v.Major, v.Minor, v.Patch)
	if v.Build != 0 {
		s += "." + strconv.Itoa(v.Build)
	}
	return s
}
