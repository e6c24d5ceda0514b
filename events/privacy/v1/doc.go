// Package v1 holds version 1 of the privacy domain's contracts: a data
// subject's erasure request (GDPR art. 17), which every service that holds
// personal data consumes to erase or pseudonymise its own copy, and keeps as
// a tombstone so that a replay of older events does not bring the data back.
// Changes here are additive only.
package v1
