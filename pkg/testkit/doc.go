// Package testkit is Ruche's one test kit: a real embedded NATS JetStream
// server per test (NATS), a fresh database on the real local ClickHouse per
// test (ClickHouse), and small helpers shared by every module's tests.
package testkit

import "strings"

// Contains reports whether s contains sub, case-insensitively.
func Contains(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}
