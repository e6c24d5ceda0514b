// Package v1 holds version 1 of the audit domain's contract: one state
// change made through the API (Recorded), kept in an append-only stream.
// Changes here are additive only.
package v1
