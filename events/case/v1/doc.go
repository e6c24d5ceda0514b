// Package v1 holds version 1 of the case domain's contracts: what moderators
// decide about an interaction (Decided) and their corrections of its
// automatic labels (Corrected). Changes here are additive only.
// The directory is "case"; the package is v1 (case is a Go keyword).
package v1
