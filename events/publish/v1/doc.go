// Package v1 holds version 1 of the publish domain's contracts: requests to
// act on a network (Requested), consumed by publishing, their outcomes per
// network account (Succeeded, Failed), and the approval record a post or a
// reply needs (Approval, ContentHash). Changes here are additive only.
package v1
