// Package v1 holds version 1 of the publish domain's contracts: requests to
// act on a network (Requested), consumed by publishing. Changes here are
// additive only.
package v1
