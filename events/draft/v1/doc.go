// Package v1 holds version 1 of the draft domain's contracts, published by
// drafting: a reply drafted for an interaction (Created), a human's approval
// of its exact text (Approved, the approval record publishing requires before
// it sends a reply) and a rejection (Rejected). Changes here are additive
// only.
package v1
